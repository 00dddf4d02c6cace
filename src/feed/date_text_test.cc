#include "feed/date_text.h"

#include <gtest/gtest.h>

namespace tacit::feed_internal {
namespace {

Date Day(int y, int m, int d) { return Date::FromCivil(y, m, d); }

TEST(ParseFeedDateFormat, AcceptsTheFiveDateFormatsWithOptionalTime) {
  for (const char* f : {"%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日",
                        "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M"}) {
    EXPECT_TRUE(ParseFeedDateFormat(f).has_value()) << f;
  }
  EXPECT_FALSE(ParseFeedDateFormat("%d/%m/%Y").has_value());
  EXPECT_FALSE(ParseFeedDateFormat("%Y-%m-%d %H").has_value());
  EXPECT_FALSE(ParseFeedDateFormat("").has_value());
}

TEST(ParseFeedDateFormat, GivesAnExampleForReasons) {
  EXPECT_EQ(ParseFeedDateFormat("%Y/%m/%d")->example, "2026/5/3");
  EXPECT_EQ(ParseFeedDateFormat("%Y-%m-%d %H:%M:%S")->example, "2026-05-03 14:30:00");
  EXPECT_EQ(ParseFeedDateFormat("%Y%m%d")->date_format, "%Y%m%d");
}

TEST(ParseFeedDate, ParsesEachFormat) {
  EXPECT_EQ(ParseFeedDate("2026/5/3", *ParseFeedDateFormat("%Y/%m/%d")), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026/05/03", *ParseFeedDateFormat("%Y/%m/%d")), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("20260503", *ParseFeedDateFormat("%Y%m%d")), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026年5月3日", *ParseFeedDateFormat("%Y年%m月%d日")), Day(2026, 5, 3));
  EXPECT_FALSE(ParseFeedDate("2026-05-03", *ParseFeedDateFormat("%Y/%m/%d")).has_value());
  EXPECT_FALSE(ParseFeedDate("2026/2/30", *ParseFeedDateFormat("%Y/%m/%d")).has_value());
}

TEST(ParseFeedDate, IgnoresAValidTrailingTime) {
  const DateFormat f = *ParseFeedDateFormat("%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(ParseFeedDate("2026-05-03 14:30:00", f), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026-05-03T14:30:00", f), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026-05-03 9:05:00.123", f), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026-05-03T14:30:00+08:00", f), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026-05-03", f), Day(2026, 5, 3));
  EXPECT_FALSE(ParseFeedDate("2026-05-03 25:00:00", f).has_value());
  EXPECT_FALSE(ParseFeedDate("2026-05-03 14:30:00 extra", f).has_value());
  EXPECT_FALSE(ParseFeedDate("2026-05-03 noon", f).has_value());
  EXPECT_FALSE(ParseFeedDate(" 14:30", f).has_value());
}

TEST(ParseFeedDate, CanonicalFormatAcceptsCommonSpellings) {
  const DateFormat c = CanonicalDateFormat();
  EXPECT_EQ(ParseFeedDate("2026-05-03", c), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026/5/3", c), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("20260503", c), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026.5.3", c), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026年5月3日", c), Day(2026, 5, 3));
  EXPECT_EQ(ParseFeedDate("2026-05-03 08:00:00", c), Day(2026, 5, 3));
  EXPECT_FALSE(ParseFeedDate("03/05/2026", c).has_value());
  EXPECT_FALSE(ParseFeedDate("yesterday", c).has_value());
}

// ParseFeedDate reads YYYY-MM-DD without the general parser; it must say
// exactly what the general parser says about every such text.
TEST(ParseFeedDate, ReadsTenCharacterDatesAsTheGeneralParserDoes) {
  const DateFormat canonical = CanonicalDateFormat();
  const DateFormat dashed = *ParseFeedDateFormat("%Y-%m-%d");
  int accepted = 0, refused = 0;
  const auto check = [&](const std::string& text) {
    const Result<Date> general = ParseDateFormat(text, "%Y-%m-%d");
    for (const DateFormat* f : {&canonical, &dashed}) {
      const std::optional<Date> fast = ParseFeedDate(text, *f);
      ASSERT_EQ(fast.has_value(), general.has_value()) << text;
      if (fast) {
        ASSERT_EQ(*fast, *general) << text;
      }
    }
    (general ? accepted : refused) += 1;
  };
  char buf[16];
  for (int year : {0, 1799, 1800, 1900, 2000, 2024, 2026, 2100, 9999}) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
        check(buf);
      }
    }
  }
  for (const char* text : {"2026-0a-03", "2026-05/03", "20x6-05-03",
                           "2026--5-03", "+026-05-03", "2026-05-0:"}) {
    check(text);
  }
  EXPECT_GT(accepted, 2500);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace tacit::feed_internal
