// Message channels (消息渠道): what the outreach dispatcher (tacit/outreach.h)
// asks of an SMS gateway or a WeChat Official Account, and their
// configuration. The interface has no I/O; the adapters that speak the
// providers' HTTP APIs are the target tacit::outreach_http
// (tacit/channel_http.h), tested against stand-in gateways on loopback.
//
// A message carries only what the approved template needs: masked values
// (张*, a date, a certification point's short name). The address (a phone
// number or an openid) is read at dispatch and never logged, stored in an
// attempt or put in an error text.
//
//   ASSIGN_OR_RETURN(ChannelConfig c, ParseChannelConfig(json_text, "sms.json"));
//   ASSIGN_OR_RETURN(std::unique_ptr<Channel> sms, factory.Make(c));
//   SendResult r = sms->Send({.out_id = "m42", .address = phone, .template_name = "remind_first",
//                             .params = {{"name", "张*"}, {"deadline", "2027年3月31日"}}});
#ifndef TACIT_CHANNEL_H_
#define TACIT_CHANNEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tacit/civil.h"
#include "tacit/result.h"

namespace tacit {

// The logical templates tacit sends (the provider's approved template for each
// is named in the channel's configuration).
inline constexpr std::string_view kTemplateRemindFirst = "remind_first";          // first reminder before the deadline
inline constexpr std::string_view kTemplateRemindDue = "remind_due";              // later reminders (即将到期)
inline constexpr std::string_view kTemplateRemindNone = "remind_none";            // no certification on record
inline constexpr std::string_view kTemplateRemindLapsed = "remind_lapsed";        // lapsed: payment suspended
inline constexpr std::string_view kTemplateRemindFaceFailed = "remind_face_failed";  // electronic certification failed
inline constexpr std::string_view kTemplateZeroReport = "committee_zero_report";  // a committee has not reported deaths
inline constexpr std::string_view kTemplateUnitNotice = "unit_notice";  // a committee or employer: N persons due there
// The citizen page's sign-in code (登录验证码), sent at once and never queued
// in the outbox: its only variable is "code" (6 digits). tacit/citizen.h.
inline constexpr std::string_view kTemplateLoginCode = "login_code";

struct ChannelMessage {
  std::string out_id;   // tacit's reference for the provider (OutId, SessionContext, client_msg_id): "m<id>"
  std::string address;  // phone number (11 digits) or openid; never logged
  std::string template_name;  // one of the kTemplate* names
  // The template's variables in order: name (masked), deadline, point, ...
  std::vector<std::pair<std::string, std::string>> params;
  // The provider's reference from an earlier accepted send (BizId), when
  // known: Lookup then asks for that send only. Empty when the answer was lost.
  std::string provider_ref;
};

enum class SendOutcome {
  kAccepted,     // the provider took the message (provider_ref set)
  kRetry,        // transient (timeout before sending, 5xx, provider system error, throttling): back off
  kTomorrow,     // this address's own limit for the day is reached: try again the next day
  kFailed,       // final for this message on this channel (bad number, not following, unsubscribed, bad variable)
  kChannelDown,  // the account cannot send (signature, key, template, balance): pause the channel
  kUnknown,      // the request may have reached the provider, the answer was lost: look it up before resending
};
std::string_view SendOutcomeName(SendOutcome o);  // "accepted", "retry", ...

// Normalised failure reasons (the provider's own code is kept beside it).
inline constexpr std::string_view kFailBadNumber = "bad_number";
inline constexpr std::string_view kFailRateLimited = "rate_limited";
inline constexpr std::string_view kFailNotFollowing = "not_following";
inline constexpr std::string_view kFailUnsubscribed = "unsubscribed";
inline constexpr std::string_view kFailTemplate = "template";
inline constexpr std::string_view kFailAuth = "auth";
inline constexpr std::string_view kFailBalance = "balance";
inline constexpr std::string_view kFailContent = "content";
inline constexpr std::string_view kFailTimeout = "timeout";
inline constexpr std::string_view kFailSystem = "system";
inline constexpr std::string_view kFailExpired = "expired";    // not sent in time (tacit's own)
inline constexpr std::string_view kFailNoAddress = "no_address";  // no phone / binding (tacit's own)

struct SendResult {
  SendOutcome outcome = SendOutcome::kRetry;
  std::string provider_ref;   // BizId / SerialNo / msgid
  std::string provider_code;  // raw: "OK", "isv.MOBILE_NUMBER_ILLEGAL", "43004", "http 503", "timeout"
  std::string failure;        // one of kFail* ("" when accepted)
  std::string detail;         // the provider's message (no personal data: providers do not echo numbers)
  int http_status = 0;        // 0: no HTTP answer
  int64_t duration_ms = 0;
};

enum class LookupOutcome { kFound, kNotFound, kUnsupported, kError };
struct LookupResult {
  LookupOutcome outcome = LookupOutcome::kUnsupported;
  std::string provider_ref;
  std::string delivery;       // "delivered", "failed", "pending" (when kFound)
  std::string provider_code;  // the carrier's or provider's code for a failed delivery
  std::string detail;
};

class Channel {
 public:
  virtual ~Channel() = default;
  // "sms" or "wechat".
  virtual std::string_view Name() const = 0;
  virtual SendResult Send(const ChannelMessage& m) = 0;
  // Whether the provider has the message with m.out_id sent to m.address on
  // `day` (Beijing date), and its delivery status: for a message whose answer
  // was lost (resend only when kNotFound) and for delivery receipts.
  // kUnsupported where the provider has no such query (WeChat).
  virtual LookupResult Lookup(const ChannelMessage& m, Date day) = 0;
};

// The provider's approved template for one logical template.
struct ChannelTemplate {
  std::string code;  // SMS: TemplateCode ("SMS_15305xxxx"); WeChat: template_id
  // tacit's variable name → the template's own ("name" → "thing1" for WeChat);
  // a variable not listed keeps its name. SMS templates use tacit's names.
  std::map<std::string, std::string> fields;
  std::string url;   // WeChat: the page the message opens (the self-certification page)
};

// One channel's configuration (`tacit channel set`). Secrets are kept sealed in
// the store and unsealed into this struct only to build an adapter.
struct ChannelConfig {
  std::string channel;   // "sms" or "wechat"
  std::string provider;  // "aliyun" (sms) or "wechat"
  std::string endpoint;  // base URL: https://…; http:// only to a loopback address (stand-ins)
  std::string key_id;    // AccessKeyId / appid
  std::string secret;    // AccessKeySecret / appsecret
  std::string sign_name; // SMS signature (签名), shown as 【…】
  std::string region_id = "cn-hangzhou";  // Alibaba RegionId
  std::map<std::string, ChannelTemplate> templates;  // logical name → approved template
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 10000;
  std::string ca_file;   // CA bundle for HTTPS (empty: the system's)
  // WeChat: where the access token is fetched (default endpoint + /cgi-bin/stable_token).
  bool enabled = true;
};

// Parses a channel configuration (JSON; the secret may be absent and given
// apart). Errors name `origin`, the field and what was expected; never the secret.
Result<ChannelConfig> ParseChannelConfig(std::string_view json_text, std::string_view origin);
// The configuration as JSON without the secret (for `tacit channel show` and the store).
std::string ChannelConfigToJson(const ChannelConfig& c);

// Builds adapters; holds what workers share (WeChat access tokens, one fetch per
// appid at a time). Thread-safe. Implemented by tacit::outreach_http.
class ChannelFactory {
 public:
  virtual ~ChannelFactory() = default;
  // One adapter per worker (adapters are not thread-safe).
  // Errors: kInvalidArgument (unknown provider, an http:// endpoint not on loopback).
  virtual Result<std::unique_ptr<Channel>> Make(const ChannelConfig& config) = 0;
};

}  // namespace tacit

#endif  // TACIT_CHANNEL_H_
