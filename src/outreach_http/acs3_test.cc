#include "outreach_http/acs3.h"

#include <gtest/gtest.h>

#include "tacit/secrets.h"

namespace tacit::outreach_http {
namespace {

TEST(PercentEncode, KeepsOnlyTheUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(PercentEncode("a b*+/=&"), "a%20b%2A%2B%2F%3D%26");
  EXPECT_EQ(PercentEncode("张"), "%E5%BC%A0");
}

TEST(CanonicalQuery, SortsByTheEncodedName) {
  EXPECT_EQ(CanonicalQuery({{"b", "2 3"}, {"a", "*"}, {"A", "x"}, {"c", "中~"}}), "A=x&a=%2A&b=2%203&c=%E4%B8%AD~");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(Acs3Date, IsUtcWithoutFractions) {
  EXPECT_EQ(Acs3Date(1'795'132'800'000), "2026-11-20T00:00:00Z");
  EXPECT_EQ(Acs3Date(1'767'323'045'999), "2026-01-02T03:04:05Z");
}

// Known answers computed apart from this code, with the openssl command and
// Python's urllib (2026-05, OpenSSL 3.0, Python 3.11):
//
//   python3 -c 'from urllib.parse import quote; p={...}; print("&".join(quote(k,safe="")+"="+quote(v,safe="")
//               for k,v in sorted(p.items())), end="")' > body.txt          # the form body below
//   BODYHASH=$(openssl dgst -sha256 -r body.txt | cut -d" " -f1)
//   printf 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:dysmsapi.aliyuncs.com\n
//           x-acs-action:SendSms\nx-acs-content-sha256:%s\nx-acs-date:2026-11-20T00:00:00Z\n
//           x-acs-signature-nonce:3f2b8c1e9d7a4b6c8e0f1a2b3c4d5e6f\nx-acs-version:2017-05-25\n\n
//           content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n%s'
//          $BODYHASH $BODYHASH > creq.txt                                   # (one line in the shell)
//   printf 'ACS3-HMAC-SHA256\n%s' $(openssl dgst -sha256 -r creq.txt | cut -d" " -f1) > sts.txt
//   openssl dgst -sha256 -hmac 'testSecret/with+odd=chars' -r sts.txt
TEST(SignAcs3, SendSmsWithAFormBodyMatchesTheKnownAnswer) {
  const std::string body =
      "OutId=m42&PhoneNumbers=13912345678&SignName=%E6%9F%90%E6%9F%90%E4%BA%BA%E7%A4%BE&TemplateCode=SMS_100000001"
      "&TemplateParam=%7B%22deadline%22%3A%222027%E5%B9%B43%E6%9C%8831%E6%97%A5%22%2C%22name%22%3A%22%E5%BC%A0%2A%22"
      "%7D";
  // The adapter builds the same body from the parameters.
  EXPECT_EQ(CanonicalQuery({{"PhoneNumbers", "13912345678"},
                            {"SignName", "某某人社"},
                            {"TemplateCode", "SMS_100000001"},
                            {"TemplateParam", R"({"deadline":"2027年3月31日","name":"张*"})"},
                            {"OutId", "m42"}}),
            body);
  const std::string body_hash = "c1126d5f4a6b8570d5883a518631ce70faa0beb687f0747754e7137bf9d6e9ce";
  Acs3Request r;
  r.method = "POST";
  r.canonical_uri = "/";
  r.body = body;
  r.headers = Acs3Headers("dysmsapi.aliyuncs.com", "SendSms", "2017-05-25", "2026-11-20T00:00:00Z",
                          "3f2b8c1e9d7a4b6c8e0f1a2b3c4d5e6f", body);
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  const Acs3Signature s = SignAcs3(r, "LTAI5tExampleKeyId", "testSecret/with+odd=chars");
  EXPECT_EQ(s.canonical_request,
            "POST\n/\n\n"
            "content-type:application/x-www-form-urlencoded\n"
            "host:dysmsapi.aliyuncs.com\n"
            "x-acs-action:SendSms\n"
            "x-acs-content-sha256:" + body_hash + "\n"
            "x-acs-date:2026-11-20T00:00:00Z\n"
            "x-acs-signature-nonce:3f2b8c1e9d7a4b6c8e0f1a2b3c4d5e6f\n"
            "x-acs-version:2017-05-25\n\n"
            "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
                body_hash);
  EXPECT_EQ(s.string_to_sign, "ACS3-HMAC-SHA256\n03fd4d095c1f14bbad2de7347c45a24750dc3860712bf7905f8e1ebb6e0dc97a");
  EXPECT_EQ(s.signature, "5b53212d26772407be826611e29331d4bf6cc7b0a7a3f15ef09616d76ddd30c8");
  EXPECT_EQ(s.authorization,
            "ACS3-HMAC-SHA256 Credential=LTAI5tExampleKeyId,SignedHeaders=content-type;host;x-acs-action;"
            "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
            "Signature=5b53212d26772407be826611e29331d4bf6cc7b0a7a3f15ef09616d76ddd30c8");
}

// The second vector: a GET with a query string and a base path, header names
// in mixed case with padded values, and a header that is not signed. The
// canonical request was written by hand and hashed and signed as above:
//   printf 'GET\n/prefix/api\nA=x&a=%%2A&b=2%%203&c=%%E4%%B8%%AD~\nhost:127.0.0.1:8080\n…' > creq2.txt
//   printf 'ACS3-HMAC-SHA256\n%s' $(openssl dgst -sha256 -r creq2.txt | cut -d" " -f1) > sts2.txt
//   openssl dgst -sha256 -hmac 'k' -r sts2.txt
TEST(SignAcs3, QueryStringHeaderCaseAndTrimMatchTheKnownAnswer) {
  const std::string empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  Acs3Request r;
  r.method = "GET";
  r.canonical_uri = "/prefix/api";
  r.query = {{"b", "2 3"}, {"a", "*"}, {"A", "x"}, {"c", "中~"}};
  r.headers = {{"X-Acs-Version", "2017-05-25"},
               {"Host", "127.0.0.1:8080"},
               {"x-acs-action", "  QuerySendDetails "},
               {"Accept", "application/json"},
               {"x-acs-date", "2026-01-02T03:04:05Z"},
               {"x-acs-signature-nonce", "n1"},
               {"x-acs-content-sha256", Sha256Hex("")}};
  const Acs3Signature s = SignAcs3(r, "id", "k");
  EXPECT_EQ(s.canonical_request,
            "GET\n/prefix/api\nA=x&a=%2A&b=2%203&c=%E4%B8%AD~\n"
            "host:127.0.0.1:8080\n"
            "x-acs-action:QuerySendDetails\n"
            "x-acs-content-sha256:" + empty_hash + "\n"
            "x-acs-date:2026-01-02T03:04:05Z\n"
            "x-acs-signature-nonce:n1\n"
            "x-acs-version:2017-05-25\n\n"
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
                empty_hash);
  EXPECT_EQ(s.string_to_sign, "ACS3-HMAC-SHA256\neeca64b1b8335573c738585945312d7b0d1f8e1e58b2323df0493e03c289d619");
  EXPECT_EQ(s.signature, "c5a1fb66e9642ac51c46294254cbbece50bd3b9cb6ff38f9ed3e15a34da5766d");
  EXPECT_EQ(s.signed_headers, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
}

TEST(SignAcs3, AnyChangeToTheBodyOrASignedHeaderChangesTheSignature) {
  Acs3Request r;
  r.body = "PhoneNumbers=13912345678";
  r.headers = Acs3Headers("h", "SendSms", "2017-05-25", "2026-11-20T00:00:00Z", "n", r.body);
  const std::string base = SignAcs3(r, "id", "k").signature;
  Acs3Request other = r;
  other.body = "PhoneNumbers=13912345679";
  EXPECT_NE(SignAcs3(other, "id", "k").signature, base);
  other = r;
  other.headers[4].second = "n2";  // the nonce
  EXPECT_NE(SignAcs3(other, "id", "k").signature, base);
  EXPECT_NE(SignAcs3(r, "id", "k2").signature, base);
  other = r;
  other.headers.emplace_back("User-Agent", "x");  // not signed
  EXPECT_EQ(SignAcs3(other, "id", "k").signature, base);
}

}  // namespace
}  // namespace tacit::outreach_http
