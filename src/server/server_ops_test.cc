// The operations endpoints (the monthly run, statistics, cases, review,
// recoveries, users and partners, the audit export) through the real server:
// who may call what, in and out of their region, and that each change lands in
// the store with its audit entry.
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "server/test_server.h"

#include <sys/stat.h>
#include "tacit/cycle.h"
#include "tacit/report.h"
#include "tacit/stats.h"

namespace tacit {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The server's data plus what operations work on: a death of the Taiyuan
// person learned before November's cut-off (the run finds two months overpaid),
// one open case for each person, and two records the linker proposed for
// review, one for each person.
class OpsTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override { options.payroll_dir = (dir_ / "payroll").string(); }

  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    taiyuan_ = ParseIdNumber(persons_[0].id, kToday).id.key();
    datong_ = ParseIdNumber(persons_[1].id, kToday).id.key();

    std::vector<EvidenceRecord> ev;
    EvidenceRecord death;
    death.source = "civil_affairs";
    death.ref = "CR-1";
    death.kind = "cremation";
    death.person = taiyuan_;
    death.occurred_on = *ParseDate("2026-08-10");
    death.received_on = *ParseDate("2026-10-01");
    death.link_method = "exact";
    death.link_score = 1;
    ev.push_back(death);
    // Records without a usable number: the partner's own copy of the fields.
    for (const auto& [ref, person] : {std::pair{"CR-2", 0}, std::pair{"CR-3", 1}}) {
      EvidenceRecord e;
      e.source = "civil_affairs";
      e.ref = ref;
      e.kind = "cremation";
      e.occurred_on = *ParseDate("2026-10-03");
      e.received_on = *ParseDate("2026-10-10");
      std::string id = persons_[person].id;
      id[15] = id[15] == '9' ? '0' : static_cast<char>(id[15] + 1);
      e.id_text = id;
      e.id_problem = "bad_checksum";
      e.name = "张三丰";
      e.sex = "M";
      e.birth_date = ParseIdNumber(persons_[person].id, kToday).id.birth_date();
      e.region_code = persons_[person].region;
      ev.push_back(e);
    }
    BatchRecord batch;
    batch.sha256 = "sha-ops";
    batch.file_name = "cremation.csv";
    batch.source = "civil_affairs";
    batch.received_on = *ParseDate("2026-10-10");
    ASSERT_TRUE(store_->ApplyBatch(batch, ev));
    death_id_ = ev[0].id;

    std::vector<LinkModelRecord> models(1);
    models[0].source = "civil_affairs";
    models[0].trained_at = "2026-10-11T00:00:00Z";
    models[0].records = 2;
    std::vector<LinkAttempt> attempts;
    for (const auto& [e, candidate] : {std::pair{ev[1], taiyuan_}, std::pair{ev[2], datong_}}) {
      LinkAttempt a;
      a.evidence_id = e.id;
      a.model_id = 0;
      a.outcome = "review";
      a.reason = "not_automatic";
      a.candidate = candidate;
      a.probability = 0.9993;
      a.weight_bits = 21.5;
      a.contributions_json = R"([{"comparison": "name", "level": "exact", "bits": 9.5}])";
      a.status = "open";
      attempts.push_back(a);
    }
    ASSERT_TRUE(store_->SaveLinkAttempts(models, attempts));
    review_taiyuan_ = ev[1].id;
    review_datong_ = ev[2].id;

    std::vector<CaseRecord> cases;
    for (PersonKey person : {taiyuan_, datong_}) {
      CaseRecord c;
      c.person = person;
      c.type = "alive_after_death";
      c.key = fmt::format("ops:{}", person);
      c.summary = "死亡之后出现生存信息";
      c.suggestion = "void_evidence";
      c.evidence_ids = {death_id_};
      c.at_stake = 600000;
      c.opened_in = Month::Of(2026, 11);
      cases.push_back(c);
    }
    ASSERT_TRUE(store_->OpenCases(cases));
    case_taiyuan_ = cases[0].id;
    case_datong_ = cases[1].id;
  }

  // A request with a partner's API key.
  httplib::Result AsPartner(const std::string& method, const std::string& path, const json& body) {
    auto c = Client();
    httplib::Headers h = {{"Authorization", "Bearer " + partner_key_}};
    return method == "GET" ? c.Get(path, h) : c.Post(path, h, body.dump(), "application/json");
  }

  httplib::Result Call(const Login& l, const std::string& method, const std::string& path, const json& body) {
    return method == "GET" ? Get(l, path) : Post(l, path, body);
  }

  std::set<std::string> AuditActions() {
    std::set<std::string> out;
    for (const AuditEntry& e : AuditEntries()) out.insert(e.action + " " + e.outcome);
    return out;
  }

  // No entry of the trail names a person by number.
  void ExpectNoIdentityNumbersInTheTrail() {
    for (const AuditEntry& e : AuditEntries()) {
      for (const Person& p : persons_) {
        EXPECT_EQ(e.target.find(p.id), std::string::npos) << e.action;
        EXPECT_EQ(e.detail.find(p.id), std::string::npos) << e.action;
      }
    }
  }

  PersonKey taiyuan_ = 0, datong_ = 0;
  int64_t death_id_ = 0;
  int64_t case_taiyuan_ = 0, case_datong_ = 0;
  int64_t review_taiyuan_ = 0, review_datong_ = 0;
  std::string partner_key_;
};

// Every operations endpoint x every role, with the outcome each must get:
// 2xx where the role may act and the target is in its region, 404 for a
// target outside the region (as if it did not exist), 403 for a role that may
// not act at all, 401 for a partner's key (partners use feed endpoints only),
// and 400/409 where the call passes authorisation but its input is refused (so
// that the matrix changes nothing).
TEST_F(OpsTest, AuthorisationMatrixCoversEveryOperationsEndpointAndRole) {
  Login admin = SignIn("admin");
  auto run = Post(admin, "/api/v1/cycle/runs", {{"month", "2026-11"}});
  ASSERT_TRUE(run);
  ASSERT_EQ(run->status, 201) << run->body;
  auto key = AddPartner(*store_, policy_, Secrets::FromBytesForTest(std::string(32, 'k')),
                        {.name = "railway", .role = Role::kPartner, .source = "railway", .kinds = {"travel"}}, 0);
  ASSERT_TRUE(key) << key.error().ToString();
  partner_key_ = key->api_key;
  const std::string ht = HandleOf(admin, persons_[0].id), hd = HandleOf(admin, persons_[1].id);
  ASSERT_FALSE(ht.empty());
  ASSERT_FALSE(hd.empty());

  struct Row {
    std::string method, templ, path;
    json body;
    std::vector<int> expected;  // admin, op-taiyuan, op-datong, rev-datong, auditor, partner
  };
  const json bad_decision = {{"decision", "approve"}, {"note", "x"}};
  const json no_note = json::object();
  const std::string ct = std::to_string(case_taiyuan_), cd = std::to_string(case_datong_);
  const std::string rt = std::to_string(review_taiyuan_), rd = std::to_string(review_datong_);
  // One row a line.
  // clang-format off
  const std::vector<Row> rows = {
      {"POST", "/api/v1/cycle/runs", "/api/v1/cycle/runs", {{"month", "2026-11"}}, {409, 403, 403, 403, 403, 401}},
      {"GET", "/api/v1/cycle/runs", "/api/v1/cycle/runs", nullptr, {200, 200, 200, 403, 200, 401}},
      {"GET", "/api/v1/cycle/runs/{month}", "/api/v1/cycle/runs/2026-11", nullptr, {200, 200, 200, 403, 200, 401}},
      {"GET", "/api/v1/cycle/runs/{month}/payroll", "/api/v1/cycle/runs/2026-11/payroll", nullptr,
       {200, 403, 403, 403, 403, 401}},
      {"GET", "/api/v1/stats", "/api/v1/stats", nullptr, {200, 200, 200, 200, 200, 401}},
      {"GET", "/api/v1/stats", "/api/v1/stats?region=1401", nullptr, {200, 200, 403, 403, 200, 401}},
      {"GET", "/api/v1/dashboard", "/api/v1/dashboard", nullptr, {200, 200, 200, 200, 200, 401}},
      {"GET", "/api/v1/dashboard", "/api/v1/dashboard?region=1401", nullptr, {200, 200, 403, 403, 200, 401}},
      {"GET", "/api/v1/recoveries", "/api/v1/recoveries", nullptr, {200, 200, 200, 403, 200, 401}},
      {"GET", "/api/v1/recoveries", "/api/v1/recoveries?region=1401", nullptr, {200, 200, 403, 403, 200, 401}},
      {"GET", "/api/v1/cases", "/api/v1/cases", nullptr, {200, 200, 200, 200, 200, 401}},
      {"GET", "/api/v1/cases/{id}", "/api/v1/cases/" + ct, nullptr, {200, 200, 404, 404, 200, 401}},
      {"GET", "/api/v1/cases/{id}", "/api/v1/cases/" + cd, nullptr, {200, 404, 200, 200, 200, 401}},
      {"POST", "/api/v1/cases/{id}/resolve", "/api/v1/cases/" + ct + "/resolve", bad_decision,
       {400, 403, 403, 404, 403, 401}},
      {"POST", "/api/v1/cases/{id}/resolve", "/api/v1/cases/" + cd + "/resolve", bad_decision,
       {400, 403, 403, 400, 403, 401}},
      {"GET", "/api/v1/reviews", "/api/v1/reviews", nullptr, {200, 200, 200, 200, 200, 401}},
      {"GET", "/api/v1/reviews/{evidence_id}", "/api/v1/reviews/" + rt, nullptr, {200, 200, 404, 404, 200, 401}},
      {"GET", "/api/v1/reviews/{evidence_id}", "/api/v1/reviews/" + rd, nullptr, {200, 404, 200, 200, 200, 401}},
      {"POST", "/api/v1/reviews/{evidence_id}/accept", "/api/v1/reviews/" + rt + "/accept", no_note,
       {400, 403, 403, 404, 403, 401}},
      {"POST", "/api/v1/reviews/{evidence_id}/accept", "/api/v1/reviews/" + rd + "/accept", no_note,
       {400, 403, 403, 400, 403, 401}},
      {"POST", "/api/v1/reviews/{evidence_id}/reject", "/api/v1/reviews/" + rt + "/reject", no_note,
       {400, 403, 403, 404, 403, 401}},
      {"POST", "/api/v1/reviews/{evidence_id}/reject", "/api/v1/reviews/" + rd + "/reject", no_note,
       {400, 403, 403, 400, 403, 401}},
      {"GET", "/api/v1/persons/{handle}/recoveries", "/api/v1/persons/" + ht + "/recoveries", nullptr,
       {200, 200, 404, 403, 200, 401}},
      {"GET", "/api/v1/persons/{handle}/recoveries", "/api/v1/persons/" + hd + "/recoveries", nullptr,
       {200, 404, 200, 403, 200, 401}},
      {"POST", "/api/v1/persons/{handle}/recoveries", "/api/v1/persons/" + ht + "/recoveries",
       {{"amount", "x"}, {"method", "lump"}}, {400, 400, 404, 403, 403, 401}},
      {"POST", "/api/v1/persons/{handle}/recoveries", "/api/v1/persons/" + hd + "/recoveries",
       {{"amount", "x"}, {"method", "lump"}}, {400, 404, 400, 403, 403, 401}},
      {"GET", "/api/v1/users", "/api/v1/users", nullptr, {200, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/users", "/api/v1/users", no_note, {400, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/users/{name}/disable", "/api/v1/users/nobody/disable", no_note, {404, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/users/{name}/enable", "/api/v1/users/nobody/enable", no_note, {404, 403, 403, 403, 403, 401}},
      {"GET", "/api/v1/partners", "/api/v1/partners", nullptr, {200, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/partners", "/api/v1/partners", no_note, {400, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/partners/{name}/disable", "/api/v1/partners/nobody/disable", no_note, {404, 403, 403, 403, 403, 401}},
      {"POST", "/api/v1/partners/{name}/enable", "/api/v1/partners/nobody/enable", no_note, {404, 403, 403, 403, 403, 401}},
      {"GET", "/api/v1/audit/export", "/api/v1/audit/export", nullptr, {200, 403, 403, 403, 200, 401}},
  };
  // clang-format on
  const std::vector<std::string> users = {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"};
  for (size_t u = 0; u < users.size(); ++u) {
    Login l = SignIn(users[u]);
    for (const Row& row : rows) {
      auto res = Call(l, row.method, row.path, row.body);
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, row.expected[u]) << users[u] << " " << row.method << " " << row.path << " " << res->body;
    }
  }
  for (const Row& row : rows) {
    auto res = AsPartner(row.method, row.path, row.body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, row.expected[5]) << "partner " << row.method << " " << row.path << " " << res->body;
    auto anonymous =
        row.method == "GET" ? Client().Get(row.path) : Client().Post(row.path, row.body.dump(), "application/json");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401) << row.path;
  }
  // Nothing the matrix sent changed anything: the cases and items are open still.
  EXPECT_EQ((*store_->FindCase(case_taiyuan_))->status, "open");
  EXPECT_EQ((*store_->FindLinkAttempt(review_datong_))->status, "open");
  // The matrix covers every operation of these areas that the API describes.
  std::set<std::string> covered;
  for (const Row& row : rows) covered.insert(row.method + " " + row.templ);
  json doc = json::parse(Client().Get("/api/v1/openapi.json")->body);
  const std::set<std::string> tags = {"cycle", "stats", "cases", "reviews", "recoveries", "users", "partners"};
  int operations = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      if (!tags.contains(op["tags"][0].get<std::string>()) && path != "/api/v1/audit/export") continue;
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      EXPECT_TRUE(covered.contains(m + " " + path)) << m << " " << path << " is not in the matrix";
      ++operations;
    }
  }
  EXPECT_EQ(operations, 25);
}

// With a statistics snapshot of the month and day, the dashboard answers from
// it and says so; after a new fact it still does, saying the data moved on,
// and live=1 derives the figures now. /stats only ever uses a current one.
TEST_F(OpsTest, TheDashboardAnswersFromASnapshotAndSaysWhenDataChangedSince) {
  Login admin = SignIn("admin");
  auto before = Get(admin, "/api/v1/dashboard?month=2026-11&trend=3");
  ASSERT_EQ(before->status, 200) << before->body;
  json live = json::parse(before->body);
  EXPECT_FALSE(live.contains("snapshot"));
  auto snap = TakeStatsSnapshot(*store_, policy_, {Month::Of(2026, 11), kToday, 12, "2026-11-27T16:10:00Z"});
  ASSERT_TRUE(snap) << snap.error().ToString();

  json from = json::parse(Get(admin, "/api/v1/dashboard?month=2026-11&trend=3")->body);
  ASSERT_TRUE(from.contains("snapshot")) << from.dump();
  EXPECT_EQ(from["snapshot"]["taken_at"], "2026-11-27T16:10:00Z");
  EXPECT_EQ(from["snapshot"]["current"], true);
  for (const char* part : {"total", "by_region", "by_scheme", "trend"}) EXPECT_EQ(from[part], live[part]) << part;
  EXPECT_TRUE(json::parse(Get(admin, "/api/v1/stats?month=2026-11")->body).contains("snapshot"));

  EvidenceRecord e;
  e.source = "railway";
  e.ref = "snapshot-T1";
  e.kind = "travel";
  e.person = taiyuan_;
  e.link_method = "exact";
  e.occurred_on = kToday - 1;
  e.received_on = kToday;
  ASSERT_TRUE(store_->AddEvidence(e));
  json stale = json::parse(Get(admin, "/api/v1/dashboard?month=2026-11&trend=3")->body);
  ASSERT_TRUE(stale.contains("snapshot"));
  EXPECT_EQ(stale["snapshot"]["current"], false);
  EXPECT_EQ(stale["total"], live["total"]);
  EXPECT_FALSE(json::parse(Get(admin, "/api/v1/stats?month=2026-11")->body).contains("snapshot"));
  json now = json::parse(Get(admin, "/api/v1/dashboard?month=2026-11&trend=3&live=1")->body);
  EXPECT_FALSE(now.contains("snapshot"));
  EXPECT_EQ(Get(admin, "/api/v1/dashboard?live=yes")->status, 400);
}

// The workbench's dashboard gives ComputeStats's figures with the trend, and
// the work queues narrow by residence region and age inside the caller's scope.
TEST_F(OpsTest, DashboardAndWorkQueuesFilterByRegionAndAge) {
  Login admin = SignIn("admin");
  auto run = Post(admin, "/api/v1/cycle/runs", {{"month", "2026-11"}});
  ASSERT_TRUE(run);
  ASSERT_EQ(run->status, 201) << run->body;

  auto dash = Get(admin, "/api/v1/dashboard?month=2026-11&trend=3");
  ASSERT_TRUE(dash);
  ASSERT_EQ(dash->status, 200) << dash->body;
  json d = json::parse(dash->body);
  auto stats = Get(admin, "/api/v1/stats?month=2026-11");
  json st = json::parse(stats->body);
  EXPECT_EQ(d["total"], st["total"]);
  EXPECT_EQ(d["by_region"], st["by_region"]);
  ASSERT_EQ(d["trend"].size(), 3u);
  EXPECT_EQ(d["trend"][2]["month"], "2026-11");
  EXPECT_EQ(d["trend"][2]["payable"], d["total"]["payable"]);
  EXPECT_EQ(d["trend"][0]["month"], "2026-09");
  EXPECT_NE(d["total"]["overpaid_outstanding"], "0.00");
  EXPECT_EQ(d["total"]["overpaid_recovered"], "0.00");
  EXPECT_EQ(d["run"]["month"], "2026-11");
  EXPECT_TRUE(d["feeds"].is_array());
  EXPECT_EQ(d["breadcrumb"].front()["code"], "");
  // A city operator's dashboard starts at the city; the breadcrumb never
  // offers a level above it.
  Login op = SignIn("op-taiyuan");
  json od = json::parse(Get(op, "/api/v1/dashboard")->body);
  EXPECT_EQ(od["region"], "1401");
  ASSERT_EQ(od["breadcrumb"].size(), 1u);
  EXPECT_EQ(od["breadcrumb"][0]["code"], "1401");
  EXPECT_EQ(od["total"]["recipients"], 1);
  EXPECT_EQ(Get(op, "/api/v1/dashboard?trend=25")->status, 400);
  EXPECT_EQ(Get(op, "/api/v1/dashboard?month=2026-13")->status, 400);

  // Recoveries: the Taiyuan person owes the months paid after death.
  json rq = json::parse(Get(admin, "/api/v1/recoveries")->body);
  ASSERT_EQ(rq["recoveries"].size(), 1u) << rq.dump();
  EXPECT_EQ(rq["recoveries"][0]["handle"], HandleOf(admin, persons_[0].id));
  EXPECT_EQ(rq["recoveries"][0]["outstanding"], d["total"]["overpaid_outstanding"]);
  EXPECT_EQ(rq["recoveries"][0]["id_number"].get<std::string>().find(persons_[0].id.substr(6, 8)), std::string::npos);
  EXPECT_EQ(json::parse(Get(admin, "/api/v1/recoveries?region=1402")->body)["recoveries"].size(), 0u);
  EXPECT_EQ(json::parse(Get(SignIn("op-datong"), "/api/v1/recoveries")->body)["recoveries"].size(), 0u);

  // Cases by region and by age (whole years on the server's today).
  auto cases = [&](const std::string& query) {
    auto r = Get(admin, "/api/v1/cases" + query);
    EXPECT_TRUE(r);
    return r->status == 200 ? json::parse(r->body)["cases"].size() : static_cast<size_t>(1000 + r->status);
  };
  EXPECT_EQ(cases(""), 2u);
  EXPECT_EQ(cases("?region=1401"), 1u);
  EXPECT_EQ(cases("?region=1402"), 1u);
  EXPECT_EQ(cases("?age_min=0&age_max=150"), 2u);
  EXPECT_EQ(cases("?age_max=0"), 0u);
  EXPECT_EQ(cases("?age_min=151"), 1400u);
  EXPECT_EQ(cases("?region=14x"), 1400u);
  const Date born = ParseIdNumber(persons_[0].id, kToday).id.birth_date();
  int age = kToday.year() - born.year();
  if (std::pair(kToday.month(), kToday.day()) < std::pair(born.month(), born.day())) --age;
  EXPECT_GE(cases(fmt::format("?age_min={0}&age_max={0}", age)), 1u);
  EXPECT_EQ(cases(fmt::format("?age_min={}", age + 1)) + cases(fmt::format("?age_max={}", age)), 2u);
  // A region outside the caller's scope is refused, as for /stats.
  EXPECT_EQ(Get(op, "/api/v1/cases?region=1402")->status, 403);
  EXPECT_EQ(Get(op, "/api/v1/reviews?region=1402")->status, 403);
}

TEST_F(OpsTest, AMonthlyRunThroughTheApiWritesThePayrollTheLibraryWrites) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "copies the SQLite file under a running server";
  // The same store, copied before the run, run by the library.
  const auto copy = dir_ / "copy";
  std::filesystem::create_directories(copy);
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(db_ + suffix)) {
      std::filesystem::copy_file(db_ + suffix, (copy / "t.db").string() + suffix);
    }
  }
  Login admin = SignIn("admin");
  auto run = Post(admin, "/api/v1/cycle/runs", {{"month", "2026-11"}});
  ASSERT_TRUE(run);
  ASSERT_EQ(run->status, 201) << run->body;
  json r = json::parse(run->body);
  EXPECT_EQ(r["month"], "2026-11");
  EXPECT_EQ(r["as_of"], "2026-10-25");  // the payroll lock day of October
  EXPECT_EQ(r["entitlements"], 2);
  EXPECT_EQ(r["terminated"], 1);
  EXPECT_GT(r["receivables"].get<int>(), 0);
  EXPECT_EQ(r["payroll"], "/api/v1/cycle/runs/2026-11/payroll");

  auto payroll = Get(admin, "/api/v1/cycle/runs/2026-11/payroll");
  ASSERT_TRUE(payroll);
  ASSERT_EQ(payroll->status, 200) << payroll->body;
  EXPECT_EQ(payroll->get_header_value("Content-Disposition"), "attachment; filename=\"payroll-2026-11.csv\"");
  EXPECT_NE(payroll->get_header_value("Content-Type").find("text/csv"), std::string::npos);
  EXPECT_NE(payroll->body.find(persons_[1].id), std::string::npos) << "the bank needs the full number";
  struct stat st {};
  ASSERT_EQ(::stat(PayrollPath((dir_ / "payroll").string(), Month::Of(2026, 11)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "every identity number: the owner's eyes only";

  auto other = OpenSqliteStore((copy / "t.db").string());
  ASSERT_TRUE(other);
  auto lib = RunCycle(**other, policy_,
                      {.month = Month::Of(2026, 11),
                       .as_of = PayrollLockDate(policy_, Month::Of(2026, 11)),
                       .payroll_dir = copy.string(),
                       .today = kToday});
  ASSERT_TRUE(lib) << lib.error().ToString();
  EXPECT_EQ(payroll->body, ReadFile(PayrollPath(copy.string(), Month::Of(2026, 11))));
  EXPECT_EQ(r["paid_amount"], FormatYuan(lib->run.paid_amount));

  // A payroll file that went missing is written again from the record.
  std::filesystem::remove(PayrollPath((dir_ / "payroll").string(), Month::Of(2026, 11)));
  auto again = Get(admin, "/api/v1/cycle/runs/2026-11/payroll");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, payroll->body);

  auto twice = Post(admin, "/api/v1/cycle/runs", {{"month", "2026-11"}});
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409);
  EXPECT_EQ(json::parse(twice->body)["error"]["field"], "month");
  auto skipped = Post(admin, "/api/v1/cycle/runs", {{"month", "2027-01"}, {"as_of", "2026-11-20"}});
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->status, 409) << "months are run one after another";
  auto future = Post(admin, "/api/v1/cycle/runs", {{"month", "2026-12"}, {"as_of", "2026-11-25"}});
  ASSERT_TRUE(future);
  EXPECT_EQ(future->status, 400);
  EXPECT_EQ(json::parse(future->body)["error"]["field"], "as_of");
  auto bad = Post(admin, "/api/v1/cycle/runs", {{"month", "November"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "month");

  Login op = SignIn("op-datong");
  auto list = Get(op, "/api/v1/cycle/runs");
  ASSERT_TRUE(list);
  json runs = json::parse(list->body)["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["paid"], r["paid"]);
  auto one = Get(op, "/api/v1/cycle/runs/2026-11");
  ASSERT_TRUE(one);
  EXPECT_EQ(json::parse(one->body)["overpaid_amount"], r["overpaid_amount"]);
  auto none = Get(op, "/api/v1/cycle/runs/2026-10");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);

  int runs_audited = 0, downloads_audited = 0;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action == "cycle.run" && e.outcome == "ok") {
      ++runs_audited;
      EXPECT_EQ(e.target, "cycle 2026-11");
      EXPECT_EQ(json::parse(e.detail)["entitlements"], 2);
    }
    downloads_audited += e.action == "cycle.payroll" && e.actor == "user:admin";
  }
  EXPECT_EQ(runs_audited, 1);
  EXPECT_EQ(downloads_audited, 2);
  ExpectNoIdentityNumbersInTheTrail();
}

TEST_F(OpsTest, StatisticsAreTheLibrarysAndScopedToTheAccountsRegion) {
  Login admin = SignIn("admin");
  auto all = Get(admin, "/api/v1/stats?region=14&month=2026-11");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200) << all->body;
  auto lib = ComputeStats(*store_, policy_, {.region = "14", .month = Month::Of(2026, 11), .as_of = kToday});
  ASSERT_TRUE(lib);
  EXPECT_EQ(json::parse(all->body), json::parse(StatsJson(*lib)));
  EXPECT_EQ(json::parse(all->body)["total"]["recipients"], 2);
  auto counties = Get(admin, "/api/v1/stats?region=14&level=county");
  ASSERT_TRUE(counties);
  json by_county = json::parse(counties->body)["by_region"];
  ASSERT_EQ(by_county.size(), 2u);
  EXPECT_EQ(by_county[0]["code"], "140105");

  Login datong = SignIn("op-datong");
  auto own = Get(datong, "/api/v1/stats");
  ASSERT_TRUE(own);
  ASSERT_EQ(own->status, 200) << own->body;
  EXPECT_EQ(json::parse(own->body)["region"], "140202");
  EXPECT_EQ(json::parse(own->body)["total"]["recipients"], 1);
  auto outside = Get(datong, "/api/v1/stats?region=1401");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 403);
  EXPECT_EQ(json::parse(outside->body)["error"]["field"], "region");
  auto wider = Get(datong, "/api/v1/stats?region=1402");
  ASSERT_TRUE(wider);
  EXPECT_EQ(wider->status, 403) << "a county's account does not see its city";
  auto village = Get(datong, "/api/v1/stats?region=140202001001");
  ASSERT_TRUE(village);
  EXPECT_EQ(village->status, 200) << village->body;

  for (const auto& [query, field] : {std::pair{"level=district", "level"}, std::pair{"month=11-2026", "month"},
                                     std::pair{"as_of=yesterday", "as_of"}, std::pair{"region=abc", "region"}}) {
    auto bad = Get(admin, std::string("/api/v1/stats?") + query);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << query << " " << bad->body;
    EXPECT_EQ(json::parse(bad->body)["error"]["field"], field) << query;
  }
}

TEST_F(OpsTest, CasesAreListedInScopeMaskedAndAResolutionIsStoredWithItsAuditEntry) {
  Login rev = SignIn("rev-datong");
  auto list = Get(rev, "/api/v1/cases");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json cases = json::parse(list->body)["cases"];
  ASSERT_EQ(cases.size(), 1u) << "only the Datong person's case";
  EXPECT_EQ(cases[0]["id"], case_datong_);
  EXPECT_EQ(cases[0]["id_number"], MaskIdNumber(persons_[1].id));
  EXPECT_EQ(list->body.find(persons_[1].id), std::string::npos);
  const std::string handle = cases[0]["handle"];
  EXPECT_EQ(handle, HandleOf(rev, persons_[1].id));

  auto show = Get(rev, "/api/v1/cases/" + std::to_string(case_datong_));
  ASSERT_TRUE(show);
  ASSERT_EQ(show->status, 200) << show->body;
  EXPECT_EQ(show->body.find(persons_[1].id), std::string::npos);
  json c = json::parse(show->body);
  EXPECT_EQ(c["person"]["handle"], handle);
  EXPECT_EQ(c["person"]["id_number"], MaskIdNumber(persons_[1].id));
  EXPECT_EQ(c["status"], "open");

  const std::string resolve = "/api/v1/cases/" + std::to_string(case_datong_) + "/resolve";
  auto no_note = Post(rev, resolve, {{"decision", "dismiss"}});
  ASSERT_TRUE(no_note);
  EXPECT_EQ(no_note->status, 400);
  EXPECT_EQ(json::parse(no_note->body)["error"]["field"], "note");
  auto wrong_record = Post(rev, resolve, {{"decision", "void_evidence"}, {"note", "录错"}, {"evidence_id", 999}});
  ASSERT_TRUE(wrong_record);
  EXPECT_EQ(wrong_record->status, 400);
  EXPECT_EQ(json::parse(wrong_record->body)["error"]["field"], "evidence_id");
  auto future = Post(rev, resolve, {{"decision", "dismiss"}, {"note", "x"}, {"on", "2027-01-01"}});
  ASSERT_TRUE(future);
  EXPECT_EQ(json::parse(future->body)["error"]["field"], "on");

  auto res = Post(rev, resolve, {{"decision", "dismiss"}, {"note", "经核实为同名他人, 不予处理"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["status"], "resolved");
  auto stored = store_->FindCase(case_datong_);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->status, "resolved");
  EXPECT_EQ((*stored)->decision, "dismiss");
  EXPECT_EQ((*stored)->resolved_by, "rev-datong");
  auto twice = Post(rev, resolve, {{"decision", "dismiss"}, {"note", "again"}});
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409);

  // Out of region: the reviewer cannot see or decide the Taiyuan case, and an
  // operator may not decide cases at all.
  auto cross = Post(rev, "/api/v1/cases/" + std::to_string(case_taiyuan_) + "/resolve",
                    {{"decision", "dismiss"}, {"note", "x"}});
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 404);
  auto op = Post(SignIn("op-datong"), "/api/v1/cases/" + std::to_string(case_taiyuan_) + "/resolve",
                 {{"decision", "dismiss"}, {"note", "x"}});
  ASSERT_TRUE(op);
  EXPECT_EQ(op->status, 403);
  EXPECT_EQ((*store_->FindCase(case_taiyuan_))->status, "open");

  // A fraud decision becomes a fact with the amount, as on the command line.
  Login admin = SignIn("admin");
  auto fraud = Post(admin, "/api/v1/cases/" + std::to_string(case_taiyuan_) + "/resolve",
                    {{"decision", "fraud"}, {"note", "家属冒领"}, {"amount", "6000.00"}});
  ASSERT_TRUE(fraud);
  ASSERT_EQ(fraud->status, 200) << fraud->body;
  json f = json::parse(fraud->body);
  EXPECT_EQ(f["decision_fact"]["kind"], "fraud");
  EXPECT_EQ(f["fraud"]["amount"], "6000.00");
  auto resolved = Get(rev, "/api/v1/cases?status=resolved");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(json::parse(resolved->body)["cases"].size(), 1u);
  auto all = Get(admin, "/api/v1/cases?status=all&limit=1");
  ASSERT_TRUE(all);
  EXPECT_EQ(json::parse(all->body)["cases"].size(), 1u);
  auto bad_status = Get(admin, "/api/v1/cases?status=closed");
  ASSERT_TRUE(bad_status);
  EXPECT_EQ(bad_status->status, 400);

  int audited = 0;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action != "case.resolve") continue;
    ++audited;
    if (e.actor == "user:rev-datong") {
      EXPECT_EQ(e.target, "case " + std::to_string(case_datong_));
      EXPECT_EQ(json::parse(e.detail)["person"], MaskIdNumber(persons_[1].id));
    }
  }
  EXPECT_EQ(audited, 2) << "one entry per decision; refused attempts change nothing";
  ExpectNoIdentityNumbersInTheTrail();
}

TEST_F(OpsTest, AReviewerAcceptsAProposedLinkInTheirRegion) {
  Login rev = SignIn("rev-datong");
  auto list = Get(rev, "/api/v1/reviews");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json items = json::parse(list->body)["reviews"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["evidence_id"], review_datong_);
  EXPECT_EQ(items[0]["candidate"]["id_number"], MaskIdNumber(persons_[1].id));

  const std::string path = "/api/v1/reviews/" + std::to_string(review_datong_);
  auto show = Get(rev, path);
  ASSERT_TRUE(show);
  ASSERT_EQ(show->status, 200) << show->body;
  json item = json::parse(show->body);
  EXPECT_EQ(item["record"]["name"], "张**");
  EXPECT_EQ(item["candidate"]["name"], "张**");
  EXPECT_EQ(item["candidate"]["phone"], "139****5678");
  EXPECT_EQ(item["comparisons"][0]["level"], "exact");
  EXPECT_EQ(show->body.find(persons_[1].id.substr(6, 8)), std::string::npos)
      << "neither the registry's number nor the partner's copy of it appears";
  EXPECT_EQ(show->body.find("13912345678"), std::string::npos);

  auto accept = Post(rev, path + "/accept", {{"note", "姓名、出生日期、居住地一致"}});
  ASSERT_TRUE(accept);
  ASSERT_EQ(accept->status, 200) << accept->body;
  EXPECT_EQ(json::parse(accept->body)["status"], "accepted");
  EXPECT_EQ(json::parse(accept->body)["decided_by"], "rev-datong");
  auto attempt = store_->FindLinkAttempt(review_datong_);
  ASSERT_TRUE(attempt && *attempt);
  EXPECT_EQ((*attempt)->status, "accepted");
  auto evidence = store_->EvidenceOf(datong_);
  ASSERT_TRUE(evidence);
  bool linked = false;
  for (const EvidenceRecord& e : *evidence) linked |= e.id == review_datong_ && e.link_method == "reviewed";
  EXPECT_TRUE(linked);
  auto again = Post(rev, path + "/reject", {{"note", "改主意"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);

  auto reject = Post(SignIn("admin"), "/api/v1/reviews/" + std::to_string(review_taiyuan_) + "/reject",
                     {{"note", "出生日期不符"}});
  ASSERT_TRUE(reject);
  ASSERT_EQ(reject->status, 200) << reject->body;
  EXPECT_EQ((*store_->FindLinkAttempt(review_taiyuan_))->status, "rejected");
  auto open = Get(rev, "/api/v1/reviews");
  EXPECT_TRUE(json::parse(open->body)["reviews"].empty());
  auto accepted = Get(rev, "/api/v1/reviews?status=accepted");
  EXPECT_EQ(json::parse(accepted->body)["reviews"].size(), 1u);

  const std::set<std::string> actions = AuditActions();
  EXPECT_TRUE(actions.contains("review.accept ok"));
  EXPECT_TRUE(actions.contains("review.reject ok"));
  ExpectNoIdentityNumbersInTheTrail();
}

TEST_F(OpsTest, ARecoveryIsRecordedAgainstTheOverpaymentAndAudited) {
  Login admin = SignIn("admin");
  ASSERT_EQ(Post(admin, "/api/v1/cycle/runs", {{"month", "2026-11"}})->status, 201);
  Login op = SignIn("op-taiyuan");
  const std::string h = HandleOf(op, persons_[0].id);
  const std::string path = "/api/v1/persons/" + h + "/recoveries";
  auto before = Get(op, path);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  json b = json::parse(before->body);
  EXPECT_TRUE(b["recoveries"].empty());
  auto owed = ParseYuan(b["outstanding"].get<std::string>());
  ASSERT_TRUE(owed);
  ASSERT_GT(*owed, 100000) << "the months paid after the death";

  for (const auto& [body, field] :
       {std::pair{json{{"amount", "abc"}, {"method", "lump"}}, "amount"},
        std::pair{json{{"amount", 1000}, {"method", "lump"}}, "amount"},
        std::pair{json{{"amount", "1000.00"}, {"method", "cash"}}, "method"},
        std::pair{json{{"amount", FormatYuan(*owed + 1)}, {"method", "lump"}}, "amount"},
        std::pair{json{{"amount", "1000.00"}, {"method", "lump"}, {"on", "2026-12-01"}}, "on"}}) {
    auto bad = Post(op, path, body);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << body.dump() << " " << bad->body;
    EXPECT_EQ(json::parse(bad->body)["error"]["field"], field) << body.dump();
  }

  auto res = Post(op, path, {{"amount", "1000.00"}, {"method", "lump"}, {"on", "2026-11-19"}, {"note", "家属退回"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json r = json::parse(res->body);
  EXPECT_EQ(r["total"], "1000.00");
  EXPECT_EQ(r["outstanding"], FormatYuan(*owed - 100000));
  EXPECT_EQ(r["id_number"], MaskIdNumber(persons_[0].id));
  auto rows = store_->RecoveriesOf(taiyuan_);
  ASSERT_TRUE(rows);
  Fen total = 0;
  for (const RecoveryRecord& row : *rows) total += row.amount;
  EXPECT_EQ(total, 100000);
  auto after = Get(SignIn("auditor"), path);
  ASSERT_TRUE(after);
  EXPECT_EQ(json::parse(after->body)["recoveries"][0]["method"], "lump");

  int audited = 0;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action != "recovery.record") continue;
    ++audited;
    EXPECT_EQ(e.actor, "user:op-taiyuan");
    EXPECT_EQ(e.target, "person " + MaskIdNumber(persons_[0].id));
    EXPECT_EQ(json::parse(e.detail)["amount"], "1000.00");
  }
  EXPECT_EQ(audited, 1) << "refused recoveries leave nothing behind";
  ExpectNoIdentityNumbersInTheTrail();
}

TEST_F(OpsTest, AUserAddedAndThenDisabledLosesTheirSession) {
  Login admin = SignIn("admin");
  auto add = Post(admin, "/api/v1/users",
                  {{"name", "op-new"}, {"role", "operator"}, {"region", "140202"}, {"password", kPassword}});
  ASSERT_TRUE(add);
  ASSERT_EQ(add->status, 201) << add->body;
  EXPECT_EQ(json::parse(add->body)["user"]["region"], "140202");
  for (const auto& [body, field] :
       {std::pair{json{{"name", "op-new"}, {"role", "operator"}, {"region", "140202"}, {"password", kPassword}},
                  "name"},
        std::pair{json{{"name", "x"}, {"role", "auditor"}, {"password", kPassword}}, "name"},
        std::pair{json{{"name", "op-x"}, {"role", "boss"}, {"password", kPassword}}, "role"},
        std::pair{json{{"name", "op-x"}, {"role", "operator"}, {"password", kPassword}}, "region"},
        std::pair{json{{"name", "op-x"}, {"role", "operator"}, {"region", "999999"}, {"password", kPassword}},
                  "region"},
        std::pair{json{{"name", "op-x"}, {"role", "auditor"}, {"password", "short"}}, "password"}}) {
    auto bad = Post(admin, "/api/v1/users", body);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, body["name"] == "op-new" ? 409 : 400) << body.dump() << " " << bad->body;
    EXPECT_EQ(json::parse(bad->body)["error"]["field"], field) << body.dump();
  }
  auto users = Get(admin, "/api/v1/users");
  ASSERT_TRUE(users);
  EXPECT_EQ(users->body.find("argon2"), std::string::npos) << "never a password hash";
  EXPECT_EQ(json::parse(users->body)["users"].size(), 6u);

  Login added = SignIn("op-new");
  auto me = Get(added, "/api/v1/session");
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200);
  auto disable = Post(admin, "/api/v1/users/op-new/disable", json::object());
  ASSERT_TRUE(disable);
  ASSERT_EQ(disable->status, 200) << disable->body;
  EXPECT_TRUE(json::parse(disable->body)["user"]["disabled"].get<bool>());
  auto after = Get(added, "/api/v1/session");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << "the session ended with the account";
  auto login =
      Client().Post("/api/v1/session", json{{"name", "op-new"}, {"password", kPassword}}.dump(), "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 401);
  auto enable = Post(admin, "/api/v1/users/op-new/enable", json::object());
  ASSERT_TRUE(enable);
  ASSERT_EQ(enable->status, 200);
  EXPECT_EQ(Get(SignIn("op-new"), "/api/v1/session")->status, 200);

  const std::set<std::string> actions = AuditActions();
  EXPECT_TRUE(actions.contains("user.add ok"));
  EXPECT_TRUE(actions.contains("user.disable ok"));
  EXPECT_TRUE(actions.contains("user.enable ok"));
  for (const AuditEntry& e : AuditEntries()) EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
}

TEST_F(OpsTest, APartnersKeyIsShownOnceAndOpensNoStaffEndpoint) {
  Login admin = SignIn("admin");
  auto add =
      Post(admin, "/api/v1/partners", {{"name", "railway"}, {"source", "railway"}, {"kinds", json::array({"travel"})}});
  ASSERT_TRUE(add);
  ASSERT_EQ(add->status, 201) << add->body;
  json p = json::parse(add->body);
  const std::string api_key = p["api_key"];
  EXPECT_EQ(api_key.substr(0, api_key.find('.')), p["partner"]["key_id"]);
  auto principal = CheckApiKey(*store_, api_key);
  ASSERT_TRUE(principal) << "the key works where partners are let in (feeds)";
  EXPECT_EQ(principal->source, "railway");

  auto attestor = Post(admin, "/api/v1/partners",
                       {{"name", "bank-terminals"},
                        {"role", "attestor"},
                        {"source", "bank"},
                        {"kinds", json::array({"bank_terminal"})}});
  ASSERT_TRUE(attestor);
  ASSERT_EQ(attestor->status, 201) << attestor->body;
  EXPECT_EQ(json::parse(attestor->body)["signing_secret"].get<std::string>().size(), 64u);
  for (const auto& [body, field] :
       {std::pair{json{{"name", "railway"}, {"source", "railway"}, {"kinds", json::array({"travel"})}}, "name"},
        std::pair{json{{"name", "r2"}, {"source", "airline"}, {"kinds", json::array({"travel"})}}, "source"},
        std::pair{json{{"name", "r2"}, {"source", "railway"}, {"kinds", json::array({"flight"})}}, "kinds"},
        std::pair{json{{"name", "r2"}, {"source", "railway"}, {"kinds", "travel"}}, "kinds"},
        std::pair{json{{"name", "r2"}, {"source", "railway"}, {"kinds", json::array({1})}}, "kinds[0]"},
        std::pair{json{{"name", "r2"}, {"role", "admin"}, {"source", "railway"}, {"kinds", json::array({"travel"})}},
                  "role"}}) {
    auto bad = Post(admin, "/api/v1/partners", body);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, body["name"] == "railway" ? 409 : 400) << body.dump() << " " << bad->body;
    EXPECT_EQ(json::parse(bad->body)["error"]["field"], field) << body.dump();
  }

  auto list = Get(admin, "/api/v1/partners");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body.find(api_key.substr(18)), std::string::npos) << "the secret is never shown again";
  json partners = json::parse(list->body)["partners"];
  ASSERT_EQ(partners.size(), 2u);
  EXPECT_FALSE(partners[0].contains("key_hash"));
  EXPECT_FALSE(partners[1].contains("sealed_secret"));

  // A partner's key is no staff credential.
  auto c = Client();
  for (const char* path : {"/api/v1/session", "/api/v1/cases", "/api/v1/stats", "/api/v1/audit/export"}) {
    auto res = c.Get(path, {{"Authorization", "Bearer " + api_key}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
  }
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action != "partner.add") continue;
    EXPECT_EQ(e.detail.find(api_key.substr(18)), std::string::npos);
    EXPECT_NE(e.detail.find("\"key_id\""), std::string::npos);
  }

  // A stolen key is disabled at once, and taken back when enabled.
  auto disable = Post(admin, "/api/v1/partners/railway/disable", json::object());
  ASSERT_TRUE(disable);
  EXPECT_EQ(disable->status, 200) << disable->body;
  EXPECT_FALSE(CheckApiKey(*store_, api_key));
  ASSERT_EQ(Post(admin, "/api/v1/partners/railway/enable", json::object())->status, 200);
  EXPECT_TRUE(CheckApiKey(*store_, api_key));
  const std::set<std::string> actions = AuditActions();
  EXPECT_TRUE(actions.contains("partner.disable ok"));
  EXPECT_TRUE(actions.contains("partner.enable ok"));
}

// The export is what an auditor re-verifies with their own tools: each line
// one entry, each hash SHA-256 over the previous hash and the entry's fields,
// length-prefixed (docs/api.md).
TEST_F(OpsTest, TheAuditExportIsJsonLinesWhoseChainVerifiesOutsideTacit) {
  Login admin = SignIn("admin");
  ASSERT_EQ(Post(admin, "/api/v1/users/op-datong/disable", json::object())->status, 200);
  ASSERT_EQ(Post(admin, "/api/v1/users/op-datong/enable", json::object())->status, 200);
  Login auditor = SignIn("auditor");
  auto res = Get(auditor, "/api/v1/audit/export");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->get_header_value("Content-Type").find("application/x-ndjson"), std::string::npos);
  EXPECT_EQ(res->get_header_value("Content-Disposition"), "attachment; filename=\"audit-2026-11-20.jsonl\"");
  std::istringstream lines(res->body);
  std::string line, prev(64, '0');
  int64_t n = 0;
  json last;
  while (std::getline(lines, line)) {
    json e = json::parse(line);
    ++n;
    EXPECT_EQ(e["id"], n);
    EXPECT_EQ(e["prev_hash"], prev);
    std::string text;
    for (const std::string& field :
         {prev, std::to_string(e["id"].get<int64_t>()), std::to_string(e["at_ms"].get<int64_t>()),
          e["actor"].get<std::string>(), e["action"].get<std::string>(), e["target"].get<std::string>(),
          e["detail"].get<std::string>(), e["outcome"].get<std::string>()}) {
      text += std::to_string(field.size()) + ":" + field + "\n";
    }
    EXPECT_EQ(Sha256Hex(text), e["hash"]) << line;
    prev = e["hash"];
    last = e;
  }
  EXPECT_GE(n, 5);
  EXPECT_EQ(last["action"], "audit.export") << "the export is in the trail it exports";
  EXPECT_EQ(last["actor"], "user:auditor");
  auto verify = Get(auditor, "/api/v1/audit/verify");
  ASSERT_TRUE(verify);
  EXPECT_EQ(json::parse(verify->body)["head_hash"], prev);
}

}  // namespace
}  // namespace tacit
