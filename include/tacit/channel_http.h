// The channel adapters that speak the providers' HTTP APIs (渠道适配器): Alibaba
// Cloud SMS (`SendSms` / `QuerySendDetails`, signed with ACS3-HMAC-SHA256) and
// WeChat Official Account template messages (模板消息, with a stable access
// token cached per appid). They implement tacit/channel.h over cpp-httplib's
// client; the dispatcher sees only Channel and ChannelFactory.
//
//   std::unique_ptr<ChannelFactory> factory = MakeHttpChannelFactory();
//   ASSIGN_OR_RETURN(std::unique_ptr<Channel> sms, factory->Make(sms_config));
//   SendResult r = sms->Send(message);   // one adapter per worker thread
//
// Transport rules, whatever the provider:
// - HTTPS with the server's certificate verified against the system's CA bundle
//   (or ChannelConfig::ca_file) and its host name checked; `http://` only to a
//   loopback address (127.0.0.0/8, ::1, localhost), which is where the test
//   stand-ins listen. Make() refuses anything else.
// - Connect and read timeouts from the configuration. A failure before the
//   request was written (connection refused, connect timeout) is kRetry; a
//   read timeout after it was written is kUnknown (the provider may have the
//   message: look it up before sending again).
// - Phone numbers travel in a form-encoded POST body, never in the URL. The
//   WeChat access token is in the URL query, which is WeChat's own design; no
//   URL is ever logged or put in a result.
// - No SendResult or LookupResult field and no error text carries the address
//   (phone number or openid), the AccessKeySecret / appsecret or the access
//   token: the adapters do not log, and they blank any of those a provider's
//   message might echo.
//
// How each provider answer maps to SendOutcome and the normalised failure is
// the table in docs/outreach.md ("Provider error codes"); the reasons for the
// less obvious rows are at the mapping functions in src/outreach_http/.
#ifndef TACIT_CHANNEL_HTTP_H_
#define TACIT_CHANNEL_HTTP_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "tacit/channel.h"

namespace tacit {

struct HttpChannelOptions {
  // Wall-clock time in Unix milliseconds (UTC): the `x-acs-date` of Alibaba
  // requests. Default (empty): the system clock. Tests skew it to check that
  // a stale date is refused.
  std::function<int64_t()> now_ms;
  // The share of a WeChat token's lifetime (expires_in) kept in reserve: the
  // cache fetches anew once less than min(300 s, expires_in * this) is left.
  // Default 0.5 (a 7200 s token is refreshed 300 s before it ends).
  double token_reserve_fraction = 0.5;
};

// A factory for the "aliyun" (channel "sms") and "wechat" (channel "wechat")
// adapters. It owns the WeChat access-token cache shared by every adapter it
// made: one token per appid, one fetch at a time per appid, refreshed before
// it ends. The factory is thread-safe; each adapter is for one thread at a time
// and may outlive the factory.
//
// Make() errors (kInvalidArgument, in Chinese with English in parentheses,
// never the secret): unknown provider or a provider that does not fit the
// channel, an endpoint that is not https:// (or http:// to loopback), no
// key_id or secret, a ca_file that cannot be read.
std::unique_ptr<ChannelFactory> MakeHttpChannelFactory(HttpChannelOptions options = {});

}  // namespace tacit

#endif  // TACIT_CHANNEL_HTTP_H_
