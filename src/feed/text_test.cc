#include "feed/text.h"

#include <gtest/gtest.h>

#include <string>

namespace tacit::feed_internal {
namespace {

TEST(IsValidUtf8, AcceptsAsciiAndChinese) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("殡仪馆,火化日期 2026年5月3日"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600, 4 bytes
}

TEST(IsValidUtf8, RejectsMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xB9\xFD"));          // GBK bytes
  EXPECT_FALSE(IsValidUtf8("abc\xE6\xAE"));       // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("12345678\xFF"));      // after the 8-byte fast path
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\x01 殡");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 殡\"");
}

TEST(IsCanonicalKindShape, AcceptsLowerCaseIdentifiersOnly) {
  EXPECT_TRUE(IsCanonicalKindShape("hospital_admission"));
  EXPECT_TRUE(IsCanonicalKindShape("travel2"));
  EXPECT_FALSE(IsCanonicalKindShape("Cremation"));
  EXPECT_FALSE(IsCanonicalKindShape("2travel"));
  EXPECT_FALSE(IsCanonicalKindShape("火化"));
  EXPECT_FALSE(IsCanonicalKindShape(""));
}

TEST(TrimSpaces, RemovesSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(TrimSpaces(" \ta b\t "), "a b");
  EXPECT_EQ(TrimSpaces("   "), "");
}

}  // namespace
}  // namespace tacit::feed_internal
