#include "standin/aliyun_standin.h"

#include "standin/loopback_server.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <unordered_set>
#include <mutex>

#include <nlohmann/json.hpp>

namespace tacit::standin {

using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr char kVersion[] = "2017-05-25";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// "yyyy-MM-ddTHH:mm:ssZ" → Unix ms; -1 when malformed.
int64_t ParseAcsDate(const std::string& text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return -1;
  }
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// A mainland mobile number: +86, 0086 or 86 may precede 11 digits starting 1[3-9].
bool NormalisePhone(std::string_view in, std::string& out) {
  std::string_view s = in;
  if (s.starts_with("+86")) {
    s.remove_prefix(3);
  } else if (s.starts_with("0086")) {
    s.remove_prefix(4);
  } else if (s.size() == 13 && s.starts_with("86")) {
    s.remove_prefix(2);
  }
  if (s.size() != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9') return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  out = std::string(s);
  return true;
}

bool LooksLikeUrl(const std::string& value) {
  const std::string v = Lower(value);
  for (const char* mark : {"://", "www.", ".com", ".cn", ".net", ".org"}) {
    if (v.find(mark) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

struct AliyunSmsStandIn::Impl {
  Options options;
  mutable std::mutex mu;
  std::map<std::string, Rule> rules;                         // guarded by mu; by normalised phone
  std::string fail_everything;                               // guarded by mu
  std::unordered_set<std::string> nonces;                    // guarded by mu; seen within the window
  std::deque<std::pair<int64_t, std::string>> nonce_order;   // guarded by mu; when each was seen
  std::vector<Record> records;                               // guarded by mu
  std::deque<int64_t> sent_all;                              // guarded by mu; times of the last 24 hours
  std::map<std::string, std::deque<int64_t>> sent_by_key;    // guarded by mu; by number, signature, template
  std::map<std::string, std::pair<int, std::string>> delivery;  // guarded by mu; by OutId
  std::vector<std::string> targets;                          // guarded by mu
  std::vector<std::string> codes;                            // guarded by mu
  uint64_t next_biz = 0;                                     // guarded by mu
  // Last, so that it stops before the state its handler reads goes away.
  std::unique_ptr<LoopbackServer> server;

  int64_t Now() const { return options.now_ms ? options.now_ms() : SystemNowMs(); }

  // Waits `ms` unless the stand-in stops first.
  void Wait(int ms) { server->Wait(ms); }

  void Answer(httplib::Response& res, int status, json body) {
    {
      std::lock_guard<std::mutex> lk(mu);
      codes.push_back(body.value("Code", std::string()));
    }
    res.status = status;
    res.set_content(body.dump(), "application/json;charset=utf-8");
  }
  // A business answer: HTTP 200 with Code, Message and RequestId.
  void Business(httplib::Response& res, const std::string& code, const std::string& message) {
    Answer(res, 200, {{"Code", code}, {"Message", message}, {"RequestId", RequestId()}});
  }
  // An error of the API gateway (signature, key, throttling, service): a 4xx or 5xx.
  void Gateway(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    Answer(res, status,
           {{"RequestId", RequestId()},
            {"HostId", "dysmsapi.aliyuncs.com"},
            {"Code", code},
            {"Message", message},
            {"Recommend", "https://api.aliyun.com/troubleshoot?q=" + code}});
  }

  // Checks the ACS3-HMAC-SHA256 signature, the date and the nonce; answers
  // and returns false when one fails.
  bool Verify(const httplib::Request& req, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kAlgorithm = "ACS3-HMAC-SHA256 ";
    if (!std::string_view(auth).starts_with(kAlgorithm)) {
      Gateway(res, 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
      return false;
    }
    std::map<std::string, std::string> parts;
    for (const std::string& part : Split(std::string_view(auth).substr(kAlgorithm.size()), ',')) {
      const size_t eq = part.find('=');
      if (eq != std::string::npos) parts[Trimmed(part.substr(0, eq))] = Trimmed(part.substr(eq + 1));
    }
    if (!parts.count("Credential") || !parts.count("SignedHeaders") || !parts.count("Signature")) {
      Gateway(res, 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
      return false;
    }
    if (parts["Credential"] != options.access_key_id) {
      Gateway(res, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
      return false;
    }
    const std::vector<std::string> signed_names = Split(parts["SignedHeaders"], ';');
    std::vector<std::string> required = {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
                                         "x-acs-signature-nonce", "x-acs-version"};
    if (req.has_header("Content-Type")) required.push_back("content-type");
    for (const std::string& name : required) {
      if (std::find(signed_names.begin(), signed_names.end(), name) == signed_names.end()) {
        Gateway(res, 400, "IncompleteSignature", "The header " + name + " must be signed.");
        return false;
      }
    }
    const std::string body_hash = Sha256HexOf(req.body);
    if (req.get_header_value("x-acs-content-sha256") != body_hash) {
      Gateway(res, 400, "SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the body.");
      return false;
    }
    // The canonical request, rebuilt from the request as it arrived.
    const size_t question = req.target.find('?');
    const std::string path = req.target.substr(0, question);
    std::vector<std::pair<std::string, std::string>> query;
    if (question != std::string::npos && !SplitForm(std::string_view(req.target).substr(question + 1), query)) {
      Gateway(res, 400, "SignatureDoesNotMatch", "The query string is malformed.");
      return false;
    }
    std::vector<std::pair<std::string, std::string>> encoded;
    for (const auto& [k, v] : query) encoded.emplace_back(UrlEncode(k), UrlEncode(v));
    std::sort(encoded.begin(), encoded.end());
    std::string canonical_query;
    for (const auto& [k, v] : encoded) canonical_query += (canonical_query.empty() ? "" : "&") + k + "=" + v;
    std::string canonical_headers;
    for (const std::string& name : signed_names) {
      if (!req.has_header(name)) {
        Gateway(res, 400, "SignatureDoesNotMatch", "A signed header is missing from the request.");
        return false;
      }
      canonical_headers += Lower(name) + ":" + Trimmed(req.get_header_value(name)) + "\n";
    }
    const std::string canonical_request = req.method + "\n" + path + "\n" + canonical_query + "\n" +
                                          canonical_headers + "\n" + parts["SignedHeaders"] + "\n" + body_hash;
    const std::string expected =
        HmacSha256HexOf(options.access_key_secret, "ACS3-HMAC-SHA256\n" + Sha256HexOf(canonical_request));
    if (!SameBytes(expected, parts["Signature"])) {
      Gateway(res, 400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.");
      return false;
    }
    const int64_t date = ParseAcsDate(req.get_header_value("x-acs-date"));
    const int64_t now = Now();
    if (date < 0) {
      Gateway(res, 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.");
      return false;
    }
    if (std::llabs(now - date) > options.date_window_ms) {
      Gateway(res, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
      return false;
    }
    const std::string nonce = req.get_header_value("x-acs-signature-nonce");
    bool fresh = false;
    {
      std::lock_guard<std::mutex> lk(mu);
      while (!nonce_order.empty() && now - nonce_order.front().first > 2 * options.date_window_ms) {
        nonces.erase(nonce_order.front().second);
        nonce_order.pop_front();
      }
      fresh = !nonce.empty() && nonces.insert(nonce).second;
      if (fresh) nonce_order.emplace_back(now, nonce);
    }
    if (!fresh) {
      Gateway(res, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
      return false;
    }
    return true;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lk(mu);
      targets.push_back(req.target);
    }
    if (!Verify(req, res)) return;
    const std::string action = req.get_header_value("x-acs-action");
    if (req.get_header_value("x-acs-version") != kVersion) {
      Gateway(res, 400, "InvalidVersion", "Specified parameter Version is not valid.");
      return;
    }
    // The operation's parameters: the query string and a form body alike.
    std::vector<std::pair<std::string, std::string>> pairs;
    const size_t question = req.target.find('?');
    if (question != std::string::npos) SplitForm(std::string_view(req.target).substr(question + 1), pairs);
    std::vector<std::pair<std::string, std::string>> form;
    if (req.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")) {
      if (!SplitForm(req.body, form)) {
        Gateway(res, 400, "InvalidParameter", "The form body is malformed.");
        return;
      }
    }
    std::map<std::string, std::string> params;
    for (auto& [k, v] : pairs) params[k] = v;
    for (auto& [k, v] : form) params[k] = v;
    if (action == "SendSms") {
      SendSms(params, res);
    } else if (action == "QuerySendDetails") {
      QuerySendDetails(params, res);
    } else {
      Gateway(res, 404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.");
    }
  }

  void SendSms(const std::map<std::string, std::string>& params, httplib::Response& res) {
    for (const char* required : {"PhoneNumbers", "SignName", "TemplateCode"}) {
      if (!params.count(required) || params.at(required).empty()) {
        Gateway(res, 400, std::string("Missing") + required, std::string(required) + " is mandatory for this action.");
        return;
      }
    }
    std::string everything;
    {
      std::lock_guard<std::mutex> lk(mu);
      everything = fail_everything;
    }
    if (!everything.empty()) {
      Business(res, everything, "stand-in: every message fails with " + everything);
      return;
    }
    std::vector<std::string> phones;
    for (const std::string& one : Split(params.at("PhoneNumbers"), ',')) {
      std::string phone;
      if (!NormalisePhone(Trimmed(one), phone)) {
        Business(res, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
        return;
      }
      phones.push_back(phone);
    }
    const std::string& sign = params.at("SignName");
    const std::string& code = params.at("TemplateCode");
    if (!options.sign_names.count(sign)) {
      Business(res, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名");
      return;
    }
    auto tpl = options.templates.find(code);
    if (tpl == options.templates.end()) {
      Business(res, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板");
      return;
    }
    std::map<std::string, std::string> vars;
    auto param = params.find("TemplateParam");
    if (param == params.end()) {
      if (!tpl->second.empty()) {
        Business(res, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值");
        return;
      }
    } else {
      const json j = json::parse(param->second, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) {
        Business(res, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值");
        return;
      }
      for (const auto& [k, v] : j.items()) {
        if (!v.is_string()) {
          Business(res, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值");
          return;
        }
        vars[k] = v.get<std::string>();
      }
      for (const std::string& name : tpl->second) {
        if (!vars.count(name)) {
          Business(res, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值");
          return;
        }
      }
      for (const auto& [k, v] : vars) {
        // The stand-in's choice: a variable the template does not have is refused.
        if (!tpl->second.count(k)) {
          Business(res, "isv.INVALID_PARAMETERS", "参数异常: 模板没有变量 " + k);
          return;
        }
        if (LooksLikeUrl(v)) {
          Business(res, "isv.PARAM_NOT_SUPPORT_URL", "不支持URL");
          return;
        }
        if (Utf8Length(v) > options.max_variable_length) {
          Business(res, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制");
          return;
        }
      }
    }
    Rule rule;
    bool has_rule = false;
    {
      std::lock_guard<std::mutex> lk(mu);
      auto found = rules.find(phones.front());
      if (found != rules.end()) {
        rule = found->second;
        has_rule = true;
      }
    }
    const std::string out_id = params.count("OutId") ? params.at("OutId") : std::string();
    if (has_rule && rule.delay_ms == 0) {
      if (!rule.code.empty()) {
        if (std::string_view(rule.code).starts_with("Throttling")) {
          Gateway(res, 400, rule.code, "Request was denied due to user flow control.");
        } else {
          Business(res, rule.code, "stand-in rule");
        }
        return;
      }
      if (rule.http_status != 0) {
        Gateway(res, rule.http_status, rule.http_status == 503 ? "ServiceUnavailable" : "InternalError",
                "The request has failed due to a temporary failure of the server.");
        return;
      }
    }
    if (has_rule && rule.delay_ms > 0 && !rule.accept) {
      Wait(rule.delay_ms);
      Business(res, rule.code.empty() ? "isp.SYSTEM_ERROR" : rule.code, "stand-in rule: late and not taken");
      return;
    }
    enum class Verdict { kTaken, kAccountLimit, kNumberLimit } verdict = Verdict::kTaken;
    std::string biz_id;
    {
      std::lock_guard<std::mutex> lk(mu);
      const int64_t now = Now();
      const auto prune = [now](std::deque<int64_t>& times) {
        while (!times.empty() && now - times.front() >= kDayMs) times.pop_front();
      };
      prune(sent_all);
      if (options.account_daily_cap > 0 &&
          sent_all.size() + phones.size() > static_cast<size_t>(options.account_daily_cap)) {
        verdict = Verdict::kAccountLimit;
      }
      for (const std::string& phone : phones) {
        std::deque<int64_t>& times = sent_by_key[phone + '\x1f' + sign + '\x1f' + code];
        prune(times);
        if (times.size() >= static_cast<size_t>(options.per_number_daily_cap)) verdict = Verdict::kNumberLimit;
      }
      if (verdict == Verdict::kTaken) {
        biz_id = std::to_string(900000000000000000ULL + ++next_biz) + "^0";
        for (const std::string& phone : phones) {
          sent_all.push_back(now);
          sent_by_key[phone + '\x1f' + sign + '\x1f' + code].push_back(now);
          Record r;
          r.phone = phone;
          r.sign_name = sign;
          r.template_code = code;
          r.params = vars;
          r.out_id = out_id;
          r.biz_id = biz_id;
          r.time_ms = now;
          records.push_back(std::move(r));
        }
      }
    }
    if (verdict == Verdict::kAccountLimit) {
      Business(res, "isv.DAY_LIMIT_CONTROL", "触发日发送限额");
      return;
    }
    if (verdict == Verdict::kNumberLimit) {
      Business(res, "isv.BUSINESS_LIMIT_CONTROL",
               "触发号码天级流控Permits:" + std::to_string(options.per_number_daily_cap));
      return;
    }
    if (has_rule && rule.delay_ms > 0) Wait(rule.delay_ms);
    if (options.latency_ms > 0) Wait(options.latency_ms);
    Answer(res, 200, {{"Code", "OK"}, {"Message", "OK"}, {"BizId", biz_id}, {"RequestId", RequestId()}});
  }

  void QuerySendDetails(const std::map<std::string, std::string>& params, httplib::Response& res) {
    for (const char* required : {"PhoneNumber", "SendDate", "PageSize", "CurrentPage"}) {
      if (!params.count(required) || params.at(required).empty()) {
        Gateway(res, 400, std::string("Missing") + required, std::string(required) + " is mandatory for this action.");
        return;
      }
    }
    std::string phone;
    if (!NormalisePhone(params.at("PhoneNumber"), phone)) {
      Business(res, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
      return;
    }
    const std::string& day = params.at("SendDate");
    const int page_size = std::atoi(params.at("PageSize").c_str());
    const int page = std::atoi(params.at("CurrentPage").c_str());
    if (day.size() != 8 || page_size < 1 || page_size > 50 || page < 1) {
      Business(res, "isv.INVALID_PARAMETERS", "参数异常");
      return;
    }
    const std::string biz = params.count("BizId") ? params.at("BizId") : std::string();
    std::vector<Record> matching;
    {
      std::lock_guard<std::mutex> lk(mu);
      for (const Record& r : records) {
        if (r.phone != phone || BeijingDay(r.time_ms) != day || (!biz.empty() && r.biz_id != biz)) continue;
        Record copy = r;
        auto d = delivery.find(r.out_id);
        if (d != delivery.end()) {
          copy.send_status = d->second.first;
          copy.err_code = d->second.second;
        }
        matching.push_back(std::move(copy));
      }
    }
    json list = json::array();
    const size_t from = static_cast<size_t>(page - 1) * static_cast<size_t>(page_size);
    for (size_t i = from; i < matching.size() && i < from + static_cast<size_t>(page_size); ++i) {
      const Record& r = matching[i];
      std::string content = "【" + r.sign_name + "】";
      for (const auto& [k, v] : r.params) content += v + " ";
      json one = {{"PhoneNum", r.phone},         {"SendStatus", r.send_status},
                  {"ErrCode", r.err_code},       {"TemplateCode", r.template_code},
                  {"Content", content},          {"SendDate", BeijingTime(r.time_ms)},
                  {"OutId", r.out_id}};
      if (r.send_status != 1) one["ReceiveDate"] = BeijingTime(r.time_ms + 3000);
      list.push_back(std::move(one));
    }
    Answer(res, 200,
           {{"Code", "OK"},
            {"Message", "OK"},
            {"RequestId", RequestId()},
            {"TotalCount", std::to_string(matching.size())},
            {"SmsSendDetailDTOs", {{"SmsSendDetailDTO", list}}}});
  }
};

AliyunSmsStandIn::AliyunSmsStandIn() : AliyunSmsStandIn(Options{}) {}

AliyunSmsStandIn::AliyunSmsStandIn(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  Impl* impl = impl_.get();
  impl->server = std::make_unique<LoopbackServer>(
      impl->options.threads, impl->options.tls_cert, impl->options.tls_key,
      [impl](const httplib::Request& req, httplib::Response& res) { impl->Handle(req, res); });
}

AliyunSmsStandIn::~AliyunSmsStandIn() { impl_->server->Stop(); }

int AliyunSmsStandIn::port() const { return impl_->server->port(); }
std::string AliyunSmsStandIn::Endpoint() const { return impl_->server->Endpoint(); }
const AliyunSmsStandIn::Options& AliyunSmsStandIn::options() const { return impl_->options; }

void AliyunSmsStandIn::SetRule(const std::string& phone, Rule rule) {
  std::string normal = phone;
  NormalisePhone(phone, normal);
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->rules[normal] = std::move(rule);
}

void AliyunSmsStandIn::ClearRules() {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->rules.clear();
}

void AliyunSmsStandIn::FailEverything(std::string code) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->fail_everything = std::move(code);
}

void AliyunSmsStandIn::SetDelivery(const std::string& out_id, int send_status, std::string err_code) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->delivery[out_id] = {send_status, std::move(err_code)};
}

std::vector<AliyunSmsStandIn::Record> AliyunSmsStandIn::Records() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->records;
}

size_t AliyunSmsStandIn::CountOutId(const std::string& out_id) const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return static_cast<size_t>(std::count_if(impl_->records.begin(), impl_->records.end(),
                                           [&](const Record& r) { return r.out_id == out_id; }));
}

std::vector<std::string> AliyunSmsStandIn::Targets() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->targets;
}

std::vector<std::string> AliyunSmsStandIn::Codes() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->codes;
}

}  // namespace tacit::standin
