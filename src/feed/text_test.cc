#include "feed/text.h"

#include <gtest/gtest.h>

#include <random>
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

// UTF-8 as RFC 3629 defines it, one code point at a time: the oracle for the
// SIMD validator that IsValidUtf8 calls.
bool IsUtf8ByTheRfc(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t least = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

TEST(IsValidUtf8, AgreesWithTheRfcOnRandomText) {
  std::mt19937 rng(3629);
  const std::string_view kPieces[] = {"a", "0123456789abcdef", "王", "殡仪馆", "\xF0\x9F\x98\x80", "\xC3\xA9"};
  int valid = 0, invalid = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string text;
    const int pieces = static_cast<int>(rng() % 30);
    for (int k = 0; k < pieces; ++k) {
      if (rng() % 8 == 0) {
        text.push_back(static_cast<char>(rng() % 256));  // any byte, often breaking a sequence
      } else {
        text += kPieces[rng() % std::size(kPieces)];
      }
    }
    if (rng() % 4 == 0 && !text.empty()) text.pop_back();  // may cut a sequence short
    const bool expected = IsUtf8ByTheRfc(text);
    ASSERT_EQ(IsValidUtf8(text), expected) << testing::PrintToString(text);
    (expected ? valid : invalid) += 1;
  }
  EXPECT_GT(valid, 10000);
  EXPECT_GT(invalid, 10000);
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
