// GET /api/v1/reports/{name}: the real server and a real client. The .xlsx
// downloaded is opened with the tests' own zip + zlib reader, not with the
// library that wrote it, and its cells are checked against the API's own
// figures; the CSV is read as text.
#include <sstream>

#include "reports/xlsx_test_reader.h"
#include "server/test_server.h"
#include "tacit/outreach.h"

namespace tacit {
namespace {

constexpr std::string_view kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::vector<std::string>> CsvRows(const std::string& text) {
  // The reports' stats rows hold no quoted fields: a plain split is enough.
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::string field;
    std::istringstream l(line);
    while (std::getline(l, field, ',')) fields.push_back(field);
    rows.push_back(std::move(fields));
  }
  return rows;
}

// The server's two persons (certified on kToday) and three more in Datong's
// county: one due within the policy's due-soon days, one lapsed with an open
// visit task, one dead with two months overpaid; and a visit task in Taiyuan.
class ReportsApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    for (const auto& [id17, region, baseline] :
         {std::tuple{"14020219400101123", "140202001001", "2025-12-20"},
          std::tuple{"14020219410101123", "140202001001", "2025-01-01"},
          std::tuple{"14020219420101123", "140202001001", "2026-09-01"},
          std::tuple{"14010519430101123", "140105001001", "2025-01-01"}}) {
      RegistryRow r = TestRegistryRow(id17, region, kToday);
      r.person.baseline_certified = *ParseDate(baseline);
      r.person.phone = "13912345678";
      ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
      persons_.push_back({r.person.id_number, region});
      keys_.push_back(r.person.key);
    }
    due_ = keys_[0];
    lapsed_ = keys_[1];
    dead_ = keys_[2];
    BatchRecord b;
    b.sha256 = "x";
    b.source = "civil_affairs";
    std::vector<EvidenceRecord> ev(1);
    ev[0].source = "civil_affairs";
    ev[0].ref = "C1";
    ev[0].kind = "cremation";
    ev[0].person = dead_;
    ev[0].link_method = "exact";
    ev[0].occurred_on = *ParseDate("2026-08-03");
    ev[0].received_on = *ParseDate("2026-10-10");
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
    const int64_t ent = (*store_->EntitlementsOf(dead_))[0].terms.id;
    CycleRunRecord run;
    run.month = Month::Of(2026, 11);
    run.as_of = *ParseDate("2026-11-05");
    ASSERT_TRUE(store_->SaveCycleRun(
        run, {}, {},
        {{0, ent, Month::Of(2026, 9), 300000, run.month, "terminate.death", ev[0].id, 0, dead_},
         {0, ent, Month::Of(2026, 10), 300000, run.month, "terminate.death", ev[0].id, 0, dead_}},
        {}));
    ASSERT_TRUE(store_->RecordRecovery(dead_, 12050, "lump", *ParseDate("2026-11-19"), "家属退回"));
    std::vector<VisitTaskRecord> tasks(2);
    for (size_t i = 0; i < tasks.size(); ++i) {
      tasks[i].person = i == 0 ? lapsed_ : keys_[3];
      tasks[i].region = i == 0 ? "140202001001" : "140105001001";
      tasks[i].reason = "special";
      tasks[i].idem_key = "visit/test/" + std::to_string(i);
      tasks[i].due_on = *ParseDate("2026-11-30");
      tasks[i].created_ms = now_ms_.load();
    }
    ASSERT_TRUE(store_->outreach().OpenVisitTasks(tasks));
    datong_task_ = tasks[0].id;
  }

  // Every identity number of the fixture, which no file may hold.
  void ExpectNoFullIdentityNumbers(std::string_view bytes, const std::string& what) {
    for (const Person& p : persons_) EXPECT_EQ(bytes.find(p.id), std::string_view::npos) << what;
  }

  std::vector<PersonKey> keys_;
  PersonKey due_ = 0, lapsed_ = 0, dead_ = 0;
  int64_t datong_task_ = 0;
};

TEST_F(ReportsApiTest, TheDueListDownloadsAsAnXlsxOfMaskedPersonsNamedForItsRegionAndMonth) {
  Login datong = SignIn("op-datong");
  auto res = Get(datong, "/api/v1/reports/due?month=2026-11");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), kXlsxType);
  const std::string disposition = res->get_header_value("Content-Disposition");
  EXPECT_TRUE(disposition.starts_with("attachment; filename=\"tacit-due-140202-2026-11.xlsx\"; filename*=UTF-8''"))
      << disposition;
  EXPECT_EQ(PercentDecoded(disposition.substr(disposition.find("''") + 2)), "待认证名单-140202新荣区-2026-11.xlsx");

  auto wb = xlsx_test::ReadXlsx(res->body);
  ASSERT_TRUE(wb) << "the download is not an xlsx";
  ASSERT_EQ(wb->sheet_names, std::vector<std::string>{"待认证名单"});
  const auto& cells = wb->Sheet("待认证名单");
  EXPECT_NE(cells.at("A1").find("即将到期/待认证名单"), std::string::npos);
  EXPECT_NE(cells.at("A2").find("区划 140202 新荣区"), std::string::npos);
  EXPECT_NE(cells.at("A2").find("月份 2026-11"), std::string::npos);
  EXPECT_NE(cells.at("A2").find("截至 2026-11-20"), std::string::npos);
  EXPECT_EQ(cells.at("A3"), "身份证号");
  // Most urgent first: the lapsed person, then the one due; the dead and the
  // certified are not on it, nor Taiyuan's lapsed person.
  EXPECT_EQ(cells.at("A4"), MaskIdNumber(IdNumber::FromKey(lapsed_).text()));
  EXPECT_EQ(cells.at("E4"), "认证过期");
  EXPECT_EQ(cells.at("A5"), MaskIdNumber(IdNumber::FromKey(due_).text()));
  EXPECT_EQ(cells.at("E5"), "即将到期");
  EXPECT_EQ(cells.at("B5"), MaskName("张三丰"));
  EXPECT_EQ(cells.at("K5"), "139****5678");
  EXPECT_EQ(std::stoi(cells.at("J5")), CertificationDeadline(Month::Of(2026, 12)) - kToday) << "days left";
  EXPECT_FALSE(cells.contains("A6"));
  for (const auto& [name, content] : wb->files) ExpectNoFullIdentityNumbers(content, name);
  EXPECT_EQ(res->body.find("张三丰"), std::string::npos);

  // The export is in the trail, naming the report, the region and the month.
  int exports = 0;
  for (const AuditEntry& e : AuditEntries()) {
    ExpectNoFullIdentityNumbers(e.target + e.detail, e.action);
    if (e.action != "report.export") continue;
    ++exports;
    EXPECT_EQ(e.actor, "user:op-datong");
    EXPECT_EQ(e.target, "report due 140202 2026-11");
    EXPECT_EQ(e.outcome, "ok");
    const json detail = json::parse(e.detail);
    EXPECT_EQ(detail["format"], "xlsx");
    EXPECT_EQ(detail["rows"], 2);
  }
  EXPECT_EQ(exports, 1);
}

TEST_F(ReportsApiTest, TheStatisticsExportHoldsTheFiguresOfTheStatsEndpointInBothFormats) {
  Login admin = SignIn("admin");
  auto api = Get(admin, "/api/v1/stats?region=14&month=2026-11");
  ASSERT_TRUE(api);
  ASSERT_EQ(api->status, 200);
  const json stats = json::parse(api->body);

  auto csv = Get(admin, "/api/v1/reports/stats?region=14&month=2026-11&format=csv");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(csv->get_header_value("Content-Disposition")
                  .starts_with("attachment; filename=\"tacit-stats-14-2026-11.csv\"; filename*=UTF-8''"));
  ASSERT_TRUE(csv->body.starts_with("\xEF\xBB\xBF"));
  const auto rows = CsvRows(csv->body.substr(3));
  ASSERT_GE(rows.size(), 6u);
  EXPECT_EQ(rows[0][0], "月度统计 — 按下级区划");
  const std::vector<std::string>& headers = rows[2];
  auto at = [&](const std::vector<std::string>& row, std::string_view header) {
    auto it = std::find(headers.begin(), headers.end(), header);
    EXPECT_NE(it, headers.end()) << header;
    return it == headers.end() ? std::string() : row.at(static_cast<size_t>(it - headers.begin()));
  };
  const std::vector<std::string>& total = rows[3];
  EXPECT_EQ(at(total, "区划名称"), "合计");
  const json& t = stats["total"];
  EXPECT_EQ(at(total, "领取人数"), std::to_string(t["recipients"].get<int>()));
  EXPECT_EQ(at(total, "已认证"), std::to_string(t["certified"].get<int>()));
  EXPECT_EQ(at(total, "即将到期"), std::to_string(t["due"].get<int>()));
  EXPECT_EQ(at(total, "认证过期"), std::to_string(t["lapsed"].get<int>()));
  EXPECT_EQ(at(total, "已死亡"), std::to_string(t["deceased"].get<int>()));
  EXPECT_EQ(at(total, "本月正常发放"), std::to_string(t["payable"].get<int>()));
  EXPECT_EQ(at(total, "本月暂停发放"), std::to_string(t["suspended"].get<int>()));
  EXPECT_EQ(at(total, "多发待遇未追回(元)"), t["overpaid_outstanding"].get<std::string>());
  EXPECT_EQ(t["overpaid_outstanding"], "5879.50");
  EXPECT_EQ(t["recipients"], 6);
  // One row per city, as the endpoint's by_region.
  EXPECT_EQ(rows[4][0], stats["by_region"][0]["code"]);
  EXPECT_EQ(rows[5][0], stats["by_region"][1]["code"]);
  EXPECT_EQ(at(rows[5], "领取人数"), std::to_string(stats["by_region"][1]["counts"]["recipients"].get<int>()));

  auto xlsx = Get(admin, "/api/v1/reports/stats?region=14&month=2026-11");
  ASSERT_TRUE(xlsx);
  ASSERT_EQ(xlsx->status, 200) << xlsx->body;
  auto wb = xlsx_test::ReadXlsx(xlsx->body);
  ASSERT_TRUE(wb);
  ASSERT_EQ(wb->sheet_names, (std::vector<std::string>{"按区划统计", "按险种统计"}));
  const auto& by_region = wb->Sheet("按区划统计");
  EXPECT_EQ(by_region.at("B4"), "合计");
  EXPECT_EQ(by_region.at("C4"), std::to_string(t["recipients"].get<int>()));
  EXPECT_EQ(by_region.at("A5"), "1401");
  EXPECT_EQ(by_region.at("B5"), "太原市");
  // The money column, the last one: a number of yuan.
  const char last = static_cast<char>('A' + headers.size() - 1);
  EXPECT_EQ(by_region.at(std::string(1, last) + "3"), "多发待遇未追回(元)");
  EXPECT_DOUBLE_EQ(std::stod(by_region.at(std::string(1, last) + "4")), 5879.5);
  const auto& by_scheme = wb->Sheet("按险种统计");
  EXPECT_EQ(by_scheme.at("B5"), stats["by_scheme"][0]["name"]);
  EXPECT_EQ(by_scheme.at("C5"), std::to_string(stats["by_scheme"][0]["counts"]["recipients"].get<int>()));
}

TEST_F(ReportsApiTest, ExportsAreScopedToTheAccountsRegionAndRefuseBadInput) {
  Login datong = SignIn("op-datong");
  for (const char* region : {"1401", "1402", "140105"}) {
    auto outside = Get(datong, std::string("/api/v1/reports/stats?region=") + region);
    ASSERT_TRUE(outside);
    EXPECT_EQ(outside->status, 403) << region;
    EXPECT_EQ(json::parse(outside->body)["error"]["field"], "region");
  }
  auto unknown = Get(datong, "/api/v1/reports/salaries");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  const json error = json::parse(unknown->body)["error"];
  EXPECT_EQ(error["field"], "name");
  EXPECT_NE(error["message"].get<std::string>().find("没有该报表"), std::string::npos);
  EXPECT_NE(error["message"].get<std::string>().find("no such report"), std::string::npos);
  for (const auto& [query, field] : {std::pair{"month=2026-13", "month"}, std::pair{"month=11-2026", "month"},
                                     std::pair{"format=pdf", "format"}, std::pair{"as_of=soon", "as_of"}}) {
    auto bad = Get(datong, std::string("/api/v1/reports/due?") + query);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << query << " " << bad->body;
    EXPECT_EQ(json::parse(bad->body)["error"]["field"], field) << query;
  }
  auto admin_bad_region = Get(SignIn("admin"), "/api/v1/reports/due?region=14a");
  ASSERT_TRUE(admin_bad_region);
  EXPECT_EQ(admin_bad_region->status, 400);
  EXPECT_EQ(json::parse(admin_bad_region->body)["error"]["field"], "region");

  // Visits: the county's task only, from the account's own region by default.
  auto visits = Get(datong, "/api/v1/reports/visits?format=csv&month=2026-11");
  ASSERT_TRUE(visits);
  ASSERT_EQ(visits->status, 200) << visits->body;
  EXPECT_TRUE(visits->get_header_value("Content-Disposition")
                  .starts_with("attachment; filename=\"tacit-visits-140202-2026-11.csv\""));
  EXPECT_NE(visits->body.find(std::to_string(datong_task_) + "," + MaskIdNumber(IdNumber::FromKey(lapsed_).text())),
            std::string::npos)
      << visits->body;
  EXPECT_EQ(visits->body.find(MaskIdNumber(IdNumber::FromKey(keys_[3]).text())), std::string::npos)
      << "Taiyuan's task";
  ExpectNoFullIdentityNumbers(visits->body, "visits");

  // Overpayments: the dead person's receivables, net of what was paid back.
  auto over = Get(datong, "/api/v1/reports/overpayments?format=csv");
  ASSERT_TRUE(over);
  ASSERT_EQ(over->status, 200) << over->body;
  EXPECT_TRUE(over->get_header_value("Content-Disposition")
                  .starts_with("attachment; filename=\"tacit-overpayments-140202-2026-11.csv\""))
      << "the current month by default";
  EXPECT_NE(over->body.find(MaskIdNumber(IdNumber::FromKey(dead_).text())), std::string::npos);
  EXPECT_NE(over->body.find(",2026-09,2026-10,2,6000.00,120.50,5879.50,"), std::string::npos) << over->body;
  ExpectNoFullIdentityNumbers(over->body, "overpayments");

  // Each report asks for the action of the page that shows its data: a
  // reviewer reads reminders and visits, not recoveries.
  Login reviewer = SignIn("rev-datong");
  EXPECT_EQ(Get(reviewer, "/api/v1/reports/due")->status, 200);
  EXPECT_EQ(Get(reviewer, "/api/v1/reports/visits")->status, 200);
  EXPECT_EQ(Get(reviewer, "/api/v1/reports/overpayments")->status, 403);
  auto listed = Get(reviewer, "/api/v1/reports");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200);
  std::vector<std::string> names;
  const json reports = json::parse(listed->body);
  for (const json& r : reports["reports"]) names.push_back(r["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"stats", "due", "visits"})) << listed->body;
  EXPECT_EQ(Client().Get("/api/v1/reports/due")->status, 401);

  // Refusals export nothing: the trail holds the four exports that were sent.
  int exports = 0;
  for (const AuditEntry& e : AuditEntries()) exports += e.action == "report.export";
  EXPECT_EQ(exports, 4);
}

}  // namespace
}  // namespace tacit
