#include "tacit/outreach.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "store/test_store.h"

namespace tacit {
namespace {

// A channel whose answers a test scripts (the real adapters are tested against
// the stand-in gateways in tacit::outreach_http).
struct Script {
  std::deque<SendResult> answers;  // empty: accepted
  std::vector<ChannelMessage> sent;
  LookupResult lookup;
  int lookups = 0;
};

class ScriptedChannel final : public Channel {
 public:
  ScriptedChannel(std::string name, Script& s) : name_(std::move(name)), s_(s) {}
  std::string_view Name() const override { return name_; }
  SendResult Send(const ChannelMessage& m) override {
    s_.sent.push_back(m);
    if (s_.answers.empty()) return SendResult{SendOutcome::kAccepted, "biz" + m.out_id, "OK", "", "", 200, 1};
    SendResult r = s_.answers.front();
    s_.answers.pop_front();
    return r;
  }
  LookupResult Lookup(const ChannelMessage&, Date) override {
    ++s_.lookups;
    return s_.lookup;
  }

 private:
  std::string name_;
  Script& s_;
};

class ScriptedFactory final : public ChannelFactory {
 public:
  Script sms, wechat;
  Result<std::unique_ptr<Channel>> Make(const ChannelConfig& c) override {
    return std::unique_ptr<Channel>(new ScriptedChannel(c.channel, c.channel == "sms" ? sms : wechat));
  }
};

class OutreachTest : public OnePersonStoreTest {
 protected:
  void SetUp() override {
    OnePersonStoreTest::SetUp();
    row_.person.phone = "13800138000";
    ASSERT_TRUE(store_->ImportRegistry({row_}, Month::Of(2026, 10)));
    // Certified on import (2026-10-21): valid through 2027-10, deadline 2027-10-31.
    Configure("sms");
  }
  void Configure(const std::string& channel) {
    ChannelConfigRecord c;
    c.channel = channel;
    c.config = channel == "sms"
                   ? R"({"channel":"sms","provider":"aliyun","endpoint":"http://127.0.0.1:1","key_id":"k",
                        "sign_name":"人社","templates":{"remind_first":"SMS_1","remind_due":"SMS_2"}})"
                   : R"({"channel":"wechat","provider":"wechat","endpoint":"http://127.0.0.1:1","key_id":"wx",
                        "templates":{"remind_first":"T1","remind_due":"T2"}})";
    c.sealed_secret = secrets_.Seal("secret", "channel:" + channel);
    c.updated_ms = ++config_version_;
    ASSERT_TRUE(store_->outreach().PutChannelConfig(c));
  }
  PersonKey Key() const { return row_.person.key; }
  OutreachPlanReport Plan(Date as_of) {
    auto r = PlanOutreach(*store_, policy_, {.as_of = as_of, .now_ms = BeijingInstant(as_of, 7 * 60)});
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.value_or(OutreachPlanReport{});
  }
  DispatchReport Dispatch(int64_t now) {
    now_ = now;
    Dispatcher d(*store_, policy_, secrets_, factory_, {.now_ms = [this] { return now_; }, .jitter_seed = 7});
    auto r = d.RunOnce();
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.value_or(DispatchReport{});
  }
  std::vector<OutreachMessageRecord> Messages() { return *store_->outreach().MessagesOf(Key()); }
  // A real-name train trip of the person: an alive signal that certifies.
  void AddTravel(Date occurred, Date received) {
    EvidenceRecord e;
    e.source = "railway";
    e.ref = "t" + occurred.ToString();
    e.kind = "travel";
    e.person = Key();
    e.occurred_on = occurred;
    e.received_on = received;
    e.link_method = std::string(kLinkExact);
    ASSERT_TRUE(store_->AddEvidence(e));
  }

  Secrets secrets_ = Secrets::FromBytesForTest(std::string(32, 'k'));
  ScriptedFactory factory_;
  int64_t now_ = 0;
  int64_t config_version_ = 0;
  const Date deadline_ = *ParseDate("2027-10-31");
};

TEST(ReminderStep, TheLatestStepWhoseDayHasComeAndNothingMissedIsSentLate) {
  Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  CertificationState cert;
  cert.status = CertStatus::kCertified;
  cert.valid_through = Month::Of(2027, 10);
  const Date deadline = *ParseDate("2027-10-31");
  EXPECT_FALSE(ReminderStep(policy, cert, deadline - 61));
  EXPECT_EQ(ReminderStep(policy, cert, deadline - 60)->step, "remind60");
  EXPECT_EQ(ReminderStep(policy, cert, deadline - 60)->template_name, kTemplateRemindFirst);
  EXPECT_EQ(ReminderStep(policy, cert, deadline - 31)->step, "remind60");
  EXPECT_EQ(ReminderStep(policy, cert, deadline - 25)->step, "remind30");  // became due late: 60 is skipped
  EXPECT_EQ(ReminderStep(policy, cert, deadline - 25)->template_name, kTemplateRemindDue);
  EXPECT_EQ(ReminderStep(policy, cert, deadline)->step, "remind7");
  cert.status = CertStatus::kLapsed;
  EXPECT_EQ(ReminderStep(policy, cert, deadline + 3)->template_name, kTemplateRemindLapsed);
  cert.status = CertStatus::kDeceased;
  EXPECT_FALSE(ReminderStep(policy, cert, deadline));
}

TEST(BeijingTime, DatesAndInstantsAreUtcPlusEight) {
  const Date d = *ParseDate("2027-01-01");
  EXPECT_EQ(BeijingDate(BeijingInstant(d)), d);
  EXPECT_EQ(BeijingDate(BeijingInstant(d) - 1), d - 1);
  // 2027-01-01T00:00+08:00 is 2026-12-31T16:00Z.
  EXPECT_EQ(BeijingInstant(d), int64_t{Date::FromCivil(2026, 12, 31).days()} * 86'400'000 + 16 * 3'600'000);
}

TEST_F(OutreachTest, EachStepIsWrittenOnceWithMaskedValuesAndASecondRunAddsNothing) {
  EXPECT_EQ(Plan(deadline_ - 61).messages_new, 0);
  OutreachPlanReport first = Plan(deadline_ - 60);
  EXPECT_EQ(first.messages_new, 1);
  EXPECT_EQ(first.by_step["remind60"], 1);
  EXPECT_EQ(Plan(deadline_ - 60).messages_new, 0);
  EXPECT_EQ(Plan(deadline_ - 59).messages_existing, 1);
  auto msgs = Messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].channel, "sms");
  EXPECT_EQ(msgs[0].idem_key, fmt::format("rem/{}/2027-10-31/remind60", Key()));
  EXPECT_EQ(msgs[0].params.find("张三丰"), std::string::npos);
  EXPECT_EQ(msgs[0].params.find("13800138000"), std::string::npos);
  EXPECT_NE(msgs[0].params.find("张**"), std::string::npos) << msgs[0].params;
  const std::string text = RenderMessageZh(msgs[0].template_name, ParamsFromJson(msgs[0].params));
  EXPECT_NE(text.find("2027年10月31日"), std::string::npos) << text;
  EXPECT_EQ(Plan(deadline_ - 30).messages_new, 1);
  EXPECT_EQ(Messages().size(), 2u);
}

TEST_F(OutreachTest, ACertificationMeanwhileCancelsTheQueuedReminder) {
  Plan(deadline_ - 60);
  AddTravel(deadline_ - 59, deadline_ - 59);
  // The dispatcher checks before sending ...
  DispatchReport d = Dispatch(BeijingInstant(deadline_ - 58, 10 * 60));
  EXPECT_EQ(d.cancelled, 1);
  EXPECT_EQ(d.sent, 0);
  EXPECT_TRUE(factory_.sms.sent.empty());
  EXPECT_EQ(Messages()[0].status, kMsgCancelled);
}

TEST_F(OutreachTest, SendsOutsideQuietHoursOnlyAndNeverTwiceADay) {
  Plan(deadline_ - 60);
  // 22:30 Beijing time: quiet.
  DispatchReport night = Dispatch(BeijingInstant(deadline_ - 60, 22 * 60 + 30));
  EXPECT_TRUE(night.quiet);
  EXPECT_TRUE(factory_.sms.sent.empty());
  DispatchReport morning = Dispatch(BeijingInstant(deadline_ - 59, 8 * 60 + 1));
  EXPECT_EQ(morning.sent, 1);
  ASSERT_EQ(factory_.sms.sent.size(), 1u);
  EXPECT_EQ(factory_.sms.sent[0].address, "13800138000");
  EXPECT_EQ(factory_.sms.sent[0].template_name, kTemplateRemindFirst);
  auto m = Messages()[0];
  EXPECT_EQ(m.status, kMsgSent);
  EXPECT_EQ(m.provider_ref, fmt::format("bizm{}", m.id));
  // A second message for the same person on the same day waits for the next morning.
  std::vector<OutreachMessageRecord> extra(1);
  extra[0].idem_key = "test/extra";
  extra[0].person = Key();
  extra[0].recipient = "person";
  extra[0].region = row_.person.region_code;
  extra[0].channel = "sms";
  extra[0].template_name = std::string(kTemplateRemindDue);
  extra[0].params = ParamsToJson(ReminderParams("张三丰", deadline_, ""));
  extra[0].reason = "remind60";
  extra[0].deadline = "2027-10-31";
  const int64_t noon = BeijingInstant(deadline_ - 59, 12 * 60);
  extra[0].created_ms = extra[0].not_before_ms = extra[0].next_attempt_ms = noon;
  extra[0].expires_ms = noon + 3 * 86'400'000;
  ASSERT_TRUE(store_->outreach().EnqueueMessages(extra));
  DispatchReport again = Dispatch(noon);
  EXPECT_EQ(again.deferred_cap, 1);
  EXPECT_EQ(factory_.sms.sent.size(), 1u);
  auto deferred = *store_->outreach().FindMessage(extra[0].id);
  EXPECT_EQ(deferred->next_attempt_ms, BeijingInstant(deadline_ - 58, 8 * 60));
  EXPECT_EQ(Dispatch(BeijingInstant(deadline_ - 58, 8 * 60)).sent, 1);
}

TEST_F(OutreachTest, TransientErrorsBackOffThenFailAfterTheLimit) {
  Plan(deadline_ - 60);
  for (int i = 0; i < 10; ++i) factory_.sms.answers.push_back({SendOutcome::kRetry, "", "isp.SYSTEM_ERROR", "system"});
  int64_t now = BeijingInstant(deadline_ - 60, 9 * 60);
  int64_t last_wait = 0;
  for (int attempt = 1; attempt <= 6; ++attempt) {
    DispatchReport r = Dispatch(now);
    ASSERT_EQ(r.claimed, 1) << attempt;
    auto m = Messages()[0];
    EXPECT_EQ(m.attempts, attempt);
    if (attempt < 6) {
      EXPECT_EQ(m.status, kMsgQueued);
      const int64_t wait = m.next_attempt_ms - now;
      EXPECT_GE(wait, 1000);
      EXPECT_LE(wait, std::min<int64_t>(3'600'000, 60'000LL << (attempt - 1)));
      last_wait = wait;
      EXPECT_EQ(Dispatch(now + wait - 1).claimed, 0);  // not before its time
      now = m.next_attempt_ms;
    } else {
      EXPECT_EQ(m.status, kMsgFailed);
      EXPECT_EQ(m.failure, kFailSystem);
    }
  }
  EXPECT_GT(last_wait, 0);
  EXPECT_EQ(store_->outreach().AttemptsOf(Messages()[0].id)->size(), 6u);
}

TEST_F(OutreachTest, AnAccountErrorPausesTheChannelAndSpendsNothingMore) {
  Plan(deadline_ - 60);
  factory_.sms.answers.push_back({SendOutcome::kChannelDown, "", "isv.AMOUNT_NOT_ENOUGH", "balance"});
  DispatchReport r = Dispatch(BeijingInstant(deadline_ - 60, 9 * 60));
  ASSERT_EQ(r.paused.size(), 1u);
  EXPECT_EQ(Messages()[0].status, kMsgQueued);
  EXPECT_EQ(Messages()[0].attempts, 0);
  EXPECT_EQ(store_->outreach().FindChannelConfig("sms")->value().paused_reason, "isv.AMOUNT_NOT_ENOUGH");
  DispatchReport later = Dispatch(BeijingInstant(deadline_ - 60, 10 * 60));
  EXPECT_EQ(later.waiting_channel, 1);
  EXPECT_EQ(factory_.sms.sent.size(), 1u);
  ASSERT_TRUE(store_->outreach().SetChannelPaused("sms", "", 0));
  EXPECT_EQ(Dispatch(BeijingInstant(deadline_ - 60, 11 * 60)).sent, 1);
}

TEST_F(OutreachTest, ALostAnswerIsLookedUpBeforeAnyResend) {
  Plan(deadline_ - 60);
  factory_.sms.answers.push_back({SendOutcome::kUnknown, "", "timeout", "timeout"});
  const int64_t nine = BeijingInstant(deadline_ - 60, 9 * 60);
  EXPECT_EQ(Dispatch(nine).unknown, 1);
  EXPECT_EQ(Messages()[0].status, kMsgUnknown);
  // Not looked up before the provider's answer had time to settle ...
  factory_.sms.lookup = {LookupOutcome::kFound, "biz-found", "pending", "", ""};
  EXPECT_EQ(Dispatch(nine + 60'000).looked_up_found, 0);
  EXPECT_EQ(factory_.sms.lookups, 0);
  // ... then found at the provider: sent, not resent.
  DispatchReport r = Dispatch(nine + 6 * 60'000);
  EXPECT_EQ(r.looked_up_found, 1);
  EXPECT_EQ(factory_.sms.sent.size(), 1u);
  EXPECT_EQ(Messages()[0].status, kMsgSent);
  EXPECT_EQ(Messages()[0].provider_ref, "biz-found");
}

TEST_F(OutreachTest, ALostAnswerNotFoundAtTheProviderIsSentAgain) {
  Plan(deadline_ - 60);
  factory_.sms.answers.push_back({SendOutcome::kUnknown, "", "timeout", "timeout"});
  const int64_t nine = BeijingInstant(deadline_ - 60, 9 * 60);
  Dispatch(nine);
  factory_.sms.lookup = {LookupOutcome::kNotFound, "", "", "", ""};
  DispatchReport r = Dispatch(nine + 6 * 60'000);
  EXPECT_EQ(r.looked_up_resend, 1);
  // The provider never had it: the daily slot is given back and it goes again in the same pass.
  EXPECT_EQ(r.sent, 1);
  EXPECT_EQ(factory_.sms.sent.size(), 2u);
  EXPECT_EQ(Messages()[0].status, kMsgSent);
}

TEST_F(OutreachTest, ALeaseThatRunsOutMakesTheMessageUnknownNotLost) {
  Plan(deadline_ - 60);
  const int64_t nine = BeijingInstant(deadline_ - 60, 9 * 60);
  auto m = Messages()[0];
  ASSERT_TRUE(*store_->outreach().ClaimMessage(m.id, kMsgQueued, 0, nine, nine + 120'000));  // a dispatcher that died
  DispatchReport r = Dispatch(nine + 121'000);
  EXPECT_EQ(r.unknown, 1);
  EXPECT_EQ(Messages()[0].status, kMsgUnknown);
  EXPECT_EQ(factory_.sms.lookups, 0);  // the answer settles first
  factory_.sms.lookup = {LookupOutcome::kFound, "biz", "delivered", "", ""};
  DispatchReport later = Dispatch(nine + 6 * 60'000);
  EXPECT_EQ(factory_.sms.lookups, 1);
  EXPECT_EQ(later.looked_up_found, 1);
  EXPECT_EQ(Messages()[0].status, kMsgDelivered);
  EXPECT_TRUE(factory_.sms.sent.empty());  // never sent twice
}

TEST_F(OutreachTest, WeChatFirstWhereBoundAndSmsWhenTheAccountCannotReceive) {
  Configure("wechat");
  ChannelBindingRecord b{Key(), "wechat", secrets_.Seal("openid-1", fmt::format("binding:wechat:{}", Key())),
                         "import", 1, true};
  ASSERT_TRUE(store_->outreach().PutChannelBinding(b));
  Plan(deadline_ - 60);
  EXPECT_EQ(Messages()[0].channel, "wechat");
  factory_.wechat.answers.push_back({SendOutcome::kFailed, "", "43004", "not_following"});
  const int64_t nine = BeijingInstant(deadline_ - 60, 9 * 60);
  DispatchReport r = Dispatch(nine);
  EXPECT_EQ(r.fell_back, 1);
  ASSERT_EQ(factory_.wechat.sent.size(), 1u);
  EXPECT_EQ(factory_.wechat.sent[0].address, "openid-1");
  auto m = Messages()[0];
  EXPECT_EQ(m.channel, "sms");
  EXPECT_EQ(m.status, kMsgQueued);
  EXPECT_EQ(Dispatch(nine + 1000).sent, 1);  // the failed WeChat send gave its daily slot back
  EXPECT_EQ(factory_.sms.sent.size(), 1u);
}

TEST_F(OutreachTest, NoPhoneMeansAVisitTaskCloseToTheDeadline) {
  row_.person.phone = "";
  ASSERT_TRUE(store_->ImportRegistry({row_}, Month::Of(2026, 10)));
  OutreachPlanReport early = Plan(deadline_ - 60);
  EXPECT_EQ(early.unreachable, 1);
  EXPECT_EQ(early.messages_new, 0);
  EXPECT_EQ(early.visits_new, 0);
  OutreachPlanReport close = Plan(deadline_ - 7);
  EXPECT_EQ(close.visits_new, 1);
  EXPECT_EQ(close.visits_by_reason["no_channel"], 1);
  EXPECT_EQ(Plan(deadline_ - 6).visits_new, 0);
  auto tasks = *store_->outreach().ListVisitTasks("140105", "active");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].region, "140105001001");
  EXPECT_EQ(tasks[0].due_on, deadline_ - 7 + 14);
}

TEST_F(OutreachTest, TheSpecialPersonsFileGetsItsVisitAtTheFirstStep) {
  SpecialPersonRecord s{Key(), "limited_mobility", "张小明", "13900139000", "某村3号", "", "staff", "admin", 1, true};
  ASSERT_TRUE(store_->outreach().PutSpecialPerson(s));
  OutreachPlanReport r = Plan(deadline_ - 60);
  EXPECT_EQ(r.visits_by_reason["special"], 1);
  EXPECT_EQ(r.messages_new, 1);  // and the reminder to their own phone
}

TEST_F(OutreachTest, RepeatedFaceFailuresBringTheOtherWaysAndAVisitAndBothRemindersGo) {
  std::vector<CaseRecord> cases(1);
  cases[0].person = Key();
  cases[0].type = "face_failures";
  cases[0].key = "face_failures:test";
  cases[0].summary = "人脸认证多次未通过";
  cases[0].opened_in = Month::Of(2027, 8);
  ASSERT_TRUE(store_->OpenCases(cases));
  OutreachPlanReport r = Plan(deadline_ - 60);
  EXPECT_EQ(r.messages_new, 2);
  EXPECT_EQ(r.by_step["face_failed"], 1);
  EXPECT_EQ(r.visits_by_reason["face_failures"], 1);
  Configure("sms");  // the failed-face template approved too
  ChannelConfigRecord c = **store_->outreach().FindChannelConfig("sms");
  c.config = R"({"channel":"sms","provider":"aliyun","endpoint":"http://127.0.0.1:1","key_id":"k","sign_name":"人社",
                 "templates":{"remind_first":"SMS_1","remind_due":"SMS_2","remind_face_failed":"SMS_3"}})";
  c.updated_ms = ++config_version_;
  ASSERT_TRUE(store_->outreach().PutChannelConfig(c));
  EXPECT_EQ(Dispatch(BeijingInstant(deadline_ - 60, 9 * 60)).sent, 1);   // the daily cap: one today
  EXPECT_EQ(Dispatch(BeijingInstant(deadline_ - 59, 9 * 60)).sent, 1);   // the other tomorrow, not cancelled
  ASSERT_EQ(factory_.sms.sent.size(), 2u);
  std::set<std::string> templates = {factory_.sms.sent[0].template_name, factory_.sms.sent[1].template_name};
  EXPECT_TRUE(templates.contains(std::string(kTemplateRemindFaceFailed)));
}

TEST_F(OutreachTest, ACancelledReminderIsQueuedAgainWhenItsStepComesBack) {
  Plan(deadline_ - 60);
  auto m = Messages()[0];
  m.status = std::string(kMsgCancelled);
  ASSERT_TRUE(store_->outreach().UpdateMessage(m));
  OutreachPlanReport again = Plan(deadline_ - 59);
  EXPECT_EQ(again.messages_new, 1);
  ASSERT_EQ(Messages().size(), 1u);
  EXPECT_EQ(Messages()[0].status, kMsgQueued);
  EXPECT_EQ(Messages()[0].id, m.id);
}

TEST_F(OutreachTest, AVisitDoneMeanwhileIsNeverCancelled) {
  row_.person.phone = "";
  ASSERT_TRUE(store_->ImportRegistry({row_}, Month::Of(2026, 10)));
  Plan(deadline_ - 7);
  auto tasks = *store_->outreach().ListVisitTasks("", "active");
  ASSERT_EQ(tasks.size(), 1u);
  VisitCompletion c{.task_id = tasks[0].id, .outcome = "certified", .on = deadline_ - 6, .by = "liu"};
  auto done = CompleteVisit(*store_, policy_, c, BeijingInstant(deadline_ - 6, 10 * 60), deadline_ - 6);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_FALSE(*store_->outreach().CancelVisitTask(tasks[0].id, "late", 1));
  EXPECT_EQ((*store_->outreach().FindVisitTask(tasks[0].id))->status, kVisitDone);
  // The visit certified the person: the next plan has nothing for them.
  EXPECT_EQ(Plan(deadline_ - 5).due, 0);
}

TEST_F(OutreachTest, StatisticsCountByChannelAndStatusAndTheAnswers) {
  Plan(deadline_ - 60);
  Dispatch(BeijingInstant(deadline_ - 60, 9 * 60));
  AddTravel(deadline_ - 50, deadline_ - 49);
  auto st = ComputeOutreachStats(*store_, policy_, "14", deadline_ - 61, deadline_);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(st->by_channel_status["sms"]["sent"], 1);
  EXPECT_EQ(st->sent, 1);
  EXPECT_EQ(st->reminded_persons, 1);
  EXPECT_EQ(st->certified_after, 1);
}

}  // namespace
}  // namespace tacit
