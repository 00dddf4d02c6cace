// The command line as a user meets it: the demo end to end, running things
// twice, --db anywhere, bad input, a death learned late through the whole
// chain (import, ingest, monthly runs, person show), and staff working the
// cases and recoveries that follow.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run.h"
#include "tacit/id_number.h"
#include "tacit/store.h"

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

  // A statistics snapshot gives the same figures for any region and level,
  // and says so; --live never uses it; the list says it is current.
  auto snap = Tacit(dir, "--db d/tacit.db stats snapshot --trend-months 3");
  ASSERT_EQ(snap.status, 0) << snap.out;
  EXPECT_NE(snap.out.find("统计快照 (statistics snapshot) #1: 2026-11"), std::string::npos) << snap.out;
  EXPECT_NE(snap.out.find("1500 名领取人"), std::string::npos) << snap.out;
  for (const char* args : {"--region 14", "--region 14 --by village", "--region 1401 --by township"}) {
    json live = json::parse(Tacit(dir, std::string("--db d/tacit.db stats --live --json ") + args).out);
    json from = json::parse(Tacit(dir, std::string("--db d/tacit.db stats --json ") + args).out);
    EXPECT_FALSE(live.contains("snapshot"));
    ASSERT_TRUE(from.contains("snapshot")) << args;
    EXPECT_EQ(from["snapshot"]["current"], true);
    from.erase("snapshot");
    EXPECT_EQ(from, live) << args;
  }
  auto list = Tacit(dir, "--db d/tacit.db stats snapshots");
  EXPECT_NE(list.out.find("是 (yes)"), std::string::npos) << list.out;
  EXPECT_NE(Tacit(dir, "--db d/tacit.db audit list").out.find("stats.snapshot"), std::string::npos);
  EXPECT_NE(Tacit(dir, "--db d/tacit.db stats --live --snapshot").status, 0);
  EXPECT_NE(Tacit(dir, "--db d/tacit.db stats snapshot --trend-months 30").out.find("--trend-months"),
            std::string::npos);

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
  // Knowledge is not backdated past a run: July ran as of 2026-07-05.
  std::ofstream late(dir_ / "late.csv");
  late << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  late << "railway,travel," << Id("14010519520202222") << ",李四,F,,,2026-06-30,RW-1,\n";
  late.close();
  auto backdated = Tacit(dir_, "ingest late.csv --received-on 2026-07-01", "2026-07-06");
  EXPECT_EQ(backdated.status, 1);
  EXPECT_NE(backdated.out.find("knowledge cut-off of the monthly run of 2026-07"), std::string::npos) << backdated.out;
  std::filesystem::remove(dir_ / "late.csv");

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

TEST_F(Journey, ARecordWithoutAUsableNumberIsProposedReviewedAndThenActedOn) {
  // More pensioners, and a hospital's records about 40 of them with a digit of
  // the number mistyped: what the linker learns its model from.
  auto mistype = [](std::string id) {
    id[15] = id[15] == '9' ? '0' : static_cast<char>(id[15] + 1);
    return id;
  };
  const char* kNames[] = {"王秀英", "李桂兰", "张建国", "刘志强", "陈玉兰", "杨淑珍", "赵德明", "黄国华", "周春梅", "吴丽华"};
  std::ofstream more(dir_ / "registry.csv", std::ios::app);
  std::ofstream hospital(dir_ / "hospital.csv");
  hospital << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  for (int i = 0; i < 48; ++i) {
    const std::string birth = fmt::format("19{}-{:02d}-{:02d}", 40 + i % 20, 1 + i % 12, 1 + (i * 7) % 28);
    const std::string id = Id(fmt::format("140105{}{}{}{:03d}", birth.substr(0, 4), birth.substr(5, 2), birth.substr(8, 2), 300 + i));
    const std::string name = std::string(kNames[i % 10]) + (i >= 10 ? std::string(i % 2 ? "甲" : "乙") : "");
    const char sex = (id[16] - '0') % 2 ? 'M' : 'F';
    more << id << ',' << name << ',' << sex << ',' << birth << ",,140105001003,enterprise,140105,2800.00,2012-01,0,"
         << "2026-02-01,\n";
    if (i < 40) {
      hospital << "health,hospital_admission," << mistype(id) << ',' << name << ',' << sex << ',' << birth
               << ",140105001003,2026-05-1" << i % 10 << ",ZY-M" << i << ",\n";
    }
  }
  more.close();
  hospital.close();
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv", "2026-05-01").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-05 --as-of 2026-05-05", "2026-05-05").status, 0);
  // A cremation whose number was mistyped (the check fails), and a hospital
  // stay whose number came with full-width digits (linked exactly once normalised).
  std::string mistyped = Id("14010519500101123");
  mistyped[15] = mistyped[15] == '9' ? '0' : static_cast<char>(mistyped[15] + 1);
  std::ofstream feed(dir_ / "civil.csv");
  feed << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  feed << "civil_affairs,cremation," << mistyped << ",张三,M,1950-01-01,140105001001,2026-05-20,HZ-1,\n";
  feed.close();
  std::ofstream health(dir_ / "health.csv");
  health << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  std::string full_width;
  for (char c : Id("14010519520202222")) {
    // U+FF10 + digit: EF BC 90..99
    full_width += c == 'X' ? std::string("\xEF\xBC\xB8") : std::string{'\xEF', '\xBC', static_cast<char>(0x90 + (c - '0'))};
  }
  health << "health,hospital_admission," << full_width << ",李四,F,,,2026-05-22,ZY-1,\n";
  health.close();
  ASSERT_EQ(Tacit(dir_, "ingest civil.csv health.csv hospital.csv --received-on 2026-06-01", "2026-06-01").status, 0);

  auto link = Tacit(dir_, "link", "2026-06-02");
  ASSERT_EQ(link.status, 0) << link.out;
  EXPECT_NE(link.out.find("待人工复核 1,"), std::string::npos) << link.out;
  EXPECT_NE(link.out.find("自动关联 40,"), std::string::npos) << link.out;
  auto again = Tacit(dir_, "link", "2026-06-02");
  EXPECT_NE(again.out.find("没有待关联的记录"), std::string::npos) << "nothing is tried twice: " << again.out;

  auto list = Tacit(dir_, "review list", "2026-06-02");
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find(MaskIdNumber(Id("14010519500101123"))), std::string::npos) << "masked: " << list.out;
  EXPECT_EQ(list.out.find("张三"), std::string::npos) << "names masked in the list";
  EXPECT_NE(list.out.find("不自动关联"), std::string::npos) << list.out;
  const std::string id = list.out.substr(list.out.find('\n', list.out.find('\n') + 1) + 1, 5);
  const std::string number = id.substr(0, id.find(' '));
  auto show = Tacit(dir_, "review show " + number, "2026-06-02");
  ASSERT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find("one_digit"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("张三"), std::string::npos) << "the reviewer compares the values: " << show.out;
  // Until a reviewer accepts it the cremation changes nothing.
  auto june = Tacit(dir_, "cycle run --month 2026-06 --as-of 2026-06-05", "2026-06-05");
  ASSERT_EQ(june.status, 0) << june.out;
  EXPECT_NE(june.out.find("终止发放 (stop) 0"), std::string::npos) << june.out;
  auto no_note = Tacit(dir_, "review accept " + number, "2026-06-06");
  EXPECT_NE(no_note.status, 0);
  auto accept = Tacit(dir_, "review accept " + number + " --note 殡葬记录核实无误 --by 王科员", "2026-06-06");
  ASSERT_EQ(accept.status, 0) << accept.out;
  auto twice = Tacit(dir_, "review reject " + number + " --note 再次处理", "2026-06-06");
  EXPECT_NE(twice.status, 0) << "a decision is final";
  auto july = Tacit(dir_, "cycle run --month 2026-07 --as-of 2026-07-05", "2026-07-05");
  ASSERT_EQ(july.status, 0) << july.out;
  EXPECT_NE(july.out.find("3120.50"), std::string::npos) << "June is now an overpayment: " << july.out;

  ASSERT_EQ(Tacit(dir_, "evidence export --out e.csv", "2026-07-05").status, 0);
  const std::string e = Read(dir_ / "e.csv");
  EXPECT_NE(e.find("HZ-1,cremation,2026-05-20,2026-06-01," + Id("14010519500101123") + ",reviewed,"),
            std::string::npos) << e;
  EXPECT_NE(e.find("ZY-1,hospital_admission,2026-05-22,2026-06-01," + Id("14010519520202222") + ",exact_normalised,"),
            std::string::npos) << e;
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

// After a death learned late: staff decide the cases about 张三 and record
// what the family pays back. A case is opened through the store here, as the
// monthly run will open them.
TEST_F(Journey, StaffResolveCasesAndRecordRecoveriesAgainstTheOverpayment) {
  const std::string zhang = Id("14010519500101123");
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv", "2026-05-01").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-05 --as-of 2026-05-05", "2026-05-05").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-06 --as-of 2026-06-05", "2026-06-05").status, 0);
  std::ofstream feed(dir_ / "cremation.csv");
  feed << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
  feed << "civil_affairs,cremation," << zhang << ",张三,M,1950-01-01,,2026-05-20,HZ-1,\n";
  feed << "bank,bank_counter," << zhang << ",张三,M,,,2026-06-18,B-7,\n";
  feed.close();
  ASSERT_EQ(Tacit(dir_, "ingest cremation.csv --received-on 2026-07-02", "2026-07-02").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-07 --as-of 2026-07-05", "2026-07-05").status, 0);

  const PersonKey key = ParseIdNumber(zhang, Date::FromCivil(2026, 7, 5)).id.key();
  std::vector<CaseRecord> cases;
  {
    auto store = std::move(*OpenSqliteStore((dir_ / "tacit.db").string()));
    const auto evidence = *store->EvidenceOf(key);
    ASSERT_EQ(evidence.size(), 2u);
    const int64_t cremation = evidence[0].id, bank = evidence[1].id;
    for (const std::string type : {"alive_after_death", "face_after_death", "death_dates_disagree"}) {
      CaseRecord c;
      c.person = key;
      c.type = type;
      c.key = type + ":" + std::to_string(cremation) + ":" + std::to_string(bank);
      c.summary = "火化之后出现银行柜面实名业务";
      c.suggestion = "void_evidence";
      c.evidence_ids = {cremation, bank};
      c.at_stake = 312050;
      c.opened_in = Month::Of(2026, 7);
      cases.push_back(c);
    }
    // The July run found the first (a bank visit after the cremation) itself;
    // opening it again adds nothing.
    ASSERT_EQ(*store->OpenCases(cases), 2);
  }
  const std::string one = std::to_string(cases[0].id), two = std::to_string(cases[1].id),
                    three = std::to_string(cases[2].id);

  auto list = Tacit(dir_, "case list", "2026-07-06");
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("#" + one), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(MaskIdNumber(zhang)), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(zhang), std::string::npos) << "lists mask identity numbers";
  EXPECT_EQ(list.out.find("张三"), std::string::npos);
  EXPECT_NE(list.out.find("共 3 件"), std::string::npos) << list.out;
  EXPECT_NE(Tacit(dir_, "case list --region 1402").out.find("没有待核查事项"), std::string::npos);

  auto shown = Tacit(dir_, "case show " + one + " --json");
  ASSERT_EQ(shown.status, 0) << shown.out;
  const json c1 = json::parse(shown.out);
  EXPECT_EQ(c1["status"], "open");
  EXPECT_EQ(c1["at_stake"], "3120.50");
  ASSERT_EQ(c1["evidence"].size(), 2u);
  EXPECT_EQ(c1["evidence"][0]["kind"], "cremation");
  const int64_t cremation = c1["evidence"][0]["id"];

  // Refused decisions name the flag and change nothing.
  auto no_amount = Tacit(dir_, "case resolve " + one + " --decision fraud --note 冒领");
  EXPECT_EQ(no_amount.status, 1);
  EXPECT_NE(no_amount.out.find("--amount"), std::string::npos) << no_amount.out;
  auto wrong_record = Tacit(dir_, "case resolve " + two + " --decision void_evidence --note x --evidence 999");
  EXPECT_EQ(wrong_record.status, 1);
  EXPECT_NE(wrong_record.out.find("--evidence"), std::string::npos) << wrong_record.out;
  auto no_case = Tacit(dir_, "case resolve 999 --decision dismiss --note x");
  EXPECT_EQ(no_case.status, 1);
  auto future = Tacit(dir_, "case resolve " + one + " --decision dismiss --note x --on 2027-01-01", "2026-07-06");
  EXPECT_EQ(future.status, 1);

  auto fraud = Tacit(dir_, "case resolve " + one + " --decision fraud --note 家属冒领 --amount 3120.50 --by 王经办",
                     "2026-07-06");
  ASSERT_EQ(fraud.status, 0) << fraud.out;
  EXPECT_NE(fraud.out.find("认定骗取待遇"), std::string::npos) << fraud.out;
  auto twice = Tacit(dir_, "case resolve " + one + " --decision dismiss --note x");
  EXPECT_EQ(twice.status, 1);
  EXPECT_NE(twice.out.find("resolved already"), std::string::npos) << twice.out;
  const json f = json::parse(Tacit(dir_, "case show " + one + " --json").out);
  EXPECT_EQ(f["status"], "resolved");
  EXPECT_EQ(f["decision"], "fraud");
  // The engine gives the fine range (2x-5x the amount obtained); staff decide.
  EXPECT_EQ(f["fraud"]["fine_min"], "6241.00");
  EXPECT_EQ(f["fraud"]["fine_max"], "15602.50");
  EXPECT_EQ(f["note"], "家属冒领");
  EXPECT_EQ(f["resolved_by"], "王经办");
  EXPECT_EQ(f["decision_fact"]["kind"], "fraud");
  EXPECT_EQ(f["decision_fact"]["source"], "agency");
  EXPECT_EQ(f["decision_fact"]["ref"], "case-" + one);
  EXPECT_EQ(f["decision_fact"]["occurred_on"], "2026-07-06");
  EXPECT_EQ(json::parse(f["decision_fact"]["detail"].get<std::string>()),
            json::parse("{\"case\": " + one + ", \"amount_fen\": 312050}"));

  auto voided = Tacit(dir_, "case resolve " + two + " --decision void_evidence --note 火化记录录错人 --evidence " +
                                std::to_string(cremation) + " --on 2026-07-06", "2026-07-08");
  ASSERT_EQ(voided.status, 0) << voided.out;
  const json v = json::parse(Tacit(dir_, "case show " + two + " --json").out);
  EXPECT_EQ(v["decision_fact"]["kind"], "evidence_voided");
  EXPECT_EQ(json::parse(v["decision_fact"]["detail"].get<std::string>()),
            json::parse("{\"case\": " + two + ", \"evidence_id\": " + std::to_string(cremation) + "}"));
  auto dismissed = Tacit(dir_, "case resolve " + three + " --decision dismiss --note 已核实");
  ASSERT_EQ(dismissed.status, 0) << dismissed.out;
  EXPECT_TRUE(json::parse(Tacit(dir_, "case show " + three + " --json").out)["decision_fact"].is_null());
  EXPECT_NE(Tacit(dir_, "case list").out.find("没有待核查事项"), std::string::npos);
  EXPECT_NE(Tacit(dir_, "case list --status resolved").out.find("共 3 件"), std::string::npos);

  // June (3120.50) was overpaid: the family pays it back in two instalments.
  auto too_much = Tacit(dir_, "recovery record " + zhang + " --amount 5000 --method lump", "2026-07-10");
  EXPECT_EQ(too_much.status, 1);
  EXPECT_NE(too_much.out.find("3120.50"), std::string::npos) << too_much.out;
  EXPECT_EQ(too_much.out.find(zhang), std::string::npos);
  EXPECT_EQ(Tacit(dir_, "recovery record " + zhang + " --amount 10 --method cash").status, 1);
  auto first = Tacit(dir_, "recovery record " + zhang + " --amount 1000 --method instalment --note 第一期",
                     "2026-07-10");
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("2026-06"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("待追回余额 (outstanding) 2120.50 元"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find(zhang), std::string::npos);
  auto rest = Tacit(dir_, "recovery record " + zhang + " --amount 2120.50 --method lump --on 2026-07-20",
                    "2026-07-25");
  ASSERT_EQ(rest.status, 0) << rest.out;
  EXPECT_NE(rest.out.find("待追回余额 (outstanding) 0.00 元"), std::string::npos) << rest.out;
  auto listed = Tacit(dir_, "recovery list " + zhang);
  ASSERT_EQ(listed.status, 0) << listed.out;
  EXPECT_NE(listed.out.find("2 笔, 合计 3120.50 元"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("分期退回"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find(zhang), std::string::npos);

  auto person = Tacit(dir_, "person show " + zhang + " --json --months 3", "2026-07-25");
  ASSERT_EQ(person.status, 0) << person.out;
  const json p = json::parse(person.out);
  const json& e = p["entitlements"][0];
  EXPECT_EQ(e["overpaid"], "3120.50");
  EXPECT_EQ(e["recovered"], "3120.50");
  EXPECT_EQ(e["outstanding"], "0.00");
  ASSERT_EQ(p["recoveries"].size(), 2u);
  EXPECT_EQ(p["recoveries"][0]["on"], "2026-07-10");
  EXPECT_EQ(p["recoveries"][1]["method"], "lump");
  ASSERT_EQ(p["cases"].size(), 3u);
  EXPECT_EQ(p["cases"][0]["decision"], "fraud");
  int agency_facts = 0;
  for (const json& ev : p["evidence"]) agency_facts += ev["source"] == "agency";
  EXPECT_EQ(agency_facts, 2) << "fraud and evidence_voided; the dismissal is no fact";
}

}  // namespace
}  // namespace tacit
