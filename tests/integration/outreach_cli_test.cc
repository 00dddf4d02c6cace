// Outreach end to end through the real program: `tacit outreach run` plans,
// `tacit outreach dispatch` sends through the real Alibaba SMS adapter to the
// stand-in gateway on loopback, statuses and receipts show per person and in
// the statistics, visits close the loop; and a dispatcher killed between the
// provider's acceptance and the record neither loses nor duplicates a message.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "integration/run.h"
#include "standin/aliyun_standin.h"
#include "standin/wechat_standin.h"
#include "tacit/id_number.h"
#include "tacit/outreach.h"
#include "tacit/policy.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FreshDir;
using testing::Tacit;

// Valid identity numbers from 17 digits.
std::string Id(std::string_view first17) { return std::string(first17) + IdCheckCharacter(first17); }

const std::string kP1 = Id("14010519500101001");  // reachable
const std::string kP2 = Id("14010519500202002");  // the gateway refuses the number
const std::string kP3 = Id("14010519500303003");  // no phone
const std::string kPhone1 = "13900000001";
const std::string kPhone2 = "13900000002";

class OutreachCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(std::string("outreach_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // The default policy without quiet hours: the test runs whatever the time of day.
    std::string policy(DefaultPolicyText());
    const std::string quiet = R"(value = "21:00")";
    const size_t at = policy.find(quiet, policy.find("[parameters.outreach_quiet_start]"));
    ASSERT_NE(at, std::string::npos);
    policy.replace(at, quiet.size(), R"(value = "08:00")");
    Write("policy.toml", policy);
    ASSERT_EQ(Run("init --policy policy.toml").status, 0);
    // Certified last on 2025-11-30: valid through 2026-11, the deadline 2026-11-30.
    Write("registry.csv",
          "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
          "special_care,last_certified_on\n" +
          kP1 + ",王建国,M,1950-01-01," + kPhone1 + ",140105001001,enterprise,140105,3000.00,2015-01,0,2025-11-30\n" +
          kP2 + ",李秀英,F,1950-02-02," + kPhone2 + ",140105001001,enterprise,140105,3000.00,2015-01,0,2025-11-30\n" +
          kP3 + ",赵德明,M,1950-03-03,,140105001002,enterprise,140105,3000.00,2015-01,0,2025-11-30\n");
    ASSERT_EQ(Run("registry import registry.csv").status, 0);
    const auto& o = sms_.options();
    json config = {{"channel", "sms"}, {"provider", "aliyun"}, {"endpoint", sms_.Endpoint()},
                   {"key_id", o.access_key_id}, {"sign_name", *o.sign_names.begin()},
                   {"templates", {{"remind_first", "SMS_100000002"}, {"remind_due", "SMS_100000002"},
                                  {"remind_lapsed", "SMS_100000002"}}},
                   {"connect_timeout_ms", 100}, {"read_timeout_ms", 150}};
    Write("sms.json", config.dump());
    Write("secret.txt", o.access_key_secret + "\n");
    sms_.SetRule(kPhone2, {.code = "isv.MOBILE_NUMBER_ILLEGAL"});
  }
  testing::Output Run(const std::string& args, const std::string& today = "2026-10-01") {
    return Tacit(dir_, "--db t.db " + args, today);
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  json PersonJson(const std::string& id, const std::string& today) {
    auto o = Run("person show " + id + " --json", today);
    EXPECT_EQ(o.status, 0) << o.out;
    return json::parse(o.out, nullptr, false);
  }

  fs::path dir_;
  // The gateway keeps tacit's pretended day (TACIT_TODAY moves tacit's clock,
  // the requests' x-acs-date with it, by whole days); a test moves it with
  // gateway_day_.
  std::atomic<int32_t> gateway_day_{ParseDate("2026-10-01")->days()};
  standin::AliyunSmsStandIn sms_{[this] {
    standin::AliyunSmsStandIn::Options o;
    o.now_ms = [this] {
      const int64_t real = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
      return real + int64_t{Date::FromDays(gateway_day_.load()) - BeijingDate(real)} * 86'400'000;
    };
    return o;
  }()};
};

TEST_F(OutreachCli, RemindsSendsFollowsReceiptsAndVisitsTheUnreachable) {
  auto set = Run("channel set sms --config sms.json --secret-stdin < secret.txt");
  ASSERT_EQ(set.status, 0) << set.out;
  EXPECT_EQ(set.out.find(sms_.options().access_key_secret), std::string::npos);
  auto show = Run("channel show");
  EXPECT_EQ(show.out.find(sms_.options().access_key_secret), std::string::npos) << show.out;

  // Certification points: a bank terminal in the persons' county is named in their reminders.
  auto unknown_attestor = Run("point add B1 --name 某银行 --region 140105001000 --attestor nobody");
  EXPECT_EQ(unknown_attestor.status, 1);
  EXPECT_NE(unknown_attestor.out.find("attestor"), std::string::npos) << unknown_attestor.out;
  ASSERT_EQ(Run("point add B1 --name 中国工商银行太原迎泽支行 --short-name 工行迎泽支行 --region 140105001000 "
                "--address 迎泽大街1号 --hours 9:00-17:00").status, 0);
  ASSERT_EQ(Run("point add B2 --name 晋中某网点 --region 140702001000").status, 0);  // another county

  // 60 days before the deadline: two reminders (the third has no phone).
  auto plan = Run("outreach run");
  ASSERT_EQ(plan.status, 0) << plan.out;
  EXPECT_NE(plan.out.find("remind60 2"), std::string::npos) << plan.out;
  EXPECT_EQ(Run("outreach run").out.find("remind60"), std::string::npos);  // the same day again: nothing new

  auto sent = Run("outreach dispatch --receipt-after 0");
  ASSERT_EQ(sent.status, 0) << sent.out;
  auto records = sms_.Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].phone, kPhone1);
  EXPECT_EQ(records[0].template_code, "SMS_100000002");
  EXPECT_EQ(records[0].params.at("name"), "王**");
  EXPECT_EQ(records[0].params.at("deadline"), "2026年11月30日");
  EXPECT_EQ(records[0].params.at("point"), "工行迎泽支行");
  for (const std::string& target : sms_.Targets()) {
    EXPECT_EQ(target.find(kPhone1), std::string::npos) << target;
    EXPECT_EQ(target.find(kPhone2), std::string::npos) << target;
  }
  for (const std::string& text : {plan.out, sent.out}) {
    EXPECT_EQ(text.find(kPhone1), std::string::npos);
    EXPECT_EQ(text.find("王建国"), std::string::npos);
    EXPECT_EQ(text.find(kP1), std::string::npos);
  }

  // The refused number failed with its reason; the other was delivered (the receipt was looked up).
  json p2 = PersonJson(kP2, "2026-10-01");
  ASSERT_EQ(p2["messages"].size(), 1u);
  EXPECT_EQ(p2["messages"][0]["status"], "failed");
  EXPECT_EQ(p2["messages"][0]["failure"], "bad_number");
  EXPECT_EQ(p2["messages"][0]["provider_code"], "isv.MOBILE_NUMBER_ILLEGAL");
  json p1 = PersonJson(kP1, "2026-10-01");
  EXPECT_EQ(p1["messages"][0]["status"], "delivered") << p1["messages"].dump();
  EXPECT_EQ(p1.dump().find(kPhone1), std::string::npos);

  auto stats = Run("outreach stats --json --from 2026-10-01 --to 2026-10-01");
  ASSERT_EQ(stats.status, 0) << stats.out;
  json st = json::parse(stats.out);
  EXPECT_EQ(st["by_channel_status"]["sms"]["delivered"], 1);
  EXPECT_EQ(st["by_channel_status"]["sms"]["failed"], 1);
  EXPECT_EQ(st["sent"], 1);
  EXPECT_DOUBLE_EQ(st["delivery_rate"].get<double>(), 1.0);

  // A week before the deadline: visits for the one without a phone and the one whose reminder failed.
  auto late = Run("outreach run", "2026-11-23");
  ASSERT_EQ(late.status, 0) << late.out;
  auto visits = Run("visit list --json", "2026-11-23");
  json tasks = json::parse(visits.out);
  ASSERT_EQ(tasks.size(), 2u) << visits.out;
  std::map<std::string, int64_t> by_reason;
  for (const json& t : tasks) by_reason[t["reason"]] = t["id"];
  ASSERT_TRUE(by_reason.contains("no_channel"));
  ASSERT_TRUE(by_reason.contains("reminders_failed"));
  EXPECT_EQ(visits.out.find("赵德明"), std::string::npos);

  // The community worker visits the person without a phone: certified in person.
  Write("photo.jpg", "not really a jpeg, its hash is what is kept");
  auto done = Run(fmt::format("visit complete {} --outcome certified --by liu --photo photo.jpg", by_reason["no_channel"]),
                  "2026-11-24");
  ASSERT_EQ(done.status, 0) << done.out;
  json p3 = PersonJson(kP3, "2026-11-24");
  EXPECT_EQ(p3["certification"]["status"], "certified") << p3["certification"].dump();
  EXPECT_EQ(p3["visits"][0]["status"], "done");
  // Done twice is refused, with the reason.
  auto again = Run(fmt::format("visit complete {} --outcome certified --by liu", by_reason["no_channel"]), "2026-11-24");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("已完成"), std::string::npos) << again.out;
  EXPECT_EQ(Run("audit verify").status, 0);
}

// The gateway's transient error is retried later with back-off; its limit for
// a number moves the message to the next morning without counting an attempt.
TEST_F(OutreachCli, ProviderErrorsAndLimitsThroughTheRealAdapter) {
  sms_.SetRule(kPhone1, {.code = "isp.SYSTEM_ERROR"});
  sms_.SetRule(kPhone2, {.code = "isv.BUSINESS_LIMIT_CONTROL"});
  ASSERT_EQ(Run("channel set sms --config sms.json --secret-stdin < secret.txt").status, 0);
  ASSERT_EQ(Run("outreach run").status, 0);
  auto sent = Run("outreach dispatch");
  ASSERT_EQ(sent.status, 0) << sent.out;
  EXPECT_NE(sent.out.find("重试 (retried) 1"), std::string::npos) << sent.out;
  EXPECT_NE(sent.out.find("provider limit 1"), std::string::npos) << sent.out;
  json p1 = PersonJson(kP1, "2026-10-01");
  EXPECT_EQ(p1["messages"][0]["status"], "queued");
  EXPECT_EQ(p1["messages"][0]["attempts"], 1);
  EXPECT_EQ(p1["messages"][0]["failure"], "system");
  EXPECT_EQ(p1["messages"][0]["provider_code"], "isp.SYSTEM_ERROR");
  json p2 = PersonJson(kP2, "2026-10-01");
  EXPECT_EQ(p2["messages"][0]["status"], "queued");
  EXPECT_EQ(p2["messages"][0]["attempts"], 0);
  EXPECT_EQ(p2["messages"][0]["failure"], "rate_limited");
  // Nothing more goes today: the retry waits for its back-off, the limited one for tomorrow.
  EXPECT_NE(Run("outreach dispatch").out.find("已发送 (sent) 0"), std::string::npos);
  EXPECT_TRUE(sms_.Records().empty());
  // The next day both go (the gateway is well again).
  sms_.ClearRules();
  gateway_day_ = ParseDate("2026-10-02")->days();
  auto next = Run("outreach dispatch", "2026-10-02");
  EXPECT_NE(next.out.find("已发送 (sent) 2"), std::string::npos) << next.out;
}

// WeChat first for a person with a bound account; a person whose account no
// longer follows the Official Account gets the reminder by SMS the same day.
TEST_F(OutreachCli, WeChatWhereBoundAndSmsWhenTheAccountNoLongerFollows) {
  sms_.ClearRules();
  standin::WeChatStandIn wx;
  wx.AddUser("o-follows-0001");
  wx.AddUser("o-left-000002", /*following=*/false);
  const auto& o = wx.options();
  json config = {{"channel", "wechat"}, {"provider", "wechat"}, {"endpoint", wx.Endpoint()}, {"key_id", o.appid},
                 {"templates", {{"remind_first", {{"code", o.templates.begin()->first},
                                                  {"url", "https://renshe.example.gov.cn/certify"},
                                                  {"fields", {{"name", "thing1"}, {"deadline", "time2"},
                                                              {"point", "thing3"}}}}}}}};
  Write("wechat.json", config.dump());
  Write("wx-secret.txt", o.appsecret + "\n");
  ASSERT_EQ(Run("channel set sms --config sms.json --secret-stdin < secret.txt").status, 0);
  auto set = Run("channel set wechat --config wechat.json --secret-stdin < wx-secret.txt");
  ASSERT_EQ(set.status, 0) << set.out;
  Write("bindings.csv", "id_number,openid\n" + kP1 + ",o-follows-0001\n" + kP2 + ",o-left-000002\n" +
                            "110105194912310021,o-nobody\n");
  auto bind = Run("wechat bind bindings.csv");
  ASSERT_EQ(bind.status, 0) << bind.out;
  EXPECT_NE(bind.out.find("2 绑定"), std::string::npos) << bind.out;
  EXPECT_EQ(bind.out.find("o-follows"), std::string::npos);
  auto plan = Run("outreach run");
  EXPECT_NE(plan.out.find("微信 (wechat) 2"), std::string::npos) << plan.out;
  auto sent = Run("outreach dispatch --receipt-after 80000");
  ASSERT_EQ(sent.status, 0) << sent.out;
  EXPECT_NE(sent.out.find("转短信 (fell back to SMS) 1"), std::string::npos) << sent.out;
  auto wx_sends = wx.Sends();
  ASSERT_EQ(wx_sends.size(), 1u);
  EXPECT_EQ(wx_sends[0].openid, "o-follows-0001");
  EXPECT_EQ(wx_sends[0].data.at("thing1"), "王**");
  EXPECT_EQ(wx.TokenFetches(), 1);
  auto sms = sms_.Records();
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].phone, kPhone2);
  json p2 = PersonJson(kP2, "2026-10-01");
  EXPECT_EQ(p2["messages"][0]["channel"], "sms");
  EXPECT_EQ(p2["messages"][0]["status"], "sent");
}

// Print-ready notices for village committees and former employers, and the
// committees' monthly death return with its reminder after the reporting day.
TEST_F(OutreachCli, NoticesForCommitteesAndEmployersAndTheZeroReport) {
  auto notices = Run("outreach notices --out notices");
  ASSERT_EQ(notices.status, 0) << notices.out;
  std::ifstream page(dir_ / "notices" / "notice-140105001001-2026-10-01.html");
  std::stringstream html;
  html << page.rdbuf();
  EXPECT_NE(html.str().find("王建国"), std::string::npos);  // the committee must recognise them
  EXPECT_NE(html.str().find(MaskIdNumber(kP1)), std::string::npos);
  EXPECT_EQ(html.str().find(kP1), std::string::npos);
  EXPECT_EQ(html.str().find(kPhone1), std::string::npos);
  EXPECT_NE(html.str().find("2026-11-30"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "notices" / "notice-140105001002-2026-10-01.html"));

  Write("employers.csv", "id_number,employer_code,employer_name,contact_phone\n" + kP1 +
                             ",91140105MA0KABCD1X,太原重型机械集团有限公司,13900000009\n" + kP2 +
                             ",12345,某单位,\n");
  auto imported = Run("employer import employers.csv");
  ASSERT_EQ(imported.status, 0) << imported.out;
  EXPECT_NE(imported.out.find("1 拒绝"), std::string::npos) << imported.out;
  std::ifstream rejects(dir_ / "employers.csv.rejects.csv");
  std::stringstream rj;
  rj << rejects.rdbuf();
  EXPECT_NE(rj.str().find("3,employer_code"), std::string::npos) << rj.str();
  auto by_unit = Run("outreach notices --by employer --out units");
  ASSERT_EQ(by_unit.status, 0) << by_unit.out;
  std::ifstream unit_page(dir_ / "units" / "notice-employer-91140105MA0KABCD1X-2026-10-01.html");
  std::stringstream unit_html;
  unit_html << unit_page.rdbuf();
  EXPECT_NE(unit_html.str().find("太原重型机械集团有限公司"), std::string::npos);
  EXPECT_NE(unit_html.str().find("王建国"), std::string::npos);
  EXPECT_EQ(unit_html.str().find("李秀英"), std::string::npos);

  // September's returns: one zero report; the other committee is late.
  EXPECT_EQ(Run("deaths report --committee 140105001001 --month 2026-09", "2026-10-05").status, 0);
  auto future = Run("deaths report --committee 140105001001 --month 2026-10", "2026-10-05");
  EXPECT_EQ(future.status, 1);
  EXPECT_NE(future.out.find("尚未结束"), std::string::npos) << future.out;
  EXPECT_EQ(Run("deaths report --committee 999999999999 --month 2026-09", "2026-10-05").status, 1);
  ASSERT_EQ(Run("deaths contact --committee 140105001002 --name 某村委会 --phone 13900000008", "2026-10-05").status, 0);
  auto status = Run("deaths status --month 2026-09 --json", "2026-10-05");
  json st = json::parse(status.out);
  EXPECT_EQ(st["expected"], 2);
  EXPECT_EQ(st["reported"], 1);
  EXPECT_EQ(st["missing"][0], "140105001002");
  EXPECT_DOUBLE_EQ(st["by_county"]["140105"]["rate"].get<double>(), 0.5);
  // On the reporting day itself nobody is chased; the day after, the late one is.
  EXPECT_EQ(Run("outreach run", "2026-10-10").out.find("committee reminders"), std::string::npos);
  auto chase = Run("outreach run", "2026-10-11");
  EXPECT_NE(chase.out.find("死亡零报告催报 (committee reminders) 1"), std::string::npos) << chase.out;
  auto queued = Run("outreach list --status queued --json", "2026-10-11");
  EXPECT_NE(queued.out.find("zero_report"), std::string::npos) << queued.out;
  EXPECT_EQ(queued.out.find("13900000008"), std::string::npos);
  // Twenty days before the deadline the committee with a contact and the
  // former employer with one hear how many are due there (once a month).
  auto escalate = Run("outreach run", "2026-11-10");
  EXPECT_NE(escalate.out.find("(notices to committees and employers) 2"), std::string::npos) << escalate.out;
  EXPECT_EQ(Run("outreach run", "2026-11-12").out.find("notices to committees"), std::string::npos);
  auto notes = Run("outreach list --status queued --json", "2026-11-12");
  EXPECT_NE(notes.out.find("unit_notice"), std::string::npos) << notes.out;
  EXPECT_EQ(notes.out.find("13900000009"), std::string::npos);
  EXPECT_EQ(Run("audit verify").status, 0);
}

// Two dispatcher processes (two workers each) on one store and one gateway:
// every message reaches the gateway exactly once.
TEST_F(OutreachCli, TwoDispatcherProcessesAtOnceSendEachMessageOnce) {
  sms_.ClearRules();
  std::string rows =
      "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
      "special_care,last_certified_on\n";
  constexpr int kPersons = 60;
  for (int i = 0; i < kPersons; ++i) {
    rows += fmt::format("{},钱{}号,M,1950-01-05,139{:08d},140105001001,enterprise,140105,3000.00,2015-01,0,2025-11-30\n",
                        Id(fmt::format("14010519500105{:03d}", 2 * i + 1)), i, 10000 + i);  // odd: male
  }
  Write("many.csv", rows);
  ASSERT_EQ(Run("registry import many.csv").status, 0);
  ASSERT_EQ(Run("channel set sms --config sms.json --secret-stdin < secret.txt").status, 0);
  ASSERT_EQ(Run("outreach run").status, 0);
  std::vector<testing::Output> outs(2);
  std::vector<std::thread> procs;
  for (int p = 0; p < 2; ++p) {
    procs.emplace_back([&, p] { outs[p] = Run("outreach dispatch --workers 2 --receipt-after 80000"); });
  }
  for (auto& t : procs) t.join();
  for (const auto& o : outs) EXPECT_EQ(o.status, 0) << o.out;
  const auto records = sms_.Records();
  std::map<std::string, int> per_out_id;
  for (const auto& r : records) ++per_out_id[r.out_id];
  for (const auto& [id, n] : per_out_id) EXPECT_EQ(n, 1) << id;
  // Everyone with a phone (P1, P2 and the sixty) reached once.
  EXPECT_EQ(records.size(), static_cast<size_t>(kPersons + 2));
  auto status = Run("outreach status");
  EXPECT_NE(status.out.find("已发送 (sent)  62"), std::string::npos) << status.out;
}

// A dispatcher killed at each point of claim → send → record: after a
// restart every message reaches the gateway exactly once and ends up sent.
class OutreachCrash : public OutreachCli, public ::testing::WithParamInterface<std::string> {};

TEST_P(OutreachCrash, AKilledDispatcherNeitherLosesNorDuplicatesAMessage) {
  sms_.ClearRules();
  ASSERT_EQ(Run("channel set sms --config sms.json --secret-stdin < secret.txt").status, 0);
  ASSERT_EQ(Run("outreach run").status, 0);  // two reminders: m1 (P1) and m2 (P2)
  ::setenv("TACIT_CRASH_AT", ("outreach." + GetParam()).c_str(), 1);
  auto killed = Run("outreach dispatch --lease 1 --settle 0 --receipt-after 80000");
  ::unsetenv("TACIT_CRASH_AT");
  ASSERT_EQ(killed.status, 86) << killed.out;
  EXPECT_EQ(sms_.CountOutId("m1"), GetParam() == "claimed" ? 0u : 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // the lease runs out
  auto restarted = Run("outreach dispatch --lease 1 --settle 0 --receipt-after 80000");
  ASSERT_EQ(restarted.status, 0) << restarted.out;
  EXPECT_EQ(sms_.CountOutId("m1"), 1u) << restarted.out;
  EXPECT_EQ(sms_.CountOutId("m2"), 1u) << restarted.out;
  for (const std::string& id : {kP1, kP2}) {
    json p = PersonJson(id, "2026-10-01");
    ASSERT_EQ(p["messages"].size(), 1u);
    // Sent, or delivered when the look-up after the crash found the gateway's receipt already.
    const std::string status = p["messages"][0]["status"];
    EXPECT_TRUE(status == "sent" || status == "delivered") << GetParam() << " " << p["messages"].dump();
  }
  // Nothing more to send, however often it runs.
  EXPECT_EQ(Run("outreach dispatch").status, 0);
  EXPECT_EQ(sms_.Records().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Points, OutreachCrash, ::testing::Values("claimed", "accepted", "recorded"));

}  // namespace
}  // namespace tacit
