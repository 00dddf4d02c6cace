// The command line as a user meets it: the demo end to end, running things
// twice, --db anywhere, bad input, and a death learned late through the whole
// chain (import, ingest, monthly runs, person show).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run.h"
#include "tacit/id_number.h"

namespace tacit {
namespace {

using nlohmann::json;
using testing::FreshDir;
using testing::Tacit;

std::string Id(const std::string& first17) { return first17 + IdCheckCharacter(first17); }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int CountLines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST(Cli, DemoRunsTheWholeJobAndRunningItAgainChangesNothing) {
  const auto dir = FreshDir("demo");
  auto first = Tacit(dir, "demo --people 1500 --dir d");
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("月度发放"), std::string::npos);
  auto stats = Tacit(dir, "--db d/tacit.db stats --region 14 --json");
  ASSERT_EQ(stats.status, 0) << stats.out;
  const json s = json::parse(stats.out);
  const json& t = s["total"];
  EXPECT_EQ(t["recipients"], 1500);
  EXPECT_EQ(t["certified"].get<int>() + t["lapsed"].get<int>() + t["uncertified"].get<int>() +
                t["deceased"].get<int>(),
            1500);
  EXPECT_GT(t["deceased"].get<int>(), 0);
  EXPECT_GT(t["certified_by_method"]["data"].get<int>(), 0);
  EXPECT_GT(s["by_region"].size(), 5u) << "Shanxi has 11 cities";
  EXPECT_EQ(s["by_scheme"].size(), 3u);

  auto export1 = Tacit(dir, "--db d/tacit.db evidence export --out d/e1.csv");
  ASSERT_EQ(export1.status, 0) << export1.out;
  auto second = Tacit(dir, "demo --people 1500 --dir d");
  ASSERT_EQ(second.status, 0) << second.out;
  EXPECT_NE(second.out.find("72 个文件此前已导入"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("未重复发放"), std::string::npos);
  auto export2 = Tacit(dir, "evidence export --out d/e2.csv --db d/tacit.db");
  ASSERT_EQ(export2.status, 0);
  EXPECT_EQ(Read(dir / "d/e1.csv"), Read(dir / "d/e2.csv"));
  auto stats2 = Tacit(dir, "stats --db d/tacit.db --region 14 --json");
  EXPECT_EQ(json::parse(stats2.out), s);

  // The export names every stored record with its link; strangers are not in it.
  const std::string e = Read(dir / "d/e1.csv");
  EXPECT_EQ(e.substr(0, e.find('\n')), "source,ref,kind,occurred_on,received_on,id_number,link_method,link_score");
  EXPECT_GT(CountLines(e), 1500);

  // The payroll file has a line per entitlement decision.
  const std::string payroll = Read(dir / "d/payroll-2026-11.csv");
  EXPECT_EQ(payroll.substr(0, payroll.find('\n')), "id_number,name,scheme,paying_region,month,amount,decision,reason");
  EXPECT_NE(payroll.find(",stop,terminate.death"), std::string::npos);
}

class Journey : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(Tacit(dir_, "init").status, 0);
    std::ofstream reg(dir_ / "registry.csv");
    reg << "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
           "special_care,last_certified_on,paid_through\n";
    reg << Id("14010519500101123") << ",张三,M,1950-01-01,13812345678,140105001001,enterprise,140105,3120.50,2010-02,0,"
        << "2026-02-10,\n";
    reg << Id("14010519520202222") << ",李四,F,1952-02-02,,140105001002,resident,140105,180.00,2012-07,1,2025-03-01,2026-03\n";
  }
  std::filesystem::path dir_;
};

TEST_F(Journey, DeathLearnedLateStopsPaymentAndBecomesAnOverpayment) {
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv", "2026-05-01").status, 0);
  auto may = Tacit(dir_, "cycle run --month 2026-05 --as-of 2026-05-05", "2026-05-05");
  ASSERT_EQ(may.status, 0) << may.out;
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-06 --as-of 2026-06-05", "2026-06-05").status, 0);
  // The cremation of 2026-05-20 arrives on 2026-07-02 in the canonical layout.
  std::ofstream feed(dir_ / "cremation.csv");
  feed << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  feed << "civil_affairs,cremation," << Id("14010519500101123") << ",张三,M,1950-01-01,,2026-05-20,HZ-1,\n";
  feed.close();
  auto ingest = Tacit(dir_, "ingest cremation.csv --received-on 2026-07-02", "2026-07-02");
  ASSERT_EQ(ingest.status, 0) << ingest.out;
  EXPECT_NE(ingest.out.find("关联 1"), std::string::npos) << ingest.out;
  auto july = Tacit(dir_, "cycle run --month 2026-07 --as-of 2026-07-05", "2026-07-05");
  ASSERT_EQ(july.status, 0) << july.out;
  EXPECT_NE(july.out.find("3120.50"), std::string::npos) << "June was overpaid: " << july.out;

  auto show = Tacit(dir_, "person show " + Id("14010519500101123") + " --json --months 3", "2026-07-05");
  ASSERT_EQ(show.status, 0) << show.out;
  const json p = json::parse(show.out);
  EXPECT_EQ(p["certification"]["status"], "deceased");
  const json& e = p["entitlements"][0];
  EXPECT_EQ(e["status"], "terminated");
  EXPECT_EQ(e["months"][0]["month"], "2026-05");
  EXPECT_EQ(e["months"][0]["status"], "payable");
  EXPECT_EQ(e["months"][0]["paid"], "3120.50");
  EXPECT_EQ(e["months"][1]["status"], "terminated");
  EXPECT_EQ(e["months"][1]["rule"], "terminate.death");
  EXPECT_EQ(e["months"][1]["paid"], "3120.50");
  EXPECT_EQ(e["overpaid"], "3120.50");
  EXPECT_EQ(e["receivables"][0]["month"], "2026-06");

  // 李四's certification (2025-03) lapsed after 2026-03: held since April (the
  // registry says the previous system paid her through March); a
  // hospital stay in July certifies her again, and April-July are back paid.
  auto li = Tacit(dir_, "person show " + Id("14010519520202222") + " --json --months 4", "2026-07-05");
  EXPECT_EQ(json::parse(li.out)["certification"]["status"], "lapsed");
  std::ofstream h(dir_ / "hospital.csv");
  h << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  h << "health,hospital_admission," << Id("14010519520202222") << ",李四,F,,,2026-07-20,ZY-9,\"{\"\"ward\"\": 3}\"\n";
  h.close();
  ASSERT_EQ(Tacit(dir_, "ingest hospital.csv", "2026-07-25").status, 0);
  auto august = Tacit(dir_, "cycle run --month 2026-08 --as-of 2026-08-05", "2026-08-05");
  ASSERT_EQ(august.status, 0);
  EXPECT_NE(august.out.find("补发 (back pay) 720.00 元"), std::string::npos) << august.out;
}

TEST_F(Journey, BadInputIsRefusedWithFileLineAndFieldAndGoodRowsGoThrough) {
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv").status, 0);
  std::ofstream feed(dir_ / "bank.csv");
  feed << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  feed << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-10-03,B-1,\n";
  feed << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-10-32,B-2,\n";
  feed << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-10-03\n";
  feed.close();
  auto r = Tacit(dir_, "ingest bank.csv");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("bank.csv:3 字段 occurred_on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bank.csv:4 字段 row"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("关联 1"), std::string::npos);
  EXPECT_EQ(r.out.find("14010519500101123"), std::string::npos) << "no identity number in messages";
  const std::string q = Read(dir_ / "quarantine/bank.csv.quarantine.csv");
  EXPECT_EQ(CountLines(q), 3);

  auto missing = Tacit(dir_, "ingest nosuchfile.csv");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("nosuchfile.csv"), std::string::npos);
  auto bad_month = Tacit(dir_, "cycle run --month 2026-13");
  EXPECT_NE(bad_month.status, 0);
  EXPECT_NE(bad_month.out.find("--month"), std::string::npos);
  auto bad_id = Tacit(dir_, "person show 140105195001011230");
  EXPECT_NE(bad_id.status, 0);
  EXPECT_EQ(bad_id.out.find("140105195001011230"), std::string::npos) << bad_id.out;
  auto no_store = Tacit(dir_, "--db other.db stats");
  EXPECT_NE(no_store.status, 0);
  EXPECT_NE(no_store.out.find("tacit init"), std::string::npos);
}

TEST_F(Journey, AYearlyRiseAppliedLateIsBackPaidAndApplyingItAgainChangesNothing) {
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv", "2026-09-01").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-09 --as-of 2026-09-05", "2026-09-05").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-10 --as-of 2026-10-05", "2026-10-05").status, 0);
  // The rise from September arrives in late October, with two bad rows.
  std::ofstream adj(dir_ / "rise.csv");
  adj << "id_number,scheme,effective_month,monthly_amount,basic_amount\n";
  adj << Id("14010519500101123") << ",enterprise,2026-09,3200.00,\n";
  adj << Id("14010519520202222") << ",resident,2026-9x,190.00,\n";
  adj << Id("14010519520202222") << ",enterprise,2026-09,3100.00,\n";  // she draws no enterprise pension
  adj.close();
  auto first = Tacit(dir_, "registry adjust rise.csv", "2026-10-20");
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("3 行, 接收 1, 拒收 2"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("调整 (applied) 1; 未变 (unchanged) 0"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("rise.csv:3 字段 effective_month"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("rise.csv:4 字段 scheme"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find(Id("14010519520202222")), std::string::npos) << "no identity number in messages";
  const std::string q = Read(dir_ / "quarantine/rise.csv.quarantine.csv");
  EXPECT_EQ(CountLines(q), 3) << q;
  EXPECT_EQ(q.find(Id("14010519520202222")), std::string::npos) << "masked in the quarantine file: " << q;
  EXPECT_NE(q.find("140105********222"), std::string::npos) << q;

  auto again = Tacit(dir_, "registry adjust rise.csv", "2026-10-21");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("调整 (applied) 0; 未变 (unchanged) 1"), std::string::npos) << again.out;

  // November pays the new amount and the difference for September and October.
  auto november = Tacit(dir_, "cycle run --month 2026-11 --as-of 2026-11-05", "2026-11-05");
  ASSERT_EQ(november.status, 0) << november.out;
  EXPECT_NE(november.out.find("补发 (back pay) 159.00 元"), std::string::npos) << november.out;
  auto show = Tacit(dir_, "person show " + Id("14010519500101123") + " --json --months 3", "2026-11-05");
  ASSERT_EQ(show.status, 0) << show.out;
  const json p = json::parse(show.out);
  EXPECT_EQ(p["entitlements"][0]["monthly_amount"], "3200.00");

  auto missing = Tacit(dir_, "registry adjust nosuch.csv");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("nosuch.csv"), std::string::npos);
}

TEST_F(Journey, DepartmentLayoutsAreReadThroughTheirMappings) {
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv").status, 0);
  const auto mappings = std::filesystem::path(TACIT_SOURCE_DIR) / "examples/mappings";
  // A funeral home's register as civil affairs sends it: GBK, its own columns,
  // dates like 2026/5/3.
  {
    std::ofstream utf8(dir_ / "cremation.utf8.csv");
    utf8 << "记录编号,死者姓名,性别,身份证号码,出生日期,火化日期,殡仪馆\n";
    utf8 << "HH2026100001,张三,男," << Id("14010519500101123") << ",1950/1/1,2026/10/3,太原市殡仪馆\n";
    utf8 << "HH2026100002,王五,男,,1948/3/9,2026/10/5,太原市殡仪馆\n";
  }
  ASSERT_EQ(std::system(("iconv -f UTF-8 -t GBK '" + (dir_ / "cremation.utf8.csv").string() + "' > '" +
                         (dir_ / "cremation.csv").string() + "'").c_str()),
            0);
  auto gbk = Tacit(dir_, "ingest cremation.csv --received-on 2026-10-20 --mapping '" +
                             (mappings / "civil_affairs_cremation.toml").string() + "'");
  ASSERT_EQ(gbk.status, 0) << gbk.out;
  EXPECT_NE(gbk.out.find("关联 1"), std::string::npos) << gbk.out;
  EXPECT_NE(gbk.out.find("未关联 1"), std::string::npos) << gbk.out;
  auto show = Tacit(dir_, "person show " + Id("14010519500101123") + " --json --months 2");
  const json p = json::parse(show.out);
  EXPECT_EQ(p["certification"]["status"], "deceased");
  EXPECT_EQ(p["certification"]["death_date"], "2026-10-03");
  EXPECT_EQ(p["evidence"][0]["source"], "civil_affairs");

  // The railway's real-name trips, dates as 20261103.
  std::ofstream rail(dir_ / "rail.csv");
  rail << "ticket_no,passenger_name,cert_type,cert_no,travel_date,from_station,to_station\n";
  rail << "E1,李四,1," << Id("14010519520202222") << ",20261103,太原南,北京西\n";
  rail.close();
  auto r = Tacit(dir_, "ingest rail.csv --mapping '" + (mappings / "railway_travel.toml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  auto li = Tacit(dir_, "person show " + Id("14010519520202222") + " --json --months 1");
  const json l = json::parse(li.out);
  EXPECT_EQ(l["certification"]["status"], "certified");
  EXPECT_EQ(l["certification"]["last_certified_on"], "2026-11-03");
  EXPECT_EQ(l["certification"]["method"], "data");
}

}  // namespace
}  // namespace tacit
