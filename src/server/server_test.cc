// The real server on 127.0.0.1:0 driven by a real HTTP client (cpp-httplib's).
#include "server/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace tacit {
namespace {

TEST_F(ServerTest, HealthMetricsAndOpenApiAnswerWithoutCredentials) {
  auto c = Client();
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["schema_version"], kSchemaVersion);
  auto api = c.Get("/api/v1/openapi.json");
  ASSERT_TRUE(api);
  json doc = json::parse(api->body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/persons/{handle}"));
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("tacit_http_requests_total{method=\"GET\",route=\"/healthz\"") , std::string::npos)
      << metrics->body;
}

// Every documented operation is routed (no 404/405 of the router), and
// anything undocumented is not: the description and the dispatcher agree.
TEST_F(ServerTest, OpenApiDescribesExactlyTheRoutesServed) {
  auto c = Client();
  json doc = json::parse(c.Get("/api/v1/openapi.json")->body);
  int operations = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    std::string concrete = path;
    size_t open = concrete.find('{');
    if (open != std::string::npos) concrete.replace(open, concrete.find('}') - open + 1, "pdeadbeef");
    for (const auto& [method, op] : ops.items()) {
      ++operations;
      EXPECT_FALSE(op.value("summary", "").empty()) << method << " " << path;
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      httplib::Request req;
      req.method = m;
      req.path = concrete;
      req.body = "{}";
      req.set_header("Content-Type", "application/json");
      auto res = c.send(req);
      ASSERT_TRUE(res);
      json body = json::parse(res->body, nullptr, false);
      std::string code = body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
      EXPECT_NE(code, "no_route") << m << " " << path;
      EXPECT_NE(code, "method_not_allowed") << m << " " << path;
    }
  }
  EXPECT_GE(operations, 10);
  auto unknown = c.Get("/api/v1/nothing-here");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["error"]["code"], "no_route");
  auto wrong_method = c.Put("/api/v1/persons/search", "{}", "application/json");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
}

TEST_F(ServerTest, LoginSetsAStrictHttpOnlyCookieAndLogoutEndsTheSession) {
  auto c = Client();
  auto res = c.Post("/api/v1/session", json{{"name", "admin"}, {"password", kPassword}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::string cookie = res->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // no TLS in this test
  Login l{cookie.substr(0, cookie.find(';')), json::parse(res->body)["csrf_token"]};
  auto me = Get(l, "/api/v1/session");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["user"]["role"], "admin");
  auto c2 = Client();
  auto out = c2.Delete("/api/v1/session", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  auto after = Get(l, "/api/v1/session");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
  EXPECT_EQ(json::parse(after->body)["error"]["code"], "unauthenticated");
}

TEST_F(ServerTest, StateChangesWithoutTheCsrfTokenAreRefused) {
  Login l = SignIn("admin");
  auto res = Post(l, "/api/v1/persons/search", {{"id_number", persons_[0].id}}, /*with_csrf=*/false);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "csrf");
  Login forged = l;
  forged.csrf = std::string(64, 'a');
  auto wrong = Post(forged, "/api/v1/persons/search", {{"id_number", persons_[0].id}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
}

// Found by fuzz_api_bodies (tests/fuzz/corpus/fuzz_api_bodies/number_overflow):
// a number beyond a double made json::parse throw out_of_range, which escaped
// the handler as a 500.
TEST_F(ServerTest, ABodyWithANumberOutOfRangeIsABadRequestNotAnInternalError) {
  Login l = SignIn("admin");
  auto c = Client();
  for (const char* body : {"6e662606", R"({"id_number": 1e999999})"}) {
    auto res = c.Post("/api/v1/persons/search", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}}, body,
                      "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body;
    EXPECT_EQ(json::parse(res->body)["error"]["code"], "invalid_argument") << res->body;
  }
}

// Signing out is the one change without the CSRF token (a tab that lost it must
// still be able to end the session); it ends the session for good.
TEST_F(ServerTest, SigningOutNeedsNoCsrfTokenAndEndsTheSession) {
  Login l = SignIn("auditor");
  Login tokenless = l;
  tokenless.csrf.clear();
  auto out = Client().Delete("/api/v1/session", {{"Cookie", tokenless.cookie}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200) << out->body;
  auto after = Get(l, "/api/v1/session");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_F(ServerTest, SessionsExpireWhenIdleAndAccountsLockAfterRepeatedFailures) {
  Login l = SignIn("auditor");
  now_ms_ += (AccessOptions{}.session_idle_seconds + 1) * 1000;
  auto res = Get(l, "/api/v1/session");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  auto c = Client();
  for (int i = 0; i < 3; ++i) {
    auto bad = c.Post("/api/v1/session", json{{"name", "op-datong"}, {"password", "wrong password 1"}}.dump(),
                      "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 401);
  }
  auto locked = c.Post("/api/v1/session", json{{"name", "op-datong"}, {"password", kPassword}}.dump(),
                       "application/json");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 401);
  EXPECT_EQ(json::parse(locked->body)["error"]["code"], "locked");
  int failed = 0;
  for (const AuditEntry& e : AuditEntries()) failed += e.action == "session.login" && e.outcome != "ok";
  EXPECT_EQ(failed, 4);
}

TEST_F(ServerTest, SearchResultsAreMaskedAndScopedToTheOperatorsRegion) {
  Login datong = SignIn("op-datong");
  auto res = Post(datong, "/api/v1/persons/search", {{"id_number", persons_[1].id}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body.find(persons_[1].id), std::string::npos);
  EXPECT_EQ(res->body.find("张三丰"), std::string::npos);
  json j = json::parse(res->body);
  ASSERT_EQ(j["persons"].size(), 1u);
  EXPECT_EQ(j["persons"][0]["id_number"], MaskIdNumber(persons_[1].id));
  // A person of Taiyuan is invisible to Datong's operator: not listed, and
  // their profile is "not found" rather than "forbidden".
  auto other = Post(datong, "/api/v1/persons/search", {{"id_number", persons_[0].id}});
  ASSERT_TRUE(other);
  EXPECT_TRUE(json::parse(other->body)["persons"].empty());
  std::string taiyuan_handle = HandleOf(SignIn("admin"), persons_[0].id);
  ASSERT_FALSE(taiyuan_handle.empty());
  auto cross = Get(datong, "/api/v1/persons/" + taiyuan_handle);
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 404);
  // By name and birth date.
  auto by_name = Post(datong, "/api/v1/persons/search", {{"name", "张三丰"}, {"birth_date", "1952-02-02"}});
  ASSERT_TRUE(by_name);
  EXPECT_EQ(json::parse(by_name->body)["persons"].size(), 1u);
}

TEST_F(ServerTest, ProfileScheduleEvidenceAndExplanationAreServedMasked) {
  Login l = SignIn("op-taiyuan");
  std::string h = HandleOf(l, persons_[0].id);
  ASSERT_FALSE(h.empty());
  auto profile = Get(l, "/api/v1/persons/" + h + "?months=3");
  ASSERT_TRUE(profile);
  ASSERT_EQ(profile->status, 200) << profile->body;
  EXPECT_EQ(profile->body.find(persons_[0].id), std::string::npos);
  json p = json::parse(profile->body);
  EXPECT_EQ(p["id_number"], MaskIdNumber(persons_[0].id));
  // The masked digits are the birth date: the masked view gives the year only.
  EXPECT_FALSE(p.contains("birth_date"));
  EXPECT_EQ(p["birth_year"], 1950);
  EXPECT_EQ(profile->body.find("1950-01-01"), std::string::npos);
  EXPECT_EQ(p["entitlements"][0]["months"].size(), 3u);
  auto schedule = Get(l, "/api/v1/persons/" + h + "/schedule?months=2");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(json::parse(schedule->body)["entitlements"][0]["months"].size(), 2u);
  auto evidence = Get(l, "/api/v1/persons/" + h + "/evidence");
  ASSERT_TRUE(evidence);
  EXPECT_TRUE(json::parse(evidence->body)["evidence"].is_array());
  auto explain = Get(l, "/api/v1/persons/" + h + "/explain?month=2026-11");
  ASSERT_TRUE(explain);
  ASSERT_EQ(explain->status, 200) << explain->body;
  EXPECT_FALSE(json::parse(explain->body)["explanation"].get<std::string>().empty());
  auto bad_month = Get(l, "/api/v1/persons/" + h + "/explain?month=11-2026");
  ASSERT_TRUE(bad_month);
  EXPECT_EQ(bad_month->status, 400);
  EXPECT_EQ(json::parse(bad_month->body)["error"]["field"], "month");
  auto bad_handle = Get(l, "/api/v1/persons/p0123");
  ASSERT_TRUE(bad_handle);
  EXPECT_EQ(bad_handle->status, 404);
}

TEST_F(ServerTest, RevealingAFullRecordIsAuditedAndDeniedToAuditors) {
  Login op = SignIn("op-taiyuan");
  std::string h = HandleOf(op, persons_[0].id);
  // No body at all (once crashed the server): a clean 415, and the server lives on.
  auto c = Client();
  auto empty = c.Post("/api/v1/persons/" + h + "/reveal", {{"Cookie", op.cookie}, {"X-CSRF-Token", op.csrf}}, "",
                      "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto not_json = c.Post("/api/v1/persons/" + h + "/reveal", {{"Cookie", op.cookie}, {"X-CSRF-Token", op.csrf}},
                         "reason", "text/plain");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 415);
  auto no_reason = Post(op, "/api/v1/persons/" + h + "/reveal", json::object());
  ASSERT_TRUE(no_reason);
  EXPECT_EQ(no_reason->status, 400);
  EXPECT_EQ(json::parse(no_reason->body)["error"]["field"], "reason");
  auto res = Post(op, "/api/v1/persons/" + h + "/reveal", {{"reason", "核对银行账户"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["id_number"], persons_[0].id);
  EXPECT_EQ(j["phone"], "13912345678");
  Login auditor = SignIn("auditor");
  auto denied = Post(auditor, "/api/v1/persons/" + h + "/reveal", {{"reason", "x"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  bool revealed = false, denied_logged = false;
  for (const AuditEntry& e : AuditEntries()) {
    EXPECT_EQ(e.target.find(persons_[0].id), std::string::npos);
    EXPECT_EQ(e.detail.find(persons_[0].id), std::string::npos);
    if (e.action == "person.reveal" && e.actor == "user:op-taiyuan" && e.outcome == "ok") {
      revealed = e.target == "person " + MaskIdNumber(persons_[0].id);
    }
  }
  // The auditor's attempt is refused before the handler (the role may not reveal at all).
  auto trail = Get(auditor, "/api/v1/audit");
  ASSERT_TRUE(trail);
  ASSERT_EQ(trail->status, 200) << trail->body;
  const json trail_json = json::parse(trail->body);
  for (const auto& e : trail_json["entries"]) {
    denied_logged |= e["action"] == "person.reveal" && e["actor"] == "user:auditor" &&
                     e["outcome"] == "denied: permission_denied";
  }
  EXPECT_TRUE(revealed);
  EXPECT_TRUE(denied_logged);
  auto verify = Get(auditor, "/api/v1/audit/verify");
  ASSERT_TRUE(verify);
  EXPECT_TRUE(json::parse(verify->body)["intact"].get<bool>());
}

TEST_F(ServerTest, BadRequestsGetOneErrorShapeWithTheField) {
  Login l = SignIn("admin");
  auto c = Client();
  auto not_json = c.Post("/api/v1/persons/search", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}}, "{not json",
                         "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  json e = json::parse(not_json->body);
  EXPECT_EQ(e["error"]["code"], "invalid_argument");
  EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
  auto wrong_type = Post(l, "/api/v1/persons/search", {{"id_number", 12345}});
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(json::parse(wrong_type->body)["error"]["field"], "id_number");
  auto bad_id = Post(l, "/api/v1/persons/search", {{"id_number", "140105195001011230"}});
  ASSERT_TRUE(bad_id);
  EXPECT_EQ(bad_id->status, 400);
  EXPECT_EQ(bad_id->body.find("140105195001011230"), std::string::npos);  // never echoed
  // An oversized body is refused from its Content-Length, before a byte of
  // it is read, and before the caller is even authenticated.
  const std::string announced = RawRequest(
      "POST /api/v1/persons/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 300000000\r\n\r\n");
  EXPECT_EQ(announced.rfind("HTTP/1.1 413", 0), 0u) << announced.substr(0, 100);
  EXPECT_NE(announced.find("payload_too_large"), std::string::npos);
  const std::string chunked = RawRequest(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 411", 0), 0u) << chunked.substr(0, 100);
  auto wrong_media = Client().Post("/api/v1/session", json{{"name", "admin"}, {"password", kPassword}}.dump(),
                                   "text/plain");
  ASSERT_TRUE(wrong_media);
  EXPECT_EQ(wrong_media->status, 415);
}

// Role x endpoint: who may call what (region checks are in the tests above).
TEST_F(ServerTest, AuthorisationMatrixHoldsForEveryRoleAndEndpoint) {
  std::string h = HandleOf(SignIn("admin"), persons_[1].id);  // a Datong person: in everyone's scope
  struct Call {
    std::string method, path;
    json body;
  };
  const std::vector<Call> calls = {
      {"POST", "/api/v1/persons/search", {{"id_number", persons_[1].id}}},
      {"GET", "/api/v1/persons/" + h, nullptr},
      {"GET", "/api/v1/persons/" + h + "/evidence", nullptr},
      {"GET", "/api/v1/persons/" + h + "/schedule", nullptr},
      {"GET", "/api/v1/persons/" + h + "/explain?month=2026-11", nullptr},
      {"POST", "/api/v1/persons/" + h + "/reveal", {{"reason", "核对"}}},
      {"GET", "/api/v1/audit", nullptr},
      {"GET", "/api/v1/audit/verify", nullptr},
  };
  // 1 allowed, 0 refused with 403; columns follow `calls`.
  const std::map<std::string, std::vector<int>> expected = {
      {"admin", {1, 1, 1, 1, 1, 1, 1, 1}},      {"op-datong", {1, 1, 1, 1, 1, 1, 0, 0}},
      {"rev-datong", {1, 1, 1, 1, 1, 1, 0, 0}}, {"auditor", {1, 1, 1, 1, 1, 0, 1, 1}},
  };
  for (const auto& [user, allowed] : expected) {
    Login l = SignIn(user);
    for (size_t i = 0; i < calls.size(); ++i) {
      auto res = calls[i].method == "GET" ? Get(l, calls[i].path) : Post(l, calls[i].path, calls[i].body);
      ASSERT_TRUE(res);
      if (allowed[i]) {
        EXPECT_EQ(res->status, 200) << user << " " << calls[i].path << " " << res->body;
      } else {
        EXPECT_EQ(res->status, 403) << user << " " << calls[i].path << " " << res->body;
      }
    }
  }
  // Without credentials every one of them is 401.
  for (const Call& call : calls) {
    auto res = call.method == "GET" ? Client().Get(call.path)
                                    : Client().Post(call.path, call.body.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << call.path;
  }
}

}  // namespace
}  // namespace tacit

namespace tacit {
namespace {

class RateLimitedServerTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override {
    options.rate_per_address = 5;
    options.burst_per_address = 5;
  }
};

TEST_F(RateLimitedServerTest, AnAddressAboveItsRateIsToldToRetryLater) {
  auto c = Client();
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 8; ++i) {
    auto res = c.Get("/healthz");
    ASSERT_TRUE(res);
    if (res->status == 200) ++ok;
    if (res->status == 429) {
      ++limited;
      retry_after = res->get_header_value("Retry-After");
      EXPECT_EQ(json::parse(res->body)["error"]["code"], "rate_limited");
    }
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(retry_after, "1");
  now_ms_ += 1000;  // a second later five more tokens
  auto later = c.Get("/healthz");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
}

class TlsServerTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override {
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext "
                      "subjectAltName=IP:127.0.0.1 -days 1 -keyout " + key_ + " -out " + cert_ + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    options.tls_cert = cert_;
    options.tls_key = key_;
  }
  std::string cert_, key_;
};

TEST_F(TlsServerTest, OverTlsTheSessionCookieIsSecure) {
  httplib::SSLClient c("127.0.0.1", port_);
  c.set_ca_cert_path(cert_.c_str());
  c.enable_server_certificate_verification(true);
  auto res = c.Post("/api/v1/session", json{{"name", "admin"}, {"password", kPassword}}.dump(), "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
  // Plain HTTP to the TLS port gets no answer a client could take for one.
  auto plain = Client().Get("/healthz");
  EXPECT_TRUE(!plain || plain->status != 200);
}

TEST(ServerOptionsTest, OneTlsFileWithoutTheOtherIsRefused) {
  ServerOptions options;
  options.tls_cert = "/nonexistent/cert.pem";
  auto s = Server::Create({.open_store = [] { return OpenSqliteStore(":memory:"); },
                           .policy = *ParsePolicy(DefaultPolicyText(), "default"),
                           .secrets = Secrets::FromBytesForTest(std::string(32, 'k'))},
                          options);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

// Stop() lets a request that is being received finish: a half-sent upload
// completes and gets its answer, then Run() returns.
TEST_F(ServerTest, StoppingFinishesTheRequestInFlight) {
  Login l = SignIn("admin");
  httplib::Client c("127.0.0.1", port_);
  std::string body = json{{"id_number", persons_[0].id}}.dump();
  // A raw socket so that the body can arrive in two parts with Stop() between.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string head = "POST /api/v1/persons/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Cookie: " + l.cookie + "\r\nX-CSRF-Token: " + l.csrf + "\r\nConnection: close\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::string first = head + body.substr(0, 5);
  ASSERT_EQ(::send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the worker is now reading the body
  std::thread stopper([this] { server_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string rest = body.substr(5);
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  stopper.join();
  thread_.join();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("\"persons\""), std::string::npos);
  // And the server takes no new connection.
  EXPECT_FALSE(c.Get("/healthz"));
}

}  // namespace
}  // namespace tacit

namespace tacit {
namespace {

// A refused change or reveal outside one's region looks like "not found" to
// the caller and is kept in the trail; a path that is not a handle is kept
// without its text.
TEST_F(ServerTest, AttemptsOutsideTheRegionAreAuditedWithoutThePathText) {
  std::string taiyuan = HandleOf(SignIn("admin"), persons_[0].id);
  Login datong = SignIn("op-datong");
  auto reveal = Post(datong, "/api/v1/persons/" + taiyuan + "/reveal", {{"reason", "x"}});
  ASSERT_TRUE(reveal);
  EXPECT_EQ(reveal->status, 404);
  auto typed = Post(datong, "/api/v1/persons/" + persons_[0].id + "/reveal", {{"reason", "x"}});
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->status, 404);
  int outside = 0, not_handle = 0;
  for (const AuditEntry& e : AuditEntries()) {
    EXPECT_EQ(e.target.find(persons_[0].id), std::string::npos);
    if (e.actor != "user:op-datong") continue;
    outside += e.outcome == "denied: outside region" && e.target == "person " + MaskIdNumber(persons_[0].id);
    not_handle += e.target == "person (not a handle)";
  }
  EXPECT_EQ(outside, 1);
  EXPECT_EQ(not_handle, 1);
}

// Wrong passwords sent at once are counted one after another: no more than
// the lockout allows are ever checked.
TEST_F(ServerTest, ConcurrentWrongPasswordsDoNotOutrunTheLockout) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([this] {
      auto c = Client();
      (void)c.Post("/api/v1/session", json{{"name", "op-datong"}, {"password", "wrong password 12"}}.dump(),
                   "application/json");
    });
  }
  for (std::thread& t : threads) t.join();
  int checked = 0;
  for (const AuditEntry& e : AuditEntries()) {
    checked += e.action == "session.login" && e.outcome == "denied: permission_denied";
  }
  EXPECT_LE(checked, 3);  // lockout_failures in the fixture
  auto locked = Client().Post("/api/v1/session", json{{"name", "op-datong"}, {"password", kPassword}}.dump(),
                              "application/json");
  ASSERT_TRUE(locked);
  EXPECT_EQ(json::parse(locked->body)["error"]["code"], "locked");
}

// The web pages: only known file types under the web directory, nothing
// outside it (.., dot files, links out), hashed assets cached, and the
// security headers on every reply.
class WebFilesTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override { options.web_dir = (dir_ / "web").string(); }

  static void Write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
};

TEST_F(WebFilesTest, ServesThePagesAndNothingElse) {
  const auto web = dir_ / "web";
  Write(web / "index.html", "<!doctype html><title>workbench</title>");
  Write(web / "c" / "index.html", "<!doctype html><title>citizen</title>");
  Write(web / "assets" / "app-ABC.js", "console.log(1)");
  Write(web / ".env", "SECRET=1");
  Write(web / "notes.exe", "MZ");
  Write(dir_ / "secret.html", "outside");
  std::filesystem::create_symlink(dir_ / "secret.html", web / "linked.html");
  std::filesystem::create_directories(web / "out");
  std::filesystem::create_symlink(dir_ / "secret.html", web / "out" / "index.html");

  auto page = Client().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("workbench"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
  auto script = Client().Get("/assets/app-ABC.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto citizen = Client().Get("/c/");
  ASSERT_TRUE(citizen);
  EXPECT_NE(citizen->body.find("citizen"), std::string::npos);
  auto bare = Client().Get("/c");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 301);
  EXPECT_EQ(bare->get_header_value("Location"), "/c/");
  for (const char* path : {"/../secret.html", "/%2e%2e/secret.html", "/assets/../../secret.html", "/.env",
                           "/notes.exe", "/linked.html", "/out/", "/out", "/missing.js", "/assets/"}) {
    auto res = Client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body.find("outside"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("SECRET"), std::string::npos) << path;
  }
  // The API still answers under /api/, and its errors keep their shape.
  auto api = Client().Get("/api/v1/nothing");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 404);
  EXPECT_EQ(json::parse(api->body)["error"]["code"], "no_route");
}

class LoginRateTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override {
    options.login_rate_per_address = 1;
    options.login_burst_per_address = 3;
  }
};

TEST_F(LoginRateTest, SignInsHaveTheirOwnSmallBucket) {
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    auto res = Client().Post("/api/v1/session", json{{"name", "nobody"}, {"password", "wrong password 12"}}.dump(),
                             "application/json");
    ASSERT_TRUE(res);
    limited += res->status == 429;
  }
  EXPECT_EQ(limited, 2);
  auto other = Client().Get("/healthz");  // other requests are not held back
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

// The bucket is the route's, however the path is spelled: a doubled slash or a
// trailing one reaches the same handler and counts the same.
TEST_F(LoginRateTest, OtherSpellingsOfThePathShareTheBucket) {
  int limited = 0;
  for (const char* path : {"/api/v1/session", "//api/v1/session", "/api/v1/session/", "/api//v1/session",
                           "/api/v1//session/"}) {
    auto res = Client().Post(path, json{{"name", "nobody"}, {"password", "wrong password 12"}}.dump(),
                             "application/json");
    ASSERT_TRUE(res);
    limited += res->status == 429;
  }
  EXPECT_EQ(limited, 2);
}

}  // namespace
}  // namespace tacit
