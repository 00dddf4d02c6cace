#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "outreach_http/aliyun_sms.h"
#include "outreach_http/outcome.h"
#include "outreach_http/wechat_template.h"

namespace tacit::outreach_http {
namespace {

void ExpectClass(Classified c, SendOutcome outcome, std::string_view failure, std::string_view what) {
  EXPECT_EQ(c.outcome, outcome) << what << ": " << SendOutcomeName(c.outcome);
  EXPECT_EQ(c.failure, failure) << what;
}

TEST(ClassifyAliyun, FollowsTheTable) {
  ExpectClass(ClassifyAliyun("OK", 200), SendOutcome::kAccepted, "", "OK");
  ExpectClass(ClassifyAliyun("isv.MOBILE_NUMBER_ILLEGAL", 200), SendOutcome::kFailed, kFailBadNumber, "bad number");
  ExpectClass(ClassifyAliyun("isv.BUSINESS_LIMIT_CONTROL", 200), SendOutcome::kTomorrow, kFailRateLimited, "limit");
  ExpectClass(ClassifyAliyun("Throttling.User", 400), SendOutcome::kRetry, kFailRateLimited, "throttling");
  ExpectClass(ClassifyAliyun("isp.SYSTEM_ERROR", 200), SendOutcome::kRetry, kFailSystem, "system");
  ExpectClass(ClassifyAliyun("ServiceUnavailable", 503), SendOutcome::kRetry, kFailSystem, "503");
  ExpectClass(ClassifyAliyun("", 502), SendOutcome::kRetry, kFailSystem, "502 without a code");
  ExpectClass(ClassifyAliyun("", 504), SendOutcome::kUnknown, kFailTimeout, "504");
  ExpectClass(ClassifyAliyun("SignatureNonceUsed", 400), SendOutcome::kRetry, kFailSystem, "nonce");
  for (const char* code : {"SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "isp.RAM_PERMISSION_DENY",
                           "InvalidTimeStamp.Expired", "Forbidden.RAM"}) {
    ExpectClass(ClassifyAliyun(code, 400), SendOutcome::kChannelDown, kFailAuth, code);
  }
  for (const char* code : {"isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                           "isv.INVALID_JSON_PARAM", "isv.INVALID_PARAMETERS"}) {
    ExpectClass(ClassifyAliyun(code, 200), SendOutcome::kChannelDown, kFailTemplate, code);
  }
  for (const char* code : {"isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.DAY_LIMIT_CONTROL",
                           "isv.MONTH_LIMIT_CONTROL"}) {
    ExpectClass(ClassifyAliyun(code, 200), SendOutcome::kChannelDown, kFailBalance, code);
  }
  for (const char* code : {"isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL", "isv.BLACK_KEY_CONTROL_LIMIT"}) {
    ExpectClass(ClassifyAliyun(code, 200), SendOutcome::kFailed, kFailContent, code);
  }
  ExpectClass(ClassifyAliyun("Unheard.Of", 403), SendOutcome::kChannelDown, kFailAuth, "unknown 403");
  ExpectClass(ClassifyAliyun("isv.SOMETHING_NEW", 200), SendOutcome::kRetry, kFailSystem, "unknown");
}

TEST(ClassifyWeChat, FollowsTheTable) {
  ExpectClass(ClassifyWeChat(0), SendOutcome::kAccepted, "", "0");
  ExpectClass(ClassifyWeChat(43004), SendOutcome::kFailed, kFailNotFollowing, "43004");
  ExpectClass(ClassifyWeChat(40003), SendOutcome::kFailed, kFailBadNumber, "40003");
  ExpectClass(ClassifyWeChat(43101), SendOutcome::kFailed, kFailUnsubscribed, "43101");
  ExpectClass(ClassifyWeChat(47003), SendOutcome::kFailed, kFailContent, "47003");
  ExpectClass(ClassifyWeChat(45009), SendOutcome::kTomorrow, kFailRateLimited, "45009");
  ExpectClass(ClassifyWeChat(40037), SendOutcome::kChannelDown, kFailTemplate, "40037");
  for (int code : {40013, 40125, 40164}) {
    ExpectClass(ClassifyWeChat(code), SendOutcome::kChannelDown, kFailAuth, std::to_string(code));
  }
  ExpectClass(ClassifyWeChat(-1), SendOutcome::kRetry, kFailSystem, "-1");
}

TEST(ClassifyTransport, ByWhetherTheRequestCanHaveArrived) {
  ExpectClass(ClassifyTransport(HttpFailure::kConnect), SendOutcome::kRetry, kFailTimeout, "connect");
  ExpectClass(ClassifyTransport(HttpFailure::kWrite), SendOutcome::kRetry, kFailSystem, "write");
  ExpectClass(ClassifyTransport(HttpFailure::kTls), SendOutcome::kRetry, kFailSystem, "tls");
  ExpectClass(ClassifyTransport(HttpFailure::kTlsVerify), SendOutcome::kChannelDown, kFailAuth, "verify");
  ExpectClass(ClassifyTransport(HttpFailure::kRead), SendOutcome::kUnknown, kFailTimeout, "read");
}

TEST(Redact, BlanksEverySecret) {
  EXPECT_EQ(Redact("openid o1 and o1 and token t", {"o1", "t", ""}), "openid *** and *** and ***oken ***");
  EXPECT_EQ(Redact("", {"x"}), "");
}

using Token = WeChatTokenCache::Token;

TEST(WeChatTokenCache, FetchesOnceAndServesTheTokenUntilItsReserve) {
  WeChatTokenCache cache;
  int fetches = 0;
  WeChatTokenCache::Fetcher fetch = [&](bool) -> tl::expected<Token, SendResult> {
    ++fetches;
    return Token{"T" + std::to_string(fetches), 7200};
  };
  EXPECT_EQ(*cache.Get("wx1", fetch), "T1");
  EXPECT_EQ(*cache.Get("wx1", fetch), "T1");
  EXPECT_EQ(*cache.Get("wx2", fetch), "T2");  // one token per appid
  EXPECT_EQ(fetches, 2);
}

TEST(WeChatTokenCache, FourThreadsAtOnceMakeOneFetch) {
  WeChatTokenCache cache;
  std::atomic<int> fetches{0};
  WeChatTokenCache::Fetcher fetch = [&](bool) -> tl::expected<Token, SendResult> {
    ++fetches;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // all four arrive while it runs
    return Token{"T", 7200};
  };
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto t = cache.Get("wx1", fetch);
      if (t && *t == "T") ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(good.load(), 4);
}

TEST(WeChatTokenCache, WaitersShareTheFetchersFailure) {
  WeChatTokenCache cache;
  std::atomic<int> fetches{0};
  WeChatTokenCache::Fetcher fetch = [&](bool) -> tl::expected<Token, SendResult> {
    ++fetches;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    SendResult r;
    r.outcome = SendOutcome::kChannelDown;
    r.failure = std::string(kFailAuth);
    return tl::unexpected(r);
  };
  std::vector<std::thread> threads;
  std::atomic<int> down{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      auto t = cache.Get("wx1", fetch);
      if (!t && t.error().outcome == SendOutcome::kChannelDown) ++down;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(down.load(), 3);
  EXPECT_LE(fetches.load(), 3);
}

TEST(WeChatTokenCache, RefreshForcesOnlyWhenTheStableTokenIsTheSame) {
  WeChatTokenCache cache;
  std::vector<bool> forces;
  std::string next = "A";
  WeChatTokenCache::Fetcher fetch = [&](bool force) -> tl::expected<Token, SendResult> {
    forces.push_back(force);
    return Token{force ? "FORCED" : next, 7200};
  };
  EXPECT_EQ(*cache.Get("wx1", fetch), "A");
  next = "B";  // WeChat renewed it: a normal fetch is enough
  EXPECT_EQ(*cache.Refresh("wx1", "A", fetch), "B");
  EXPECT_EQ(forces, (std::vector<bool>{false, false}));
  // A second caller refused with A finds B already there: no fetch.
  EXPECT_EQ(*cache.Refresh("wx1", "A", fetch), "B");
  EXPECT_EQ(forces.size(), 2u);
  // B refused, the stable token still says B: one forced fetch.
  EXPECT_EQ(*cache.Refresh("wx1", "B", fetch), "FORCED");
  EXPECT_EQ(forces, (std::vector<bool>{false, false, false, true}));
  // FORCED refused too, within 30 s of the last force: no second force.
  next = "FORCED";
  auto again = cache.Refresh("wx1", "FORCED", fetch);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().outcome, SendOutcome::kRetry);
  EXPECT_EQ(forces.size(), 5u);
}

TEST(WeChatTokenCache, ATokenNearItsEndIsFetchedAgain) {
  WeChatTokenCache cache(/*reserve_fraction=*/0.5);
  int fetches = 0;
  WeChatTokenCache::Fetcher fetch = [&](bool) -> tl::expected<Token, SendResult> {
    ++fetches;
    return Token{"T" + std::to_string(fetches), 1};  // one second; refreshed after half of it
  };
  EXPECT_EQ(*cache.Get("wx1", fetch), "T1");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(*cache.Get("wx1", fetch), "T2");
}

}  // namespace
}  // namespace tacit::outreach_http
