// Staff sign-in: POST /api/v1/session opens a session (cookie + CSRF token),
// GET shows who is signed in, DELETE signs out.
#include <fmt/format.h>

#include "server/routes.h"

namespace tacit::server {
namespace {

// The actions the account may take somewhere in its region: the pages build
// their menus from it, so nobody is offered what they may not use (a county's
// operator has no feed upload: only a province-level one may).
json ActionsOf(const Principal& p) {
  json actions = json::array();
  for (int a = 0; a <= static_cast<int>(Action::kDeathsReport); ++a) {
    if (Authorise(p, static_cast<Action>(a)).has_value()) actions.push_back(ActionName(static_cast<Action>(a)));
  }
  return actions;
}

json UserJson(Context& ctx, const Principal& p) {
  json user = {{"name", p.name}, {"role", RoleName(p.role)}, {"region", p.region}, {"actions", ActionsOf(p)}};
  if (!p.region.empty()) {
    auto r = ctx.store.FindRegion(p.region);
    if (r && *r) user["region_name"] = (*r)->name;
  }
  return user;
}

std::string SessionCookie(const Context& ctx, const std::string& value, int64_t max_age) {
  return fmt::format("tacit_session={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", value, max_age,
                     ctx.svc.options.tls_cert.empty() ? "" : "; Secure");
}

HttpResult<Reply> SignIn(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string name, RequiredString(*body, "name", 64));
  ASSIGN_OR_RETURN(std::string password, RequiredString(*body, "password", 1024));
  // The session and its audit entry are one unit of work (Login's own unit
  // nests in it).
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  auto login = Login(ctx.store, name, password, ctx.svc.Now(), ctx.svc.options.access);
  // A name that is not an account name may be someone's personal data typed
  // in the wrong box: the trail records that a sign-in failed, not the text.
  const bool plausible = name.size() <= 32 && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") ==
                                                  std::string::npos;
  const std::string target = plausible ? "user " + name : "user (not an account name)";
  ctx.principal.kind = Principal::Kind::kStaff;
  ctx.principal.name = plausible ? name : "?";
  if (!login) {
    RETURN_IF_ERROR(ctx.Audit("session.login", target, "", fmt::format("denied: {}", ErrorCodeName(login.error().code))));
    RETURN_IF_ERROR(unit->Commit());
    HttpError e(login.error());
    e.status = 401;
    e.code_name = login.error().code == ErrorCode::kFailedPrecondition ? "locked" : "unauthenticated";
    return tl::unexpected(e);
  }
  ctx.principal = login->principal;
  RETURN_IF_ERROR(ctx.Audit("session.login", target));
  RETURN_IF_ERROR(unit->Commit());
  Reply r = Reply::Json({{"user", UserJson(ctx, login->principal)},
                         {"csrf_token", login->csrf_token},
                         {"expires_at", login->expires_at}});
  r.headers.emplace_back("Set-Cookie", SessionCookie(ctx, login->token, login->expires_at - ctx.svc.Now()));
  return r;
}

HttpResult<Reply> WhoAmI(Context& ctx) {
  return Reply::Json({{"user", UserJson(ctx, ctx.principal)}, {"expires_at", ctx.session->expires_at}});
}

HttpResult<Reply> SignOut(Context& ctx) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  RETURN_IF_ERROR(ctx.store.DeleteSessions(ctx.session->token_hash, 0, ctx.svc.Now()));
  RETURN_IF_ERROR(ctx.Audit("session.logout", "user " + ctx.principal.name));
  RETURN_IF_ERROR(unit->Commit());
  Reply r = Reply::Json({{"signed_out", true}});
  r.headers.emplace_back("Set-Cookie", SessionCookie(ctx, "", 0));
  return r;
}

}  // namespace

void AddSessionRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "POST",
                    .path = "/api/v1/session",
                    .tag = "session",
                    .summary = "登录 (sign in): sets the session cookie and returns the CSRF token",
                    .auth = kPublic,
                    .request_schema = {{"type", "object"},
                                       {"required", {"name", "password"}},
                                       {"properties", {{"name", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}},
                    .handler = SignIn});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/session",
                    .tag = "session",
                    .summary = "当前用户 (who is signed in)",
                    .auth = kSessionAuth,
                    .handler = WhoAmI});
  routes.push_back({.method = "DELETE",
                    .path = "/api/v1/session",
                    .tag = "session",
                    .summary = "退出 (sign out)",
                    .auth = kSessionAuth,
                    .handler = SignOut});
}

}  // namespace tacit::server
