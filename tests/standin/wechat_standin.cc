#include "standin/wechat_standin.h"

#include "standin/loopback_server.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include <nlohmann/json.hpp>

namespace tacit::standin {

using nlohmann::json;

namespace {

constexpr int64_t kForceSpacingMs = 30'000;
constexpr int kForcesPerDay = 20;

std::string NewToken() {
  unsigned char b[48];
  RAND_bytes(b, sizeof b);
  return HexOf(b, sizeof b);
}

std::string Rid() { return RequestId().substr(0, 8); }

}  // namespace

struct WeChatStandIn::Impl {
  struct Token {
    int64_t expires_ms = 0;
    bool revoked = false;  // replaced by a forced refresh, or refused for a test
  };

  Options options;
  mutable std::mutex mu;
  std::map<std::string, Token> tokens;      // guarded by mu
  std::string current;                      // guarded by mu: what a normal stable_token call hands out
  int fetches = 0;                          // guarded by mu
  int forced = 0;                           // guarded by mu
  std::vector<int64_t> forced_at;           // guarded by mu
  struct User {
    bool following = true;
    bool refused = false;
  };
  std::map<std::string, User> users;        // guarded by mu
  std::map<std::string, Rule> rules;        // guarded by mu
  int fail_next_errcode = 0;                // guarded by mu
  int fail_next_count = 0;                  // guarded by mu
  std::vector<Sent> sends;                  // guarded by mu
  std::vector<std::string> targets;         // guarded by mu
  std::vector<int> errcodes;                // guarded by mu
  int64_t next_msgid = 2'000'000'000;       // guarded by mu
  // Last, so that it stops before the state its handler reads goes away.
  std::unique_ptr<LoopbackServer> server;

  int64_t Now() const { return options.now_ms ? options.now_ms() : SystemNowMs(); }

  void Wait(int ms) { server->Wait(ms); }

  void Error(httplib::Response& res, int errcode, const std::string& errmsg) {
    {
      std::lock_guard<std::mutex> lk(mu);
      errcodes.push_back(errcode);
    }
    res.status = 200;  // WeChat answers errors with HTTP 200
    res.set_content(json{{"errcode", errcode}, {"errmsg", errmsg + " rid: " + Rid()}}.dump(),
                    "application/json; encoding=utf-8");
  }

  int64_t RenewBefore() const {
    return options.renew_before_ms >= 0 ? options.renew_before_ms
                                        : std::min<int64_t>(300'000, options.token_ttl_ms / 2);
  }

  // REQUIRES: mu held.
  std::string IssueLocked(int64_t now) {
    std::string t = NewToken();
    tokens[t] = Token{now + options.token_ttl_ms, false};
    current = t;
    return t;
  }

  void StableToken(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) {
      Error(res, 47001, "data format error");
      return;
    }
    if (body.value("grant_type", std::string()) != "client_credential") {
      Error(res, 40002, "invalid grant_type");
      return;
    }
    if (!body.contains("appid")) {
      Error(res, 41002, "appid missing");
      return;
    }
    if (!body.contains("secret")) {
      Error(res, 41004, "appsecret missing");
      return;
    }
    if (body.value("appid", std::string()) != options.appid) {
      Error(res, 40013, "invalid appid");
      return;
    }
    if (body.value("secret", std::string()) != options.appsecret) {
      Error(res, 40125, "invalid appsecret");
      return;
    }
    const bool force = body.contains("force_refresh") && body["force_refresh"].is_boolean() &&
                       body["force_refresh"].get<bool>();
    std::unique_lock<std::mutex> lk(mu);
    const int64_t now = Now();
    std::string token;
    if (force) {
      std::erase_if(forced_at, [now](int64_t t) { return now - t >= 24LL * 3600 * 1000; });
      if (!forced_at.empty() && now - forced_at.back() < kForceSpacingMs) {
        lk.unlock();
        Error(res, 45011, "api minute-quota reach limit mustslower retry next minute");
        return;
      }
      if (forced_at.size() >= static_cast<size_t>(kForcesPerDay)) {
        lk.unlock();
        Error(res, 45009, "reach max api daily quota limit");
        return;
      }
      forced_at.push_back(now);
      ++forced;
      if (!current.empty()) tokens[current].revoked = true;
      token = IssueLocked(now);
    } else {
      auto t = tokens.find(current);
      // A token refused by RefuseCurrentTokenForTest is still handed out here.
      if (t != tokens.end() && t->second.expires_ms - now > RenewBefore()) {
        token = current;
      } else {
        token = IssueLocked(now);
      }
    }
    ++fetches;
    const int64_t left_ms = tokens[token].expires_ms - now;
    const int64_t expires_in =
        options.advertised_expires_in_s > 0 ? options.advertised_expires_in_s : (left_ms + 999) / 1000;
    lk.unlock();
    res.status = 200;
    res.set_content(json{{"access_token", token}, {"expires_in", expires_in}}.dump(),
                    "application/json; encoding=utf-8");
  }

  void TemplateSend(const httplib::Request& req, httplib::Response& res) {
    std::string token;
    const size_t question = req.target.find('?');
    std::vector<std::pair<std::string, std::string>> query;
    if (question != std::string::npos) SplitForm(std::string_view(req.target).substr(question + 1), query);
    for (const auto& [k, v] : query) {
      if (k == "access_token") token = v;
    }
    int failing = 0;
    {
      std::lock_guard<std::mutex> lk(mu);
      auto t = tokens.find(token);
      if (t == tokens.end() || t->second.revoked) {
        failing = 40001;
      } else if (t->second.expires_ms <= Now()) {
        failing = 42001;
      } else if (fail_next_count > 0) {
        --fail_next_count;
        failing = fail_next_errcode;
      }
    }
    if (failing == 40001) return Error(res, 40001, "invalid credential, access_token is invalid or not latest");
    if (failing == 42001) return Error(res, 42001, "access_token expired");
    if (failing != 0) return Error(res, failing, failing == -1 ? "system error" : "stand-in: failing on demand");

    const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("touser") || !body["touser"].is_string() ||
        !body.contains("template_id") || !body["template_id"].is_string()) {
      return Error(res, 47001, "data format error");
    }
    const std::string openid = body["touser"].get<std::string>();
    const std::string template_id = body["template_id"].get<std::string>();
    auto tpl = options.templates.find(template_id);
    if (tpl == options.templates.end()) return Error(res, 40037, "invalid template_id");
    User user;
    Rule rule;
    bool has_rule = false;
    bool known = false;
    {
      std::lock_guard<std::mutex> lk(mu);
      auto u = users.find(openid);
      if (u != users.end()) {
        known = true;
        user = u->second;
      }
      auto r = rules.find(openid);
      if (r != rules.end()) {
        has_rule = true;
        rule = r->second;
      }
    }
    if (!known) return Error(res, 40003, "invalid openid");
    if (user.refused) return Error(res, 43101, "user refuse to accept the msg");
    if (!user.following) return Error(res, 43004, "require subscribe");
    Sent sent;
    sent.openid = openid;
    sent.template_id = template_id;
    if (body.contains("url") && body["url"].is_string()) sent.url = body["url"].get<std::string>();
    if (body.contains("client_msg_id") && body["client_msg_id"].is_string()) {
      sent.client_msg_id = body["client_msg_id"].get<std::string>();
    }
    if (!body.contains("data") || !body["data"].is_object()) return Error(res, 47001, "data format error");
    for (const auto& [key, field] : body["data"].items()) {
      if (!tpl->second.count(key)) return Error(res, 47003, "argument invalid! data." + key + " is not in the template");
      if (!field.is_object() || !field.contains("value") || !field["value"].is_string()) {
        return Error(res, 47003, "argument invalid! data." + key + ".value invalid");
      }
      const std::string value = field["value"].get<std::string>();
      if (value.empty() || value.find('\n') != std::string::npos ||
          (std::string_view(key).starts_with("thing") && Utf8Length(value) > options.thing_max)) {
        return Error(res, 47003, "argument invalid! data." + key + ".value invalid");
      }
      sent.data[key] = value;
    }
    for (const std::string& key : tpl->second) {
      if (!sent.data.count(key)) return Error(res, 47003, "argument invalid! data." + key + ".value is empty");
    }
    if (has_rule && rule.errcode != 0 && rule.delay_ms == 0) {
      return Error(res, rule.errcode, rule.errcode == -1 ? "system error" : "stand-in rule");
    }
    if (has_rule && rule.delay_ms > 0 && !rule.accept) {
      Wait(rule.delay_ms);
      return Error(res, rule.errcode != 0 ? rule.errcode : -1, "system error");
    }
    int64_t msgid = 0;
    {
      std::lock_guard<std::mutex> lk(mu);
      const int64_t now = Now();
      if (options.daily_quota > 0) {
        const std::string today = BeijingDay(now);
        const auto count = std::count_if(sends.begin(), sends.end(),
                                         [&](const Sent& s) { return BeijingDay(s.time_ms) == today; });
        if (count >= options.daily_quota) msgid = -1;
      }
      if (msgid == 0) {
        msgid = ++next_msgid;
        sent.msgid = msgid;
        sent.time_ms = now;
        sends.push_back(std::move(sent));
      }
    }
    if (msgid < 0) return Error(res, 45009, "reach max api daily quota limit");
    if (has_rule && rule.delay_ms > 0) Wait(rule.delay_ms);
    {
      std::lock_guard<std::mutex> lk(mu);
      errcodes.push_back(0);
    }
    res.status = 200;
    res.set_content(json{{"errcode", 0}, {"errmsg", "ok"}, {"msgid", msgid}}.dump(),
                    "application/json; encoding=utf-8");
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lk(mu);
      targets.push_back(req.target);
    }
    if (req.path == "/cgi-bin/stable_token") return StableToken(req, res);
    if (req.path == "/cgi-bin/message/template/send") return TemplateSend(req, res);
    res.status = 404;
    res.set_content("<html><body>404 Not Found</body></html>", "text/html");
  }
};

WeChatStandIn::WeChatStandIn() : WeChatStandIn(Options{}) {}

WeChatStandIn::WeChatStandIn(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  Impl* impl = impl_.get();
  impl->server = std::make_unique<LoopbackServer>(
      impl->options.threads, "", "",
      [impl](const httplib::Request& req, httplib::Response& res) { impl->Handle(req, res); });
}

WeChatStandIn::~WeChatStandIn() { impl_->server->Stop(); }

int WeChatStandIn::port() const { return impl_->server->port(); }
std::string WeChatStandIn::Endpoint() const { return impl_->server->Endpoint(); }
const WeChatStandIn::Options& WeChatStandIn::options() const { return impl_->options; }

void WeChatStandIn::AddUser(const std::string& openid, bool following, bool refused) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->users[openid] = Impl::User{following, refused};
}

void WeChatStandIn::SetRule(const std::string& openid, Rule rule) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->rules[openid] = rule;
}

void WeChatStandIn::FailNext(int errcode, int count) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->fail_next_errcode = errcode;
  impl_->fail_next_count = count;
}

void WeChatStandIn::SetTokenTtlMs(int64_t ttl_ms) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->options.token_ttl_ms = ttl_ms;
}

void WeChatStandIn::RefuseCurrentTokenForTest() {
  std::lock_guard<std::mutex> lk(impl_->mu);
  if (!impl_->current.empty()) impl_->tokens[impl_->current].revoked = true;
}

int WeChatStandIn::TokenFetches() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->fetches;
}

int WeChatStandIn::ForcedFetches() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->forced;
}

std::vector<WeChatStandIn::Sent> WeChatStandIn::Sends() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->sends;
}

std::vector<std::string> WeChatStandIn::Targets() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->targets;
}

std::vector<int> WeChatStandIn::Errcodes() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->errcodes;
}

std::vector<std::string> WeChatStandIn::IssuedTokens() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [token, state] : impl_->tokens) out.push_back(token);
  return out;
}

}  // namespace tacit::standin
