#include "tacit/civil.h"

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <limits>

namespace tacit {
namespace {

// Days from 1970-01-01 to a civil date, and back: the well-known era-based
// conversion for the proleptic Gregorian calendar (400-year eras of 146097 days).
constexpr int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

struct Ymd {
  int y;
  unsigned m;
  unsigned d;
};

constexpr Ymd CivilFromDays(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Ymd{y + (m <= 2), m, d};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11017);

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

// Reads exactly `min..max` ASCII digits at text[pos...]; advances pos.
bool ReadNumber(std::string_view text, size_t& pos, int min_digits, int max_digits, int& out) {
  int n = 0;
  int value = 0;
  while (pos < text.size() && n < max_digits && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos] - '0');
    ++pos;
    ++n;
  }
  if (n < min_digits) return false;
  out = value;
  return true;
}

bool ReadLiteral(std::string_view text, size_t& pos, std::string_view lit) {
  if (text.substr(pos, lit.size()) != lit) return false;
  pos += lit.size();
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsValidCivilDate(int year, int month, int day) {
  return year >= 1800 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

Date Date::FromCivil(int year, int month, int day) {
  return Date(DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}
int Date::year() const { return CivilFromDays(days_).y; }
int Date::month() const { return static_cast<int>(CivilFromDays(days_).m); }
int Date::day() const { return static_cast<int>(CivilFromDays(days_).d); }

std::string Date::ToString() const {
  const Ymd c = CivilFromDays(days_);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.y, c.m, c.d);
  return buf;
}

Date Month::FirstDay() const { return Date::FromCivil(year(), month(), 1); }
Date Month::LastDay() const { return Date::FromCivil(year(), month(), DaysInMonth(year(), month())); }

std::string Month::ToString() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year(), month());
  return buf;
}

Month MonthOf(Date d) {
  const Ymd c = CivilFromDays(d.days());
  return Month::Of(c.y, static_cast<int>(c.m));
}

Result<Date> ParseDateFormat(std::string_view text, std::string_view format) {
  text = Trim(text);
  size_t pos = 0;
  int y = -1, m = -1, d = -1;
  // In a format without separators (%Y%m%d) month and day have exactly two
  // digits; with separators (2026/5/3) they may have one.
  const bool packed = format.find_first_not_of("%Ymd") == std::string_view::npos;
  for (size_t f = 0; f < format.size();) {
    if (format[f] == '%') {
      // A lone '%' at the end is no directive; taken as a literal it would be
      // an empty run, and the loop would never move past it.
      if (f + 1 == format.size()) return InvalidArgument("a date format must not end in a lone %");
      const char spec = format[f + 1];
      f += 2;
      bool ok = false;
      if (spec == 'Y') ok = ReadNumber(text, pos, 4, 4, y);
      else if (spec == 'm') ok = ReadNumber(text, pos, packed ? 2 : 1, 2, m);
      else if (spec == 'd') ok = ReadNumber(text, pos, packed ? 2 : 1, 2, d);
      else return InvalidArgument(std::string("unsupported date format directive %") + spec);
      if (!ok) break;
    } else {
      // A literal run up to the next directive (may be multi-byte, e.g. 年).
      size_t end = format.find('%', f);
      if (end == std::string_view::npos) end = format.size();
      if (!ReadLiteral(text, pos, format.substr(f, end - f))) {
        pos = std::string_view::npos;
        break;
      }
      f = end;
    }
  }
  if (pos != text.size() || y < 0 || m < 0 || d < 0) {
    return InvalidArgument("expected a date in the format " + std::string(format));
  }
  if (!IsValidCivilDate(y, m, d)) {
    return InvalidArgument("not a calendar date (month 1-12, day within the month)");
  }
  return Date::FromCivil(y, m, d);
}

Result<Date> ParseDate(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return InvalidArgument("expected a date like 2026-05-03, got nothing");
  static constexpr std::string_view kFormats[] = {"%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d",
                                                  "%Y年%m月%d日"};
  for (std::string_view f : kFormats) {
    auto d = ParseDateFormat(text, f);
    if (d) return d;
    if (d.error().message.starts_with("not a calendar")) return d;
  }
  return InvalidArgument("expected a date like 2026-05-03");
}

Result<Month> ParseMonth(std::string_view text) {
  text = Trim(text);
  size_t pos = 0;
  int y = 0, m = 0;
  if (!ReadNumber(text, pos, 4, 4, y)) return InvalidArgument("expected a month like 2026-05");
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '/' || text[pos] == '.')) {
    ++pos;
    if (!ReadNumber(text, pos, 1, 2, m)) return InvalidArgument("expected a month like 2026-05");
  } else if (!ReadNumber(text, pos, 2, 2, m)) {
    return InvalidArgument("expected a month like 2026-05");
  }
  if (pos != text.size() || m < 1 || m > 12 || y < 1800) {
    return InvalidArgument("expected a month like 2026-05 (month 01-12)");
  }
  return Month::Of(y, m);
}

Result<Fen> ParseYuan(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return InvalidArgument("expected an amount in yuan like 3120.50, got nothing");
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || (dot != std::string_view::npos && frac.empty()) ||
      frac.size() > 2) {
    return InvalidArgument("expected an amount in yuan with at most two decimals, like 3120.50");
  }
  int64_t fen = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return InvalidArgument("expected an amount in yuan like 3120.50 (digits only)");
    fen = fen * 10 + (c - '0');
  }
  int64_t cents = 0;
  for (size_t i = 0; i < 2; ++i) {
    const char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return InvalidArgument("expected an amount in yuan like 3120.50 (digits only)");
    cents = cents * 10 + (c - '0');
  }
  fen = fen * 100 + cents;
  return negative ? -fen : fen;
}

std::string FormatYuan(Fen fen) {
  const bool negative = fen < 0;
  const uint64_t abs = negative ? static_cast<uint64_t>(-(fen + 1)) + 1 : static_cast<uint64_t>(fen);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", negative ? "-" : "",
                static_cast<unsigned long long>(abs / 100), static_cast<unsigned long long>(abs % 100));
  return buf;
}

Date Today() {
  if (const char* fixed = std::getenv("TACIT_TODAY"); fixed != nullptr && *fixed != '\0') {
    if (auto d = ParseDate(fixed)) return *d;
  }
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date::FromCivil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

std::string NowUtcText() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace tacit
