#include "outreach_http/acs3.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "tacit/secrets.h"

namespace tacit::outreach_http {

namespace {

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Signed(const std::string& lower_name) {
  return lower_name == "host" || lower_name == "content-type" || lower_name.starts_with("x-acs-");
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (Unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalQuery(const NameValues& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [name, value] : params) encoded.emplace_back(PercentEncode(name), PercentEncode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

NameValues Acs3Headers(std::string_view host, std::string_view action, std::string_view version,
                       std::string_view date, std::string_view nonce, std::string_view body) {
  return {{"host", std::string(host)},
          {"x-acs-action", std::string(action)},
          {"x-acs-version", std::string(version)},
          {"x-acs-date", std::string(date)},
          {"x-acs-signature-nonce", std::string(nonce)},
          {"x-acs-content-sha256", Sha256Hex(body)}};
}

Acs3Signature SignAcs3(const Acs3Request& request, std::string_view access_key_id,
                       std::string_view access_key_secret) {
  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (Signed(lower)) signed_headers.emplace_back(std::move(lower), std::string(Trim(value)));
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  Acs3Signature s;
  std::string canonical_headers;
  for (const auto& [name, value] : signed_headers) {
    canonical_headers += name + ':' + value + '\n';
    if (!s.signed_headers.empty()) s.signed_headers += ';';
    s.signed_headers += name;
  }
  s.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.canonical_uri,
                                    CanonicalQuery(request.query), canonical_headers, s.signed_headers,
                                    Sha256Hex(request.body));
  s.string_to_sign = "ACS3-HMAC-SHA256\n" + Sha256Hex(s.canonical_request);
  s.signature = HmacSha256Hex(access_key_secret, s.string_to_sign);
  s.authorization = fmt::format("ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}", access_key_id,
                                s.signed_headers, s.signature);
  return s;
}

std::string Acs3Date(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace tacit::outreach_http
