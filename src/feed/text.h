// Small text helpers of the feed module: UTF-8 validation, trimming, JSON
// string escaping. Internal to the feed module.
#ifndef TACIT_SRC_FEED_TEXT_H_
#define TACIT_SRC_FEED_TEXT_H_

#include <string>
#include <string_view>

namespace tacit::feed_internal {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF). Runs 8 bytes at a time over ASCII.
bool IsValidUtf8(std::string_view s);

// `s` without leading and trailing spaces and tabs.
inline std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends `s` to `out` as a JSON string literal, quotes included.
// REQUIRES: `s` is valid UTF-8.
void AppendJsonString(std::string* out, std::string_view s);

// True when `s` is shaped like a canonical kind: a lower-case ASCII letter, then
// lower-case letters, digits and underscores, at most 64 characters.
bool IsCanonicalKindShape(std::string_view s);

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_TEXT_H_
