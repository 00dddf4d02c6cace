// The WeChat template-message adapter against the stand-in (tests/standin):
// the token cache (one fetch, refresh before the end, one refresh after a
// refusal, one fetch for four workers), what each errcode becomes, and that
// no openid, token or appsecret ends up in a result.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "standin/wechat_standin.h"
#include "tacit/channel_http.h"

namespace tacit {
namespace {

using standin::WeChatStandIn;

constexpr char kOpenId[] = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M";

class WeChatTest : public ::testing::Test {
 protected:
  explicit WeChatTest(WeChatStandIn::Options options = {}) : wx_(std::move(options)) {
    wx_.AddUser(kOpenId);
    wx_.AddUser("o-left", /*following=*/false);
    wx_.AddUser("o-refused", /*following=*/true, /*refused=*/true);
    factory_ = MakeHttpChannelFactory();
  }

  ChannelConfig Config() const {
    ChannelConfig c;
    c.channel = "wechat";
    c.provider = "wechat";
    c.endpoint = wx_.Endpoint();
    c.key_id = wx_.options().appid;
    c.secret = wx_.options().appsecret;
    c.templates[std::string(kTemplateRemindFirst)] = {
        .code = "tpl-remind-first-0001",
        .fields = {{"name", "thing1"}, {"deadline", "time2"}, {"point", "thing3"}},
        .url = "https://rs.example.gov.cn/self"};
    c.connect_timeout_ms = 1000;
    c.read_timeout_ms = 400;
    return c;
  }

  std::unique_ptr<Channel> Make(const ChannelConfig& c) {
    auto made = factory_->Make(c);
    EXPECT_TRUE(made.has_value()) << made.error().message;
    return made ? std::move(*made) : nullptr;
  }

  static ChannelMessage Message(std::string out_id, std::string openid = kOpenId) {
    return {.out_id = std::move(out_id),
            .address = std::move(openid),
            .template_name = std::string(kTemplateRemindFirst),
            .params = {{"name", "张*"}, {"deadline", "2027年3月31日"}, {"point", "小店区人社所"}}};
  }

  // No result field may carry the openid, a token or the appsecret.
  void ExpectClean(const SendResult& r, const std::string& openid = kOpenId) const {
    std::vector<std::string> secrets = wx_.IssuedTokens();
    secrets.push_back(openid);
    secrets.push_back(wx_.options().appsecret);
    for (const std::string* field : {&r.provider_ref, &r.provider_code, &r.failure, &r.detail}) {
      for (const std::string& s : secrets) EXPECT_EQ(field->find(s), std::string::npos) << *field;
    }
  }

  SendResult SendOne(Channel& channel, const ChannelMessage& m) {
    SendResult r = channel.Send(m);
    ExpectClean(r, m.address);
    return r;
  }

  WeChatStandIn wx_;
  std::unique_ptr<ChannelFactory> factory_;
};

TEST_F(WeChatTest, AcceptedMessageCarriesTheMsgidAndTheMappedFields) {
  auto wx = Make(Config());
  ASSERT_TRUE(wx);
  EXPECT_EQ(wx->Name(), "wechat");
  SendResult r = SendOne(*wx, Message("m1"));
  ASSERT_EQ(r.outcome, SendOutcome::kAccepted) << r.provider_code << " " << r.detail;
  EXPECT_EQ(r.provider_code, "0");
  const auto sends = wx_.Sends();
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(r.provider_ref, std::to_string(sends[0].msgid));
  EXPECT_EQ(sends[0].openid, kOpenId);
  EXPECT_EQ(sends[0].client_msg_id, "m1");
  EXPECT_EQ(sends[0].url, "https://rs.example.gov.cn/self");
  EXPECT_EQ(sends[0].data, (std::map<std::string, std::string>{
                               {"thing1", "张*"}, {"time2", "2027年3月31日"}, {"thing3", "小店区人社所"}}));
  for (const std::string& target : wx_.Targets()) EXPECT_EQ(target.find(kOpenId), std::string::npos);
  EXPECT_EQ(wx->Lookup(Message("m1"), Date::FromCivil(2026, 11, 20)).outcome, LookupOutcome::kUnsupported);
}

TEST_F(WeChatTest, TheTokenIsFetchedOnceForManySends) {
  auto wx = Make(Config());
  ASSERT_TRUE(wx);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SendOne(*wx, Message("m" + std::to_string(i))).outcome, SendOutcome::kAccepted);
  // A second adapter of the same factory shares the token.
  auto other = Make(Config());
  EXPECT_EQ(SendOne(*other, Message("m9")).outcome, SendOutcome::kAccepted);
  EXPECT_EQ(wx_.TokenFetches(), 1);
}

TEST_F(WeChatTest, FourWorkersStartingAtOnceFetchOneToken) {
  constexpr int kWorkers = 4;
  std::vector<std::unique_ptr<Channel>> channels;
  for (int i = 0; i < kWorkers; ++i) channels.push_back(Make(Config()));
  std::barrier start(kWorkers);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int i = 0; i < 5; ++i) {
        if (channels[w]->Send(Message("w" + std::to_string(w) + "-" + std::to_string(i))).outcome ==
            SendOutcome::kAccepted) {
          ++accepted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 4 * 5);
  EXPECT_EQ(wx_.TokenFetches(), 1);
  EXPECT_EQ(wx_.Sends().size(), 20u);
}

TEST_F(WeChatTest, NotFollowingUnknownOpenidAndRefusedFailTheMessage) {
  auto wx = Make(Config());
  ASSERT_TRUE(wx);
  SendResult left = SendOne(*wx, Message("m1", "o-left"));
  EXPECT_EQ(left.outcome, SendOutcome::kFailed);
  EXPECT_EQ(left.failure, kFailNotFollowing);
  EXPECT_EQ(left.provider_code, "43004");
  SendResult unknown = SendOne(*wx, Message("m2", "o-never-seen"));
  EXPECT_EQ(unknown.outcome, SendOutcome::kFailed);
  EXPECT_EQ(unknown.failure, kFailBadNumber);
  EXPECT_EQ(unknown.provider_code, "40003");
  SendResult refused = SendOne(*wx, Message("m3", "o-refused"));
  EXPECT_EQ(refused.outcome, SendOutcome::kFailed);
  EXPECT_EQ(refused.failure, kFailUnsubscribed);
  ChannelMessage long_point = Message("m4");
  long_point.params[2].second = "太原市小店区坞城街道人力资源和社会保障服务中心";  // 23 characters
  SendResult content = SendOne(*wx, long_point);
  EXPECT_EQ(content.outcome, SendOutcome::kFailed);
  EXPECT_EQ(content.failure, kFailContent);
  EXPECT_EQ(content.provider_code, "47003");
  EXPECT_TRUE(wx_.Sends().empty());
}

TEST_F(WeChatTest, SystemBusyIsRetriedAndABadTemplatePausesTheChannel) {
  auto wx = Make(Config());
  ASSERT_TRUE(wx);
  wx_.FailNext(-1);
  SendResult busy = SendOne(*wx, Message("m1"));
  EXPECT_EQ(busy.outcome, SendOutcome::kRetry);
  EXPECT_EQ(busy.failure, kFailSystem);
  EXPECT_EQ(busy.provider_code, "-1");
  EXPECT_EQ(SendOne(*wx, Message("m2")).outcome, SendOutcome::kAccepted);
  ChannelConfig c = Config();
  c.templates[std::string(kTemplateRemindFirst)].code = "tpl-withdrawn";
  auto bad = Make(c);
  SendResult tpl = SendOne(*bad, Message("m3"));
  EXPECT_EQ(tpl.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(tpl.failure, kFailTemplate);
  EXPECT_EQ(tpl.provider_code, "40037");
  ChannelMessage missing = Message("m4");
  missing.template_name = std::string(kTemplateRemindLapsed);
  EXPECT_EQ(SendOne(*wx, missing).outcome, SendOutcome::kChannelDown);
}

TEST_F(WeChatTest, AWrongAppsecretOrAppidPausesTheChannel) {
  ChannelConfig c = Config();
  c.secret = "wrong-appsecret-000000000000000";
  auto wx = Make(c);
  SendResult r = SendOne(*wx, Message("m1"));
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.failure, kFailAuth);
  EXPECT_EQ(r.provider_code, "40125");
  EXPECT_EQ(r.detail.find(c.secret), std::string::npos);
  c = Config();
  c.key_id = "wx0000000000000000";
  r = SendOne(*Make(c), Message("m2"));
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.provider_code, "40013");
  EXPECT_TRUE(wx_.Sends().empty());
}

TEST_F(WeChatTest, AnAnswerLostAfterWeChatTookTheMessageIsUnknown) {
  wx_.SetRule(kOpenId, {.delay_ms = 1500, .accept = true});
  auto wx = Make(Config());
  SendResult r = SendOne(*wx, Message("m1"));
  EXPECT_EQ(r.outcome, SendOutcome::kUnknown);
  EXPECT_EQ(r.failure, kFailTimeout);
  EXPECT_EQ(wx_.Sends().size(), 1u);
}

class WeChatQuotaTest : public WeChatTest {
 protected:
  WeChatQuotaTest() : WeChatTest({.daily_quota = 1}) {}
};

TEST_F(WeChatQuotaTest, TheDailyQuotaMovesTheMessageToTomorrow) {
  auto wx = Make(Config());
  EXPECT_EQ(SendOne(*wx, Message("m1")).outcome, SendOutcome::kAccepted);
  SendResult r = SendOne(*wx, Message("m2"));
  EXPECT_EQ(r.outcome, SendOutcome::kTomorrow);
  EXPECT_EQ(r.failure, kFailRateLimited);
  EXPECT_EQ(r.provider_code, "45009");
}

// The stand-in's tokens live one second while stable_token says 7200 s: the
// cache keeps a token WeChat has expired, the send gets 42001, and the
// adapter fetches once and sends once more.
class WeChatExpiryTest : public WeChatTest {
 protected:
  WeChatExpiryTest() : WeChatTest({.token_ttl_ms = 1000, .advertised_expires_in_s = 7200}) {}
};

TEST_F(WeChatExpiryTest, AnExpiredTokenIsRefreshedOnceAndTheSendSucceeds) {
  auto wx = Make(Config());
  EXPECT_EQ(SendOne(*wx, Message("m1")).outcome, SendOutcome::kAccepted);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  SendResult r = SendOne(*wx, Message("m2"));
  EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.provider_code << " " << r.detail;
  EXPECT_EQ(wx_.TokenFetches(), 2);
  EXPECT_EQ(wx_.ForcedFetches(), 0);
  const auto codes = wx_.Errcodes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 42001), 1);
  EXPECT_EQ(wx_.Sends().size(), 2u);
}

TEST_F(WeChatExpiryTest, ARefusedTokenThatTheStableTokenStillGivesIsForcedOnce) {
  auto wx = Make(Config());
  EXPECT_EQ(SendOne(*wx, Message("m1")).outcome, SendOutcome::kAccepted);
  wx_.RefuseCurrentTokenForTest();
  SendResult r = SendOne(*wx, Message("m2"));
  EXPECT_EQ(r.outcome, SendOutcome::kAccepted) << r.provider_code << " " << r.detail;
  EXPECT_EQ(wx_.TokenFetches(), 3);  // the first, the same one again, the forced one
  EXPECT_EQ(wx_.ForcedFetches(), 1);
  // Refused again within 30 s: no second force, no loop; the message is retried later.
  wx_.RefuseCurrentTokenForTest();
  SendResult again = SendOne(*wx, Message("m3"));
  EXPECT_EQ(again.outcome, SendOutcome::kRetry);
  EXPECT_EQ(again.failure, kFailAuth);
  EXPECT_EQ(wx_.ForcedFetches(), 1);
  EXPECT_EQ(wx_.Sends().size(), 2u);
}

// Truthful expires_in of one second: the cache fetches anew after half of it,
// before WeChat would refuse the token.
class WeChatShortTokenTest : public WeChatTest {
 protected:
  WeChatShortTokenTest() : WeChatTest({.token_ttl_ms = 1000}) {}
};

TEST_F(WeChatShortTokenTest, ATokenIsReplacedBeforeItEnds) {
  auto wx = Make(Config());
  EXPECT_EQ(SendOne(*wx, Message("m1")).outcome, SendOutcome::kAccepted);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(SendOne(*wx, Message("m2")).outcome, SendOutcome::kAccepted);
  EXPECT_EQ(wx_.TokenFetches(), 2);
  const auto codes = wx_.Errcodes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 42001), 0);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 40001), 0);
}

}  // namespace
}  // namespace tacit
