// The Alibaba Cloud SMS adapter (阿里云短信, Dysmsapi 2017-05-25): SendSms to
// send, QuerySendDetails to look a message up by its OutId. Requests are
// POSTs with the operation's parameters in a form-encoded body (the phone
// number never in the URL), signed with ACS3-HMAC-SHA256 (acs3.h).
#ifndef TACIT_SRC_OUTREACH_HTTP_ALIYUN_SMS_H_
#define TACIT_SRC_OUTREACH_HTTP_ALIYUN_SMS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "outreach_http/endpoint.h"
#include "outreach_http/http_client.h"
#include "outreach_http/outcome.h"
#include "tacit/channel.h"

namespace tacit::outreach_http {

inline constexpr std::string_view kAliyunSmsVersion = "2017-05-25";

// What an Alibaba answer's Code (with the HTTP status) means for the message:
// the mapping of docs/outreach.md "Provider error codes", Alibaba part. A code
// not listed is kRetry/system, or kChannelDown/auth under HTTP 401 or 403.
Classified ClassifyAliyun(std::string_view code, int http_status);

// REQUIRES: config.provider == "aliyun"; `client` speaks to `endpoint`.
// `now_ms` gives Unix milliseconds for x-acs-date.
std::unique_ptr<Channel> MakeAliyunSms(ChannelConfig config, Endpoint endpoint, std::unique_ptr<HttpClient> client,
                                       std::function<int64_t()> now_ms);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_ALIYUN_SMS_H_
