// A stand-in for the WeChat Official Account API (test-only): an HTTP server
// on 127.0.0.1 and an ephemeral port with POST /cgi-bin/stable_token and POST
// /cgi-bin/message/template/send, answering with WeChat's JSON shapes and
// errcodes (docs/outreach-research.md §2).
//
// Tokens: a normal stable_token call returns the current token while more
// than `renew_before_ms` of it is left, else issues a new one (the old one
// stays valid until its own end, as WeChat's overlap); force_refresh issues a
// new one and invalidates the old, at most once in 30 s (45011) and 20 times
// a day (45009). The send checks the token (40001 unknown or invalidated,
// 42001 expired), the template (40037), the openid (40003 unknown, 43004 not
// following, 43101 refused), the data keys (exactly the template's) and
// values (47003: "thing" fields at most 20 characters, no line breaks), the
// daily quota (45009), and -1 on demand.
//
//   WeChatStandIn wx({.token_ttl_ms = 2000});
//   wx.AddUser("o-follows");
//   wx.AddUser("o-left", /*following=*/false);
//   config.endpoint = wx.Endpoint();
//   ... send through tacit ...
//   EXPECT_EQ(wx.TokenFetches(), 1);
//   EXPECT_EQ(wx.Sends().size(), 3u);
//
// Thread-safe, like AliyunSmsStandIn.
#ifndef TACIT_TESTS_STANDIN_WECHAT_STANDIN_H_
#define TACIT_TESTS_STANDIN_WECHAT_STANDIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "standin/standin_util.h"

namespace tacit::standin {

class WeChatStandIn {
 public:
  struct Options {
    std::string appid = "wx5a1d2c3b4e5f6a7b";
    std::string appsecret = "standin0appsecret0000000000000000";
    int64_t token_ttl_ms = 7'200'000;  // how long a token is valid
    // What stable_token says in expires_in: 0 for the truth (the token's
    // remaining life, rounded up); a test sets more to make the client's cache
    // hold a token the stand-in has already expired.
    int64_t advertised_expires_in_s = 0;
    // A normal fetch gets a new token once less than this is left; -1:
    // min(300 s, token_ttl_ms / 2).
    int64_t renew_before_ms = -1;
    // Approved templates: template_id → its data keys ("thing1", "time2", …).
    std::map<std::string, std::set<std::string>> templates = {
        {"tpl-remind-first-0001", {"thing1", "time2", "thing3"}},
    };
    size_t thing_max = 20;  // characters in a "thing" field (2023 rules)
    int daily_quota = 0;    // template sends a day; 0: no limit (45009 beyond it)
    int threads = 8;
    Clock now_ms;  // default: the system clock
  };

  // What to do with a send to one openid once the checks passed.
  struct Rule {
    int errcode = 0;     // answer this errcode (e.g. -1, 45009)
    int delay_ms = 0;    // wait this long before answering
    bool accept = true;  // with delay_ms: record the message (false: answer -1 late)
  };

  struct Sent {
    std::string openid;
    std::string template_id;
    std::string url;
    std::map<std::string, std::string> data;  // key → value
    std::string client_msg_id;
    int64_t msgid = 0;
    int64_t time_ms = 0;
  };

  WeChatStandIn();
  explicit WeChatStandIn(Options options);
  ~WeChatStandIn();
  WeChatStandIn(const WeChatStandIn&) = delete;
  WeChatStandIn& operator=(const WeChatStandIn&) = delete;

  int port() const;
  std::string Endpoint() const;  // "http://127.0.0.1:<port>"
  const Options& options() const;

  // A known openid; following or not; `refused`: the person refused the
  // account's messages (43101).
  void AddUser(const std::string& openid, bool following = true, bool refused = false);
  void SetRule(const std::string& openid, Rule rule);
  // The next `count` sends, whoever to, answer `errcode` (e.g. -1).
  void FailNext(int errcode, int count = 1);
  void SetTokenTtlMs(int64_t ttl_ms);
  // The current token is refused from now on (40001), but normal
  // stable_token calls still hand it out: only a forced refresh replaces it.
  void RefuseCurrentTokenForTest();

  int TokenFetches() const;   // stable_token calls that returned a token
  int ForcedFetches() const;  // of which with force_refresh
  std::vector<Sent> Sends() const;
  // Every request's target (path and query), in order: for privacy checks
  // (the token is in the send's URL by WeChat's design, an openid never is).
  std::vector<std::string> Targets() const;
  std::vector<int> Errcodes() const;  // every errcode answered, in order
  std::vector<std::string> IssuedTokens() const;  // every token ever issued

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tacit::standin

#endif  // TACIT_TESTS_STANDIN_WECHAT_STANDIN_H_
