#include "feed/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tacit::feed_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Rec {
  int64_t line;
  std::vector<std::string> fields;
  std::string raw;
  std::string error;
};

std::vector<Rec> ScanAll(std::string_view text, char delimiter = ',', bool general_only = false,
                         size_t expected_fields = 0) {
  CsvScanner scanner(text, delimiter);
  scanner.set_general_path_only(general_only);
  scanner.set_expected_fields(expected_fields);
  CsvRecord r;
  std::vector<Rec> out;
  while (scanner.Next(&r)) {
    out.push_back(Rec{r.line, std::vector<std::string>(r.fields.begin(), r.fields.end()),
                      std::string(r.raw), std::string(r.error)});
  }
  return out;
}

TEST(CsvScanner, SplitsPlainLinesIntoFields) {
  auto recs = ScanAll("a,b,c\n1,,3\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(recs[1].fields, ElementsAre("1", "", "3"));
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[1].raw, "1,,3");
}

TEST(CsvScanner, ReadsTheLastLineWithoutANewline) {
  auto recs = ScanAll("a,b\n1,2");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[1].fields, ElementsAre("1", "2"));
}

TEST(CsvScanner, StripsCrlfLineEnds) {
  auto recs = ScanAll("a,b\r\n1,2\r\n\"x\",\"y\"\r\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_THAT(recs[1].fields, ElementsAre("1", "2"));
  EXPECT_THAT(recs[2].fields, ElementsAre("x", "y"));
  EXPECT_EQ(recs[2].raw, "\"x\",\"y\"");
}

TEST(CsvScanner, SkipsEmptyLinesButCountsThem) {
  auto recs = ScanAll("a\n\n\r\nb\n\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].line, 4);
  EXPECT_THAT(recs[1].fields, ElementsAre("b"));
}

TEST(CsvScanner, UnquotesFieldsWithDelimitersQuotesAndNewlines) {
  auto recs = ScanAll("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nnext,row\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a,b", "say \"hi\"", "two\nlines", ""));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].line, 3);  // the quoted line break moved the next record down a line
  EXPECT_THAT(recs[1].fields, ElementsAre("next", "row"));
}

TEST(CsvScanner, KeepsSeveralEscapedFieldsInOneRecordApart) {
  auto recs = ScanAll("\"\"\"a\"\"\",\"b\"\"\",\"\"\"\"\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_THAT(recs[0].fields, ElementsAre("\"a\"", "b\"", "\""));
}

TEST(CsvScanner, TakesAQuoteInsideAnUnquotedFieldLiterally) {
  auto recs = ScanAll("ab\"c,d\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_THAT(recs[0].fields, ElementsAre("ab\"c", "d"));
}

TEST(CsvScanner, KeepsTrailingEmptyFields) {
  auto recs = ScanAll("a,\"b\",\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a", "b", ""));
}

TEST(CsvScanner, QuotedCrlfInsideAFieldIsKept) {
  auto recs = ScanAll("\"a\r\nb\",c\r\nd,e\r\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a\r\nb", "c"));
  EXPECT_EQ(recs[1].line, 3);
}

TEST(CsvScanner, ReportsTextAfterAClosingQuoteAndResumesOnTheNextLine) {
  auto recs = ScanAll("\"ab\"c,d\nok,1\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].error, HasSubstr("closing quote"));
  EXPECT_THAT(recs[0].fields, IsEmpty());
  EXPECT_EQ(recs[0].raw, "\"ab\"c,d");
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_THAT(recs[1].fields, ElementsAre("ok", "1"));
}

TEST(CsvScanner, UnclosedQuoteRejectsOnlyItsLineAndReadsTheLinesAfterIt) {
  auto recs = ScanAll("h\nok\n\"never closed\r\nmore,1\n\nlast\n");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[2].line, 3);
  EXPECT_THAT(recs[2].error, HasSubstr("not closed"));
  EXPECT_THAT(recs[2].fields, IsEmpty());
  EXPECT_EQ(recs[2].raw, "\"never closed");
  EXPECT_EQ(recs[3].line, 4);
  EXPECT_THAT(recs[3].error, IsEmpty());
  EXPECT_THAT(recs[3].fields, ElementsAre("more", "1"));
  EXPECT_EQ(recs[4].line, 6);
  EXPECT_THAT(recs[4].fields, ElementsAre("last"));
}

TEST(CsvScanner, UnclosedQuoteOnTheLastLineIsThatLineAlone) {
  auto recs = ScanAll("h\na,\"b\r\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_THAT(recs[1].error, HasSubstr("not closed"));
  EXPECT_EQ(recs[1].raw, "a,\"b");
}

TEST(CsvScanner, QuoteClosedOnALaterLineThenTextRejectsOnlyTheFirstLine) {
  // The quote opened on line 1 "closes" at the opening quote of line 3.
  auto recs = ScanAll("a,\"open\nb,c\n\"x\"y\nd\n");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_THAT(recs[0].error, HasSubstr("not closed on this line"));
  EXPECT_EQ(recs[0].raw, "a,\"open");
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_THAT(recs[1].fields, ElementsAre("b", "c"));
  EXPECT_EQ(recs[2].line, 3);  // its own, one-line mistake
  EXPECT_THAT(recs[2].error, HasSubstr("text follows the closing quote"));
  EXPECT_EQ(recs[3].line, 4);
  EXPECT_THAT(recs[3].fields, ElementsAre("d"));
}

TEST(CsvScanner, MultiLineRecordWithTheWrongFieldCountRejectsOnlyItsFirstLine) {
  const std::string text = "a,b,c\n1,\"x,2\n3,4,5\n6,7,8\"\n9,\"p\nq\",r\n";
  // Without an expected count the runaway field is one (two-field) record.
  auto plain = ScanAll(text);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_THAT(plain[1].fields, ElementsAre("1", "x,2\n3,4,5\n6,7,8"));

  CsvScanner scanner(text, ',');
  CsvRecord r;
  ASSERT_TRUE(scanner.Next(&r));
  scanner.set_expected_fields(r.fields.size());
  std::vector<Rec> recs;
  while (scanner.Next(&r)) {
    recs.push_back(Rec{r.line, std::vector<std::string>(r.fields.begin(), r.fields.end()),
                       std::string(r.raw), std::string(r.error)});
  }
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].line, 2);
  EXPECT_THAT(recs[0].error, HasSubstr("not closed on this line"));
  EXPECT_EQ(recs[0].raw, "1,\"x,2");
  EXPECT_EQ(recs[1].line, 3);
  EXPECT_THAT(recs[1].fields, ElementsAre("3", "4", "5"));
  EXPECT_EQ(recs[2].line, 4);
  EXPECT_THAT(recs[2].fields, ElementsAre("6", "7", "8\""));  // a literal quote
  // A multi-line record that fits the header is kept whole.
  EXPECT_EQ(recs[3].line, 5);
  EXPECT_THAT(recs[3].error, IsEmpty());
  EXPECT_THAT(recs[3].fields, ElementsAre("9", "p\nq", "r"));
}

TEST(CsvScanner, UsesTheGivenDelimiter) {
  auto recs = ScanAll("a\tb,c\t\"d\te\"\n", '\t');
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a", "b,c", "d\te"));
}

TEST(CsvScanner, HandlesEmptyInput) { EXPECT_THAT(ScanAll(""), IsEmpty()); }

TEST(CsvScanner, QuotedFieldAtTheVeryEndOfTheData) {
  auto recs = ScanAll("a,\"b\"");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a", "b"));
  EXPECT_EQ(recs[0].raw, "a,\"b\"");
}

bool operator==(const Rec& a, const Rec& b) {
  return a.line == b.line && a.fields == b.fields && a.raw == b.raw && a.error == b.error;
}

std::string Describe(const std::vector<Rec>& recs) {
  std::string out;
  for (const Rec& r : recs) {
    out += std::to_string(r.line) + " raw=[" + r.raw + "] error=[" + r.error + "] fields:";
    for (const std::string& f : r.fields) out += " [" + f + "]";
    out += "\n";
  }
  return out;
}

// The one-line fast path must read every text exactly as the general path
// does: the same records, lines, raw text, fields and errors. Random texts of
// the bytes that matter to CSV, with fields long enough to cross the fast
// path's 16-byte blocks.
TEST(CsvScanner, FastPathAgreesWithTheGeneralPathOnRandomText) {
  std::mt19937 rng(20261129);
  const std::string_view kPieces[] = {"a", "b", ",", ",", "\"", "\"", "\"\"", "\n", "\r", "\r\n",
                                      ";", "\t", "\xE7\x8E\x8B", "0123456789abcdef", "\",\"", "\"x\""};
  int compared = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string text;
    const int pieces = static_cast<int>(rng() % 40);
    for (int k = 0; k < pieces; ++k) text += kPieces[rng() % std::size(kPieces)];
    const char delimiter = round % 5 == 0 ? ';' : ',';
    const size_t expected = round % 3 == 0 ? 0 : 1 + rng() % 4;
    const std::vector<Rec> fast = ScanAll(text, delimiter, false, expected);
    const std::vector<Rec> general = ScanAll(text, delimiter, true, expected);
    ASSERT_TRUE(fast == general) << "text: [" << text << "]\nfast:\n"
                                 << Describe(fast) << "general:\n"
                                 << Describe(general);
    compared += static_cast<int>(fast.size());
  }
  EXPECT_GT(compared, 100000);
}

TEST(CsvScanner, FastPathReadsQuotedFieldsAcrossBlocks) {
  const std::string detail = "{\"\"bank\"\":\"\"中国农业银行\"\",\"\"branch\"\":\"\"河津市支行\"\"}";
  const std::string text = "bank,bank_counter,140882196202204201,2026-01-16,BK2026011600000001,\"" + detail +
                           "\"\r\nx,\"a,b\",\"\"\n";
  auto recs = ScanAll(text);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].fields,
              ElementsAre("bank", "bank_counter", "140882196202204201", "2026-01-16", "BK2026011600000001",
                          "{\"bank\":\"中国农业银行\",\"branch\":\"河津市支行\"}"));
  EXPECT_EQ(recs[0].raw, text.substr(0, text.find('\r')));
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_THAT(recs[1].fields, ElementsAre("x", "a,b", ""));
}

}  // namespace
}  // namespace tacit::feed_internal
