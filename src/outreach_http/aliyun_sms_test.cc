// The Alibaba SMS adapter against the stand-in gateway (tests/standin): what
// each of the gateway's answers becomes, the unknown window closed by
// QuerySendDetails, HTTPS verification, and that no phone number or secret
// ends up in a result or a URL.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "standin/aliyun_standin.h"
#include "tacit/channel_http.h"

namespace tacit {
namespace {

using standin::AliyunSmsStandIn;

constexpr char kPhone[] = "13912345678";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Today in Beijing (UTC+8), the day QuerySendDetails files a message under.
Date BeijingToday() { return Date::FromDays(static_cast<int32_t>((NowMs() + 8 * 3'600'000) / 86'400'000)); }

class AliyunSmsTest : public ::testing::Test {
 protected:
  explicit AliyunSmsTest(AliyunSmsStandIn::Options options = {}) : sms_(std::move(options)) {}

  ChannelConfig Config() const {
    ChannelConfig c;
    c.channel = "sms";
    c.provider = "aliyun";
    c.endpoint = sms_.Endpoint();
    c.key_id = sms_.options().access_key_id;
    c.secret = sms_.options().access_key_secret;
    c.sign_name = "某某人社";
    c.templates[std::string(kTemplateRemindFirst)] = {.code = "SMS_100000001"};
    c.templates[std::string(kTemplateRemindDue)] = {.code = "SMS_100000002", .fields = {{"place", "point"}}};
    c.connect_timeout_ms = 1000;
    c.read_timeout_ms = 400;
    return c;
  }

  std::unique_ptr<Channel> Make(const ChannelConfig& c, HttpChannelOptions options = {}) {
    factory_ = MakeHttpChannelFactory(std::move(options));
    auto made = factory_->Make(c);
    EXPECT_TRUE(made.has_value()) << made.error().message;
    return made ? std::move(*made) : nullptr;
  }

  static ChannelMessage Message(std::string out_id, std::string phone = kPhone) {
    return {.out_id = std::move(out_id),
            .address = std::move(phone),
            .template_name = std::string(kTemplateRemindFirst),
            .params = {{"name", "张*"}, {"deadline", "2027年3月31日"}}};
  }

  // No result field may carry the phone number or the secret.
  void ExpectClean(const SendResult& r, const std::string& phone = kPhone) const {
    for (const std::string* field : {&r.provider_ref, &r.provider_code, &r.failure, &r.detail}) {
      EXPECT_EQ(field->find(phone), std::string::npos) << *field;
      EXPECT_EQ(field->find(sms_.options().access_key_secret), std::string::npos) << *field;
    }
  }

  void ExpectClean(const LookupResult& r, const std::string& phone) const {
    for (const std::string* field : {&r.provider_ref, &r.delivery, &r.provider_code, &r.detail}) {
      EXPECT_EQ(field->find(phone), std::string::npos) << *field;
      EXPECT_EQ(field->find(sms_.options().access_key_secret), std::string::npos) << *field;
    }
  }

  SendResult SendOne(const ChannelMessage& m, const ChannelConfig& c) {
    auto channel = Make(c);
    if (!channel) return {};
    SendResult r = channel->Send(m);
    ExpectClean(r, m.address);
    return r;
  }

  AliyunSmsStandIn sms_;
  std::unique_ptr<ChannelFactory> factory_;
};

TEST_F(AliyunSmsTest, AcceptedMessageCarriesTheBizIdAndTheNumberStaysOutOfTheUrl) {
  auto sms = Make(Config());
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->Name(), "sms");
  SendResult r = sms->Send(Message("m1"));
  ExpectClean(r);
  ASSERT_EQ(r.outcome, SendOutcome::kAccepted) << r.provider_code << " " << r.detail;
  EXPECT_EQ(r.provider_code, "OK");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(r.failure.empty());
  const auto records = sms_.Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(r.provider_ref, records[0].biz_id);
  EXPECT_EQ(records[0].phone, kPhone);
  EXPECT_EQ(records[0].out_id, "m1");
  EXPECT_EQ(records[0].template_code, "SMS_100000001");
  EXPECT_EQ(records[0].params, (std::map<std::string, std::string>{{"name", "张*"}, {"deadline", "2027年3月31日"}}));
  // Variables renamed by the template's field map.
  ChannelMessage due = Message("m2");
  due.template_name = std::string(kTemplateRemindDue);
  due.params.emplace_back("place", "小店区人社所");
  ASSERT_EQ(sms->Send(due).outcome, SendOutcome::kAccepted);
  EXPECT_EQ(sms_.Records().back().params.at("point"), "小店区人社所");
  for (const std::string& target : sms_.Targets()) {
    EXPECT_EQ(target, "/");
    EXPECT_EQ(target.find(kPhone), std::string::npos);
  }
}

TEST_F(AliyunSmsTest, IllegalNumberFailsTheMessage) {
  SendResult r = SendOne(Message("m1", "1391234"), Config());
  EXPECT_EQ(r.outcome, SendOutcome::kFailed);
  EXPECT_EQ(r.failure, kFailBadNumber);
  EXPECT_EQ(r.provider_code, "isv.MOBILE_NUMBER_ILLEGAL");
  EXPECT_TRUE(sms_.Records().empty());
}

TEST_F(AliyunSmsTest, BusinessLimitMovesTheMessageToTomorrow) {
  sms_.SetRule("13900000002", {.code = "isv.BUSINESS_LIMIT_CONTROL"});
  SendResult r = SendOne(Message("m1", "13900000002"), Config());
  EXPECT_EQ(r.outcome, SendOutcome::kTomorrow);
  EXPECT_EQ(r.failure, kFailRateLimited);
  EXPECT_EQ(r.provider_code, "isv.BUSINESS_LIMIT_CONTROL");
}

class AliyunSmsCapTest : public AliyunSmsTest {
 protected:
  AliyunSmsCapTest() : AliyunSmsTest({.per_number_daily_cap = 2}) {}
};

TEST_F(AliyunSmsCapTest, TheDailyCapPerNumberIsEnforcedByTheGateway) {
  auto sms = Make(Config());
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->Send(Message("m1")).outcome, SendOutcome::kAccepted);
  EXPECT_EQ(sms->Send(Message("m2")).outcome, SendOutcome::kAccepted);
  SendResult third = sms->Send(Message("m3"));
  EXPECT_EQ(third.outcome, SendOutcome::kTomorrow);
  EXPECT_EQ(sms->Send(Message("m4", "13900000009")).outcome, SendOutcome::kAccepted);  // another number
  EXPECT_EQ(sms_.Records().size(), 3u);
}

TEST_F(AliyunSmsTest, ServiceUnavailableSystemErrorAndThrottlingAreRetried) {
  sms_.SetRule("13900000003", {.http_status = 503});
  sms_.SetRule("13900000004", {.code = "isp.SYSTEM_ERROR"});
  sms_.SetRule("13900000005", {.code = "Throttling.User"});
  auto sms = Make(Config());
  ASSERT_TRUE(sms);
  SendResult unavailable = sms->Send(Message("m1", "13900000003"));
  EXPECT_EQ(unavailable.outcome, SendOutcome::kRetry);
  EXPECT_EQ(unavailable.failure, kFailSystem);
  EXPECT_EQ(unavailable.http_status, 503);
  SendResult system = sms->Send(Message("m2", "13900000004"));
  EXPECT_EQ(system.outcome, SendOutcome::kRetry);
  EXPECT_EQ(system.failure, kFailSystem);
  EXPECT_EQ(system.provider_code, "isp.SYSTEM_ERROR");
  SendResult throttled = sms->Send(Message("m3", "13900000005"));
  EXPECT_EQ(throttled.outcome, SendOutcome::kRetry);
  EXPECT_EQ(throttled.failure, kFailRateLimited);
  EXPECT_TRUE(sms_.Records().empty());
}

TEST_F(AliyunSmsTest, AnAnswerLostAfterTheGatewayTookTheMessageIsUnknownAndLookupFindsIt) {
  sms_.SetRule("13900000006", {.delay_ms = 1500, .accept = true});
  auto sms = Make(Config());  // read timeout 400 ms
  ASSERT_TRUE(sms);
  SendResult r = sms->Send(Message("m7", "13900000006"));
  ExpectClean(r, "13900000006");
  EXPECT_EQ(r.outcome, SendOutcome::kUnknown);
  EXPECT_EQ(r.failure, kFailTimeout);
  EXPECT_EQ(r.provider_code, "timeout");
  EXPECT_EQ(sms_.CountOutId("m7"), 1u);
  sms_.ClearRules();

  LookupResult found = sms->Lookup(Message("m7", "13900000006"), BeijingToday());
  ExpectClean(found, "13900000006");
  EXPECT_EQ(found.outcome, LookupOutcome::kFound) << found.provider_code << " " << found.detail;
  EXPECT_EQ(found.delivery, "delivered");
  EXPECT_EQ(found.provider_code, "DELIVERED");
  // A message the gateway never recorded: safe to send again.
  EXPECT_EQ(sms->Lookup(Message("m8", "13900000006"), BeijingToday()).outcome, LookupOutcome::kNotFound);
  // Another day has nothing.
  EXPECT_EQ(sms->Lookup(Message("m7", "13900000006"), BeijingToday() - 2).outcome, LookupOutcome::kNotFound);
  sms_.SetDelivery("m7", 2, "MOBILE_NOT_ON_SERVICE");
  LookupResult failed = sms->Lookup(Message("m7", "13900000006"), BeijingToday());
  EXPECT_EQ(failed.outcome, LookupOutcome::kFound);
  EXPECT_EQ(failed.delivery, "failed");
  EXPECT_EQ(failed.provider_code, "MOBILE_NOT_ON_SERVICE");
  ExpectClean(failed, "13900000006");
  sms_.SetDelivery("m7", 1, "");
  EXPECT_EQ(sms->Lookup(Message("m7", "13900000006"), BeijingToday()).delivery, "pending");
  for (const std::string& target : sms_.Targets()) EXPECT_EQ(target.find("13900000006"), std::string::npos);
}

class AliyunSmsManyTest : public AliyunSmsTest {
 protected:
  AliyunSmsManyTest() : AliyunSmsTest({.per_number_daily_cap = 100}) {}
};

TEST_F(AliyunSmsManyTest, LookupByBizIdAndAcrossPages) {
  auto sms = Make(Config());
  ASSERT_TRUE(sms);
  std::string biz;
  for (int i = 0; i < 53; ++i) {
    SendResult r = sms->Send(Message("p" + std::to_string(i), "13900000010"));
    ASSERT_EQ(r.outcome, SendOutcome::kAccepted) << i;
    if (i == 7) biz = r.provider_ref;
  }
  // p52 is on the second page of 50.
  EXPECT_EQ(sms->Lookup(Message("p52", "13900000010"), BeijingToday()).outcome, LookupOutcome::kFound);
  ChannelMessage by_biz = Message("p7", "13900000010");
  by_biz.provider_ref = biz;
  LookupResult r = sms->Lookup(by_biz, BeijingToday());
  EXPECT_EQ(r.outcome, LookupOutcome::kFound);
  EXPECT_EQ(r.provider_ref, biz);
  by_biz.out_id = "p8";  // not the message with that BizId
  EXPECT_EQ(sms->Lookup(by_biz, BeijingToday()).outcome, LookupOutcome::kNotFound);
}

TEST_F(AliyunSmsTest, AnAnswerLateWithoutTheMessageTakenIsUnknownAndLookupSaysNotFound) {
  sms_.SetRule("13900000007", {.delay_ms = 1500, .accept = false});
  auto sms = Make(Config());
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->Send(Message("m9", "13900000007")).outcome, SendOutcome::kUnknown);
  sms_.ClearRules();
  EXPECT_EQ(sms->Lookup(Message("m9", "13900000007"), BeijingToday()).outcome, LookupOutcome::kNotFound);
  EXPECT_EQ(sms_.CountOutId("m9"), 0u);
}

TEST_F(AliyunSmsTest, WrongSecretOrKeyPausesTheChannel) {
  ChannelConfig c = Config();
  c.secret = "not-the-secret-0123456789";
  SendResult r = SendOne(Message("m1"), c);
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.failure, kFailAuth);
  EXPECT_EQ(r.provider_code, "SignatureDoesNotMatch");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.detail.find(c.secret), std::string::npos);
  c = Config();
  c.key_id = "LTAI5tSomebodyElse";
  r = SendOne(Message("m2"), c);
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.provider_code, "InvalidAccessKeyId.NotFound");
  EXPECT_TRUE(sms_.Records().empty());
}

TEST_F(AliyunSmsTest, AClockOffByMoreThanFifteenMinutesPausesTheChannel) {
  auto sms = Make(Config(), {.now_ms = [] { return NowMs() - 20 * 60 * 1000; }});
  ASSERT_TRUE(sms);
  SendResult r = sms->Send(Message("m1"));
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.failure, kFailAuth);
  EXPECT_EQ(r.provider_code, "InvalidTimeStamp.Expired");
}

TEST_F(AliyunSmsTest, TemplateAndSignatureProblemsPauseTheChannel) {
  ChannelConfig c = Config();
  c.templates[std::string(kTemplateRemindFirst)].code = "SMS_999999999";
  SendResult unapproved = SendOne(Message("m1"), c);
  EXPECT_EQ(unapproved.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(unapproved.failure, kFailTemplate);
  EXPECT_EQ(unapproved.provider_code, "isv.SMS_TEMPLATE_ILLEGAL");

  c = Config();
  c.sign_name = "别的签名";
  SendResult sign = SendOne(Message("m2"), c);
  EXPECT_EQ(sign.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(sign.provider_code, "isv.SMS_SIGNATURE_ILLEGAL");

  ChannelMessage missing = Message("m3");
  missing.params.pop_back();  // no deadline
  SendResult variables = SendOne(missing, Config());
  EXPECT_EQ(variables.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(variables.failure, kFailTemplate);
  EXPECT_EQ(variables.provider_code, "isv.TEMPLATE_MISSING_PARAMETERS");

  // A logical template the configuration has no code for: nothing is sent.
  const size_t before = sms_.Targets().size();
  ChannelMessage lapsed = Message("m4");
  lapsed.template_name = std::string(kTemplateRemindLapsed);
  SendResult none = SendOne(lapsed, Config());
  EXPECT_EQ(none.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(none.failure, kFailTemplate);
  EXPECT_EQ(none.http_status, 0);
  EXPECT_EQ(sms_.Targets().size(), before);
  EXPECT_TRUE(sms_.Records().empty());
}

TEST_F(AliyunSmsTest, AVariableWithAUrlOrTooLongFailsTheMessageOnly) {
  ChannelMessage url = Message("m1");
  url.params[0].second = "见 www.example.com";
  SendResult r = SendOne(url, Config());
  EXPECT_EQ(r.outcome, SendOutcome::kFailed);
  EXPECT_EQ(r.failure, kFailContent);
  EXPECT_EQ(r.provider_code, "isv.PARAM_NOT_SUPPORT_URL");
  ChannelMessage long_name = Message("m2");
  long_name.params[0].second = std::string(36, 'x');
  r = SendOne(long_name, Config());
  EXPECT_EQ(r.outcome, SendOutcome::kFailed);
  EXPECT_EQ(r.provider_code, "isv.PARAM_LENGTH_LIMIT");
}

TEST_F(AliyunSmsTest, AnEmptyBalancePausesTheChannel) {
  sms_.FailEverything("isv.AMOUNT_NOT_ENOUGH");
  SendResult r = SendOne(Message("m1"), Config());
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown);
  EXPECT_EQ(r.failure, kFailBalance);
  sms_.FailEverything("");
  EXPECT_EQ(SendOne(Message("m2"), Config()).outcome, SendOutcome::kAccepted);
}

TEST_F(AliyunSmsTest, NoConnectionIsRetriedAndNothingWasSent) {
  int closed_port = 0;
  {
    AliyunSmsStandIn gone;
    closed_port = gone.port();
  }
  ChannelConfig c = Config();
  c.endpoint = "http://127.0.0.1:" + std::to_string(closed_port);
  SendResult r = SendOne(Message("m1"), c);
  EXPECT_EQ(r.outcome, SendOutcome::kRetry);
  EXPECT_EQ(r.failure, kFailTimeout);
  EXPECT_EQ(r.provider_code, "connect");
  auto sms = Make(c);
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->Lookup(Message("m1"), BeijingToday()).outcome, LookupOutcome::kError);
}

TEST(HttpChannelFactory, RefusesPlainHttpBeyondLoopbackAndIncompleteConfigurations) {
  auto factory = MakeHttpChannelFactory();
  ChannelConfig c;
  c.channel = "sms";
  c.provider = "aliyun";
  c.endpoint = "http://dysmsapi.aliyuncs.com";
  c.key_id = "LTAI5t";
  c.secret = "s3cret-value";
  c.sign_name = "某某人社";
  auto refused = factory->Make(c);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("loopback"), std::string::npos);
  c.endpoint = "http://192.168.1.10:8080";
  EXPECT_FALSE(factory->Make(c).has_value());
  c.endpoint = "https://dysmsapi.aliyuncs.com";
  EXPECT_TRUE(factory->Make(c).has_value());  // nothing is sent until Send
  ChannelConfig no_secret = c;
  no_secret.secret.clear();
  EXPECT_FALSE(factory->Make(no_secret).has_value());
  ChannelConfig wrong = c;
  wrong.provider = "tencent";
  EXPECT_FALSE(factory->Make(wrong).has_value());
  wrong = c;
  wrong.channel = "wechat";
  auto mismatch = factory->Make(wrong);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().message.find("s3cret-value"), std::string::npos);
  ChannelConfig bad_ca = c;
  bad_ca.ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(factory->Make(bad_ca).has_value());
}

// HTTPS to the stand-in with a self-signed certificate (the openssl command
// makes it): refused against the system's CA bundle, accepted with the
// certificate as ca_file.
class AliyunSmsTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::path(::testing::TempDir()) / "outreach_http_tls";
    std::filesystem::create_directories(dir_);
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext "
                            "subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
                            (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " 2>/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static inline std::filesystem::path dir_;
  static inline bool ok_ = false;
};

TEST_F(AliyunSmsTlsTest, TheCertificateIsVerified) {
  ASSERT_TRUE(ok_) << "openssl req failed";
  AliyunSmsStandIn sms({.tls_cert = (dir_ / "cert.pem").string(), .tls_key = (dir_ / "key.pem").string()});
  ASSERT_GT(sms.port(), 0);
  ChannelConfig c;
  c.channel = "sms";
  c.provider = "aliyun";
  c.endpoint = sms.Endpoint();
  ASSERT_EQ(c.endpoint.rfind("https://", 0), 0u);
  c.key_id = sms.options().access_key_id;
  c.secret = sms.options().access_key_secret;
  c.sign_name = "某某人社";
  c.templates[std::string(kTemplateRemindFirst)] = {.code = "SMS_100000001"};
  c.read_timeout_ms = 2000;
  const ChannelMessage m = {.out_id = "t1", .address = kPhone, .template_name = std::string(kTemplateRemindFirst),
                            .params = {{"name", "张*"}, {"deadline", "2027年3月31日"}}};
  auto factory = MakeHttpChannelFactory();
  auto untrusted = factory->Make(c);
  ASSERT_TRUE(untrusted.has_value());
  SendResult r = (*untrusted)->Send(m);
  EXPECT_EQ(r.outcome, SendOutcome::kChannelDown) << r.provider_code;
  EXPECT_EQ(r.failure, kFailAuth);
  EXPECT_EQ(r.provider_code, "tls_verify");
  EXPECT_TRUE(sms.Records().empty());
  c.ca_file = (dir_ / "cert.pem").string();
  auto trusted = factory->Make(c);
  ASSERT_TRUE(trusted.has_value());
  SendResult ok = (*trusted)->Send(m);
  EXPECT_EQ(ok.outcome, SendOutcome::kAccepted) << ok.provider_code << " " << ok.detail;
  EXPECT_EQ(sms.CountOutId("t1"), 1u);
}

}  // namespace
}  // namespace tacit
