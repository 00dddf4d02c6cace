// standin_gateway: the Alibaba SMS and WeChat stand-ins as one program, for
// benchmarks (bench/) and for trying tacit's channels by hand. Test-only.
//
// Prints one JSON line with both endpoints and the credentials a channel
// configuration needs, then serves until SIGINT or SIGTERM:
//
//   $ standin_gateway --wechat-users 1000 --no-limits
//   {"aliyun":{"endpoint":"http://127.0.0.1:40001","key_id":"LTAI…","secret":"…",
//    "sign_name":"某某人社","templates":{…}},"wechat":{"endpoint":…,"openids":"o-standin-%06d",…}}
#include <atomic>
#include <chrono>
#include <csignal>
#include <set>
#include <thread>
#include <vector>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "standin/aliyun_standin.h"
#include "standin/wechat_standin.h"

int main(int argc, char** argv) {
  using tacit::standin::AliyunSmsStandIn;
  using tacit::standin::WeChatStandIn;
  CLI::App app{"Stand-in SMS and WeChat gateways on 127.0.0.1 (test-only)"};
  int users = 100;
  int threads = 8;
  bool no_limits = false;
  int64_t token_ttl_s = 7200;
  app.add_option("--wechat-users", users, "openids o-standin-000000 … that follow the account")->check(
      CLI::Range(0, 10'000'000));
  app.add_option("--threads", threads, "server threads of each stand-in")->check(CLI::Range(1, 256));
  app.add_option("--token-ttl", token_ttl_s, "seconds a WeChat access token lives")->check(CLI::Range(1, 86400));
  app.add_flag("--no-limits", no_limits, "no per-number daily cap (50 a day) on SMS");
  // Extra approved SMS templates: CODE=var1,var2 (e.g. the citizen page's
  // login code: SMS_100000009=code).
  std::vector<std::string> extra_templates;
  app.add_option("--template", extra_templates, "an approved SMS template CODE=var1,var2 (repeatable)");
  // The messages accepted, as JSON lines rewritten as they come: what a test
  // reads to learn what a phone received (the browser tests' SMS code).
  std::string inbox;
  app.add_option("--inbox", inbox, "write every accepted SMS here as JSON lines (test use)");
  int latency_ms = 0;
  app.add_option("--latency-ms", latency_ms, "every accepted SMS is answered after this many milliseconds")
      ->check(CLI::Range(0, 60'000));
  CLI11_PARSE(app, argc, argv);

  // Block the signals before any thread starts, so that sigwait gets them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  AliyunSmsStandIn::Options sms_options;
  sms_options.threads = threads;
  if (no_limits) sms_options.per_number_daily_cap = 1 << 30;
  sms_options.latency_ms = latency_ms;
  for (const std::string& t : extra_templates) {
    const size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "standin_gateway: --template expects CODE=var1,var2\n");
      return 2;
    }
    std::set<std::string> vars;
    std::string rest = t.substr(eq + 1);
    for (size_t start = 0; start <= rest.size();) {
      const size_t comma = std::min(rest.find(',', start), rest.size());
      if (comma > start) vars.insert(rest.substr(start, comma - start));
      start = comma + 1;
    }
    sms_options.templates[t.substr(0, eq)] = vars;
  }
  AliyunSmsStandIn sms(sms_options);
  WeChatStandIn::Options wx_options;
  wx_options.threads = threads;
  wx_options.token_ttl_ms = token_ttl_s * 1000;
  WeChatStandIn wx(wx_options);
  if (sms.port() <= 0 || wx.port() <= 0) {
    std::fprintf(stderr, "standin_gateway: cannot listen on 127.0.0.1\n");
    return 1;
  }
  char openid[32];
  for (int i = 0; i < users; ++i) {
    std::snprintf(openid, sizeof openid, "o-standin-%06d", i);
    wx.AddUser(openid);
  }
  nlohmann::json sms_templates = nlohmann::json::object();
  for (const auto& [code, vars] : sms.options().templates) sms_templates[code] = vars;
  nlohmann::json wx_templates = nlohmann::json::object();
  for (const auto& [id, keys] : wx.options().templates) wx_templates[id] = keys;
  const nlohmann::json out = {
      {"aliyun",
       {{"endpoint", sms.Endpoint()},
        {"key_id", sms.options().access_key_id},
        {"secret", sms.options().access_key_secret},
        {"sign_name", *sms.options().sign_names.begin()},
        {"templates", sms_templates}}},
      {"wechat",
       {{"endpoint", wx.Endpoint()},
        {"key_id", wx.options().appid},
        {"secret", wx.options().appsecret},
        {"openids", "o-standin-%06d"},
        {"users", users},
        {"templates", wx_templates}}}};
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  std::atomic<bool> done{false};
  std::thread writer;
  if (!inbox.empty()) {
    writer = std::thread([&] {
      size_t written = 0;
      while (!done.load()) {
        const std::vector<AliyunSmsStandIn::Record> records = sms.Records();
        if (records.size() != written) {
          std::string text;
          for (const AliyunSmsStandIn::Record& r : records) {
            text += nlohmann::json{{"phone", r.phone}, {"template", r.template_code}, {"params", r.params},
                                   {"out_id", r.out_id}, {"time_ms", r.time_ms}}
                        .dump() +
                    "\n";
          }
          const std::string tmp = inbox + ".tmp";
          if (FILE* f = std::fopen(tmp.c_str(), "w")) {
            std::fwrite(text.data(), 1, text.size(), f);
            std::fclose(f);
            std::rename(tmp.c_str(), inbox.c_str());
            written = records.size();
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  int signal = 0;
  sigwait(&stop, &signal);
  done = true;
  if (writer.joinable()) writer.join();
  return 0;
}
