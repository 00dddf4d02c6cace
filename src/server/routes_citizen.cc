// The citizen page's API (/api/v1/citizen): a pensioner signs in with their
// identity number, name and an SMS code (tacit/citizen.h), sees their own
// certification, certifies by face (the staff routes' challenge steps), and
// asks for a home visit. A citizen session reaches these routes and nothing
// else; every request is in the audit trail as citizen:<handle>. Identity
// numbers travel only in POST bodies; no answer or error names anyone else.
#include <fmt/format.h>

#include "server/routes.h"
#include "tacit/outreach.h"

namespace tacit::server {
namespace {

constexpr std::string_view kCookie = "tacit_citizen";
// The cookie goes to the citizen routes only: never to a staff route.
constexpr std::string_view kCookiePath = "/api/v1/citizen";

std::string CitizenCookie(const Context& ctx, const std::string& value, int64_t max_age) {
  return fmt::format("{}={}; Path={}; Max-Age={}; HttpOnly; SameSite=Strict{}", kCookie, value, kCookiePath, max_age,
                     ctx.svc.options.tls_cert.empty() ? "" : "; Secure");
}

std::string DateZh(Date d) { return fmt::format("{}年{}月{}日", d.year(), d.month(), d.day()); }

// The principal of a request that has not signed in yet: the trail names a
// citizen, and whom only once a person is known.
void Unidentified(Context& ctx) {
  ctx.principal = Principal{};
  ctx.principal.kind = Principal::Kind::kCitizen;
  ctx.principal.role = Role::kCitizen;
  ctx.principal.name = "?";
}

std::string Target(const PersonRecord& p) { return "person " + MaskIdNumber(p.id_number); }

// The signed-in person (their record can have gone since the sign-in).
HttpResult<PersonRecord> Me(Context& ctx) {
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(ctx.principal.person));
  if (!p) {
    HttpError e(ErrorCode::kPermissionDenied, "未登录或登录已过期，请重新登录 (not signed in)");
    e.status = 401;
    e.code_name = "unauthenticated";
    return tl::unexpected(e);
  }
  return std::move(*p);
}

HttpError TooSoon(int64_t retry_after_ms) {
  HttpError e(ErrorCode::kUnavailable,
              "获取验证码太频繁，请稍后再试 (too many codes for this identity number: wait before asking again)");
  e.status = 429;
  e.code_name = "rate_limited";
  e.retry_after = static_cast<int>(std::max<int64_t>(1, (retry_after_ms + 999) / 1000));
  return e;
}

HttpResult<Reply> RequestCode(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string id_number, RequiredString(*body, "id_number", 64));
  ASSIGN_OR_RETURN(std::string name, RequiredString(*body, "name", 128));
  Unidentified(ctx);
  // The same for everyone: whether codes can go out says nothing of the person.
  ASSIGN_OR_RETURN(bool available, CitizenCodesAvailable(ctx.store));
  if (ctx.svc.channels == nullptr || !available) {
    return tl::unexpected(HttpError(ErrorCode::kUnavailable,
                                    "短信验证码暂时发不出，请稍后再试，或到就近的认证点办理 (sign-in codes cannot be "
                                    "sent now: no SMS channel with a login_code template)"));
  }
  const CitizenOptions& options = ctx.svc.options.citizen;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  auto r = RequestCitizenCode(ctx.store, ctx.svc.secrets, id_number, name, ctx.svc.NowMs(), options);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return tl::unexpected(HttpError(r.error()));
    HttpError e = WithField(r.error(), {{"id_number", "id_number"}, {"name", "name"}});
    e.message = e.message.substr(e.message.find(": ") + 2);
    return tl::unexpected(e);
  }
  if (r->retry_after_ms > 0) {
    RETURN_IF_ERROR(ctx.Audit("citizen.code", "person (not identified)", "", "refused: rate_limited"));
    RETURN_IF_ERROR(unit->Commit());
    return tl::unexpected(TooSoon(r->retry_after_ms));
  }
  // The trail says whether a code was sent, for whom; the answer does not.
  const bool matched = r->person != 0;
  if (matched) ctx.principal.name = ctx.svc.secrets.PersonHandle(r->person);
  RETURN_IF_ERROR(ctx.Audit("citizen.code", matched ? "person " + MaskedIdOf(r->person) : "person (no match)",
                            json{{"challenge", r->challenge}, {"sent", matched}}.dump()));
  RETURN_IF_ERROR(unit->Commit());
  if (matched) {
    ChannelFactory* channels = ctx.svc.channels;
    const Secrets& secrets = ctx.svc.secrets;
    Metrics& metrics = ctx.svc.metrics;
    ctx.svc.background([channels, &secrets, &metrics, challenge = r->challenge, phone = std::move(r->phone),
                        code = std::move(r->code)](Store& store) {
      auto sent = SendCitizenCode(store, secrets, *channels, challenge, phone, code);
      const std::string outcome = sent ? std::string(SendOutcomeName(sent->outcome)) : std::string("error");
      metrics.Add("tacit_citizen_codes_total", "Citizens' sign-in codes sent, by the provider's outcome.",
                  fmt::format("outcome=\"{}\"", outcome), 1);
    });
  }
  const int64_t expires_in = (r->expires_ms - ctx.svc.NowMs()) / 1000;
  return Reply::Json({{"challenge", r->challenge},
                      {"phone", r->masked_phone},
                      {"expires_in", expires_in},
                      {"resend_in", options.code_interval_ms / 1000},
                      {"tries", options.code_tries},
                      {"message", fmt::format("如果您填写的信息与社保登记的一致，验证码已发到手机 {}，{}分钟内有效。"
                                              "收不到短信的，请核对身份证号码和姓名，或到就近的认证点办理。",
                                              r->masked_phone, (expires_in + 59) / 60)}},
                     202);
}

HttpResult<Reply> OpenSession(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string challenge, RequiredString(*body, "challenge", 64));
  ASSIGN_OR_RETURN(std::string code, RequiredString(*body, "code", 16));
  Unidentified(ctx);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  ASSIGN_OR_RETURN(CitizenCodeCheck c, CheckCitizenCode(ctx.store, ctx.svc.secrets, challenge, code, ctx.svc.NowMs(),
                                                        ctx.svc.options.citizen));
  if (!c.failure.empty()) {
    // A wrong code is counted whatever is answered: the count is committed.
    RETURN_IF_ERROR(ctx.Audit("citizen.session.open", "person (not identified)",
                              json{{"tries_left", c.tries_left}}.dump(), "denied: " + c.failure));
    RETURN_IF_ERROR(unit->Commit());
    HttpError e(ErrorCode::kPermissionDenied, "", "code");
    e.status = 401;
    if (c.failure == "wrong_code") {
      e.code_name = "wrong_code";
      e.message = fmt::format("验证码不对，请再看一下短信。还可以试{}次。(wrong code: {} tries left)", c.tries_left,
                              c.tries_left);
    } else if (c.failure == "dead") {
      e.code_name = "code_dead";
      e.message = "输错的次数太多，这个验证码已经作废，请重新获取验证码。(too many wrong codes: ask for a new one)";
    } else {
      e.code_name = "code_expired";
      e.message = "验证码已经过期，请重新获取验证码。(the code has expired or was used: ask for a new one)";
    }
    return tl::unexpected(e);
  }
  ctx.principal = CitizenPrincipal(ctx.svc.secrets, c.person);
  RETURN_IF_ERROR(ctx.Audit("citizen.session.open", "person " + MaskedIdOf(c.person)));
  RETURN_IF_ERROR(unit->Commit());
  ASSIGN_OR_RETURN(PersonRecord p, Me(ctx));
  const int64_t max_age = (c.expires_ms - ctx.svc.NowMs()) / 1000;
  Reply reply = Reply::Json({{"csrf_token", c.csrf_token},
                             {"expires_at", c.expires_ms / 1000},
                             {"expires_in", max_age},
                             {"person", {{"name", MaskName(p.name)}, {"id_number", MaskIdNumber(p.id_number)}}}});
  reply.headers.emplace_back("Set-Cookie", CitizenCookie(ctx, c.token, max_age));
  return reply;
}

HttpResult<Reply> CloseSession(Context& ctx) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  RETURN_IF_ERROR(EndCitizenSession(ctx.store, ctx.citizen->token_hash, ctx.svc.NowMs()));
  RETURN_IF_ERROR(ctx.Audit("citizen.session.close", "person " + MaskedIdOf(ctx.principal.person)));
  RETURN_IF_ERROR(unit->Commit());
  Reply r = Reply::Json({{"signed_out", true}});
  r.headers.emplace_back("Set-Cookie", CitizenCookie(ctx, "", 0));
  return r;
}

json VisitJson(const VisitTaskRecord& t) {
  return {{"id", t.id},
          {"status", t.status},
          {"status_zh", std::string(VisitStatusZh(t.status))},
          {"reason", t.reason},
          {"reason_zh", std::string(VisitReasonZh(t.reason))},
          {"due_on", t.due_on.ToString()}};
}

HttpResult<Reply> MyStatus(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, Me(ctx));
  ASSIGN_OR_RETURN(CitizenStatus s, CitizenStatusOf(ctx.store, ctx.svc.policy, p.key, TodayOf(ctx)));
  const CertificationState& c = s.certification;
  json points = json::array();
  for (const CertPointRecord& point : s.points) {
    points.push_back({{"name", point.name}, {"kind", point.kind}, {"address", point.address}, {"hours", point.hours}});
  }
  const Date today = TodayOf(ctx);
  json cert = {{"status", s.status},
               {"status_zh", std::string(CertStatusNameZh(c.status))},
               {"last_certified_on", c.last ? json(c.last->on.ToString()) : json(nullptr)},
               {"method", c.last ? json(c.last->method) : json(nullptr)},
               {"valid_through", c.valid_through ? json(c.valid_through->ToString()) : json(nullptr)},
               {"deadline", s.deadline ? json(s.deadline->ToString()) : json(nullptr)},
               {"deadline_zh", s.deadline ? json(DateZh(*s.deadline)) : json(nullptr)},
               {"days_left", s.deadline ? json(s.deadline->days() - today.days()) : json(nullptr)}};
  RETURN_IF_ERROR(ctx.Audit("citizen.me", Target(p)));
  return Reply::Json({{"person", {{"name", MaskName(p.name)}, {"id_number", MaskIdNumber(p.id_number)}}},
                      {"certification", cert},
                      {"face", {{"enrolled", s.face_enrolled},
                                {"available", s.face_enrolled && ctx.svc.face != nullptr &&
                                                  s.status != "deceased"}}},
                      {"points", points},
                      {"visit", s.open_visit ? VisitJson(*s.open_visit) : json(nullptr)},
                      {"advice", s.advice},
                      {"session", {{"expires_at", ctx.citizen->expires_ms / 1000}}}});
}

// A challenge of the signed-in person; anyone else's is "not found", like
// one that does not exist.
HttpResult<FaceChallengeRecord> MyChallenge(Context& ctx) {
  ASSIGN_OR_RETURN(FaceChallengeRecord c, PathFaceChallenge(ctx));
  if (c.person != ctx.principal.person) {
    RETURN_IF_ERROR(ctx.Audit("citizen.face", "challenge of another person", "", "denied: not_found"));
    return tl::unexpected(HttpError(ErrorCode::kNotFound, "认证已失效，请重新开始 (no such challenge)", "id"));
  }
  return c;
}

HttpResult<Reply> StartFace(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, Me(ctx));
  return StartFaceChallengeReply(ctx, p);
}

HttpResult<Reply> SendFrames(Context& ctx) {
  ASSIGN_OR_RETURN(FaceChallengeRecord c, MyChallenge(ctx));
  return FaceFramesReply(ctx, c);
}

HttpResult<Reply> FaceStatus(Context& ctx) {
  ASSIGN_OR_RETURN(FaceChallengeRecord c, MyChallenge(ctx));
  return FaceChallengeStatusReply(ctx, c);
}

HttpResult<Reply> VisitRequest(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::optional<std::string> reason, OptionalString(*body, "reason", 600));
  ASSIGN_OR_RETURN(std::optional<std::string> phone, OptionalString(*body, "phone", 24));
  ASSIGN_OR_RETURN(PersonRecord p, Me(ctx));
  const Date today = TodayOf(ctx);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  auto v = RequestHomeVisit(ctx.store, ctx.svc.policy, p.key, reason.value_or(""), phone.value_or(""), today,
                            ctx.svc.NowMs());
  if (!v) {
    HttpError e = WithField(v.error(), {{"phone", "phone"}});
    if (!e.field.empty()) e.message = e.message.substr(e.message.find(": ") + 2);
    return tl::unexpected(e);
  }
  // Whether a reason or a phone was given, never what they say.
  RETURN_IF_ERROR(ctx.Audit("citizen.visit_request", Target(p),
                            json{{"task", v->task.id},
                                 {"created", v->created},
                                 {"reason_given", reason.has_value() && !reason->empty()},
                                 {"phone_given", phone.has_value() && !phone->empty()}}
                                .dump()));
  RETURN_IF_ERROR(unit->Commit());
  json visit = VisitJson(v->task);
  visit["created"] = v->created;
  return Reply::Json({{"visit", visit},
                      {"message", fmt::format("我们已经收到您的上门认证申请。社区工作人员会在{}前和您联系，请保持电话畅通。",
                                              DateZh(v->task.due_on))}},
                     v->created ? 201 : 200);
}

}  // namespace

void AddCitizenRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "POST",
                    .path = "/api/v1/citizen/code",
                    .tag = "citizen",
                    .summary = "获取登录验证码 (a one-time code by SMS to the phone the registry holds; 202 with the "
                               "same shape whether or not the identity number and name match anyone)",
                    .auth = kPublic,
                    .request_schema = {{"type", "object"},
                                       {"required", {"id_number", "name"}},
                                       {"properties", {{"id_number", {{"type", "string"}}},
                                                       {"name", {{"type", "string"}}}}}},
                    .handler = RequestCode});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/citizen/session",
                    .tag = "citizen",
                    .summary = "验证码登录 (sign in with the code: sets the tacit_citizen cookie and returns the CSRF "
                               "token; 5 wrong codes end the challenge)",
                    .auth = kPublic,
                    .request_schema = {{"type", "object"},
                                       {"required", {"challenge", "code"}},
                                       {"properties", {{"challenge", {{"type", "string"}}},
                                                       {"code", {{"type", "string"}, {"pattern", "^[0-9]{6}$"}}}}}},
                    .handler = OpenSession});
  routes.push_back({.method = "DELETE",
                    .path = "/api/v1/citizen/session",
                    .tag = "citizen",
                    .summary = "退出 (sign out of the citizen page)",
                    .auth = kCitizenAuth,
                    .handler = CloseSession});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/citizen/me",
                    .tag = "citizen",
                    .summary = "我的认证 (the signed-in person's own certification, deadline, face enrolment, the "
                               "nearest certification points and what to do)",
                    .auth = kCitizenAuth,
                    .handler = MyStatus});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/citizen/face/challenges",
                    .tag = "citizen",
                    .summary = "开始刷脸认证 (start a liveness challenge for oneself; as POST /api/v1/face/challenges)",
                    .auth = kCitizenAuth,
                    .handler = StartFace});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/citizen/face/challenges/{id}/frames",
                    .tag = "citizen",
                    .summary = "发送视频帧 (camera frames of one's own challenge; as the staff route)",
                    .auth = kCitizenAuth,
                    .request_schema = {{"type", "object"},
                                       {"required", {"frames"}},
                                       {"properties", {{"frames", {{"type", "array"}, {"minItems", 1},
                                                                   {"maxItems", 10}}},
                                                       {"first_frame", {{"type", "integer"}, {"minimum", 0}}}}}},
                    .handler = SendFrames,
                    .max_body = 12 << 20});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/citizen/face/challenges/{id}",
                    .tag = "citizen",
                    .summary = "刷脸认证结果 (one's own challenge's status or result)",
                    .auth = kCitizenAuth,
                    .handler = FaceStatus});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/citizen/visit-request",
                    .tag = "citizen",
                    .summary = "申请上门认证 (ask for a home visit: opens a `requested` visit task, once a day)",
                    .auth = kCitizenAuth,
                    .request_schema = {{"type", "object"},
                                       {"properties", {{"reason", {{"type", "string"}}},
                                                       {"phone", {{"type", "string"}}}}}},
                    .handler = VisitRequest});
}

}  // namespace tacit::server
