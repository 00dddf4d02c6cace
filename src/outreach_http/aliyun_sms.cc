#include "outreach_http/aliyun_sms.h"

#include <utility>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "outreach_http/acs3.h"
#include "tacit/secrets.h"

namespace tacit::outreach_http {

using nlohmann::json;

namespace {

std::string StringOf(const json& j, const char* field) {
  if (!j.is_object() || !j.contains(field)) return std::string();
  const json& v = j[field];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return std::string();
}

class AliyunSms final : public Channel {
 public:
  AliyunSms(ChannelConfig config, Endpoint endpoint, std::unique_ptr<HttpClient> client,
            std::function<int64_t()> now_ms)
      : config_(std::move(config)),
        endpoint_(std::move(endpoint)),
        client_(std::move(client)),
        now_ms_(std::move(now_ms)) {}

  std::string_view Name() const override { return "sms"; }

  SendResult Send(const ChannelMessage& m) override {
    SendResult r;
    auto tpl = config_.templates.find(m.template_name);
    if (tpl == config_.templates.end()) {
      r.outcome = SendOutcome::kChannelDown;
      r.failure = kFailTemplate;
      r.detail = fmt::format("短信模板未配置 (no approved template is configured for {})", m.template_name);
      return r;
    }
    if (m.address.empty()) {
      r.outcome = SendOutcome::kFailed;
      r.failure = kFailNoAddress;
      r.detail = "没有手机号码 (no phone number)";
      return r;
    }
    // TemplateParam: a JSON object of strings, named as the template names them.
    json vars = json::object();
    for (const auto& [name, value] : m.params) {
      auto mapped = tpl->second.fields.find(name);
      vars[mapped == tpl->second.fields.end() ? name : mapped->second] = value;
    }
    NameValues params = {{"PhoneNumbers", m.address},
                         {"SignName", config_.sign_name},
                         {"TemplateCode", tpl->second.code},
                         {"TemplateParam", vars.dump(-1, ' ', false, json::error_handler_t::replace)},
                         {"OutId", m.out_id}};
    const HttpExchange x = Call("SendSms", params);
    r.duration_ms = x.duration_ms;
    r.http_status = x.status;
    if (x.failure != HttpFailure::kNone) return TransportResult(x, "短信平台");
    const json answer = json::parse(x.body, nullptr, /*allow_exceptions=*/false);
    const std::string code = StringOf(answer, "Code");
    if (code.empty()) {
      r.provider_code = fmt::format("http {}", x.status);
      // A 200 without a Code cannot be read: the message may have been taken.
      const Classified c = x.status == 200 ? Classified{SendOutcome::kUnknown, kFailSystem}
                                           : ClassifyAliyun("", x.status);
      r.outcome = c.outcome;
      r.failure = std::string(c.failure);
      r.detail = "短信平台的应答无法解析 (the gateway's answer has no Code)";
      return r;
    }
    r.provider_code = code;
    const Classified c = ClassifyAliyun(code, x.status);
    r.outcome = c.outcome;
    r.failure = std::string(c.failure);
    if (r.outcome == SendOutcome::kAccepted) {
      r.provider_ref = StringOf(answer, "BizId");
    } else {
      r.detail = Redact(StringOf(answer, "Message"), {m.address, config_.secret});
    }
    return r;
  }

  LookupResult Lookup(const ChannelMessage& m, Date day) override {
    LookupResult r;
    if (m.address.empty() || m.out_id.empty()) {
      r.outcome = LookupOutcome::kError;
      r.detail = "查询需要手机号码和消息编号 (a lookup needs the phone number and the out_id)";
      return r;
    }
    constexpr int kPageSize = 50;
    // QuerySendDetails answers one number's messages of one day; tacit sends
    // one reminder a person a day, so a day rarely has more than one page.
    // The cap keeps a misbehaving gateway from holding a worker.
    constexpr int kMaxPages = 20;
    const std::string send_date = fmt::format("{:04}{:02}{:02}", day.year(), day.month(), day.day());
    for (int page = 1; page <= kMaxPages; ++page) {
      NameValues params = {{"PhoneNumber", m.address},
                           {"SendDate", send_date},
                           {"PageSize", std::to_string(kPageSize)},
                           {"CurrentPage", std::to_string(page)}};
      if (!m.provider_ref.empty()) params.emplace_back("BizId", m.provider_ref);
      const HttpExchange x = Call("QuerySendDetails", params);
      if (x.failure != HttpFailure::kNone) {
        r.outcome = LookupOutcome::kError;
        r.provider_code = std::string(HttpFailureCode(x.failure));
        r.detail = TransportResult(x, "短信平台").detail;
        return r;
      }
      const json answer = json::parse(x.body, nullptr, /*allow_exceptions=*/false);
      const std::string code = StringOf(answer, "Code");
      if (code != "OK") {
        r.outcome = LookupOutcome::kError;
        r.provider_code = code.empty() ? fmt::format("http {}", x.status) : code;
        r.detail = Redact(StringOf(answer, "Message"), {m.address, config_.secret});
        return r;
      }
      const json* records = nullptr;
      if (answer.contains("SmsSendDetailDTOs") && answer["SmsSendDetailDTOs"].is_object() &&
          answer["SmsSendDetailDTOs"].contains("SmsSendDetailDTO") &&
          answer["SmsSendDetailDTOs"]["SmsSendDetailDTO"].is_array()) {
        records = &answer["SmsSendDetailDTOs"]["SmsSendDetailDTO"];
      }
      const size_t count = records == nullptr ? 0 : records->size();
      for (size_t i = 0; i < count; ++i) {
        const json& one = (*records)[i];
        if (StringOf(one, "OutId") != m.out_id) continue;
        r.outcome = LookupOutcome::kFound;
        r.provider_ref = m.provider_ref;  // the records carry no BizId
        const std::string status = StringOf(one, "SendStatus");
        r.delivery = status == "3" ? "delivered" : status == "2" ? "failed" : "pending";
        r.provider_code = StringOf(one, "ErrCode");
        return r;
      }
      int64_t total = 0;
      const std::string total_text = StringOf(answer, "TotalCount");
      if (!total_text.empty()) total = std::strtoll(total_text.c_str(), nullptr, 10);
      if (count < static_cast<size_t>(kPageSize) || static_cast<int64_t>(page) * kPageSize >= total) {
        r.outcome = LookupOutcome::kNotFound;
        return r;
      }
    }
    r.outcome = LookupOutcome::kError;
    r.detail = fmt::format("发送记录超过 {} 页 (more than {} pages of records for one number and day)", kMaxPages,
                           kMaxPages);
    return r;
  }

 private:
  HttpExchange Call(std::string_view action, const NameValues& params) {
    Acs3Request signing;
    signing.method = "POST";
    signing.canonical_uri = endpoint_.path;
    signing.body = CanonicalQuery(params);
    signing.headers = Acs3Headers(endpoint_.HostHeader(), action, kAliyunSmsVersion, Acs3Date(now_ms_()),
                                  RandomHex(16), signing.body);
    signing.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    HttpRequest request;
    request.method = "POST";
    request.target = endpoint_.path;
    request.headers = signing.headers;
    request.headers.emplace_back("Authorization", SignAcs3(signing, config_.key_id, config_.secret).authorization);
    request.headers.emplace_back("Accept", "application/json");
    request.body = std::move(signing.body);
    return client_->Send(request);
  }

  ChannelConfig config_;
  Endpoint endpoint_;
  std::unique_ptr<HttpClient> client_;
  std::function<int64_t()> now_ms_;
};

}  // namespace

// Which codes pause the channel and which fail the message: a code that would
// come back for every message of the account or of a template (signature,
// key, balance, the account's own day cap, a template that does not take
// tacit's variables) pauses the channel, so that the queue is not burnt
// through; a code that depends on this message's number or values fails the
// message only.
Classified ClassifyAliyun(std::string_view code, int http_status) {
  if (code == "OK") return {SendOutcome::kAccepted, ""};
  if (code == "isv.MOBILE_NUMBER_ILLEGAL") return {SendOutcome::kFailed, kFailBadNumber};
  // Notifications: 50 a day per signature, template and number (a rolling 24 hours).
  if (code == "isv.BUSINESS_LIMIT_CONTROL") return {SendOutcome::kTomorrow, kFailRateLimited};
  if (code.starts_with("Throttling")) return {SendOutcome::kRetry, kFailRateLimited};
  if (OneOf(code, {"isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL", "isv.BLACK_KEY_CONTROL_LIMIT"})) {
    return {SendOutcome::kFailed, kFailContent};
  }
  // These would fail every message of the template: tacit's variables do not
  // fit the approved template (missing one, not a JSON object of strings).
  if (OneOf(code, {"isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL",
                   "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.INVALID_PARAMETERS",
                   "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.TEMPLATE_PARAMS_ILLEGAL"})) {
    return {SendOutcome::kChannelDown, kFailTemplate};
  }
  // A stale x-acs-date is this machine's clock: every request would fail alike.
  if (OneOf(code, {"SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId.NotFound",
                   "InvalidAccessKeyId.Inactive", "InvalidAccessKeyId", "InvalidTimeStamp.Expired",
                   "isp.RAM_PERMISSION_DENY", "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL",
                   "isv.PRODUCT_UN_SUBSCRIPT", "isv.PRODUCT_UNSUBSCRIBE"}) ||
      code.starts_with("Forbidden")) {
    return {SendOutcome::kChannelDown, kFailAuth};
  }
  if (OneOf(code, {"isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.DAY_LIMIT_CONTROL",
                   "isv.MONTH_LIMIT_CONTROL"})) {
    return {SendOutcome::kChannelDown, kFailBalance};
  }
  // A nonce already seen: the request was refused, and a retry carries a new one.
  if (code == "SignatureNonceUsed" || code.starts_with("isp.") || code == "ServiceUnavailable" ||
      code.starts_with("InternalError")) {
    return {SendOutcome::kRetry, kFailSystem};
  }
  // A 504 comes from a proxy or gateway that gave up waiting for the service
  // behind it, which may have taken the message: look it up before resending.
  if (http_status == 504) return {SendOutcome::kUnknown, kFailTimeout};
  if (http_status == 401 || http_status == 403) return {SendOutcome::kChannelDown, kFailAuth};
  return {SendOutcome::kRetry, kFailSystem};
}

std::unique_ptr<Channel> MakeAliyunSms(ChannelConfig config, Endpoint endpoint, std::unique_ptr<HttpClient> client,
                                       std::function<int64_t()> now_ms) {
  return std::make_unique<AliyunSms>(std::move(config), std::move(endpoint), std::move(client), std::move(now_ms));
}

}  // namespace tacit::outreach_http
