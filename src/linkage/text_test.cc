#include <gtest/gtest.h>

#include "linkage/test_util.h"
#include "linkage/utf8.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

using linkage_internal::DecodeUtf8;

TEST(NormalizeName, FullWidthFormsBecomeAsciiAndLettersUpperCase) {
  EXPECT_EQ(NormalizeName("ＷＡＮＧ ｗｅｉ"), "WANGWEI");
  EXPECT_EQ(NormalizeName("王秀英１"), "王秀英1");
}

TEST(NormalizeName, SpacesOfEveryWidthAreRemoved) {
  EXPECT_EQ(NormalizeName(" 王 秀\t英 "), "王秀英");
  EXPECT_EQ(NormalizeName("王\u3000秀英"), "王秀英");   // ideographic space
  EXPECT_EQ(NormalizeName("王\u00A0秀英"), "王秀英");   // no-break space
}

TEST(NormalizeName, MiddleDotsOfMinorityNamesAreUnified) {
  const std::string want = "阿卜杜\u00B7热合曼";
  EXPECT_EQ(NormalizeName("阿卜杜·热合曼"), want);
  EXPECT_EQ(NormalizeName("阿卜杜•热合曼"), want);       // U+2022 bullet
  EXPECT_EQ(NormalizeName("阿卜杜・热合曼"), want);      // U+30FB katakana middle dot
  EXPECT_EQ(NormalizeName("阿卜杜‧热合曼"), want);       // U+2027 hyphenation point
  EXPECT_EQ(NormalizeName("阿卜杜．热合曼"), want);      // full-width full stop
  EXPECT_EQ(NormalizeName("阿卜杜 · 热合曼"), want);     // spaces around the dot
}

TEST(NormalizeName, MalformedUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(NormalizeName("王\xff"), "王\uFFFD");
  EXPECT_EQ(NormalizeName(""), "");
}

TEST(Utf8, RoundTripsAndRejectsOverlongAndSurrogates) {
  EXPECT_EQ(DecodeUtf8("a华𠀀"), std::u32string(U"a华𠀀"));
  EXPECT_EQ(linkage_internal::EncodeUtf8(U"a华𠀀"), "a华𠀀");
  EXPECT_EQ(DecodeUtf8("\xC0\xAF"), std::u32string(U"\uFFFD\uFFFD"));      // overlong '/'
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80"), std::u32string(U"\uFFFD\uFFFD\uFFFD"));  // surrogate
}

TEST(SurnameLength, CompoundSurnamesAreTwoCharacters) {
  EXPECT_EQ(SurnameLength(U"欧阳锋"), 2u);
  EXPECT_EQ(SurnameLength(U"司马光"), 2u);
  EXPECT_EQ(SurnameLength(U"诸葛亮"), 2u);
  EXPECT_EQ(SurnameLength(U"上官婉儿"), 2u);
  EXPECT_EQ(SurnameLength(U"王秀英"), 1u);
  EXPECT_EQ(SurnameLength(U"欧明"), 1u);
}

TEST(SurnameLength, ATwoCharacterNameIsSurnameAndGivenName) {
  EXPECT_EQ(SurnameLength(U"欧阳"), 1u);
  EXPECT_EQ(SurnameLength(U""), 0u);
}

TEST(SurnameLength, ADottedNameHasItsFirstPartInstead) {
  EXPECT_EQ(SurnameLength(U"阿卜杜\u00B7热合曼"), 3u);
}

TEST(Simplifier, ConvertsTraditionalCharacters) {
  const Simplifier& s = TestSimplifier();
  EXPECT_EQ(s.ToSimplified("王建華"), "王建华");
  EXPECT_EQ(s.ToSimplified("歐陽鋒"), "欧阳锋");
  EXPECT_EQ(s.ToSimplified("陳麗華"), "陈丽华");
}

TEST(Simplifier, LeavesSimplifiedTextAlone) {
  const Simplifier& s = TestSimplifier();
  EXPECT_EQ(s.ToSimplified("王秀英"), "王秀英");
  EXPECT_EQ(s.ToSimplified("乾隆"), "乾隆");  // 乾 is a name character, not 干
  EXPECT_EQ(s.ToSimplified("ABC·123"), "ABC·123");
}

TEST(Simplifier, KnowsWhichCharactersChange) {
  const Simplifier& s = TestSimplifier();
  EXPECT_TRUE(s.Changes(U'華'));
  EXPECT_TRUE(s.Changes(U'陳'));
  EXPECT_FALSE(s.Changes(U'华'));
  EXPECT_FALSE(s.Changes(U'A'));
}

TEST(Simplifier, AMissingConfigIsUnavailable) {
  const auto s = Simplifier::Create("/nonexistent/t2s.json");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

std::vector<std::string> Readings(char32_t c) {
  std::vector<std::string> out;
  for (uint16_t id : PinyinOf(c)) out.emplace_back(SyllableText(id));
  return out;
}

TEST(Pinyin, GivesTonelessReadingsCustomaryFirst) {
  EXPECT_EQ(Readings(U'英'), std::vector<std::string>{"ying"});
  EXPECT_EQ(Readings(U'瑛'), std::vector<std::string>{"ying"});
  const auto dan = Readings(U'单');
  ASSERT_FALSE(dan.empty());
  EXPECT_EQ(dan[0], "dan");
  EXPECT_NE(std::find(dan.begin(), dan.end(), "shan"), dan.end());
  EXPECT_EQ(Readings(U'吕'), std::vector<std::string>{"lv"});
}

TEST(Pinyin, NonChineseCharactersHaveNoReading) {
  EXPECT_TRUE(PinyinOf(U'A').empty());
  EXPECT_TRUE(PinyinOf(U'\u00B7').empty());
  EXPECT_EQ(SyllableText(60000), "");
}

TEST(SameSound, EqualOrSharingAReading) {
  EXPECT_TRUE(SameSound(U'英', U'瑛'));
  EXPECT_TRUE(SameSound(U'英', U'英'));
  EXPECT_TRUE(SameSound(U'单', U'善'));  // shan, the surname's reading
  EXPECT_FALSE(SameSound(U'英', U'华'));
  EXPECT_FALSE(SameSound(U'A', U'B'));
}

}  // namespace
}  // namespace tacit::linkage
