// The server's route table and what a handler sees. Internal to the server
// target (the only code that includes httplib.h).
#ifndef TACIT_SRC_SERVER_ROUTES_H_
#define TACIT_SRC_SERVER_ROUTES_H_

#include <httplib.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "tacit/access.h"
#include "tacit/citizen.h"
#include "tacit/face.h"
#include "tacit/ingest.h"
#include "tacit/server.h"

namespace tacit::server {

using json = nlohmann::json;

// What a handler answers.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this file, sent in chunks as it is read (a payroll
  // file of a province is hundreds of megabytes); `body` is then ignored.
  std::string file;

  static Reply Json(const json& j, int status = 200);
};

// An error as the client sees it: a canonical code, a message for people and,
// for bad input, the path of the offending field ("entitlements[0].month").
struct HttpError {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;
  int status = 0;  // overrides the status the code maps to (413, 429)
  std::string code_name;  // overrides the code's name ("rate_limited", "no_route")
  int retry_after = 0;    // seconds, for 429

  HttpError(const Error& e) : code(e.code), message(e.message) {}  // NOLINT: implicit on purpose
  HttpError(ErrorCode c, std::string m, std::string f = "") : code(c), message(std::move(m)), field(std::move(f)) {}
};

template <typename T>
using HttpResult = tl::expected<T, HttpError>;

inline tl::unexpected<HttpError> BadField(std::string field, std::string message) {
  return tl::unexpected(HttpError(ErrorCode::kInvalidArgument, std::move(message), std::move(field)));
}

// The one mapping from ErrorCode to an HTTP status.
int HttpStatus(ErrorCode code);
// The single error body shape.
json ErrorBody(const HttpError& e);

// How a route's callers authenticate (a bit set).
enum AuthKind : unsigned {
  kPublic = 0,
  kSessionAuth = 1,    // staff: session cookie (+ X-CSRF-Token on state changes)
  kApiKeyAuth = 2,     // partners: Authorization: Bearer <key_id>.<secret>
  kSignatureAuth = 4,  // attestors: HMAC-SHA256 signature headers
  // citizens on the citizen page: the tacit_citizen cookie (+ X-CSRF-Token on
  // state changes). Only /api/v1/citizen routes take it, and they take
  // nothing else: a citizen reaches no staff route, staff no citizen route.
  kCitizenAuth = 8,
};

class Context;

struct Route {
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // OpenAPI template: /api/v1/persons/{handle}
  std::string tag;
  std::string summary;
  unsigned auth = kSessionAuth;
  std::optional<Action> action;  // checked (without regions) before the handler
  json request_schema;           // JSON Schema of the body; null for none
  std::vector<std::string> query;  // query parameters, "name: description"
  std::function<HttpResult<Reply>(Context&)> handler;
  size_t max_body = 1 << 20;  // feed uploads raise it (kUploadBody)
  // Media types of a body that is not JSON (a feed file); empty: JSON.
  std::vector<std::string> request_types;
};

// A route's max_body that the server replaces by ServerOptions::max_upload_bytes.
inline constexpr size_t kUploadBody = static_cast<size_t>(-1);

// Shared by every request.
struct Services {
  const Policy& policy;
  const Secrets& secrets;
  const ServerOptions& options;
  Metrics& metrics;
  // Feed uploads and pushes are ingested through it: concurrent ones share a
  // unit of work (tacit/ingest.h).
  IngestGroups& ingest_groups;
  // The face pipeline (ServerDeps::face); null when the server has none.
  const FaceAnalyser* face = nullptr;
  // The SMS adapters for citizens' sign-in codes (ServerDeps::channels); null
  // when the server has none.
  ChannelFactory* channels = nullptr;
  // Runs `job` on the server's background thread with a store connection of
  // its own, after the request has been answered (jobs run one at a time, in
  // the order posted; those queued when the server shuts down still run).
  std::function<void(std::function<void(Store&)>)> background;
  int64_t NowMs() const { return options.now_ms(); }
  int64_t Now() const { return options.now_ms() / 1000; }
};

// One request as a handler sees it.
class Context {
 public:
  Context(const httplib::Request& req, Store& store, Services& services)
      : req(req), store(store), svc(services) {}

  const httplib::Request& req;
  Store& store;
  Services& svc;
  Principal principal;
  std::optional<Session> session;
  std::optional<CitizenSession> citizen;  // kCitizenAuth routes
  std::map<std::string, std::string> params;  // path parameters by name

  // The body as a JSON object. Errors: 400 with the byte offset of a syntax
  // error, or field "" when it is not an object.
  HttpResult<const json*> Body();
  // An optional query parameter.
  std::string Query(const std::string& name) const;
  // Appends to the audit trail as this request's principal.
  Status Audit(std::string action, std::string target, std::string detail = "", std::string outcome = "ok");

 private:
  std::optional<json> body_;
};

// Field readers for JSON bodies: errors name the field.
HttpResult<std::string> RequiredString(const json& body, const std::string& field, size_t max_length = 256);
HttpResult<std::optional<std::string>> OptionalString(const json& body, const std::string& field,
                                                      size_t max_length = 256);

// An optional integer query parameter within [lo, hi]; `fallback` when absent.
HttpResult<int64_t> IntQuery(const Context& ctx, const std::string& name, int64_t fallback, int64_t lo, int64_t hi);

// A month field or query value ("YYYY-MM"); the error names `field`.
HttpResult<Month> MonthText(const std::string& text, const std::string& field);
// An optional date field of the body ("YYYY-MM-DD"); `fallback` when absent.
HttpResult<Date> DateField(const json& body, const std::string& field, Date fallback);
// The day something happened that a person states (a decision, money paid
// back): today when absent, never in the future, as on the command line.
HttpResult<Date> PastDateField(const Context& ctx, const json& body, const std::string& field);
// An optional integer field; 0 when absent.
HttpResult<int64_t> OptionalInt(const json& body, const std::string& field);
// The path parameter `name` as a positive id; any other text is `not_found`.
HttpResult<int64_t> PathId(Context& ctx, const std::string& name, const HttpError& not_found);
// The `status` query parameter: one of `allowed`, `fallback` when absent.
HttpResult<std::string> StatusQuery(const Context& ctx, std::string_view fallback,
                                    std::initializer_list<std::string_view> allowed);
// An optional date query parameter ("YYYY-MM-DD"); `fallback` when absent.
HttpResult<Date> DateQuery(const Context& ctx, const std::string& name, Date fallback);
// The `region` query parameter of a report or list: the caller's own region
// prefix when absent ("" for an unscoped account: everywhere); a region not
// within the caller's scope (a wider one too) is 403 with field "region".
HttpResult<std::string> RegionQuery(const Context& ctx);
// The same within `scope` (a prefix; "" for everywhere) instead of the
// caller's own region.
HttpResult<std::string> RegionQuery(const Context& ctx, const std::string& scope);
// The library's messages start with the field (or the command line's flag)
// they are about; the API names the request's field instead: the first
// prefix `e.message` starts with gives the field.
HttpError WithField(const Error& e, std::initializer_list<std::pair<std::string_view, std::string_view>> prefixes);
// null for an empty string.
json NullIfEmpty(const std::string& s);
// The masked identity number of a person key (140202********123X).
std::string MaskedIdOf(PersonKey key);

// Today by the server's clock (tests inject it).
Date TodayOf(const Context& ctx);
// The regions a person is in for scoping: residence and every paying region.
Result<std::vector<std::string>> RegionsOf(Store& store, const PersonRecord& p);
// Person `key`, if the principal may do `action` on them. A person outside the
// principal's region is reported as `not_found` (the caller's own message and
// field: "no such case"), like one that does not exist, so that scope cannot
// be probed; a role that may not do `action` at all gets 403.
HttpResult<PersonRecord> ScopedPerson(Context& ctx, PersonKey key, Action action, const HttpError& not_found);
// The person the path's {handle} names, scoped as ScopedPerson.
HttpResult<PersonRecord> TargetPerson(Context& ctx, Action action);

// One audit entry with every field its hash covers (AuditEntryHash).
json AuditEntryJson(const AuditEntry& e);

// Every route of the API, in the order they are documented.
std::vector<Route> AllRoutes();
void AddSessionRoutes(std::vector<Route>& routes);
void AddPersonRoutes(std::vector<Route>& routes);
void AddAuditRoutes(std::vector<Route>& routes);
void AddFaceRoutes(std::vector<Route>& routes);
void AddOpsRoutes(std::vector<Route>& routes);
void AddAttestationRoutes(std::vector<Route>& routes);
void AddFeedRoutes(std::vector<Route>& routes);
void AddOutreachRoutes(std::vector<Route>& routes);
void AddDashboardRoutes(std::vector<Route>& routes);

// Filters a work queue's persons: the principal's scope for `action` (their
// residence or a paying region, as every person endpoint), and the optional
// query parameters `region` (a residence prefix within the scope), `age_min`
// and `age_max` (whole years on today). Kept per person: queues cluster on few.
class PersonFilter {
 public:
  // Errors: a region outside the scope (403, field region), a bad age (400).
  // `by_residence`: whether `region` narrows by the person's residence (a
  // list that applies `region` its own way, as the visit list by the task's
  // region, passes false).
  static HttpResult<PersonFilter> FromQuery(Context& ctx, Action action, bool by_residence = true);
  Result<bool> Allows(PersonKey key);

 private:
  PersonFilter(Context& ctx, Action action) : ctx_(&ctx), action_(action) {}
  Context* ctx_;
  Action action_;
  std::string region_;
  std::optional<int64_t> age_min_, age_max_;
  Date today_;
  std::unordered_map<PersonKey, bool> seen_;
};

// Serves the built web pages under `web_dir` (web_files.cc): true when the
// request named one of its files and `res` holds it.
bool ServeWebFile(const std::string& web_dir, const httplib::Request& req, httplib::Response& res);
void AddReportRoutes(std::vector<Route>& routes);
void AddCitizenRoutes(std::vector<Route>& routes);

// The face challenge's steps, shared by the staff routes (routes_face.cc) and
// the citizen's (routes_citizen.cc); the caller has checked that the
// principal may act for the person. Each answers as the staff routes do
// (503 without a face pipeline) and audits in the unit of work it commits.
HttpResult<Reply> StartFaceChallengeReply(Context& ctx, const PersonRecord& person);
// The challenge the path's {id} names, whoever's it is; 404 (field "id") when none.
HttpResult<FaceChallengeRecord> PathFaceChallenge(Context& ctx);
// Frames from the body (`frames`, `first_frame`) fed to `challenge`.
HttpResult<Reply> FaceFramesReply(Context& ctx, const FaceChallengeRecord& challenge);
// The status of `challenge` (an expired one fails when asked).
HttpResult<Reply> FaceChallengeStatusReply(Context& ctx, const FaceChallengeRecord& challenge);

// The OpenAPI 3 description of the routes.
json OpenApi(const std::vector<Route>& routes);

}  // namespace tacit::server

#endif  // TACIT_SRC_SERVER_ROUTES_H_
