// A stand-in for Alibaba Cloud SMS (Dysmsapi 2017-05-25, test-only): an HTTP
// server on 127.0.0.1 and an ephemeral port that checks requests as the real
// gateway does and answers with its JSON shapes and codes
// (docs/outreach-research.md §1.1 and §1.4).
//
// It verifies the ACS3-HMAC-SHA256 signature with its own code
// (standin_util.h), the signed-header set, x-acs-date within 15 minutes, a
// nonce never used twice, the AccessKeyId, the action and version; for SendSms
// the approved SignName and TemplateCode, that TemplateParam is a JSON object
// of strings with exactly the template's variables, none holding a URL or
// longer than the limit, and the phone number's form. It keeps every accepted
// message and answers QuerySendDetails from them.
//
//   AliyunSmsStandIn sms;                        // listening when constructed
//   config.endpoint = sms.Endpoint();            // "http://127.0.0.1:40123"
//   sms.SetRule("13900000002", {.code = "isv.BUSINESS_LIMIT_CONTROL"});
//   sms.SetRule("13900000003", {.delay_ms = 800, .accept = true});   // accept, then answer too late
//   ... send through tacit ...
//   EXPECT_EQ(sms.CountOutId("m1"), 1u);
//   sms.SetDelivery("m1", 2, "MOBILE_NOT_ON_SERVICE");            // QuerySendDetails says failed
//
// Thread-safe: the server answers on its own threads; every method may be
// called from the test at any time.
#ifndef TACIT_TESTS_STANDIN_ALIYUN_STANDIN_H_
#define TACIT_TESTS_STANDIN_ALIYUN_STANDIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "standin/standin_util.h"

namespace tacit::standin {

class AliyunSmsStandIn {
 public:
  struct Options {
    std::string access_key_id = "LTAI5tStandInAccessKey";
    std::string access_key_secret = "StandInAccessKeySecret0123456789";
    std::set<std::string> sign_names = {"某某人社"};
    // Approved templates: TemplateCode → the names of its variables.
    std::map<std::string, std::set<std::string>> templates = {
        {"SMS_100000001", {"name", "deadline"}},
        {"SMS_100000002", {"name", "deadline", "point"}},
    };
    size_t max_variable_length = 35;  // characters a variable may hold (isv.PARAM_LENGTH_LIMIT)
    // Messages per number, signature and template in a rolling 24 hours
    // (isv.BUSINESS_LIMIT_CONTROL); Alibaba's default for notifications is 50.
    int per_number_daily_cap = 50;
    int account_daily_cap = 0;  // 0: none; else isv.DAY_LIMIT_CONTROL over a rolling 24 hours
    int64_t date_window_ms = 15 * 60 * 1000;  // x-acs-date tolerance
    int threads = 8;
    // Every accepted SendSms waits this long before answering (a provider's
    // latency, for the dispatch benchmark).
    int latency_ms = 0;
    // HTTPS with this certificate and key (PEM files) when both are set.
    std::string tls_cert;
    std::string tls_key;
    Clock now_ms;  // default: the system clock
  };

  // What to do with a SendSms to one number (after the signature and the
  // parameters passed). The first field set decides.
  struct Rule {
    std::string code;     // answer this Code ("isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling.User")
    int http_status = 0;  // answer this HTTP status with a gateway error (503: ServiceUnavailable)
    int delay_ms = 0;     // wait this long, then answer (`code`, else OK when accepted, else isp.SYSTEM_ERROR)
    bool accept = false;  // with delay_ms: record the message before waiting
  };

  struct Record {
    std::string phone;  // as sent (normalised: 11 digits)
    std::string sign_name;
    std::string template_code;
    std::map<std::string, std::string> params;
    std::string out_id;
    std::string biz_id;
    int64_t time_ms = 0;
    int send_status = 3;  // 1 waiting for the receipt, 2 failed, 3 delivered
    std::string err_code = "DELIVERED";
  };

  AliyunSmsStandIn();
  explicit AliyunSmsStandIn(Options options);
  ~AliyunSmsStandIn();
  AliyunSmsStandIn(const AliyunSmsStandIn&) = delete;
  AliyunSmsStandIn& operator=(const AliyunSmsStandIn&) = delete;

  int port() const;              // > 0 once listening
  std::string Endpoint() const;  // "http://127.0.0.1:<port>" ("https://…" with TLS)
  const Options& options() const;

  void SetRule(const std::string& phone, Rule rule);
  void ClearRules();
  // Every SendSms answers `code` (e.g. "isv.AMOUNT_NOT_ENOUGH") after the
  // signature check; "" to stop.
  void FailEverything(std::string code);
  // The delivery status QuerySendDetails reports for `out_id` (default 3,
  // "DELIVERED").
  void SetDelivery(const std::string& out_id, int send_status, std::string err_code);

  std::vector<Record> Records() const;
  size_t CountOutId(const std::string& out_id) const;
  // Every request's target (path and query) and Code answered, in order: for
  // checks that no phone number went into a URL.
  std::vector<std::string> Targets() const;
  std::vector<std::string> Codes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tacit::standin

#endif  // TACIT_TESTS_STANDIN_ALIYUN_STANDIN_H_
