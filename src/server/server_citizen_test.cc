// /api/v1/citizen on the real server with a real client: the SMS code goes
// through the real Alibaba adapter to the stand-in gateway on loopback, and
// the tests read it from what the stand-in received, as a pensioner reads
// their phone. Then the session, the person's own status, what a citizen
// cannot reach, the limits, and the visit request.
#include <fmt/format.h>

#include <chrono>
#include <regex>
#include <set>

#include "server/test_server.h"
#include "standin/aliyun_standin.h"
#include "tacit/channel_http.h"
#include "tacit/outreach.h"
#include "tacit/outreach_store.h"

namespace tacit {
namespace {

using standin::AliyunSmsStandIn;

constexpr char kName[] = "张三丰";      // every fixture person's name
constexpr char kPhone[] = "13912345678";  // and phone
constexpr char kLoginTemplate[] = "SMS_100000009";

AliyunSmsStandIn::Options StandInOptions() {
  AliyunSmsStandIn::Options o;
  o.templates[kLoginTemplate] = {"code"};
  return o;
}

class CitizenApiTest : public ServerTest {
 protected:
  CitizenApiTest() : sms_(StandInOptions()), factory_(MakeHttpChannelFactory()) {}
  ChannelFactory* Channels() override { return factory_.get(); }
  void Adjust(ServerOptions& o) override { o.citizen_code_rate_per_address = 0; }
  // The server (and its background sender) goes before the stand-in and the
  // adapters it uses.
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    ServerTest::TearDown();
  }

  void SetUp() override {
    ServerTest::SetUp();
    ChannelConfig c;
    c.channel = "sms";
    c.provider = "aliyun";
    c.endpoint = sms_.Endpoint();
    c.key_id = sms_.options().access_key_id;
    c.sign_name = "某某人社";
    c.templates["login_code"] = {.code = kLoginTemplate};
    c.connect_timeout_ms = 1000;
    c.read_timeout_ms = 2000;
    ChannelConfigRecord rec;
    rec.channel = "sms";
    rec.config = ChannelConfigToJson(c);
    rec.sealed_secret =
        Secrets::FromBytesForTest(std::string(32, 'k')).Seal(sms_.options().access_key_secret, "channel:sms");
    rec.updated_by = "test";
    rec.updated_ms = 1;
    ASSERT_TRUE(store_->outreach().PutChannelConfig(rec));
  }

  static json Parse(const httplib::Result& res) { return json::parse(res->body, nullptr, false); }
  static std::string CodeOf(const httplib::Result& res) {
    json j = Parse(res);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }

  httplib::Result Public(const std::string& path, const json& body) {
    return Client().Post(path, body.dump(), "application/json");
  }
  httplib::Result AskCode(const std::string& id, const std::string& name = kName) {
    return Public("/api/v1/citizen/code", {{"id_number", id}, {"name", name}});
  }
  httplib::Result Send(const Login& l, const std::string& method, const std::string& path, const json& body = {},
                       bool with_csrf = true) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method != "GET") {
      req.body = body.is_null() ? "{}" : body.dump();
      req.set_header("Content-Type", "application/json");
    }
    req.set_header("Cookie", l.cookie);
    if (with_csrf) req.set_header("X-CSRF-Token", l.csrf);
    return Client().send(req);
  }

  // The SMS messages the stand-in accepted, waiting until there are `n` (the
  // server sends after it has answered).
  std::vector<AliyunSmsStandIn::Record> WaitForSms(size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (sms_.Records().size() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return sms_.Records();
  }

  // Asks for a code for persons_[i] and reads it from the stand-in.
  std::pair<std::string, std::string> ChallengeAndCode(size_t i) {
    const size_t before = sms_.Records().size();
    auto res = AskCode(persons_[i].id);
    EXPECT_EQ(res->status, 202) << res->body;
    auto records = WaitForSms(before + 1);
    EXPECT_EQ(records.size(), before + 1);
    if (records.size() != before + 1) return {};
    return {Parse(res)["challenge"], records.back().params["code"]};
  }

  Login SignInWith(const std::string& challenge, const std::string& code) {
    auto res = Public("/api/v1/citizen/session", {{"challenge", challenge}, {"code", code}});
    EXPECT_EQ(res->status, 200) << res->body;
    if (res->status != 200) return {};
    const std::string cookie = res->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), Parse(res)["csrf_token"]};
  }

  std::optional<CitizenCodeRecord> CodeRow(const std::string& challenge) {
    auto store = OpenStore(db_);
    auto row = (*store)->FindCitizenCode(challenge);
    return row ? *row : std::nullopt;
  }

  // An identity number that passes its check but is nobody's in the registry.
  static std::string Stranger() {
    std::string id = "11010519491231002";
    return id + IdCheckCharacter(id);
  }

  AliyunSmsStandIn sms_;
  std::unique_ptr<ChannelFactory> factory_;
};

TEST_F(CitizenApiTest, ACodeBySmsSignsThePersonInToTheirOwnStatus) {
  auto asked = AskCode(persons_[0].id, " 张三丰 ");
  ASSERT_EQ(asked->status, 202) << asked->body;
  const json a = Parse(asked);
  const std::string challenge = a["challenge"];
  EXPECT_EQ(challenge.size(), 32u);
  EXPECT_EQ(a["phone"], "尾号" + std::string(kPhone).substr(7));
  EXPECT_EQ(a["expires_in"], 300);
  EXPECT_EQ(asked->body.find(kPhone), std::string::npos);

  // The pensioner's phone receives the code through the login_code template.
  auto sms = WaitForSms(1);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].phone, kPhone);
  EXPECT_EQ(sms[0].template_code, kLoginTemplate);
  const std::string code = sms[0].params["code"];
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(RenderMessageZh("login_code", {{"code", code}}),
            "【社保认证】您的登录验证码是" + code + "，5分钟内有效。请勿告诉他人。");
  for (const std::string& target : sms_.Targets()) EXPECT_EQ(target.find(kPhone), std::string::npos);
  // The store keeps a keyed hash of the code, and what became of the SMS.
  const auto row = CodeRow(challenge);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->person, ParseIdNumber(persons_[0].id, kToday).id.key());
  EXPECT_EQ(row->code_hash.find(code), std::string::npos);
  EXPECT_EQ(row->code_hash.size(), 64u);
  EXPECT_EQ(row->subject.find(persons_[0].id), std::string::npos);
  for (int i = 0; i < 100 && CodeRow(challenge)->sms.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(CodeRow(challenge)->sms, "accepted");

  auto opened = Public("/api/v1/citizen/session", {{"challenge", challenge}, {"code", code}});
  ASSERT_EQ(opened->status, 200) << opened->body;
  const std::string set_cookie = opened->get_header_value("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("tacit_citizen=", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("Path=/api/v1/citizen"), std::string::npos);
  EXPECT_NE(set_cookie.find("Max-Age=1800"), std::string::npos);
  const json o = Parse(opened);
  EXPECT_EQ(o["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(o["expires_in"], 1800);
  EXPECT_EQ(o["person"]["name"], MaskName(kName));
  const Login me{set_cookie.substr(0, set_cookie.find(';')), o["csrf_token"]};
  // Used: the same code opens nothing twice.
  auto twice = Public("/api/v1/citizen/session", {{"challenge", challenge}, {"code", code}});
  EXPECT_EQ(twice->status, 401);
  EXPECT_EQ(CodeOf(twice), "code_expired");

  auto status = Send(me, "GET", "/api/v1/citizen/me");
  ASSERT_EQ(status->status, 200) << status->body;
  const json s = Parse(status);
  EXPECT_EQ(s["person"]["id_number"], MaskIdNumber(persons_[0].id));
  EXPECT_EQ(s["person"]["name"], MaskName(kName));
  EXPECT_EQ(s["certification"]["status"], "certified");
  EXPECT_EQ(s["certification"]["last_certified_on"], kToday.ToString());
  EXPECT_EQ(s["certification"]["method"], "legacy");
  EXPECT_EQ(s["certification"]["valid_through"], "2027-11");
  EXPECT_EQ(s["certification"]["deadline"], "2027-11-30");
  EXPECT_FALSE(s["face"]["enrolled"].get<bool>());
  EXPECT_FALSE(s["face"]["available"].get<bool>());
  EXPECT_TRUE(s["visit"].is_null());
  EXPECT_NE(s["advice"].get<std::string>().find("2027年11月30日"), std::string::npos) << s["advice"];
  for (const std::string& secret : {persons_[0].id, std::string(kName), std::string(kPhone), persons_[1].id}) {
    EXPECT_EQ(status->body.find(secret), std::string::npos) << secret;
  }

  // Signing out needs the CSRF token, and ends the session.
  EXPECT_EQ(Send(me, "DELETE", "/api/v1/citizen/session", {}, false)->status, 403);
  auto out = Send(me, "DELETE", "/api/v1/citizen/session");
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_EQ(Send(me, "GET", "/api/v1/citizen/me")->status, 401);

  // The trail has each step as the citizen, with no number, name or phone.
  const std::string actor = "citizen:" + Secrets::FromBytesForTest(std::string(32, 'k'))
                                             .PersonHandle(ParseIdNumber(persons_[0].id, kToday).id.key());
  std::set<std::string> actions;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action.rfind("citizen.", 0) != 0) continue;
    actions.insert(e.action);
    if (e.outcome == "ok") {
      EXPECT_EQ(e.actor, actor) << e.action;
    }
    for (const std::string& secret : {persons_[0].id, std::string(kName), std::string(kPhone), code}) {
      EXPECT_EQ(e.target.find(secret), std::string::npos) << e.action;
      EXPECT_EQ(e.detail.find(secret), std::string::npos) << e.action;
      EXPECT_EQ(e.actor.find(secret), std::string::npos) << e.action;
    }
  }
  EXPECT_EQ(actions, (std::set<std::string>{"citizen.code", "citizen.session.open", "citizen.me",
                                            "citizen.session.close"}));
}

TEST_F(CitizenApiTest, FiveWrongCodesEndTheChallengeAndALateCodeIsRefused) {
  const auto [challenge, code] = ChallengeAndCode(0);
  ASSERT_FALSE(code.empty());
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 1; i <= 5; ++i) {
    auto res = Public("/api/v1/citizen/session", {{"challenge", challenge}, {"code", wrong}});
    EXPECT_EQ(res->status, 401);
    EXPECT_EQ(CodeOf(res), i < 5 ? "wrong_code" : "code_dead") << res->body;
    EXPECT_EQ(Parse(res)["error"]["field"], "code");
  }
  auto right = Public("/api/v1/citizen/session", {{"challenge", challenge}, {"code", code}});
  EXPECT_EQ(right->status, 401);
  EXPECT_EQ(CodeOf(right), "code_dead");
  EXPECT_EQ(CodeRow(challenge)->status, "dead");
  EXPECT_EQ(CodeRow(challenge)->tries, 5);

  // A new code a minute later works, but not after its five minutes.
  now_ms_ += 61'000;
  const auto [late_challenge, late_code] = ChallengeAndCode(0);
  now_ms_ += 300'000;
  auto late = Public("/api/v1/citizen/session", {{"challenge", late_challenge}, {"code", late_code}});
  EXPECT_EQ(late->status, 401);
  EXPECT_EQ(CodeOf(late), "code_expired");
}

TEST_F(CitizenApiTest, NobodyInTheRegistryGetsTheSameAnswerAndNoSms) {
  auto stranger = AskCode(Stranger());
  auto wrong_name = AskCode(persons_[0].id, "李四");
  auto known = AskCode(persons_[1].id);
  for (const auto* res : {&stranger, &wrong_name, &known}) {
    ASSERT_EQ((*res)->status, 202) << (*res)->body;
    json j = Parse(*res);
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"challenge", "phone", "expires_in", "resend_in", "tries", "message"}));
    EXPECT_EQ(j["challenge"].get<std::string>().size(), 32u);
    // Every answer's hint is the last four digits alone: a mobile prefix would
    // tell a registered person's number from a decoy.
    EXPECT_TRUE(std::regex_match(j["phone"].get<std::string>(), std::regex("尾号[0-9]{4}"))) << j["phone"];
    EXPECT_EQ(j["expires_in"], 300);
  }
  // The codes go out in order: once the known person's has come, the others
  // would have come before it.
  auto sms = WaitForSms(1);
  ASSERT_EQ(sms.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(sms_.Records().size(), 1u);
  // A stranger's challenge fails as a wrong code does, whatever is typed.
  auto tried = Public("/api/v1/citizen/session", {{"challenge", Parse(stranger)["challenge"]},
                                                  {"code", sms[0].params["code"]}});
  EXPECT_EQ(tried->status, 401);
  EXPECT_EQ(CodeOf(tried), "wrong_code");
  EXPECT_EQ(CodeRow(Parse(stranger)["challenge"])->person, 0u);
  // A number that fails its own check is a typing error: said so, with the field.
  std::string typo = persons_[0].id;
  typo.back() = typo.back() == '0' ? '1' : '0';
  auto bad = AskCode(typo);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Parse(bad)["error"]["field"], "id_number");
  EXPECT_EQ(bad->body.find(typo), std::string::npos);
}

TEST_F(CitizenApiTest, ACitizenReachesNoStaffRouteAndNoOneElsesChallenge) {
  const auto [challenge, code] = ChallengeAndCode(0);
  const Login citizen = SignInWith(challenge, code);
  ASSERT_FALSE(citizen.cookie.empty());
  const Login admin = SignIn("admin");
  const std::string handle0 = HandleOf(admin, persons_[0].id);
  const std::string handle1 = HandleOf(admin, persons_[1].id);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/api/v1/persons/search"},
           {"GET", "/api/v1/persons/" + handle0},
           {"GET", "/api/v1/persons/" + handle1},
           {"GET", "/api/v1/session"},
           {"GET", "/api/v1/visits"},
           {"GET", "/api/v1/audit"},
           {"POST", "/api/v1/face/challenges"}}) {
    auto res = Send(citizen, method, path, {{"id_number", persons_[1].id}, {"person", handle1}});
    EXPECT_EQ(res->status, 401) << method << " " << path << ": " << res->body;
    // Nor with its token in the staff cookie's place.
    Login swapped{"tacit_session=" + citizen.cookie.substr(citizen.cookie.find('=') + 1), citizen.csrf};
    EXPECT_EQ(Send(swapped, method, path, {{"id_number", persons_[1].id}})->status, 401) << path;
  }
  // A staff session is no citizen session either.
  EXPECT_EQ(Send(admin, "GET", "/api/v1/citizen/me")->status, 401);

  // Someone else's face challenge is not there; the server has no face
  // pipeline, so one's own answers 503.
  FaceChallengeRecord other;
  other.id = std::string(32, 'a');
  other.person = ParseIdNumber(persons_[1].id, kToday).id.key();
  other.device = "d";
  other.actor = "user:admin";
  other.created_ms = now_ms_.load();
  other.deadline_ms = now_ms_.load() + 60'000;
  other.status = "pending";
  FaceChallengeRecord mine = other;
  mine.id = std::string(32, 'b');
  mine.person = ParseIdNumber(persons_[0].id, kToday).id.key();
  ASSERT_TRUE(store_->PutFaceChallenge(other));
  ASSERT_TRUE(store_->PutFaceChallenge(mine));
  auto theirs = Send(citizen, "GET", "/api/v1/citizen/face/challenges/" + other.id);
  EXPECT_EQ(theirs->status, 404) << theirs->body;
  EXPECT_EQ(Send(citizen, "POST", "/api/v1/citizen/face/challenges/" + other.id + "/frames",
                 {{"frames", {"AAAA"}}})
                ->status,
            404);
  EXPECT_EQ(Send(citizen, "GET", "/api/v1/citizen/face/challenges/" + mine.id)->status, 503);
  EXPECT_EQ(Send(citizen, "POST", "/api/v1/citizen/face/challenges")->status, 503);
  // Without the cookie, nothing.
  EXPECT_EQ(Client().Get("/api/v1/citizen/me")->status, 401);
}

TEST_F(CitizenApiTest, ANumberGetsOneCodeAMinute) {
  ChallengeAndCode(0);
  auto again = AskCode(persons_[0].id);
  EXPECT_EQ(again->status, 429);
  EXPECT_EQ(CodeOf(again), "rate_limited");
  const int retry = std::stoi(again->get_header_value("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  // The same for a wrong name: the limit is the number's, matched or not.
  EXPECT_EQ(AskCode(persons_[0].id, "李四")->status, 429);
  now_ms_ += retry * 1000;
  EXPECT_EQ(AskCode(persons_[0].id)->status, 202);
  EXPECT_EQ(WaitForSms(2).size(), 2u);
}

TEST_F(CitizenApiTest, AVisitRequestOpensOneTaskADay) {
  const auto [challenge, code] = ChallengeAndCode(1);
  const Login citizen = SignInWith(challenge, code);
  EXPECT_EQ(Send(citizen, "POST", "/api/v1/citizen/visit-request", {{"reason", "腿脚不便"}}, false)->status, 403);
  auto bad = Send(citizen, "POST", "/api/v1/citizen/visit-request", {{"phone", "call me"}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Parse(bad)["error"]["field"], "phone");
  auto first = Send(citizen, "POST", "/api/v1/citizen/visit-request",
                    {{"reason", "腿脚不便"}, {"phone", "0351-7654321"}});
  ASSERT_EQ(first->status, 201) << first->body;
  const json v = Parse(first)["visit"];
  EXPECT_EQ(v["reason"], "requested");
  EXPECT_EQ(v["status"], "open");
  EXPECT_TRUE(v["created"].get<bool>());
  auto second = Send(citizen, "POST", "/api/v1/citizen/visit-request", {});
  ASSERT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(Parse(second)["visit"]["id"], v["id"]);
  EXPECT_FALSE(Parse(second)["visit"]["created"].get<bool>());

  const PersonKey key = ParseIdNumber(persons_[1].id, kToday).id.key();
  auto tasks = store_->outreach().VisitTasksOf(key);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].reason, "requested");
  EXPECT_EQ((*tasks)[0].region, persons_[1].region);
  EXPECT_NE((*tasks)[0].note.find("0351-7654321"), std::string::npos) << "the staff need the number to call";
  // The status shows it, and the trail does not carry the phone.
  EXPECT_EQ(Parse(Send(citizen, "GET", "/api/v1/citizen/me"))["visit"]["id"], v["id"]);
  int audited = 0;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action != "citizen.visit_request") continue;
    ++audited;
    EXPECT_EQ(e.detail.find("0351"), std::string::npos);
    EXPECT_EQ(e.detail.find("腿脚"), std::string::npos);
  }
  EXPECT_EQ(audited, 2);
  // Staff see it in the village's work list.
  auto list = Get(SignIn("admin"), "/api/v1/visits");
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(Parse(list)["visits"].size(), 1u);
}

TEST_F(CitizenApiTest, WithoutAnSmsChannelNobodyGetsACode) {
  ASSERT_TRUE(store_->outreach().SetChannelPaused("sms", "isv.AMOUNT_NOT_ENOUGH", now_ms_.load()));
  auto known = AskCode(persons_[0].id);
  auto stranger = AskCode(Stranger());
  EXPECT_EQ(known->status, 503);
  EXPECT_EQ(stranger->status, 503);
  EXPECT_EQ(Parse(known)["error"], Parse(stranger)["error"]);
}

class CitizenAddressLimitTest : public CitizenApiTest {
 protected:
  void Adjust(ServerOptions& o) override {
    o.citizen_code_rate_per_address = 1.0 / 3600;
    o.citizen_code_burst_per_address = 3;
  }
};

TEST_F(CitizenAddressLimitTest, AnAddressGetsAFewCodesAnHour) {
  for (int i = 0; i < 3; ++i) {
    std::string id = fmt::format("1101051949123100{}", i);
    EXPECT_EQ(AskCode(id + IdCheckCharacter(id))->status, 202) << i;
  }
  auto fourth = AskCode(persons_[0].id);
  EXPECT_EQ(fourth->status, 429);
  EXPECT_EQ(CodeOf(fourth), "rate_limited");
  EXPECT_GE(std::stoi(fourth->get_header_value("Retry-After")), 60);
  EXPECT_TRUE(sms_.Records().empty());
}

}  // namespace
}  // namespace tacit
