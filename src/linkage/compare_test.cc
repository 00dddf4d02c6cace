#include <gtest/gtest.h>

#include "linkage/test_util.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

NameLevel Names(std::string_view a, std::string_view b) {
  return CompareNames(PrepareName(a, TestSimplifier()), PrepareName(b, TestSimplifier()));
}

TEST(CompareNames, ExactWhenTheBytesAreEqual) {
  EXPECT_EQ(Names("王秀英", "王秀英"), NameLevel::kExact);
  EXPECT_EQ(Names("阿卜杜·热合曼", "阿卜杜·热合曼"), NameLevel::kExact);
}

TEST(CompareNames, NormalizedForWidthSpacesAndDots) {
  EXPECT_EQ(Names("王 秀英", "王秀英"), NameLevel::kNormalized);
  EXPECT_EQ(Names("王\u3000秀英", "王秀英"), NameLevel::kNormalized);
  EXPECT_EQ(Names("ＬＩ　ＭＩＮＧ", "li ming"), NameLevel::kNormalized);
  EXPECT_EQ(Names("阿卜杜•热合曼", "阿卜杜·热合曼"), NameLevel::kNormalized);
  EXPECT_EQ(Names("阿卜杜・热合曼", "阿卜杜‧热合曼"), NameLevel::kNormalized);
  EXPECT_EQ(Names("阿卜杜热合曼", "阿卜杜·热合曼"), NameLevel::kNormalized);  // dot dropped
}

TEST(CompareNames, SimplifiedForTraditionalCharacters) {
  EXPECT_EQ(Names("王建華", "王建华"), NameLevel::kSimplified);
  EXPECT_EQ(Names("歐陽鋒", "欧阳锋"), NameLevel::kSimplified);
  EXPECT_EQ(Names("買買提·艾力", "买买提·艾力"), NameLevel::kSimplified);
  EXPECT_EQ(Names("買買提艾力", "买买提·艾力"), NameLevel::kSimplified);
}

TEST(CompareNames, SameSoundCharacters) {
  EXPECT_EQ(Names("王秀瑛", "王秀英"), NameLevel::kSameSound);
  EXPECT_EQ(Names("张伟", "章伟"), NameLevel::kSameSound);  // the surname too
  EXPECT_EQ(Names("王秀瑛", "王秀華"), NameLevel::kOneCharDiffers);  // 瑛 ying, 華 hua
  EXPECT_EQ(Names("王丽瑛", "王秀華"), NameLevel::kDifferent);
  EXPECT_EQ(Names("王秀瑛", "王秀英英"), NameLevel::kDifferent);  // lengths differ
}

TEST(CompareNames, TraditionalAndSameSoundTogether) {
  EXPECT_EQ(Names("陳秀瑛", "陈秀英"), NameLevel::kSameSound);
}

TEST(CompareNames, OneGivenNameCharacterDiffers) {
  EXPECT_EQ(Names("王秀兰", "王秀英"), NameLevel::kOneCharDiffers);
  EXPECT_EQ(Names("欧阳明华", "欧阳明丽"), NameLevel::kOneCharDiffers);
}

TEST(CompareNames, ADifferentSurnameIsADifferentName) {
  EXPECT_EQ(Names("张伟", "李伟"), NameLevel::kDifferent);
  EXPECT_EQ(Names("李秀英", "王秀英"), NameLevel::kDifferent);
}

TEST(CompareNames, CompoundSurnamesDecideWhereTheSurnameEnds) {
  // Without the compound surname, 司 would be the surname and 马/徒 one given
  // name character: 司马 and 司徒 are different families.
  EXPECT_EQ(Names("司马光", "司徒光"), NameLevel::kDifferent);
  EXPECT_EQ(Names("欧阳锋", "欧杨锋"), NameLevel::kSameSound);
  EXPECT_EQ(Names("诸葛亮", "诸葛明"), NameLevel::kOneCharDiffers);
}

TEST(CompareNames, MissingWhenEitherIsEmpty) {
  EXPECT_EQ(Names("", "王秀英"), NameLevel::kMissing);
  EXPECT_EQ(Names("王秀英", "  "), NameLevel::kMissing);
}

TEST(CompareBirthDates, Levels) {
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1949, 3, 12)), BirthLevel::kExact);
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1949, 12, 3)), BirthLevel::kMonthDaySwapped);
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1949, 3, 13)), BirthLevel::kOneDigitOff);
  EXPECT_EQ(CompareBirthDates(D(1948, 3, 12), D(1949, 3, 12)), BirthLevel::kOneDigitOff);
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1950, 3, 12)), BirthLevel::kDifferent);
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1949, 12, 4)), BirthLevel::kDifferent);
  EXPECT_EQ(CompareBirthDates(std::nullopt, D(1949, 3, 12)), BirthLevel::kMissing);
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), std::nullopt), BirthLevel::kMissing);
}

TEST(CompareBirthDates, ASwapNeedsTheSameYear) {
  EXPECT_EQ(CompareBirthDates(D(1949, 3, 12), D(1950, 12, 3)), BirthLevel::kDifferent);
}

TEST(CompareSex, Levels) {
  EXPECT_EQ(CompareSex(Sex::kFemale, Sex::kFemale), SexLevel::kEqual);
  EXPECT_EQ(CompareSex(Sex::kFemale, Sex::kMale), SexLevel::kDifferent);
  EXPECT_EQ(CompareSex(Sex::kUnknown, Sex::kMale), SexLevel::kMissing);
}

TEST(CompareRegions, Levels) {
  EXPECT_EQ(CompareRegions("110105001001", "110105001001"), RegionLevel::kSameVillage);
  EXPECT_EQ(CompareRegions("110105001001", "110105001002"), RegionLevel::kSameTownship);
  EXPECT_EQ(CompareRegions("110105001", "110105001002"), RegionLevel::kSameTownship);
  EXPECT_EQ(CompareRegions("110105001001", "110105002003"), RegionLevel::kOtherTownship);
  EXPECT_EQ(CompareRegions("110105001001", "110106001001"), RegionLevel::kSameCity);
  EXPECT_EQ(CompareRegions("110105001001", "110205001001"), RegionLevel::kSameProvince);
  EXPECT_EQ(CompareRegions("110105001001", "120105001001"), RegionLevel::kDifferent);
  EXPECT_EQ(CompareRegions("110105", "110105001001"), RegionLevel::kSameCounty);
  EXPECT_EQ(CompareRegions("11", "110105001001"), RegionLevel::kSameProvince);
  EXPECT_EQ(CompareRegions("", "110105001001"), RegionLevel::kMissing);
  EXPECT_EQ(CompareRegions("北京", "110105001001"), RegionLevel::kMissing);
}

TEST(CompareIdNumbers, Levels) {
  const std::string id = MakeIdNumber("110105", D(1949, 12, 31), 2);
  EXPECT_EQ(CompareIdNumbers(id, id), IdLevel::kEqual);
  EXPECT_EQ(CompareIdNumbers(Mistype(id, 9), id), IdLevel::kOneDigit);
  std::string swapped = id;
  std::swap(swapped[15], swapped[16]);
  ASSERT_NE(swapped, id);
  EXPECT_EQ(CompareIdNumbers(swapped, id), IdLevel::kTransposed);
  EXPECT_EQ(CompareIdNumbers(Mistype(Mistype(id, 3), 9), id), IdLevel::kDifferent);
  EXPECT_EQ(CompareIdNumbers(MakeIdNumber("120105", D(1950, 1, 1), 7), id), IdLevel::kDifferent);
  EXPECT_EQ(CompareIdNumbers("", id), IdLevel::kMissing);
}

TEST(CompareIdNumbers, TwoDifferencesThatAreNotASwapAreDifferent) {
  const std::string id = "110105194912310021";
  EXPECT_EQ(CompareIdNumbers("110105194912310012", id), IdLevel::kTransposed);
  EXPECT_EQ(CompareIdNumbers("110105194912310013", id), IdLevel::kDifferent);
}

TEST(WidenIdText, NormalisesAndWidensLegacyNumbers) {
  const std::string id18 = MakeIdNumber("110105", D(1949, 12, 31), 2);
  const std::string id15 = id18.substr(0, 6) + id18.substr(8, 9);
  EXPECT_EQ(WidenIdText(id15), id18);
  EXPECT_EQ(WidenIdText(" 11010519491231002x "), "11010519491231002X");
  EXPECT_EQ(WidenIdText("１１０１０５１９４９１２３１００２Ｘ"), "11010519491231002X");
  EXPECT_EQ(WidenIdText("11010519491231002"), "");   // 17 characters
  EXPECT_EQ(WidenIdText("1101051949123100A2"), "");  // a letter inside
  EXPECT_EQ(WidenIdText(""), "");
}

TEST(CompareIdNumbers, ALegacyNumberIsComparedAfterWidening) {
  const std::string id18 = MakeIdNumber("110105", D(1949, 12, 31), 2);
  std::string id15 = id18.substr(0, 6) + id18.substr(8, 9);
  id15[12] = id15[12] == '9' ? '0' : id15[12] + 1;  // a typo in the sequence
  const std::string wide = WidenIdText(id15);
  ASSERT_EQ(wide.size(), 18u);
  // The typo changes the computed check character as well.
  EXPECT_EQ(CompareIdNumbers(wide, id18), IdLevel::kDifferent);
  EXPECT_EQ(CompareIdNumbers(WidenIdText(id18.substr(0, 6) + id18.substr(8, 9)), id18),
            IdLevel::kEqual);
}

TEST(NormalizePhone, DropsPunctuationAndCountryPrefix) {
  EXPECT_EQ(NormalizePhone("+86 138-0013-8000"), "13800138000");
  EXPECT_EQ(NormalizePhone("0086 13800138000"), "13800138000");
  EXPECT_EQ(NormalizePhone("１３８００１３８０００"), "13800138000");
  EXPECT_EQ(NormalizePhone("0351-1234567"), "03511234567");
  EXPECT_EQ(NormalizePhone("12345"), "");
  EXPECT_EQ(NormalizePhone(""), "");
}

TEST(ComparePhones, Levels) {
  EXPECT_EQ(ComparePhones("13800138000", "13800138000"), PhoneLevel::kEqual);
  EXPECT_EQ(ComparePhones("13800138000", "13900139000"), PhoneLevel::kDifferent);
  EXPECT_EQ(ComparePhones("", "13900139000"), PhoneLevel::kMissing);
}

TEST(LevelName, NamesEveryLevelAndComparison) {
  for (int c = 0; c < kComparisonCount; ++c) {
    EXPECT_NE(ComparisonName(static_cast<Comparison>(c)), "unknown");
    for (int l = 0; l < kLevelCount[c]; ++l) {
      EXPECT_NE(LevelName(static_cast<Comparison>(c), l), "unknown") << c << " " << l;
    }
    EXPECT_EQ(LevelName(static_cast<Comparison>(c), kLevelCount[c] - 1), "missing");
    EXPECT_EQ(LevelName(static_cast<Comparison>(c), kLevelCount[c]), "unknown");
  }
  EXPECT_EQ(LevelName(Comparison::kBirthDate, 1), "month_day_swapped");
}

TEST(PrepareRecord, KeepsTheIdVerdictAndTheWidenedNumber) {
  const std::string id = MakeIdNumber("110105", D(1949, 12, 31), 2);
  LinkFields f;
  f.id_text = Mistype(id, 16);
  f.region_code = "１１０１０５";
  f.birth_date = D(1949, 12, 31);
  const PreparedRecord r = PrepareRecord(f, TestSimplifier(), kAsOf);
  EXPECT_EQ(r.id_problem, IdProblem::kBadChecksum);
  EXPECT_EQ(r.id18, f.id_text);
  EXPECT_EQ(r.region_code, "110105");
  EXPECT_EQ(r.birth_ymd, 19491231);
  f.id_text = id;
  EXPECT_EQ(PrepareRecord(f, TestSimplifier(), kAsOf).id_problem, IdProblem::kOk);
  f.id_text = "";
  EXPECT_EQ(PrepareRecord(f, TestSimplifier(), kAsOf).id_problem, IdProblem::kEmpty);
}

TEST(Compare, GivesOneLevelPerField) {
  const RegistryPerson p = MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110105001001", 3,
                                      "13800138000");
  LinkFields f;
  f.name = "王建華";
  f.sex = Sex::kMale;
  f.birth_date = D(1949, 12, 3);
  f.region_code = "110106001001";
  f.id_text = Mistype(p.fields.id_text, 2);
  const auto v = Compare(PrepareRecord(f, TestSimplifier(), kAsOf),
                         PrepareRecord(p.fields, TestSimplifier(), kAsOf));
  EXPECT_EQ(v[0], static_cast<uint8_t>(NameLevel::kSimplified));
  EXPECT_EQ(v[1], static_cast<uint8_t>(BirthLevel::kMonthDaySwapped));
  EXPECT_EQ(v[2], static_cast<uint8_t>(SexLevel::kEqual));
  EXPECT_EQ(v[3], static_cast<uint8_t>(RegionLevel::kSameCity));
  EXPECT_EQ(v[4], static_cast<uint8_t>(IdLevel::kOneDigit));
  EXPECT_EQ(v[5], static_cast<uint8_t>(PhoneLevel::kMissing));
}

}  // namespace
}  // namespace tacit::linkage
