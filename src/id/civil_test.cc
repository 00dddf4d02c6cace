#include "tacit/civil.h"

#include <gtest/gtest.h>

namespace tacit {
namespace {

TEST(Date, RoundTripsThroughDaysAcrossCenturies) {
  for (int32_t d = -40000; d < 60000; d += 37) {
    Date x = Date::FromDays(d);
    EXPECT_EQ(Date::FromCivil(x.year(), x.month(), x.day()), x);
  }
  EXPECT_EQ(Date::FromCivil(2024, 2, 29).ToString(), "2024-02-29");
}

TEST(Date, ParsesTheFormatsDepartmentsUse) {
  const Date want = Date::FromCivil(2026, 5, 3);
  EXPECT_EQ(*ParseDate("2026-05-03"), want);
  EXPECT_EQ(*ParseDate("2026/5/3"), want);
  EXPECT_EQ(*ParseDate("20260503"), want);
  EXPECT_EQ(*ParseDate("2026.05.03"), want);
  EXPECT_EQ(*ParseDate("2026年5月3日"), want);
  EXPECT_EQ(*ParseDateFormat("2026/5/3", "%Y/%m/%d"), want);
  EXPECT_FALSE(ParseDateFormat("2026053", "%Y%m%d"));
  EXPECT_FALSE(ParseDateFormat("2026-05-03", "%Y/%m/%d"));
}

// Found by fuzz_id (tests/fuzz/corpus/fuzz_id/format_lone_percent): a format
// ending in a lone '%' made ParseDateFormat loop for ever.
TEST(Date, AFormatEndingInALonePercentIsRefusedNotLoopedOn) {
  EXPECT_FALSE(ParseDateFormat(" 1", "%"));
  EXPECT_FALSE(ParseDateFormat("2026-05-03%", "%Y-%m-%d%"));
  EXPECT_FALSE(ParseDateFormat("", "%"));
}

TEST(Date, RejectsDaysThatDoNotExist) {
  EXPECT_FALSE(ParseDate("2026-02-29"));
  EXPECT_FALSE(ParseDate("2026-13-01"));
  EXPECT_FALSE(ParseDate("2026-04-31"));
  EXPECT_FALSE(ParseDate("yesterday"));
  EXPECT_FALSE(ParseDate(""));
  EXPECT_TRUE(ParseDate("2024-02-29"));
}

TEST(Month, IsCivilMonthArithmetic) {
  Month m = *ParseMonth("2026-05");
  EXPECT_EQ((m + 12).ToString(), "2027-05");
  EXPECT_EQ((m - 5).ToString(), "2025-12");
  EXPECT_EQ(MonthOf(Date::FromCivil(2026, 1, 31)), Month::Of(2026, 1));
  EXPECT_EQ(Month::Of(2024, 2).LastDay(), Date::FromCivil(2024, 2, 29));
  EXPECT_EQ(*ParseMonth("202605"), m);
  EXPECT_FALSE(ParseMonth("2026-13"));
  EXPECT_FALSE(ParseMonth("2026-05-01"));
}

TEST(Money, ParsesYuanIntoFenExactly) {
  EXPECT_EQ(*ParseYuan("3120.50"), 312050);
  EXPECT_EQ(*ParseYuan("3120.5"), 312050);
  EXPECT_EQ(*ParseYuan("3120"), 312000);
  EXPECT_EQ(*ParseYuan("0.01"), 1);
  EXPECT_EQ(*ParseYuan("-12.34"), -1234);
  EXPECT_FALSE(ParseYuan("3120.505"));
  EXPECT_FALSE(ParseYuan("3,120.50"));
  EXPECT_FALSE(ParseYuan("1e3"));
  EXPECT_FALSE(ParseYuan("12."));
  EXPECT_FALSE(ParseYuan("9999999999999999"));
}

TEST(Money, FormatsFenAsYuanWithTwoDecimals) {
  EXPECT_EQ(FormatYuan(312050), "3120.50");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(-5), "-0.05");
  EXPECT_EQ(FormatYuan(0), "0.00");
}

}  // namespace
}  // namespace tacit
