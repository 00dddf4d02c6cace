#include "outreach_http/wechat_template.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace tacit::outreach_http {

using nlohmann::json;

namespace {

constexpr auto kForceRefreshSpacing = std::chrono::seconds(30);
constexpr int64_t kMaxReserveMs = 300'000;

// Token errors of the send: invalid (40001, 40014) or expired (42001).
bool TokenRejected(int64_t errcode) { return errcode == 40001 || errcode == 40014 || errcode == 42001; }

SendResult Failure(SendOutcome outcome, std::string_view failure, std::string code, std::string detail) {
  SendResult r;
  r.outcome = outcome;
  r.failure = std::string(failure);
  r.provider_code = std::move(code);
  r.detail = std::move(detail);
  return r;
}

}  // namespace

// The token codes (40001, 40014, 42001) never reach this function: the adapter
// refreshes once and tries once more, and a second refusal is kRetry/auth.
Classified ClassifyWeChat(int64_t errcode) {
  switch (errcode) {
    case 0: return {SendOutcome::kAccepted, ""};
    case 40003: return {SendOutcome::kFailed, kFailBadNumber};      // invalid openid: the binding is dead
    case 43004: return {SendOutcome::kFailed, kFailNotFollowing};   // the person does not follow the account
    case 43101: return {SendOutcome::kFailed, kFailUnsubscribed};   // the person refused the messages
    case 47003: return {SendOutcome::kFailed, kFailContent};        // a field's value is wrong (too long, empty)
    case 45009: return {SendOutcome::kTomorrow, kFailRateLimited};  // the API's daily quota
    case 40037: return {SendOutcome::kChannelDown, kFailTemplate};  // invalid template_id
    // 47001: the body is not what WeChat takes: tacit's fault, for every message.
    case 47001: return {SendOutcome::kChannelDown, kFailTemplate};
    // Invalid appid, invalid appsecret, caller's IP not on the allow-list, API not authorised.
    case 40013:
    case 40125:
    case 40164:
    case 48001: return {SendOutcome::kChannelDown, kFailAuth};
    case -1: return {SendOutcome::kRetry, kFailSystem};  // system busy
    default: return {SendOutcome::kRetry, kFailSystem};
  }
}

tl::expected<std::string, SendResult> WeChatTokenCache::Get(const std::string& appid, const Fetcher& fetch) {
  std::unique_lock<std::mutex> lk(mu_);
  Entry& e = entries_[appid];
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!e.token.empty() && now < e.refresh_after) return e.token;
    if (!e.fetching) return FetchAsOwner(lk, e, std::string(), fetch);
    // Another caller is fetching: the old token serves while it is valid.
    if (!e.token.empty() && now < e.valid_until) return e.token;
    const uint64_t generation = e.generation;
    done_.wait(lk, [&] { return !e.fetching; });
    if (e.generation != generation && e.last_failed) return tl::unexpected(e.last_failure);
  }
}

tl::expected<std::string, SendResult> WeChatTokenCache::Refresh(const std::string& appid, const std::string& rejected,
                                                                const Fetcher& fetch) {
  std::unique_lock<std::mutex> lk(mu_);
  Entry& e = entries_[appid];
  if (e.fetching) {
    const uint64_t generation = e.generation;
    done_.wait(lk, [&] { return !e.fetching; });
    if (e.generation != generation && e.last_failed) return tl::unexpected(e.last_failure);
  }
  if (!e.token.empty() && e.token != rejected && Clock::now() < e.valid_until) return e.token;
  return FetchAsOwner(lk, e, rejected, fetch);
}

tl::expected<std::string, SendResult> WeChatTokenCache::FetchAsOwner(std::unique_lock<std::mutex>& lk, Entry& e,
                                                                     const std::string& rejected,
                                                                     const Fetcher& fetch) {
  e.fetching = true;
  const bool may_force =
      !rejected.empty() && (!e.ever_forced || Clock::now() - e.last_forced >= kForceRefreshSpacing);
  if (!rejected.empty() && e.token == rejected) e.token.clear();
  lk.unlock();
  const auto guarded = [&fetch](bool force) -> tl::expected<Token, SendResult> {
    try {
      return fetch(force);
    } catch (const std::exception&) {
      return tl::unexpected(Failure(SendOutcome::kRetry, kFailSystem, "token",
                                    "获取 access_token 失败 (fetching the access token failed)"));
    }
  };
  tl::expected<Token, SendResult> got = guarded(false);
  bool forced = false;
  if (got && !rejected.empty() && got->value == rejected) {
    // The stable token in normal mode hands out the same token while it is
    // valid on WeChat's side; only a forced refresh replaces it.
    if (may_force) {
      forced = true;
      got = guarded(true);
    } else {
      got = tl::unexpected(Failure(SendOutcome::kRetry, kFailAuth, "token",
                                   "access_token 被拒且 30 秒内已强制刷新过 (the access token was refused and was "
                                   "force-refreshed less than 30 s ago)"));
    }
  }
  lk.lock();
  const Clock::time_point now = Clock::now();
  if (forced) {
    e.ever_forced = true;
    e.last_forced = now;
  }
  e.fetching = false;
  ++e.generation;
  if (got) {
    const int64_t life_ms = std::max<int64_t>(got->expires_in_s, 1) * 1000;
    const int64_t reserve_ms =
        std::min<int64_t>(kMaxReserveMs, static_cast<int64_t>(static_cast<double>(life_ms) * reserve_fraction_));
    e.token = got->value;
    e.valid_until = now + std::chrono::milliseconds(life_ms);
    e.refresh_after = e.valid_until - std::chrono::milliseconds(reserve_ms);
    e.last_failed = false;
  } else {
    e.last_failed = true;
    e.last_failure = got.error();
  }
  done_.notify_all();
  if (!got) return tl::unexpected(got.error());
  return e.token;
}

namespace {

int64_t ErrcodeOf(const json& j) {
  if (j.is_object() && j.contains("errcode") && j["errcode"].is_number_integer()) return j["errcode"].get<int64_t>();
  return 0;
}

std::string ErrmsgOf(const json& j) {
  if (j.is_object() && j.contains("errmsg") && j["errmsg"].is_string()) return j["errmsg"].get<std::string>();
  return std::string();
}

class WeChatTemplate final : public Channel {
 public:
  WeChatTemplate(ChannelConfig config, Endpoint endpoint, std::unique_ptr<HttpClient> client,
                 std::shared_ptr<WeChatTokenCache> tokens)
      : config_(std::move(config)),
        endpoint_(std::move(endpoint)),
        client_(std::move(client)),
        tokens_(std::move(tokens)) {}

  std::string_view Name() const override { return "wechat"; }

  SendResult Send(const ChannelMessage& m) override {
    const auto start = std::chrono::steady_clock::now();
    SendResult r = SendTimed(m);
    r.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  LookupResult Lookup(const ChannelMessage&, Date) override {
    LookupResult r;
    r.outcome = LookupOutcome::kUnsupported;
    r.detail = "微信模板消息没有发送记录查询 (WeChat has no query for sent template messages)";
    return r;
  }

 private:
  SendResult SendTimed(const ChannelMessage& m) {
    auto tpl = config_.templates.find(m.template_name);
    if (tpl == config_.templates.end()) {
      return Failure(SendOutcome::kChannelDown, kFailTemplate, "",
                     fmt::format("微信模板未配置 (no template_id is configured for {})", m.template_name));
    }
    if (m.address.empty()) {
      return Failure(SendOutcome::kFailed, kFailNoAddress, "", "没有微信绑定 (no openid)");
    }
    json data = json::object();
    for (const auto& [name, value] : m.params) {
      auto mapped = tpl->second.fields.find(name);
      data[mapped == tpl->second.fields.end() ? name : mapped->second] = {{"value", value}};
    }
    json body = {{"touser", m.address}, {"template_id", tpl->second.code}, {"data", data},
                 {"client_msg_id", m.out_id}};
    if (!tpl->second.url.empty()) body["url"] = tpl->second.url;
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);

    const WeChatTokenCache::Fetcher fetch = [this](bool force) { return FetchToken(force); };
    auto token = tokens_->Get(config_.key_id, fetch);
    if (!token) return token.error();
    const std::string first = *token;
    HttpExchange x = Post(first, text);
    json answer = Parse(x);
    if (x.failure == HttpFailure::kNone && TokenRejected(ErrcodeOf(answer))) {
      token = tokens_->Refresh(config_.key_id, first, fetch);
      if (!token) return token.error();
      x = Post(*token, text);
      answer = Parse(x);
      if (x.failure == HttpFailure::kNone && TokenRejected(ErrcodeOf(answer))) {
        SendResult r = Answered(x, answer, m, *token);
        r.outcome = SendOutcome::kRetry;
        r.failure = std::string(kFailAuth);
        return r;
      }
      return Answered(x, answer, m, *token);
    }
    return Answered(x, answer, m, first);
  }

  static json Parse(const HttpExchange& x) {
    if (x.failure != HttpFailure::kNone) return json();
    return json::parse(x.body, nullptr, /*allow_exceptions=*/false);
  }

  HttpExchange Post(const std::string& token, const std::string& body) {
    HttpRequest request;
    request.method = "POST";
    // The token in the query is WeChat's design; the URL is never logged.
    request.target = endpoint_.PathOf("/cgi-bin/message/template/send") + "?access_token=" + token;
    request.body = body;
    request.content_type = "application/json";
    return client_->Send(request);
  }

  SendResult Answered(const HttpExchange& x, const json& answer, const ChannelMessage& m, const std::string& token) {
    if (x.failure != HttpFailure::kNone) return TransportResult(x, "微信");
    SendResult r;
    r.http_status = x.status;
    if (!answer.is_object() || (x.status != 200 && !answer.contains("errcode"))) {
      r.provider_code = fmt::format("http {}", x.status);
      // A 200 that cannot be read may still mean the message went out; a 504
      // came from a proxy that gave up waiting for WeChat.
      if (x.status == 200 || x.status == 504) {
        r.outcome = SendOutcome::kUnknown;
        r.failure = std::string(x.status == 200 ? kFailSystem : kFailTimeout);
      } else {
        r.outcome = SendOutcome::kRetry;
        r.failure = std::string(kFailSystem);
      }
      r.detail = "微信的应答无法解析 (WeChat's answer could not be read)";
      return r;
    }
    const int64_t errcode = ErrcodeOf(answer);
    const Classified c = ClassifyWeChat(errcode);
    r.outcome = c.outcome;
    r.failure = std::string(c.failure);
    r.provider_code = std::to_string(errcode);
    if (r.outcome == SendOutcome::kAccepted) {
      if (answer.contains("msgid") && answer["msgid"].is_number_integer()) {
        r.provider_ref = std::to_string(answer["msgid"].get<int64_t>());
      } else if (answer.contains("msgid") && answer["msgid"].is_string()) {
        r.provider_ref = answer["msgid"].get<std::string>();
      }
    } else {
      r.detail = Redact(ErrmsgOf(answer), {m.address, token, config_.secret});
    }
    return r;
  }

  tl::expected<WeChatTokenCache::Token, SendResult> FetchToken(bool force) {
    HttpRequest request;
    request.method = "POST";
    request.target = endpoint_.PathOf("/cgi-bin/stable_token");
    request.content_type = "application/json";
    request.body = json{{"grant_type", "client_credential"},
                        {"appid", config_.key_id},
                        {"secret", config_.secret},
                        {"force_refresh", force}}
                       .dump();
    const HttpExchange x = client_->Send(request);
    if (x.failure != HttpFailure::kNone) {
      // The template send was not made: whatever became of the token request,
      // the message is safe to send again.
      SendResult r = TransportResult(x, "微信");
      if (r.outcome == SendOutcome::kUnknown) r.outcome = SendOutcome::kRetry;
      r.detail = fmt::format("获取 access_token 失败 (fetching the access token failed: {}; no message was sent)",
                             HttpFailureCode(x.failure));
      return tl::unexpected(r);
    }
    const json answer = json::parse(x.body, nullptr, /*allow_exceptions=*/false);
    if (answer.is_object() && answer.contains("access_token") && answer["access_token"].is_string() &&
        !answer["access_token"].get<std::string>().empty()) {
      WeChatTokenCache::Token t;
      t.value = answer["access_token"].get<std::string>();
      if (answer.contains("expires_in") && answer["expires_in"].is_number_integer()) {
        t.expires_in_s = answer["expires_in"].get<int64_t>();
      }
      return t;
    }
    SendResult r;
    r.http_status = x.status;
    const int64_t errcode = ErrcodeOf(answer);
    r.provider_code = errcode != 0 ? std::to_string(errcode) : fmt::format("http {}", x.status);
    r.detail = "获取 access_token 失败 (fetching the access token failed): " +
               Redact(ErrmsgOf(answer), {config_.secret, config_.key_id});
    // 40001 here is a wrong appsecret; 40013 a wrong appid; 40125 an invalid
    // appsecret; 40164 this machine's IP is not on the allow-list.
    if (OneOf(r.provider_code, {"40001", "40013", "40125", "40164", "41002", "41004", "48001"})) {
      r.outcome = SendOutcome::kChannelDown;
      r.failure = std::string(kFailAuth);
    } else if (OneOf(r.provider_code, {"45009", "45011"})) {
      r.outcome = SendOutcome::kRetry;
      r.failure = std::string(kFailRateLimited);
    } else {
      r.outcome = SendOutcome::kRetry;
      r.failure = std::string(kFailSystem);
    }
    return tl::unexpected(r);
  }

  ChannelConfig config_;
  Endpoint endpoint_;
  std::unique_ptr<HttpClient> client_;
  std::shared_ptr<WeChatTokenCache> tokens_;
};

}  // namespace

std::unique_ptr<Channel> MakeWeChatTemplate(ChannelConfig config, Endpoint endpoint,
                                            std::unique_ptr<HttpClient> client,
                                            std::shared_ptr<WeChatTokenCache> tokens) {
  return std::make_unique<WeChatTemplate>(std::move(config), std::move(endpoint), std::move(client),
                                          std::move(tokens));
}

}  // namespace tacit::outreach_http
