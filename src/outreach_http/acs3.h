// Alibaba Cloud's V3 request signature, ACS3-HMAC-SHA256, as pure functions
// (no clock, no randomness: the date and nonce are headers the caller sets).
//
//   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
//                      CanonicalHeaders \n SignedHeaders \n hex(SHA-256(body))
//     CanonicalQueryString: each name=value RFC 3986-encoded, sorted, joined by '&' ("" when none)
//     CanonicalHeaders: "name:value\n" for each signed header, names lower case, values trimmed, sorted
//     SignedHeaders: the names joined by ';'
//   StringToSign = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))
//   Signature = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>
//
// Signed headers: host, content-type and every x-acs-* header (Alibaba asks
// that every common header but Authorization be signed). Source: "V3 request
// structure and signature", help.aliyun.com/document_detail/2593177.html,
// restated in docs/outreach-research.md §1.1.
//
//   Acs3Request r{.method = "POST", .headers = Acs3Headers(host, "SendSms", "2017-05-25", date, nonce, body), .body = body};
//   r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
//   r.headers.emplace_back("Authorization", SignAcs3(r, key_id, secret).authorization);
#ifndef TACIT_SRC_OUTREACH_HTTP_ACS3_H_
#define TACIT_SRC_OUTREACH_HTTP_ACS3_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tacit::outreach_http {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of UTF-8 bytes: A-Z a-z 0-9 - _ . ~ stay, every
// other byte is %XY in upper-case hex (a space is %20, '*' is %2A).
std::string PercentEncode(std::string_view text);
// name=value pairs percent-encoded and joined by '&', sorted by encoded name
// then value: the canonical query string, and the form body tacit sends.
std::string CanonicalQuery(const NameValues& params);

struct Acs3Request {
  std::string method = "POST";
  std::string canonical_uri = "/";
  NameValues query;    // not encoded
  NameValues headers;  // any case; the signed ones are chosen by name
  std::string body;
};

struct Acs3Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-acs-action;…"
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header's value
};

// The headers every ACS3 request carries besides content-type and
// Authorization: host, x-acs-action, x-acs-version, x-acs-date
// ("2026-11-20T08:00:00Z"), x-acs-signature-nonce and x-acs-content-sha256.
NameValues Acs3Headers(std::string_view host, std::string_view action, std::string_view version,
                       std::string_view date, std::string_view nonce, std::string_view body);

Acs3Signature SignAcs3(const Acs3Request& request, std::string_view access_key_id,
                       std::string_view access_key_secret);

// Unix milliseconds as the x-acs-date value, "yyyy-MM-ddTHH:mm:ssZ" (UTC).
std::string Acs3Date(int64_t unix_ms);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_ACS3_H_
