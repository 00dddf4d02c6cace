#include "tacit/id_number.h"

#include <gtest/gtest.h>

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

TEST(IdNumber, AcceptsTheStandardsExampleAndDecodesIt) {
  IdParse p = ParseIdNumber("11010519491231002X", kToday);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.id.text(), "11010519491231002X");
  EXPECT_EQ(p.id.birth_date(), Date::FromCivil(1949, 12, 31));
  EXPECT_EQ(p.id.sex(), Sex::kFemale);
  EXPECT_EQ(p.id.area(), "110105");
}

TEST(IdNumber, NormalisesSpacesFullWidthAndLowerCaseX) {
  IdParse p = ParseIdNumber(" １１０１０５１９４９１２３１００２x ", kToday);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.id.text(), "11010519491231002X");
  EXPECT_TRUE(ParseIdNumber("110105 1949 1231 002ｘ", kToday).ok());
}

TEST(IdNumber, WidensLegacyFifteenDigitNumbers) {
  IdParse p = ParseIdNumber("110105491231002", kToday);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.id.text(), "11010519491231002X");
  EXPECT_EQ(p.id.key(), ParseIdNumber("11010519491231002X", kToday).id.key());
}

TEST(IdNumber, RejectsAWrongCheckCharacter) {
  EXPECT_EQ(ParseIdNumber("110105194912310021", kToday).problem, IdProblem::kBadChecksum);
  // One digit mistyped.
  EXPECT_EQ(ParseIdNumber("11010519491231003X", kToday).problem, IdProblem::kBadChecksum);
}

TEST(IdNumber, RejectsImpossibleAndFutureBirthDates) {
  std::string s = "11010519490230002";  // 30 February
  s += IdCheckCharacter(s);
  EXPECT_EQ(ParseIdNumber(s, kToday).problem, IdProblem::kBadBirthDate);
  std::string f = "11010520301231002";
  f += IdCheckCharacter(f);
  EXPECT_EQ(ParseIdNumber(f, kToday).problem, IdProblem::kBadBirthDate);
}

TEST(IdNumber, RejectsWrongLengthsAndCharacters) {
  EXPECT_EQ(ParseIdNumber("", kToday).problem, IdProblem::kEmpty);
  EXPECT_EQ(ParseIdNumber("   ", kToday).problem, IdProblem::kEmpty);
  EXPECT_EQ(ParseIdNumber("1101051949", kToday).problem, IdProblem::kBadLength);
  EXPECT_EQ(ParseIdNumber("11010519491231002X1234567890", kToday).problem, IdProblem::kBadLength);
  EXPECT_EQ(ParseIdNumber("1101051949123A002X", kToday).problem, IdProblem::kBadCharacter);
  EXPECT_EQ(ParseIdNumber("11010549123100X", kToday).problem, IdProblem::kBadCharacter);
}

TEST(IdNumber, KeyRoundTripsAndOrdersLikeTheNumber) {
  IdParse a = ParseIdNumber("11010519491231002X", kToday);
  IdNumber back = IdNumber::FromKey(a.id.key());
  EXPECT_EQ(back.text(), a.id.text());
  std::string b17 = "11010519491231003";
  std::string b = b17 + IdCheckCharacter(b17);
  IdParse pb = ParseIdNumber(b, kToday);
  ASSERT_TRUE(pb.ok());
  EXPECT_LT(a.id.key(), pb.id.key());
}

TEST(IdNumber, ErrorMessagesNeverContainTheNumber) {
  auto r = ParseIdNumberOrError("110105194912310021", kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("110105"), std::string::npos);
}

TEST(Masking, KeepsOnlyWhatStaffNeed) {
  EXPECT_EQ(MaskIdNumber("14020219500101123X"), "140202********123X");
  EXPECT_EQ(MaskIdNumber("12345"), "*****");
  EXPECT_EQ(MaskName("张三"), "张*");
  EXPECT_EQ(MaskName("欧阳修文"), "欧***");
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
}

}  // namespace
}  // namespace tacit
