// Small helpers of the stand-in gateways (test-only). Written apart from
// tacit's own code on purpose: the Alibaba stand-in verifies signatures with
// these, so that a mistake in tacit's signer is not repeated by its judge.
#ifndef TACIT_TESTS_STANDIN_STANDIN_UTIL_H_
#define TACIT_TESTS_STANDIN_STANDIN_UTIL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tacit::standin {

// Unix milliseconds, UTC.
using Clock = std::function<int64_t()>;
int64_t SystemNowMs();

std::string HexOf(const unsigned char* bytes, size_t n);
std::string Sha256HexOf(std::string_view data);                          // OpenSSL SHA256()
std::string HmacSha256HexOf(std::string_view key, std::string_view data);  // OpenSSL HMAC()
bool SameBytes(std::string_view a, std::string_view b);                    // CRYPTO_memcmp

// Decodes %XY and '+' (a space, as in HTML forms). False on a malformed escape.
bool UrlDecode(std::string_view in, std::string& out);
// Encodes everything but A-Z a-z 0-9 - _ . ~ as %XY.
std::string UrlEncode(std::string_view in);
// "a=1&b=2" into decoded pairs, in order. False on a malformed escape.
bool SplitForm(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);

// Number of UTF-8 code points (bytes that are not continuation bytes).
size_t Utf8Length(std::string_view s);
// 32 random hex digits, upper case, with dashes as a UUID: a RequestId.
std::string RequestId();
// "yyyyMMdd" and "yyyy-MM-dd HH:mm:ss" of a Unix time in Beijing time (UTC+8).
std::string BeijingDay(int64_t unix_ms);
std::string BeijingTime(int64_t unix_ms);

}  // namespace tacit::standin

#endif  // TACIT_TESTS_STANDIN_STANDIN_UTIL_H_
