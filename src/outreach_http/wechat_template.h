// The WeChat Official Account adapter (微信公众号模板消息): the stable access
// token (POST /cgi-bin/stable_token), cached per appid and shared by every
// adapter a factory made, and the template message send (POST
// /cgi-bin/message/template/send?access_token=…). WeChat has no query for a
// sent message: Lookup is kUnsupported.
#ifndef TACIT_SRC_OUTREACH_HTTP_WECHAT_TEMPLATE_H_
#define TACIT_SRC_OUTREACH_HTTP_WECHAT_TEMPLATE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <tl/expected.hpp>

#include "outreach_http/endpoint.h"
#include "outreach_http/http_client.h"
#include "outreach_http/outcome.h"
#include "tacit/channel.h"

namespace tacit::outreach_http {

// What a WeChat errcode from the template send means for the message (the
// token codes 40001, 40014 and 42001 are handled before this: one refresh and
// one more try). Unlisted codes are kRetry/system.
Classified ClassifyWeChat(int64_t errcode);

// Access tokens per appid (接口调用凭据). Thread-safe; shared by the adapters
// of one factory.
//
// One fetch at a time per appid: a caller that finds a fetch under way waits
// for it (or, while the old token is still valid, uses the old one). A token
// is fetched anew once less than min(300 s, expires_in × reserve) is left.
class WeChatTokenCache {
 public:
  struct Token {
    std::string value;
    int64_t expires_in_s = 0;
  };
  // Fetches a token (force_refresh as WeChat's stable_token takes it). On
  // failure, the SendResult the send gives back (nothing was sent).
  using Fetcher = std::function<tl::expected<Token, SendResult>(bool force_refresh)>;

  explicit WeChatTokenCache(double reserve_fraction = 0.5) : reserve_fraction_(reserve_fraction) {}

  // A valid token for `appid`, fetched when there is none or it is near its end.
  tl::expected<std::string, SendResult> Get(const std::string& appid, const Fetcher& fetch);
  // After WeChat refused `rejected` (40001, 40014, 42001): a different token.
  // If another caller has replaced it already, that one; else one normal
  // fetch, and when the stable token comes back the same, one forced fetch
  // (WeChat allows a forced refresh once in 30 s, 20 a day: a second forced
  // fetch within 30 s is not made, the caller gets kRetry).
  tl::expected<std::string, SendResult> Refresh(const std::string& appid, const std::string& rejected,
                                                const Fetcher& fetch);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string token;                // guarded by mu_
    Clock::time_point valid_until;    // guarded by mu_
    Clock::time_point refresh_after;  // guarded by mu_
    bool fetching = false;            // guarded by mu_: one fetch at a time
    uint64_t generation = 0;          // guarded by mu_: fetches completed
    bool last_failed = false;         // guarded by mu_
    SendResult last_failure;          // guarded by mu_
    Clock::time_point last_forced;    // guarded by mu_
    bool ever_forced = false;         // guarded by mu_
  };
  // Runs `fetch` as the one fetcher of `e` (REQUIRES: lk holds mu_, e.fetching
  // is false) and stores its result.
  tl::expected<std::string, SendResult> FetchAsOwner(std::unique_lock<std::mutex>& lk, Entry& e,
                                                     const std::string& rejected, const Fetcher& fetch);

  const double reserve_fraction_;
  std::mutex mu_;
  std::condition_variable done_;
  std::map<std::string, Entry> entries_;  // guarded by mu_; entries are never erased (references stay valid)
};

// REQUIRES: config.provider == "wechat"; `client` speaks to `endpoint`.
std::unique_ptr<Channel> MakeWeChatTemplate(ChannelConfig config, Endpoint endpoint,
                                            std::unique_ptr<HttpClient> client,
                                            std::shared_ptr<WeChatTokenCache> tokens);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_WECHAT_TEMPLATE_H_
