// Civil dates, civil months and money: the value types every rule uses.
//
// A Date is a day in the proleptic Gregorian calendar, stored as days since
// 1970-01-01. A Month is a civil month (2026-05), stored as year*12 + (month-1),
// so that "the 13th month after" is plain arithmetic. Money is integer fen
// (1 yuan = 100 fen); no floating point ever touches an amount.
//
//   Result<Date> d = ParseDate("2026-05-03");   // also 2026/5/3, 20260503
//   Month m = MonthOf(*d);                       // 2026-05
//   Month due = m + 12;                           // 2027-05
//   Result<Fen> a = ParseYuan("3120.50");        // 312050 fen
//   FormatYuan(312050) == "3120.50"
#ifndef TACIT_CIVIL_H_
#define TACIT_CIVIL_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "tacit/result.h"

namespace tacit {

// Integer fen. Positive for money the fund pays or is owed.
using Fen = int64_t;

class Date {
 public:
  constexpr Date() = default;
  static constexpr Date FromDays(int32_t days_since_epoch) { return Date(days_since_epoch); }
  // REQUIRES: a valid civil date (use ParseDate or IsValidCivilDate for input).
  static Date FromCivil(int year, int month, int day);

  constexpr int32_t days() const { return days_; }
  int year() const;
  int month() const;  // 1..12
  int day() const;    // 1..31
  std::string ToString() const;  // YYYY-MM-DD

  constexpr Date operator+(int32_t n) const { return Date(days_ + n); }
  constexpr Date operator-(int32_t n) const { return Date(days_ - n); }
  constexpr int32_t operator-(Date o) const { return days_ - o.days_; }
  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(int32_t d) : days_(d) {}
  int32_t days_ = 0;
};

class Month {
 public:
  constexpr Month() = default;
  static constexpr Month FromIndex(int32_t index) { return Month(index); }
  // REQUIRES: 1 <= month <= 12.
  static constexpr Month Of(int year, int month) { return Month(year * 12 + (month - 1)); }

  constexpr int32_t index() const { return index_; }
  constexpr int year() const { return index_ / 12; }
  constexpr int month() const { return index_ % 12 + 1; }
  Date FirstDay() const;
  Date LastDay() const;
  std::string ToString() const;  // YYYY-MM

  constexpr Month operator+(int32_t n) const { return Month(index_ + n); }
  constexpr Month operator-(int32_t n) const { return Month(index_ - n); }
  constexpr int32_t operator-(Month o) const { return index_ - o.index_; }
  constexpr Month& operator++() { ++index_; return *this; }
  constexpr auto operator<=>(const Month&) const = default;

 private:
  constexpr explicit Month(int32_t i) : index_(i) {}
  int32_t index_ = 0;
};

Month MonthOf(Date d);
bool IsValidCivilDate(int year, int month, int day);

// Parses YYYY-MM-DD. Also accepts YYYY/M/D, YYYY.M.D and YYYYMMDD, which partner
// departments use. Errors name what was expected, not the input's personal data.
Result<Date> ParseDate(std::string_view text);
// Parses a date in one explicit format: "%Y-%m-%d", "%Y/%m/%d" (month and day may
// have one digit), "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日".
Result<Date> ParseDateFormat(std::string_view text, std::string_view format);
// Parses YYYY-MM (also YYYYMM and YYYY/M).
Result<Month> ParseMonth(std::string_view text);

// Parses yuan with at most two decimals ("3120.5", "3120.50", "3120") into fen.
// Rejects signs other than a leading '-', more than two decimals, and overflow.
Result<Fen> ParseYuan(std::string_view text);
// Formats fen as yuan with two decimals: 312050 -> "3120.50", -5 -> "-0.05".
std::string FormatYuan(Fen fen);

// Today's date from an injectable clock (tests set TACIT_TODAY=YYYY-MM-DD).
Date Today();

// The current time as ISO 8601 UTC ("2026-11-27T21:57:22Z"), for records of
// when something was done.
std::string NowUtcText();

}  // namespace tacit

#endif  // TACIT_CIVIL_H_
