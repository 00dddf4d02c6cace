#include "tacit/reports.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "reports/xlsx_test_reader.h"
#include "store/test_registry.h"
#include "tacit/outreach.h"
#include "tacit/stats.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

Date D(std::string_view s) { return *ParseDate(s); }

// Excel's serial day number of a date (days since 1899-12-30).
std::string Serial(Date d) { return std::to_string(d.days() + 25569); }

ReportBook SmallBook() {
  ReportBook book;
  book.name = "due";
  book.title = "即将到期/待认证名单";
  book.region = "140202";
  book.region_name = "新荣区";
  book.month = Month::Of(2026, 11);
  book.as_of = D("2026-11-20");
  book.generated_at = "2026-11-20 16:00";
  ReportTable t;
  t.sheet_name = "待认证名单";
  t.title = "待认证名单";
  t.headers = {"姓名", "金额(元)", "人数", "日期"};
  t.rows.push_back({ReportCell::Text("张*, \"老\"\n"), ReportCell::Money(1234560), ReportCell::Integer(7),
                    ReportCell::Day(D("2026-12-31"))});
  t.rows.push_back({ReportCell::Text("=1+1"), ReportCell::Money(-5), ReportCell::Integer(0), ReportCell::Empty()});
  book.tables.push_back(t);
  t.sheet_name = "第二表";
  t.title = "第二表";
  t.rows.resize(1);
  book.tables.push_back(t);
  return book;
}

TEST(ReportCsv, StartsWithABomQuotesFieldsAndWritesMoneyAsYuan) {
  const std::string csv = ReportCsv(SmallBook());
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  const std::string expected =
      "待认证名单\r\n"
      "区划 140202 新荣区  月份 2026-11  截至 2026-11-20  生成时间 2026-11-20 16:00 (北京时间)\r\n"
      "姓名,金额(元),人数,日期\r\n"
      "\"张*, \"\"老\"\"\n\",12345.60,7,2026-12-31\r\n"
      "'=1+1,-0.05,0,\r\n"
      "\r\n"
      "第二表\r\n"
      "区划 140202 新荣区  月份 2026-11  截至 2026-11-20  生成时间 2026-11-20 16:00 (北京时间)\r\n"
      "姓名,金额(元),人数,日期\r\n"
      "\"张*, \"\"老\"\"\n\",12345.60,7,2026-12-31\r\n";
  EXPECT_EQ(csv.substr(3), expected);
}

TEST(ReportXlsx, IsAWorkbookWithTitledSheetsAFrozenBoldHeaderAndTypedCells) {
  auto bytes = ReportXlsx(SmallBook());
  ASSERT_TRUE(bytes) << bytes.error().ToString();
  auto wb = xlsx_test::ReadXlsx(*bytes);
  ASSERT_TRUE(wb) << "not a zip archive with xl/workbook.xml";
  ASSERT_EQ(wb->sheet_names, (std::vector<std::string>{"待认证名单", "第二表"}));
  const auto& cells = wb->Sheet("待认证名单");
  EXPECT_EQ(cells.at("A1"), "待认证名单");
  EXPECT_EQ(cells.at("A2"), SmallBook().MetadataLine());
  EXPECT_EQ(cells.at("A3"), "姓名");
  EXPECT_EQ(cells.at("D3"), "日期");
  EXPECT_EQ(cells.at("A4"), "张*, \"老\"\n");
  EXPECT_EQ(std::stod(cells.at("B4")), 12345.6);  // a number, shown #,##0.00
  EXPECT_EQ(cells.at("C4"), "7");
  EXPECT_EQ(cells.at("D4"), Serial(D("2026-12-31")));  // a date, not text
  EXPECT_EQ(cells.at("A5"), "=1+1") << "a string cell: never a formula";
  EXPECT_EQ(std::stod(cells.at("B5")), -0.05);
  EXPECT_FALSE(cells.contains("D5"));
  const std::string& sheet = wb->files.at("xl/worksheets/sheet1.xml");
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  EXPECT_NE(sheet.find("ySplit=\"3\""), std::string::npos) << "the rows above the data stay in view";
  EXPECT_NE(sheet.find("<autoFilter ref=\"A3:D5\""), std::string::npos);
  EXPECT_NE(sheet.find("<col "), std::string::npos) << "column widths";
  const std::string& styles = wb->files.at("xl/styles.xml");
  EXPECT_NE(styles.find("formatCode=\"#,##0.00\""), std::string::npos);
  EXPECT_NE(styles.find("formatCode=\"yyyy-mm-dd\""), std::string::npos);
  EXPECT_NE(styles.find("<b/>"), std::string::npos) << "a bold font for the header";
  EXPECT_NE(wb->files.at("docProps/core.xml").find("即将到期/待认证名单"), std::string::npos);
}

TEST(ReportXlsx, ASheetLongerThanExcelTakesIsRefusedWithAMessageSayingWhatToDo) {
  ReportBook book = SmallBook();
  // With the title, metadata and header rows, one row more than Excel's 1,048,576.
  book.tables[1].rows.assign(1'048'574, {ReportCell::Integer(1)});
  auto bytes = ReportXlsx(book);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(bytes.error().message.find("CSV"), std::string::npos);
}

TEST(ReportFiles, NamesCarryTheReportRegionAndMonth) {
  ReportBook book = SmallBook();
  EXPECT_EQ(ReportFileName(book, "xlsx"), "tacit-due-140202-2026-11.xlsx");
  EXPECT_EQ(ReportFileNameZh(book, "csv"), "待认证名单-140202新荣区-2026-11.csv");
  book.region.clear();
  EXPECT_EQ(ReportFileName(book, "csv"), "tacit-due-all-2026-11.csv");
  EXPECT_EQ(ReportAsOf(Month::Of(2026, 10), D("2026-11-20")), D("2026-10-31"));
  EXPECT_EQ(ReportAsOf(Month::Of(2026, 11), D("2026-11-20")), D("2026-11-20"));
}

// A county with four recipients: one certified, one lapsed, one due within
// the policy's due-soon days, one dead with two months overpaid (one part
// recovered), and one visit task.
class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One directory per test: ctest runs the tests of this binary in parallel.
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("reports_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenTestStore(dir_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                       {"1401", "太原市", "14", RegionLevel::kCity},
                                       {"140105", "小店区", "1401", RegionLevel::kCounty},
                                       {"1402", "大同市", "14", RegionLevel::kCity},
                                       {"140202", "新荣区", "1402", RegionLevel::kCounty},
                                       {"140202001", "新荣镇", "140202", RegionLevel::kTownship}}));
    const std::vector<std::tuple<std::string, std::string, Date>> people = {
        {"14020219500101123", "140202001001", D("2026-09-01")},  // certified
        {"14020219510101123", "140202001002", D("2025-01-01")},  // lapsed
        {"14020219520101123", "140202001001", D("2025-12-20")},  // due within 60 days
        {"14020219530101123", "140202001002", D("2026-09-01")},  // dies
        {"14010519540101123", "140105001001", D("2025-01-01")},  // lapsed, in another county
    };
    for (const auto& [id17, region, baseline] : people) {
      RegistryRow r = TestRegistryRow(id17, region, D("2026-11-27"));
      r.person.baseline_certified = baseline;
      r.person.phone = "13912345678";
      ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
      ids_.push_back(r.person.id_number);
      keys_.push_back(r.person.key);
    }
    BatchRecord b;
    b.sha256 = "x";
    b.source = "civil_affairs";
    std::vector<EvidenceRecord> ev(1);
    ev[0].source = "civil_affairs";
    ev[0].ref = "C1";
    ev[0].kind = "cremation";
    ev[0].person = keys_[3];
    ev[0].link_method = "exact";
    ev[0].occurred_on = D("2026-08-03");
    ev[0].received_on = D("2026-10-10");
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
    const int64_t ent = (*store_->EntitlementsOf(keys_[3]))[0].terms.id;
    CycleRunRecord run;
    run.month = Month::Of(2026, 11);
    run.as_of = D("2026-11-05");
    ASSERT_TRUE(store_->SaveCycleRun(run, {}, {},
                                     {{0, ent, Month::Of(2026, 9), 300000, run.month, "terminate.death", ev[0].id, 0, keys_[3]},
                                      {0, ent, Month::Of(2026, 10), 300000, run.month, "terminate.death", ev[0].id, 0,
                                       keys_[3]}},
                                     {}));
    ASSERT_TRUE(store_->RecordRecovery(keys_[3], 12050, "lump", D("2026-11-20"), "家属退回"));
    VisitTaskRecord t;
    t.person = keys_[1];
    t.region = "140202001002";
    t.reason = "special";
    t.idem_key = "visit/test/1";
    t.due_on = D("2026-11-25");
    t.created_ms = BeijingInstant(D("2026-11-10"), 600);
    t.assigned_to = "li";
    t.status = "assigned";
    std::vector<VisitTaskRecord> tasks{t};
    ASSERT_TRUE(store_->outreach().OpenVisitTasks(tasks));
  }

  Result<ReportBook> Build(std::string_view name, std::string region = "140202") {
    return BuildReport(*store_, policy_, name,
                       {.region = std::move(region), .month = Month::Of(2026, 11), .as_of = D("2026-11-27"),
                        .generated_ms = BeijingInstant(D("2026-11-27"), 16 * 60)});
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Policy policy_;
  std::vector<std::string> ids_;
  std::vector<PersonKey> keys_;
};

TEST_F(ReportsTest, StatisticsAreComputeStatsByRegionAndByScheme) {
  auto book = Build("stats");
  ASSERT_TRUE(book) << book.error().ToString();
  auto lib = ComputeStats(*store_, policy_, {.region = "140202", .month = Month::Of(2026, 11), .as_of = D("2026-11-27")});
  ASSERT_TRUE(lib);
  ASSERT_EQ(book->tables.size(), 2u);
  const ReportTable& t = book->tables[0];
  EXPECT_EQ(book->region_name, "新荣区");
  EXPECT_EQ(book->generated_at, "2026-11-27 16:00");
  EXPECT_EQ(t.sheet_name, "按区划统计");
  // The total row, then one row per township.
  ASSERT_EQ(t.rows.size(), 1 + lib->by_region.size());
  auto column = [&](std::string_view header) {
    auto it = std::find(t.headers.begin(), t.headers.end(), header);
    EXPECT_NE(it, t.headers.end()) << header;
    return static_cast<size_t>(it - t.headers.begin());
  };
  EXPECT_EQ(t.rows[0][1].text, "合计");
  EXPECT_EQ(t.rows[0][column("领取人数")].number, lib->total.recipients);
  EXPECT_EQ(t.rows[0][column("即将到期")].number, lib->total.due);
  EXPECT_EQ(t.rows[0][column("认证过期")].number, lib->total.lapsed);
  EXPECT_EQ(t.rows[0][column("已死亡")].number, lib->total.deceased);
  EXPECT_EQ(t.rows[0][column("其中:原系统/导入基准")].number, lib->total.certified_by_method.at("legacy"));
  EXPECT_EQ(t.rows[0][column("多发待遇未追回(元)")].type, ReportCell::Type::kMoney);
  EXPECT_EQ(t.rows[0][column("多发待遇未追回(元)")].number, lib->total.overpaid_outstanding);
  EXPECT_EQ(lib->total.overpaid_outstanding, 600000 - 12050);
  EXPECT_EQ(t.rows[1][0].text, "140202001");
  EXPECT_EQ(t.rows[1][1].text, "新荣镇");
  EXPECT_EQ(book->tables[1].sheet_name, "按险种统计");
  EXPECT_EQ(book->tables[1].rows.size(), 1 + lib->by_scheme.size());
}

TEST_F(ReportsTest, TheDueListHasTheDueLapsedAndUncertifiedMaskedMostUrgentFirst) {
  auto book = Build("due");
  ASSERT_TRUE(book) << book.error().ToString();
  auto lib = ComputeStats(*store_, policy_, {.region = "140202", .month = Month::Of(2026, 11), .as_of = D("2026-11-27")});
  ASSERT_TRUE(lib);
  const ReportTable& t = book->tables.at(0);
  ASSERT_EQ(static_cast<int64_t>(t.rows.size()), lib->total.due + lib->total.lapsed + lib->total.uncertified);
  ASSERT_EQ(t.rows.size(), 2u);
  // The lapsed person (valid through 2026-01) before the due one (2026-12).
  EXPECT_EQ(t.rows[0][0].text, MaskIdNumber(ids_[1]));
  EXPECT_EQ(t.rows[0][1].text, MaskName("张三丰"));
  EXPECT_EQ(t.rows[0][2].text, "140202001002");
  EXPECT_EQ(t.rows[0][3].text, "新荣镇") << "a village the table lacks takes its township's name";
  EXPECT_EQ(t.rows[0][4].text, "认证过期");
  EXPECT_EQ(t.rows[0][5].date, D("2025-01-01"));
  EXPECT_EQ(t.rows[0][7].text, "2026-01");
  EXPECT_EQ(t.rows[0][8].date, CertificationDeadline(Month::Of(2026, 1)));
  EXPECT_LT(t.rows[0][9].number, 0);
  EXPECT_EQ(t.rows[0][10].text, "139****5678");
  EXPECT_EQ(t.rows[1][0].text, MaskIdNumber(ids_[2]));
  EXPECT_EQ(t.rows[1][4].text, "即将到期");
  EXPECT_EQ(t.rows[1][7].text, "2026-12");
  EXPECT_EQ(t.rows[1][8].date, CertificationDeadline(Month::Of(2026, 12)));
  EXPECT_EQ(t.rows[1][9].number, CertificationDeadline(Month::Of(2026, 12)) - D("2026-11-27"));
  const std::string csv = ReportCsv(*book);
  for (const std::string& id : ids_) EXPECT_EQ(csv.find(id), std::string::npos) << "a full identity number";
  EXPECT_EQ(csv.find("张三丰"), std::string::npos);
  EXPECT_EQ(csv.find("13912345678"), std::string::npos);
  EXPECT_EQ(csv.find(MaskIdNumber(ids_[4])), std::string::npos) << "another county's person";
}

TEST_F(ReportsTest, VisitsAndOverpaymentsListTheRegionsOpenWorkMasked) {
  auto visits = Build("visits");
  ASSERT_TRUE(visits) << visits.error().ToString();
  const ReportTable& v = visits->tables.at(0);
  ASSERT_EQ(v.rows.size(), 1u);
  EXPECT_EQ(v.rows[0][1].text, MaskIdNumber(ids_[1]));
  EXPECT_EQ(v.rows[0][5].text, VisitReasonZh("special"));
  EXPECT_EQ(v.rows[0][6].date, D("2026-11-10"));
  EXPECT_EQ(v.rows[0][7].date, D("2026-11-25"));
  EXPECT_EQ(v.rows[0][8].text, "是") << "due before the cut-off";
  EXPECT_EQ(v.rows[0][9].text, "li");
  EXPECT_EQ(v.rows[0][10].text, VisitStatusZh("assigned"));
  auto elsewhere = Build("visits", "140105");
  ASSERT_TRUE(elsewhere);
  EXPECT_TRUE(elsewhere->tables[0].rows.empty());

  auto over = Build("overpayments");
  ASSERT_TRUE(over) << over.error().ToString();
  const ReportTable& o = over->tables.at(0);
  ASSERT_EQ(o.rows.size(), 2u) << "one person and the total";
  EXPECT_EQ(o.rows[0][0].text, MaskIdNumber(ids_[3]));
  EXPECT_EQ(o.rows[0][5].text, "2026-09");
  EXPECT_EQ(o.rows[0][6].text, "2026-10");
  EXPECT_EQ(o.rows[0][7].number, 2);
  EXPECT_EQ(o.rows[0][8].number, 600000);
  EXPECT_EQ(o.rows[0][9].number, 12050);
  EXPECT_EQ(o.rows[0][10].number, *store_->OutstandingOf(keys_[3]));
  EXPECT_EQ(o.rows[0][10].number, 587950);
  EXPECT_EQ(o.rows[0][11].text, policy_.FindRule("terminate.death")->label_zh);
  EXPECT_EQ(o.rows[1][0].text, "合计 1 人");
  EXPECT_EQ(o.rows[1][10].number, 587950);
  EXPECT_NE(ReportCsv(*over).find(",6000.00,120.50,5879.50,"), std::string::npos);
}

TEST_F(ReportsTest, UnknownNamesAndBadRegionsAreRefused) {
  auto unknown = Build("salaries");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto bad = Build("due", "14a");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(bad.error().message.starts_with("--region"));
}

TEST_F(ReportsTest, EveryReportWritesAnXlsxWithItsMaskedRows) {
  for (const ReportKind& kind : ReportKinds()) {
    auto book = Build(kind.name);
    ASSERT_TRUE(book) << kind.name;
    auto bytes = ReportXlsx(*book);
    ASSERT_TRUE(bytes) << kind.name << ": " << bytes.error().ToString();
    auto wb = xlsx_test::ReadXlsx(*bytes);
    ASSERT_TRUE(wb) << kind.name;
    ASSERT_EQ(wb->sheets.size(), book->tables.size());
    for (size_t i = 0; i < book->tables.size(); ++i) {
      EXPECT_EQ(wb->sheet_names[i], book->tables[i].sheet_name);
      EXPECT_EQ(wb->sheets[i].at("A3"), book->tables[i].headers[0]);
    }
    for (const auto& [name, content] : wb->files) {
      for (const std::string& id : ids_) EXPECT_EQ(content.find(id), std::string::npos) << kind.name << " " << name;
    }
  }
}

}  // namespace
}  // namespace tacit
