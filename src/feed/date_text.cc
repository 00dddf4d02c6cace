#include "feed/date_text.h"

#include <array>

namespace tacit::feed_internal {
namespace {

struct KnownFormat {
  std::string_view format;
  std::string_view example;
};
constexpr std::array<KnownFormat, 5> kDateFormats = {{
    {"%Y-%m-%d", "2026-05-03"},
    {"%Y/%m/%d", "2026/5/3"},
    {"%Y%m%d", "20260503"},
    {"%Y.%m.%d", "2026.5.3"},
    {"%Y年%m月%d日", "2026年5月3日"},
}};
constexpr std::array<KnownFormat, 4> kTimeFormats = {{
    {" %H:%M:%S", " 14:30:00"},
    {"T%H:%M:%S", "T14:30:00"},
    {" %H:%M", " 14:30"},
    {"T%H:%M", "T14:30"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..2 digits (exactly 2 when `two`) at t[*pos] into *value.
bool ReadClockNumber(std::string_view t, size_t* pos, bool two, int* value) {
  size_t n = 0;
  int v = 0;
  while (*pos < t.size() && n < 2 && IsDigit(t[*pos])) {
    v = v * 10 + (t[*pos] - '0');
    ++*pos;
    ++n;
  }
  if (n == 0 || (two && n != 2)) return false;
  *value = v;
  return true;
}

// HH:MM[:SS[.fff]] with an optional "Z" or +hh:mm / -hh:mm offset.
bool IsTimeOfDay(std::string_view t) {
  size_t pos = 0;
  int h = 0, m = 0, s = 0;
  if (!ReadClockNumber(t, &pos, false, &h) || h > 23) return false;
  if (pos >= t.size() || t[pos] != ':') return false;
  ++pos;
  if (!ReadClockNumber(t, &pos, true, &m) || m > 59) return false;
  if (pos < t.size() && t[pos] == ':') {
    ++pos;
    if (!ReadClockNumber(t, &pos, true, &s) || s > 60) return false;  // 60: leap second
    if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
      ++pos;
      const size_t digits = pos;
      while (pos < t.size() && IsDigit(t[pos])) ++pos;
      if (pos == digits) return false;
    }
  }
  if (pos == t.size()) return true;
  if (t[pos] == 'Z') return pos + 1 == t.size();
  if (t[pos] == '+' || t[pos] == '-') {
    ++pos;
    int oh = 0, om = 0;
    if (!ReadClockNumber(t, &pos, true, &oh) || oh > 14) return false;
    if (pos < t.size() && t[pos] == ':') ++pos;
    if (!ReadClockNumber(t, &pos, true, &om) || om > 59) return false;
    return pos == t.size();
  }
  return false;
}

// The canonical date part's format, chosen by its separators.
std::string_view GuessDateFormat(std::string_view date) {
  for (char c : date) {
    switch (c) {
      case '-':
        return "%Y-%m-%d";
      case '/':
        return "%Y/%m/%d";
      case '.':
        return "%Y.%m.%d";
      default:
        if (static_cast<unsigned char>(c) >= 0x80) return "%Y年%m月%d日";
    }
  }
  return "%Y%m%d";
}

}  // namespace

std::optional<DateFormat> ParseFeedDateFormat(std::string_view format) {
  for (const KnownFormat& d : kDateFormats) {
    if (!format.starts_with(d.format)) continue;
    const std::string_view rest = format.substr(d.format.size());
    if (rest.empty()) {
      return DateFormat{std::string(format), std::string(d.format), std::string(d.example)};
    }
    for (const KnownFormat& t : kTimeFormats) {
      if (rest == t.format) {
        return DateFormat{std::string(format), std::string(d.format),
                          std::string(d.example) + std::string(t.example)};
      }
    }
  }
  return std::nullopt;
}

DateFormat CanonicalDateFormat() { return DateFormat{"", "", "2026-05-03"}; }

std::string SupportedDateFormatList() {
  std::string out;
  for (const KnownFormat& d : kDateFormats) {
    if (!out.empty()) out += ", ";
    out += d.format;
  }
  out += " (each optionally followed by \" %H:%M:%S\" or \"T%H:%M:%S\")";
  return out;
}

namespace {

// Reads the canonical form, exactly YYYY-MM-DD, as ParseDateFormat reads it
// with %Y-%m-%d, in a few instructions: most rows' dates are in it. False when
// `text` is not in that form (the general path then reads it).
bool ReadCanonicalDate(std::string_view text, std::optional<Date>* out) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int v[8];
  constexpr int kAt[8] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (int k = 0; k < 8; ++k) {
    v[k] = text[static_cast<size_t>(kAt[k])] - '0';
    if (v[k] < 0 || v[k] > 9) return false;
  }
  const int year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  const int month = v[4] * 10 + v[5];
  const int day = v[6] * 10 + v[7];
  *out = IsValidCivilDate(year, month, day) ? std::optional<Date>(Date::FromCivil(year, month, day)) : std::nullopt;
  return true;
}

}  // namespace

std::optional<Date> ParseFeedDate(std::string_view text, const DateFormat& format) {
  if (format.date_format.empty() || format.date_format == "%Y-%m-%d") {
    if (std::optional<Date> d; ReadCanonicalDate(text, &d)) return d;
  }
  // None of the date formats contains a space or a 'T' (年月日 are multi-byte
  // sequences whose bytes are all >= 0x80), so the first one starts the time.
  std::string_view date = text;
  size_t sep = 0;
  while (sep < text.size() && text[sep] != ' ' && text[sep] != 'T') ++sep;
  if (sep < text.size()) {
    date = text.substr(0, sep);
    std::string_view time = text.substr(sep + 1);
    while (!time.empty() && time.front() == ' ') time.remove_prefix(1);
    if (!IsTimeOfDay(time)) return std::nullopt;
  }
  if (date.empty()) return std::nullopt;
  const std::string_view f =
      format.date_format.empty() ? GuessDateFormat(date) : std::string_view(format.date_format);
  Result<Date> d = ParseDateFormat(date, f);
  if (!d) return std::nullopt;
  return *d;
}

}  // namespace tacit::feed_internal
