// /api/v1 outreach: a person's reminders, statistics, the visit work list,
// its assignment and outcome, the special-persons file, certification points
// and the committees' death returns, on the real server with two community
// accounts (one village each) besides the fixture's staff.
#include "server/test_server.h"
#include "tacit/outreach.h"
#include "tacit/outreach_store.h"

namespace tacit {
namespace {

constexpr char kVillage[] = "140202001001";    // persons_[1] lives here
constexpr char kNeighbour[] = "140202001002";  // nobody lives here
constexpr char kPhone[] = "13912345678";       // every fixture person's phone
constexpr char kFullName[] = "张三丰";         // every fixture person's name
constexpr int64_t kDayMs = 86'400'000;

class OutreachApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_TRUE(store_->UpsertRegions({{"140202001", "新荣镇", "140202", RegionLevel::kTownship},
                                       {kVillage, "新荣村委会", "140202001", RegionLevel::kVillage},
                                       {kNeighbour, "东村村委会", "140202001", RegionLevel::kVillage}}));
    ASSERT_TRUE(AddUser(*store_, {"cm-village", Role::kCommunity, kVillage, kPassword}, 0));
    ASSERT_TRUE(AddUser(*store_, {"cm-other", Role::kCommunity, kNeighbour, kPassword}, 0));
    // Forty days on, so that a visit today is later than the baseline
    // certification the registry gave everyone on kToday.
    today_ = kToday + 40;
    now_ms_ = BeijingInstant(today_, 10 * 60);
  }

  // Opens a visit task for persons_[i] in their village, due `due`.
  int64_t OpenTask(size_t i, Date due, const std::string& reason = "special") {
    VisitTaskRecord t;
    t.person = KeyOf(i);
    t.region = persons_[i].region;
    t.reason = reason;
    t.idem_key = "visit/test/" + std::to_string(++tasks_);
    t.due_on = due;
    t.created_ms = now_ms_.load() - kDayMs;
    std::vector<VisitTaskRecord> tasks{t};
    EXPECT_TRUE(store_->outreach().OpenVisitTasks(tasks));
    return tasks[0].id;
  }

  PersonKey KeyOf(size_t i) { return ParseIdNumber(persons_[i].id, today_).id.key(); }

  httplib::Result Send(const Login& l, const std::string& method, const std::string& path, const json& body) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    req.set_header("Cookie", l.cookie);
    req.set_header("X-CSRF-Token", l.csrf);
    return Client().send(req);
  }

  static json Parse(const httplib::Result& res) { return json::parse(res->body, nullptr, false); }
  static std::string FieldOf(const httplib::Result& res) {
    json j = Parse(res);
    return j.is_object() && j.contains("error") ? j["error"].value("field", "") : "";
  }

  Date today_;
  int tasks_ = 0;
};

TEST_F(OutreachApiTest, ACommunityWorkerSeesAndCompletesOnlyTheTasksOfItsVillage) {
  const int64_t mine = OpenTask(1, today_ + 10);
  const int64_t elsewhere = OpenTask(0, today_ + 10);
  Login village = SignIn("cm-village");
  Login other = SignIn("cm-other");

  auto list = Get(village, "/api/v1/visits");
  ASSERT_EQ(list->status, 200) << list->body;
  json visits = Parse(list)["visits"];
  ASSERT_EQ(visits.size(), 1u);
  EXPECT_EQ(visits[0]["id"], mine);
  EXPECT_EQ(visits[0]["region_code"], kVillage);
  EXPECT_EQ(visits[0]["region_name"], "新荣村委会");
  EXPECT_EQ(visits[0]["reason_zh"], "特殊人员");
  EXPECT_EQ(visits[0]["status_zh"], "待分派");
  EXPECT_EQ(visits[0]["person"]["id_number"], MaskIdNumber(persons_[1].id));
  EXPECT_EQ(visits[0]["person"]["name"], MaskName(kFullName));
  EXPECT_FALSE(visits[0]["person"]["handle"].get<std::string>().empty());
  EXPECT_EQ(list->body.find(persons_[1].id), std::string::npos);
  EXPECT_EQ(list->body.find(kFullName), std::string::npos);
  EXPECT_EQ(Parse(Get(other, "/api/v1/visits"))["visits"].size(), 0u) << "the neighbouring village has none";

  // A wider region than its own is refused; another region's task is not there.
  auto wider = Get(village, "/api/v1/visits?region=1402");
  EXPECT_EQ(wider->status, 403);
  EXPECT_EQ(FieldOf(wider), "region");
  auto foreign = Post(village, "/api/v1/visits/" + std::to_string(elsewhere) + "/complete", {{"outcome", "certified"}});
  EXPECT_EQ(foreign->status, 404) << foreign->body;
  EXPECT_EQ(FieldOf(foreign), "id");
  EXPECT_EQ(Post(other, "/api/v1/visits/" + std::to_string(mine) + "/complete", {{"outcome", "certified"}})->status,
            404);
  bool denial_audited = false;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action == "visit.complete" && e.outcome == "denied: outside region") denial_audited = true;
  }
  EXPECT_TRUE(denial_audited);

  // Nothing beyond its visits, points and returns.
  const std::string handle = visits[0]["person"]["handle"];
  EXPECT_EQ(Post(village, "/api/v1/visits/" + std::to_string(mine) + "/assign", {{"to", "cm-village"}})->status, 403);
  EXPECT_EQ(Send(village, "PUT", "/api/v1/persons/" + handle + "/special", {{"reason", "bedridden"}})->status, 403);
  EXPECT_EQ(Get(village, "/api/v1/persons/" + handle)->status, 403);
  EXPECT_EQ(Get(village, "/api/v1/persons/" + handle + "/outreach")->status, 403);
  EXPECT_EQ(Get(village, "/api/v1/outreach/stats")->status, 403);

  // The visit certifies the person from today: the profile shows it.
  auto done = Post(village, "/api/v1/visits/" + std::to_string(mine) + "/complete",
                   {{"outcome", "certified"}, {"note", "本人在家"}, {"photo_sha256", std::string(64, 'a')}});
  ASSERT_EQ(done->status, 200) << done->body;
  json visit = Parse(done)["visit"];
  EXPECT_EQ(visit["status"], "done");
  EXPECT_EQ(visit["outcome_zh"], "本人认证");
  EXPECT_EQ(visit["outcome_on"], today_.ToString());
  EXPECT_EQ(visit["done_by"], "user:cm-village") << "the visitor is the session's account";
  EXPECT_TRUE(visit["evidence_id"].is_number());
  Login admin = SignIn("admin");
  json profile = Parse(Get(admin, "/api/v1/persons/" + handle));
  EXPECT_EQ(profile["certification"]["last_certified_on"], today_.ToString());
  EXPECT_EQ(profile["certification"]["method"], "visit");
  EXPECT_EQ(profile["certification"]["evidence_id"], visit["evidence_id"]);

  auto again = Post(village, "/api/v1/visits/" + std::to_string(mine) + "/complete", {{"outcome", "certified"}});
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_EQ(Parse(Get(village, "/api/v1/visits"))["visits"].size(), 0u) << "a done task leaves the work list";
  EXPECT_EQ(Parse(Get(village, "/api/v1/visits?status=done"))["visits"].size(), 1u);
}

TEST_F(OutreachApiTest, AnOperatorAssignsTasksToStaffOfTheirRegion) {
  const int64_t datong = OpenTask(1, today_ + 10);
  const int64_t taiyuan = OpenTask(0, today_ + 10);
  const int64_t late = OpenTask(1, today_ - 1, "reminders_failed");
  Login op = SignIn("op-datong");
  const std::string path = "/api/v1/visits/" + std::to_string(datong) + "/assign";

  auto assigned = Post(op, path, {{"to", "cm-village"}});
  ASSERT_EQ(assigned->status, 200) << assigned->body;
  EXPECT_EQ(Parse(assigned)["visit"]["status_zh"], "已分派");
  EXPECT_EQ(Parse(assigned)["visit"]["assigned_to"], "cm-village");
  for (const char* nobody : {"op-taiyuan", "cm-other", "auditor", "no-such-user"}) {
    auto refused = Post(op, path, {{"to", nobody}});
    EXPECT_EQ(refused->status, 400) << nobody;
    EXPECT_EQ(FieldOf(refused), "to") << nobody;
  }
  EXPECT_EQ(Post(op, "/api/v1/visits/" + std::to_string(taiyuan) + "/assign", {{"to", "cm-village"}})->status, 404);
  Login admin = SignIn("admin");
  EXPECT_EQ(Post(admin, "/api/v1/visits/" + std::to_string(taiyuan) + "/assign", {{"to", "op-taiyuan"}})->status, 200);

  json assigned_list = Parse(Get(op, "/api/v1/visits?status=assigned"))["visits"];
  ASSERT_EQ(assigned_list.size(), 1u);
  EXPECT_EQ(assigned_list[0]["id"], datong);
  json overdue = Parse(Get(op, "/api/v1/visits?overdue=true"))["visits"];
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0]["id"], late);
  EXPECT_TRUE(overdue[0]["overdue"].get<bool>());
  EXPECT_EQ(Parse(Get(admin, "/api/v1/visits?status=all"))["visits"].size(), 3u);

  bool audited = false;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action == "visit.assign" && e.actor == "user:op-datong" && e.outcome == "ok") audited = true;
  }
  EXPECT_TRUE(audited);
}

TEST_F(OutreachApiTest, BadBodiesAndQueriesNameTheirFields) {
  const int64_t task = OpenTask(1, today_ + 10);
  Login op = SignIn("op-datong");
  const std::string complete = "/api/v1/visits/" + std::to_string(task) + "/complete";
  const std::vector<std::pair<json, std::string>> bad = {
      {json::object(), "outcome"},
      {{{"outcome", "flew_away"}}, "outcome"},
      {{{"outcome", "died"}}, "death_date"},
      {{{"outcome", "died"}, {"death_date", (today_ + 1).ToString()}, {"on", today_.ToString()}}, "death_date"},
      {{{"outcome", "certified"}, {"on", (today_ + 1).ToString()}}, "on"},
      {{{"outcome", "certified"}, {"on", "yesterday"}}, "on"},
      {{{"outcome", "certified"}, {"on", (today_ - 5).ToString()}}, "on"},  // before the task was opened
      {{{"outcome", "certified"}, {"photo_sha256", "not a digest"}}, "photo_sha256"},
      {{{"outcome", 7}}, "outcome"},
  };
  for (const auto& [body, field] : bad) {
    auto res = Post(op, complete, body);
    EXPECT_EQ(res->status, 400) << body.dump() << " " << res->body;
    EXPECT_EQ(FieldOf(res), field) << body.dump() << " " << res->body;
  }
  EXPECT_EQ(Get(op, "/api/v1/visits/abc/complete")->status, 405);
  EXPECT_EQ(Post(op, "/api/v1/visits/abc/complete", {{"outcome", "certified"}})->status, 404);
  EXPECT_EQ(FieldOf(Post(op, "/api/v1/visits/" + std::to_string(task) + "/assign", json::object())), "to");

  const std::string handle = HandleOf(op, persons_[1].id);
  auto reason = Send(op, "PUT", "/api/v1/persons/" + handle + "/special", {{"reason", "flying"}});
  EXPECT_EQ(reason->status, 400);
  EXPECT_EQ(FieldOf(reason), "reason");
  auto phone = Send(op, "PUT", "/api/v1/persons/" + handle + "/special",
                    {{"reason", "bedridden"}, {"contact_phone", "call 139 1234"}});
  EXPECT_EQ(FieldOf(phone), "contact_phone");
  EXPECT_EQ(phone->body.find("139 1234"), std::string::npos) << "a number is never echoed";

  const std::vector<std::pair<json, std::string>> returns = {
      {{{"committee", kVillage}, {"month", "2026-11"}}, "deaths"},
      {{{"committee", kVillage}, {"month", "2026-11"}, {"deaths", -1}}, "deaths"},
      {{{"committee", kVillage}, {"month", "2026-11"}, {"deaths", "none"}}, "deaths"},
      {{{"committee", kVillage}, {"month", MonthOf(today_).ToString()}, {"deaths", 0}}, "month"},  // not ended
      {{{"committee", kVillage}, {"month", "December"}, {"deaths", 0}}, "month"},
      {{{"committee", "1402"}, {"month", "2026-11"}, {"deaths", 0}}, "committee"},
      {{{"committee", "140202009009"}, {"month", "2026-11"}, {"deaths", 0}}, "committee"},  // unknown
  };
  for (const auto& [body, field] : returns) {
    auto res = Post(op, "/api/v1/death-returns", body);
    EXPECT_EQ(res->status, 400) << body.dump() << " " << res->body;
    EXPECT_EQ(FieldOf(res), field) << body.dump() << " " << res->body;
  }
  for (const char* query :
       {"/api/v1/outreach/stats?from=2026-13-01", "/api/v1/outreach/stats?from=2027-01-01&to=2026-01-01",
        "/api/v1/outreach/stats?from=2020-01-01&to=2026-01-01", "/api/v1/visits?status=lost",
        "/api/v1/visits?overdue=maybe", "/api/v1/death-returns/status?month=12"}) {
    auto res = Get(op, query);
    EXPECT_EQ(res->status, 400) << query << " " << res->body;
  }
}

TEST_F(OutreachApiTest, APersonsMessagesAndSpecialEntryAreMaskedAndNeverShowAPhoneOrFullName) {
  const PersonKey key = KeyOf(1);
  const Date deadline = today_ + 30;
  std::vector<OutreachMessageRecord> messages(2);
  for (size_t i = 0; i < messages.size(); ++i) {
    OutreachMessageRecord& m = messages[i];
    m.idem_key = "rem/test/" + std::to_string(i);
    m.person = key;
    m.recipient = "person";
    m.region = kVillage;
    m.channel = i == 0 ? "sms" : "wechat";
    m.template_name = std::string(i == 0 ? kTemplateRemindFirst : kTemplateRemindDue);
    m.params = ParamsToJson(ReminderParams(kFullName, deadline, "新荣区社保服务大厅"));
    m.reason = i == 0 ? "remind60" : "remind30";
    m.deadline = deadline.ToString();
    m.created_ms = now_ms_.load() - kDayMs * static_cast<int64_t>(2 - i);
  }
  ASSERT_TRUE(store_->outreach().EnqueueMessages(messages));
  messages[0].status = std::string(kMsgDelivered);
  messages[0].attempts = 1;
  messages[0].sent_ms = messages[0].delivered_ms = messages[0].created_ms + 3'600'000;
  messages[0].provider_code = "OK";
  ASSERT_TRUE(store_->outreach().UpdateMessage(messages[0]));
  messages[1].status = std::string(kMsgFailed);
  messages[1].attempts = 1;
  messages[1].failure = std::string(kFailNotFollowing);
  messages[1].provider_code = "43004";
  ASSERT_TRUE(store_->outreach().UpdateMessage(messages[1]));

  Login op = SignIn("op-datong");
  const std::string handle = HandleOf(op, persons_[1].id);
  auto put = Send(op, "PUT", "/api/v1/persons/" + handle + "/special",
                  {{"reason", "bedridden"}, {"contact_name", "李小龙"}, {"contact_phone", "13700001111"},
                   {"address", "新荣村三组12号"}, {"notes", "女儿照料"}});
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Parse(put)["special"]["contact_phone"], MaskPhone("13700001111"));
  OpenTask(1, today_ + 10);

  auto res = Get(op, "/api/v1/persons/" + handle + "/outreach");
  ASSERT_EQ(res->status, 200) << res->body;
  json j = Parse(res);
  ASSERT_EQ(j["messages"].size(), 2u);
  json failed = j["messages"][0], delivered = j["messages"][1];  // newest first
  EXPECT_EQ(failed["status_zh"], "发送失败");
  EXPECT_EQ(failed["failure_zh"], "未关注公众号");
  EXPECT_EQ(failed["channel_zh"], "微信");
  EXPECT_EQ(failed["provider_code"], "43004");
  EXPECT_EQ(delivered["status_zh"], "已送达");
  EXPECT_EQ(delivered["step"], "remind60");
  EXPECT_EQ(delivered["deadline"], deadline.ToString());
  EXPECT_EQ(delivered["text"].get<std::string>().rfind(MaskName(kFullName) + "您好", 0), 0u) << delivered["text"];
  ASSERT_EQ(j["visits"].size(), 1u);
  EXPECT_FALSE(j["special_care"].get<bool>());
  EXPECT_EQ(j["special"]["reason_zh"], "长期卧床");
  EXPECT_EQ(j["special"]["contact_name"], MaskName("李小龙"));
  EXPECT_TRUE(j["special"]["has_address"].get<bool>());
  for (const std::string& secret : {std::string(kPhone), std::string(kFullName), persons_[1].id,
                                    std::string("13700001111"), std::string("李小龙"), std::string("新荣村三组12号"),
                                    std::string("女儿照料")}) {
    EXPECT_EQ(res->body.find(secret), std::string::npos) << secret;
    EXPECT_EQ(put->body.find(secret), std::string::npos) << secret;
    for (const AuditEntry& e : AuditEntries()) {
      EXPECT_EQ(e.target.find(secret), std::string::npos) << e.action;
      EXPECT_EQ(e.detail.find(secret), std::string::npos) << e.action;
    }
  }
  EXPECT_EQ(Get(SignIn("op-taiyuan"), "/api/v1/persons/" + handle + "/outreach")->status, 404);
  EXPECT_EQ(Get(SignIn("auditor"), "/api/v1/persons/" + handle + "/outreach")->status, 200);

  // Statistics of the county: one reminder sent and delivered, to one person.
  json stats = Parse(Get(op, "/api/v1/outreach/stats"));
  EXPECT_EQ(stats["region"], "140202");
  EXPECT_EQ(stats["sent"], 1);
  EXPECT_EQ(stats["delivered"], 1);
  EXPECT_EQ(stats["delivery_rate"], 1.0);
  EXPECT_EQ(stats["reminded_persons"], 1);
  EXPECT_EQ(stats["visits"]["open"], 1);
  EXPECT_EQ(stats["by_channel_status"].size(), 2u);
  EXPECT_EQ(Parse(Get(op, "/api/v1/outreach/stats?from=" + (today_ - 100).ToString() + "&to=" +
                              (today_ - 90).ToString()))["sent"],
            0);
  EXPECT_EQ(Get(op, "/api/v1/outreach/stats?region=1401")->status, 403);

  // Ending the entry, and ending it again.
  EXPECT_EQ(Send(op, "DELETE", "/api/v1/persons/" + handle + "/special", json::object())->status, 200);
  EXPECT_TRUE(Parse(Get(op, "/api/v1/persons/" + handle + "/outreach"))["special"].is_null());
  auto twice = Send(op, "DELETE", "/api/v1/persons/" + handle + "/special", json::object());
  EXPECT_EQ(twice->status, 404);
  int set = 0, ended = 0;
  for (const AuditEntry& e : AuditEntries()) {
    set += e.action == "special.set" && e.actor == "user:op-datong";
    ended += e.action == "special.end" && e.actor == "user:op-datong";
  }
  EXPECT_EQ(set, 1);
  EXPECT_EQ(ended, 1);
}

TEST_F(OutreachApiTest, DeathReturnsFeedTheZeroReportCompliance) {
  const std::string month = (MonthOf(today_) - 1).ToString();
  Login village = SignIn("cm-village");
  auto first = Post(village, "/api/v1/death-returns", {{"committee", kVillage}, {"month", month}, {"deaths", 0}});
  ASSERT_EQ(first->status, 201) << first->body;
  EXPECT_FALSE(Parse(first)["replaced"].get<bool>());
  EXPECT_EQ(Parse(first)["submitted_by"], "user:cm-village");
  auto corrected = Post(village, "/api/v1/death-returns", {{"committee", kVillage}, {"month", month}, {"deaths", 1}});
  ASSERT_EQ(corrected->status, 200) << corrected->body;
  EXPECT_TRUE(Parse(corrected)["replaced"].get<bool>());
  auto foreign =
      Post(village, "/api/v1/death-returns", {{"committee", "140105001001"}, {"month", month}, {"deaths", 0}});
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(FieldOf(foreign), "committee");
  EXPECT_EQ(Get(village, "/api/v1/death-returns/status")->status, 403) << "compliance is for the agency's staff";

  Login admin = SignIn("admin");
  auto all = Get(admin, "/api/v1/death-returns/status?month=" + month);
  ASSERT_EQ(all->status, 200) << all->body;
  json z = Parse(all);
  EXPECT_EQ(z["expected"], 2);
  EXPECT_EQ(z["reported"], 1);
  EXPECT_EQ(z["compliance_rate"], 0.5);
  ASSERT_EQ(z["by_county"].size(), 2u);
  EXPECT_EQ(z["by_county"][0]["county"], "140105");
  EXPECT_EQ(z["by_county"][0]["compliance_rate"], 0.0);
  EXPECT_EQ(z["by_county"][1]["county_name"], "新荣区");
  EXPECT_EQ(z["by_county"][1]["compliance_rate"], 1.0);
  ASSERT_EQ(z["missing"].size(), 1u);
  EXPECT_EQ(z["missing"][0]["committee"], "140105001001");
  ASSERT_EQ(z["returns"].size(), 1u);
  EXPECT_EQ(z["returns"][0]["deaths"], 1);
  EXPECT_EQ(z["returns"][0]["committee_name"], "新荣村委会");

  json county = Parse(Get(SignIn("op-datong"), "/api/v1/death-returns/status?month=" + month));
  EXPECT_EQ(county["region"], "140202");
  EXPECT_EQ(county["expected"], 1);
  EXPECT_EQ(county["missing"].size(), 0u);
  json by_default = Parse(Get(admin, "/api/v1/death-returns/status"));
  EXPECT_EQ(by_default["month"], month) << "the last month that has ended";
  int reports = 0;
  for (const AuditEntry& e : AuditEntries()) reports += e.action == "deaths.report" && e.outcome == "ok";
  EXPECT_EQ(reports, 2);
}

TEST_F(OutreachApiTest, CertificationPointsAreListedForTheCountyOfTheAccount) {
  for (const auto& [code, region] : {std::pair{"P1", "140202001001"}, std::pair{"P2", "140202000000"},
                                     std::pair{"P3", "140105001001"}}) {
    ASSERT_TRUE(store_->outreach().PutCertPoint({.code = code,
                                                 .kind = "service_hall",
                                                 .name = std::string("服务点") + code,
                                                 .short_name = code,
                                                 .region = region,
                                                 .address = "某路1号",
                                                 .hours = "8:30-17:00"}));
  }
  ASSERT_TRUE(store_->outreach().PutCertPoint(
      {.code = "P4", .kind = "bank_terminal", .name = "旧网点", .region = "140202001001", .active = false}));
  Login village = SignIn("cm-village");
  auto res = Get(village, "/api/v1/points");
  ASSERT_EQ(res->status, 200) << res->body;
  json points = Parse(res)["points"];
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0]["code"], "P1");
  EXPECT_EQ(points[0]["region_name"], "新荣村委会");
  EXPECT_EQ(points[1]["code"], "P2");
  EXPECT_EQ(Parse(Get(village, "/api/v1/points?all=true"))["points"].size(), 3u);
  EXPECT_EQ(Get(village, "/api/v1/points?region=1401")->status, 403);
  EXPECT_EQ(Parse(Get(SignIn("admin"), "/api/v1/points"))["points"].size(), 3u);
}

}  // namespace
}  // namespace tacit
