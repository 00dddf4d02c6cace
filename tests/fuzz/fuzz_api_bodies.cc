// The JSON bodies of the HTTP API (src/server): the route handlers called
// directly with a request built in memory, not through HTTP, so every
// handler's own reading of its body runs — Context::Body(), the field readers
// (RequiredString, DateField, OptionalInt, MonthText, ...) and what each
// handler checks itself. The first byte picks one of the state-changing JSON
// routes a staff session reaches, the rest is the body; the caller is an
// administrator (Authorise is not the point here). Routes left out: sign-in
// and new users (an Argon2 hash per run), attestations (fuzz_attestation),
// record pushes and uploads (fuzz_feed_push, fuzz_feed_csv), face and citizen
// routes (other principals; images: Base64Decode below).
//
// A handler must answer every body with a reply or an HttpError; an exception
// escaping a handler (a json type_error, an out_of_range) is a crash here: the
// server would answer 500 for what is the client's mistake.
#include <httplib.h>

#include <exception>
#include <map>
#include <vector>

#include "fuzz_store.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "tacit/access.h"
#include "tacit/ingest.h"
#include "tacit/secrets.h"
#include "tacit/server.h"

namespace {

using tacit::server::Route;

struct Api {
  tacit::ServerOptions options;
  tacit::server::Metrics metrics;
  std::unique_ptr<tacit::IngestGroups> ingest_groups;
  std::unique_ptr<tacit::server::Services> services;
  std::vector<Route> routes;
  tacit::Principal admin;
  std::map<std::string, std::string> params;
};

Api& TheApi() {
  static Api* api = [] {
    auto& f = tacit::fuzz::FuzzStore::Get();
    auto* a = new Api;
    a->options.upload_dir = (f.dir / "uploads").string();
    a->options.payroll_dir = (f.dir / "payroll").string();
    a->options.now_ms = [] { return static_cast<int64_t>(tacit::fuzz::FuzzToday().days()) * 86'400'000 + 8 * 3'600'000; };
    a->ingest_groups = std::make_unique<tacit::IngestGroups>(f.policy);
    a->services.reset(new tacit::server::Services{f.policy, f.secrets, a->options, a->metrics, *a->ingest_groups,
                                                  nullptr, nullptr, [](std::function<void(tacit::Store&)>) {}});
    auto id = tacit::AddUser(*f.store, {"admin", tacit::Role::kAdmin, "", "correct horse battery"}, 0);
    if (!id) tacit::fuzz::Fail("cannot add the administrator");
    a->admin.kind = tacit::Principal::Kind::kStaff;
    a->admin.id = *id;
    a->admin.name = "admin";
    a->admin.role = tacit::Role::kAdmin;
    for (Route& r : tacit::server::AllRoutes()) {
      if (r.method == "GET" || !(r.auth & tacit::server::kSessionAuth) || !r.request_types.empty()) continue;
      if ((r.method == "POST" && (r.path == "/api/v1/users" || r.path == "/api/v1/session"))) continue;
      if (r.path.find("/face") != std::string::npos) continue;
      a->routes.push_back(std::move(r));
    }
    if (a->routes.empty()) tacit::fuzz::Fail("no routes");
    const auto key = tacit::ParseIdNumber(f.persons[0], tacit::fuzz::FuzzToday()).id.key();
    a->params = {{"handle", f.secrets.PersonHandle(key)}, {"id", "1"}, {"evidence_id", "1"},
                 {"month", "2026-11"}, {"name", "admin"}};
    return a;
  }();
  return *api;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Api& api = TheApi();
  auto& f = tacit::fuzz::FuzzStore::Get();
  const Route& route = api.routes[data[0] % api.routes.size()];
  const std::string_view body = tacit::fuzz::AsText(data + 1, size - 1);
  // The images of the face routes are base64 inside the JSON.
  (void)tacit::Base64Decode(body);
  if (body.size() > route.max_body) return 0;  // refused before the handler

  httplib::Request req;
  req.method = route.method;
  req.path = route.path;
  req.body = std::string(body);
  req.headers.emplace("Content-Type", "application/json");
  tacit::server::Context ctx(req, *f.store, *api.services);
  // As the dispatcher leaves it for a staff session (Authenticate).
  ctx.principal = api.admin;
  ctx.session = tacit::Session{api.admin, "fuzz-session", "", api.services->Now() + 3600};
  ctx.params = api.params;
  try {
    auto reply = route.handler(ctx);
    if (!reply) {
      // Bad input is the client's: 4xx with a message, never 500.
      FUZZ_CHECK(reply.error().code != tacit::ErrorCode::kInternal);
      FUZZ_CHECK(!reply.error().message.empty());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: exception: %s\n", route.method.c_str(), route.path.c_str(), e.what());
    tacit::fuzz::Fail("an exception escaped a route handler");
  }
  return 0;
}
