// The stand-ins' own checks, driven by raw HTTP requests: the Alibaba
// stand-in's verifier accepts the openssl-computed known answer of
// src/outreach_http/acs3_test.cc and refuses forged, stale, replayed and
// half-signed requests; the WeChat stand-in's tokens behave as the stable
// token does.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "outreach_http/acs3.h"
#include "standin/aliyun_standin.h"
#include "standin/wechat_standin.h"
#include "tacit/secrets.h"

namespace tacit::standin {
namespace {

using nlohmann::json;
using outreach_http::Acs3Headers;
using outreach_http::Acs3Request;
using outreach_http::CanonicalQuery;
using outreach_http::NameValues;
using outreach_http::SignAcs3;

constexpr int64_t kKatNowMs = 1'795'132'800'000;  // 2026-11-20T00:00:00Z

struct Signed {
  httplib::Headers headers;
  std::string body;
};

// A SendSms request signed by tacit's signer, with hooks to spoil it.
Signed SendSms(const AliyunSmsStandIn& sms, const NameValues& params, const std::string& date,
               const std::string& nonce, const std::string& secret) {
  Acs3Request r;
  r.body = CanonicalQuery(params);
  r.headers = Acs3Headers("127.0.0.1:" + std::to_string(sms.port()), "SendSms", "2017-05-25", date, nonce, r.body);
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  Signed s;
  for (const auto& [k, v] : r.headers) s.headers.emplace(k, v);
  s.headers.emplace("Authorization", SignAcs3(r, sms.options().access_key_id, secret).authorization);
  s.body = r.body;
  return s;
}

NameValues GoodParams() {
  return {{"PhoneNumbers", "13912345678"},
          {"SignName", "某某人社"},
          {"TemplateCode", "SMS_100000001"},
          {"TemplateParam", R"({"name":"张*","deadline":"2027年3月31日"})"},
          {"OutId", "s1"}};
}

json Post(AliyunSmsStandIn& sms, const Signed& s, int* status = nullptr) {
  httplib::Client client("127.0.0.1", sms.port());
  auto res = client.Post("/", s.headers, s.body, "application/x-www-form-urlencoded");
  if (!res) return json();
  if (status != nullptr) *status = res->status;
  return json::parse(res->body, nullptr, false);
}

TEST(AliyunSmsStandIn, AcceptsTheKnownAnswerVector) {
  AliyunSmsStandIn sms({.access_key_id = "LTAI5tExampleKeyId",
                        .access_key_secret = "testSecret/with+odd=chars",
                        .now_ms = [] { return kKatNowMs; }});
  // The request of SignAcs3.SendSmsWithAFormBodyMatchesTheKnownAnswer, byte
  // for byte, with the signature openssl computed.
  const std::string body =
      "OutId=m42&PhoneNumbers=13912345678&SignName=%E6%9F%90%E6%9F%90%E4%BA%BA%E7%A4%BE&TemplateCode=SMS_100000001"
      "&TemplateParam=%7B%22deadline%22%3A%222027%E5%B9%B43%E6%9C%8831%E6%97%A5%22%2C%22name%22%3A%22%E5%BC%A0%2A%22"
      "%7D";
  httplib::Headers h = {
      {"host", "dysmsapi.aliyuncs.com"},
      {"x-acs-action", "SendSms"},
      {"x-acs-version", "2017-05-25"},
      {"x-acs-date", "2026-11-20T00:00:00Z"},
      {"x-acs-signature-nonce", "3f2b8c1e9d7a4b6c8e0f1a2b3c4d5e6f"},
      {"x-acs-content-sha256", "c1126d5f4a6b8570d5883a518631ce70faa0beb687f0747754e7137bf9d6e9ce"},
      {"Authorization",
       "ACS3-HMAC-SHA256 Credential=LTAI5tExampleKeyId,SignedHeaders=content-type;host;x-acs-action;"
       "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
       "Signature=5b53212d26772407be826611e29331d4bf6cc7b0a7a3f15ef09616d76ddd30c8"}};
  json answer = Post(sms, {h, body});
  EXPECT_EQ(answer.value("Code", ""), "OK") << answer.dump();
  ASSERT_EQ(sms.Records().size(), 1u);
  EXPECT_EQ(sms.Records()[0].out_id, "m42");
  EXPECT_EQ(sms.Records()[0].params.at("name"), "张*");
}

TEST(AliyunSmsStandIn, RefusesForgedStaleReplayedAndHalfSignedRequests) {
  AliyunSmsStandIn sms;
  const std::string secret = sms.options().access_key_secret;
  const std::string now = outreach_http::Acs3Date(SystemNowMs());
  int status = 0;
  Signed good = SendSms(sms, GoodParams(), now, "nonce-1", secret);
  EXPECT_EQ(Post(sms, good, &status).value("Code", ""), "OK");
  EXPECT_EQ(status, 200);
  // The same request again: the nonce was used.
  EXPECT_EQ(Post(sms, good, &status).value("Code", ""), "SignatureNonceUsed");
  EXPECT_EQ(status, 400);
  // The body changed after signing.
  Signed body = SendSms(sms, GoodParams(), now, "nonce-2", secret);
  body.body.replace(body.body.find("13912345678"), 11, "13912345679");
  EXPECT_EQ(Post(sms, body).value("Code", ""), "SignatureDoesNotMatch");
  // A signed header changed after signing.
  Signed header = SendSms(sms, GoodParams(), now, "nonce-3", secret);
  header.headers.find("x-acs-signature-nonce")->second = "nonce-3b";
  EXPECT_EQ(Post(sms, header).value("Code", ""), "SignatureDoesNotMatch");
  // Another secret.
  EXPECT_EQ(Post(sms, SendSms(sms, GoodParams(), now, "nonce-4", "guess")).value("Code", ""), "SignatureDoesNotMatch");
  // Sixteen minutes old, correctly signed.
  const std::string stale = outreach_http::Acs3Date(SystemNowMs() - 16 * 60 * 1000);
  EXPECT_EQ(Post(sms, SendSms(sms, GoodParams(), stale, "nonce-5", secret)).value("Code", ""),
            "InvalidTimeStamp.Expired");
  // The nonce left out of SignedHeaders.
  Signed half = SendSms(sms, GoodParams(), now, "nonce-6", secret);
  std::string& auth = half.headers.find("Authorization")->second;
  auth.replace(auth.find("x-acs-signature-nonce;"), 22, "");
  EXPECT_EQ(Post(sms, half).value("Code", ""), "IncompleteSignature");
  EXPECT_EQ(sms.Records().size(), 1u);
}

TEST(AliyunSmsStandIn, ChecksTheTemplateVariablesAndTheNumber) {
  AliyunSmsStandIn sms;
  const std::string secret = sms.options().access_key_secret;
  const std::string now = outreach_http::Acs3Date(SystemNowMs());
  int n = 0;
  const auto code_of = [&](NameValues params) {
    return Post(sms, SendSms(sms, params, now, "n" + std::to_string(++n), secret)).value("Code", "");
  };
  NameValues number_value = GoodParams();
  number_value[3].second = R"({"name":"张*","deadline":20270331})";
  EXPECT_EQ(code_of(number_value), "isv.INVALID_JSON_PARAM");
  NameValues extra = GoodParams();
  extra[3].second = R"({"name":"张*","deadline":"x","point":"y"})";
  EXPECT_EQ(code_of(extra), "isv.INVALID_PARAMETERS");
  NameValues url = GoodParams();
  url[3].second = R"({"name":"https://x.cn","deadline":"x"})";
  EXPECT_EQ(code_of(url), "isv.PARAM_NOT_SUPPORT_URL");
  NameValues prefixed = GoodParams();
  prefixed[0].second = "+8613912345678";
  EXPECT_EQ(code_of(prefixed), "OK");
  NameValues landline = GoodParams();
  landline[0].second = "03512345678";
  EXPECT_EQ(code_of(landline), "isv.MOBILE_NUMBER_ILLEGAL");
  EXPECT_EQ(sms.Records().at(0).phone, "13912345678");
}

TEST(WeChatStandIn, StableTokenIsTheSameUntilForcedAndForcingIsSpaced) {
  WeChatStandIn wx;
  httplib::Client client("127.0.0.1", wx.port());
  const auto fetch = [&](bool force, const std::string& secret) {
    json body = {{"grant_type", "client_credential"},
                 {"appid", wx.options().appid},
                 {"secret", secret},
                 {"force_refresh", force}};
    auto res = client.Post("/cgi-bin/stable_token", body.dump(), "application/json");
    return res ? json::parse(res->body, nullptr, false) : json();
  };
  const json first = fetch(false, wx.options().appsecret);
  ASSERT_TRUE(first.contains("access_token")) << first.dump();
  EXPECT_EQ(first["expires_in"], 7200);
  EXPECT_EQ(fetch(false, wx.options().appsecret)["access_token"], first["access_token"]);
  const json forced = fetch(true, wx.options().appsecret);
  EXPECT_NE(forced["access_token"], first["access_token"]);
  EXPECT_EQ(fetch(true, wx.options().appsecret)["errcode"], 45011);
  EXPECT_EQ(fetch(false, "wrong")["errcode"], 40125);
  // The forced refresh invalidated the first token.
  auto res = client.Post("/cgi-bin/message/template/send?access_token=" + first["access_token"].get<std::string>(),
                         R"({"touser":"x","template_id":"y","data":{}})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["errcode"], 40001);
  EXPECT_EQ(wx.TokenFetches(), 3);
  EXPECT_EQ(wx.ForcedFetches(), 1);
}

}  // namespace
}  // namespace tacit::standin
