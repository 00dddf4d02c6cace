#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iconv.h>

#include <set>
#include <string>
#include <vector>

#include "feed/test_util.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using feed_test::Collected;
using feed_test::Day;
using feed_test::Options;
using feed_test::ReadFile;
using feed_test::ReadText;
using feed_test::ScratchDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kHeader[] =
    "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";
constexpr char kGoodRow[] =
    "bank,bank_counter,320106194704041561,吴秀珍,F,1947-04-04,320106002003,2026-05-09,R1,\n";

// UTF-8 -> `to` with iconv, for writing GBK test files.
std::string Encode(const std::string& utf8, const char* to) {
  iconv_t cd = iconv_open(to, "UTF-8");
  std::string out(utf8.size() * 2 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
  iconv_close(cd);
  EXPECT_NE(rc, static_cast<size_t>(-1));
  out.resize(out.size() - dst_left);
  return out;
}

std::vector<std::string> Fields(const std::vector<FeedReject>& rejects) {
  std::vector<std::string> out;
  for (const FeedReject& r : rejects) out.push_back(r.field);
  return out;
}

TEST(FeedReader, ReadsEveryCanonicalField) {
  const Collected c =
      ReadText("feed.csv",
               std::string(kHeader) +
                   "public_security,household_cancelled,370202194412182652,周国华,M,1944-12-18,"
                   "370202001001,2026-05-06,GA-1,\"{\"\"reason\"\":\"\"death\"\"}\"\n",
               Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 1u);
  const auto& r = c.rows[0];
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.source, "public_security");
  EXPECT_EQ(r.kind, "household_cancelled");
  EXPECT_EQ(r.id_number, "370202194412182652");
  EXPECT_EQ(r.name, "周国华");
  EXPECT_EQ(r.sex, Sex::kMale);
  EXPECT_EQ(r.birth_date, Day(1944, 12, 18));
  EXPECT_EQ(r.region_code, "370202001001");
  EXPECT_EQ(r.occurred_on, Day(2026, 5, 6));
  EXPECT_EQ(r.ref, "GA-1");
  EXPECT_EQ(r.detail, "{\"reason\":\"death\"}");
  EXPECT_EQ(c.summary->rows, 1);
  EXPECT_EQ(c.summary->accepted, 1);
  EXPECT_EQ(c.summary->rejected, 0);
}

TEST(FeedReader, CanonicalHeaderMayCarryASubsetInAnyOrder) {
  const Collected c = ReadText(
      "feed.csv", "ref,occurred_on,kind,source\nR1,2026-05-01,travel,railway\n", Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].id_number, "");
  EXPECT_EQ(c.rows[0].sex, Sex::kUnknown);
  EXPECT_FALSE(c.rows[0].birth_date.has_value());
  EXPECT_EQ(c.rows[0].source, "railway");
}

TEST(FeedReader, TrimsSpacesAroundValuesAndHeaderNames) {
  const Collected c = ReadText(
      "feed.csv", " source , kind ,occurred_on,ref\n  bank , bank_counter ,2026-05-01 , R1 \n",
      Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].source, "bank");
  EXPECT_EQ(c.rows[0].kind, "bank_counter");
  EXPECT_EQ(c.rows[0].ref, "R1");
}

TEST(FeedReader, HandlesQuotedFieldsWithCommasQuotesAndLineBreaks) {
  const Collected c =
      ReadText("feed.csv",
               std::string(kHeader) +
                   "bank,bank_counter,,\"Smith, "
                   "\"\"J\"\"\",,,,2026-05-01,\"R\n1\",\"{\"\"a\"\":\"\"x, y\"\"}\"\n" +
                   kGoodRow,
               Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 2u) << (c.rejects.empty() ? "" : c.rejects[0].reason);
  EXPECT_EQ(c.rows[0].name, "Smith, \"J\"");
  EXPECT_EQ(c.rows[0].ref, "R\n1");
  EXPECT_EQ(c.rows[0].detail, "{\"a\":\"x, y\"}");
  EXPECT_EQ(c.rows[1].line, 4);  // the record before spans lines 2-3
}

TEST(FeedReader, ReadsCrlfFilesWithAByteOrderMark) {
  std::string text = "\xEF\xBB\xBF" + std::string(kHeader) + kGoodRow + kGoodRow;
  std::string crlf;
  for (char ch : text) {
    if (ch == '\n') crlf += '\r';
    crlf += ch;
  }
  const Collected c = ReadText("feed.csv", crlf, Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].source, "bank");
  EXPECT_EQ(c.rows[1].ref, "R1");
  EXPECT_EQ(c.rows[1].line, 3);
  EXPECT_THAT(c.rejects, IsEmpty());
}

TEST(FeedReader, RejectsRowWithWrongColumnCountAndKeepsGoodRows) {
  const Collected c =
      ReadText("feed.csv", std::string(kHeader) + kGoodRow + "bank,bank_counter,1,2\n" + kGoodRow,
               Options());
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_EQ(c.rows.size(), 2u);
  ASSERT_EQ(c.rejects.size(), 1u);
  const FeedReject& r = c.rejects[0];
  EXPECT_EQ(r.file, "feed.csv");
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.field, "row");
  EXPECT_EQ(r.reason,
            "row: expected 10 fields as in the header, found 4 (check delimiters and quoting)");
  EXPECT_EQ(r.raw, "bank,bank_counter,1,2");
  EXPECT_EQ(c.summary->rows, 3);
  EXPECT_EQ(c.summary->accepted, 2);
  EXPECT_EQ(c.summary->rejected, 1);
}

TEST(FeedReader, RejectsMalformedQuotingAndKeepsGoing) {
  const Collected c =
      ReadText("feed.csv",
               "source,kind,occurred_on,ref\nbank,\"bank\"x,2026-05-01,R1\nbank,k,2026-05-01,R2\n",
               Options());
  ASSERT_TRUE(c.summary.has_value());
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].field, "row");
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("closing quote"));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].ref, "R2");
}

TEST(FeedReader, UnclosedQuoteRejectsOnlyItsLineAndKeepsTheRowsAfterIt) {
  const std::string bad = "bank,bank_counter,ID,\"王五,,,,2026-10-01,Q1,";
  const std::string good1 = "bank,bank_counter,,,,,,2026-05-01,G1,\n";
  const std::string good2 = "bank,bank_counter,,,,,,2026-05-02,G2,\n";
  const std::string good3 = "bank,bank_counter,,,,,,2026-05-03,G3,\n";
  const Collected c =
      ReadText("feed.csv", std::string(kHeader) + bad + "\n" + good1 + good2 + good3, Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].line, 2);
  EXPECT_EQ(c.rejects[0].field, "row");
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("missing closing quote"));
  EXPECT_THAT(c.rejects[0].reason, Not(HasSubstr("王五")));
  EXPECT_EQ(c.rejects[0].raw, bad);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].ref, "G1");
  EXPECT_EQ(c.rows[0].line, 3);
  EXPECT_EQ(c.rows[2].ref, "G3");
  EXPECT_EQ(c.rows[2].line, 5);
  EXPECT_EQ(c.summary->rows, 4);
  EXPECT_EQ(c.summary->accepted, 3);
  EXPECT_EQ(c.summary->rejected, 1);
}

TEST(FeedReader, UnclosedQuoteBeforeALaterQuoteKeepsTheRowsBetween) {
  // A stray quote "closes" at the next quote in the file. Text after that quote
  // (case 1) or a record that does not fit the header (case 2: the quote ends
  // a line) gives the runaway record away; only its first line is rejected.
  const std::string stray = "bank,bank_counter,ID,\"王五,,,,2026-10-01,Q1,\n";  // line 2
  const std::string g1 = "bank,bank_counter,,,,,,2026-05-01,G1,\n";             // line 3
  const std::string g3 = "bank,bank_counter,,,,,,2026-05-03,G3,\n";             // line 5
  {
    const Collected c = ReadText(
        "feed.csv",
        std::string(kHeader) + stray + g1 + "bank,bank_counter,,\"李四\",,,,2026-05-02,G2,\n" + g3,
        Options());
    ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
    ASSERT_EQ(c.rejects.size(), 1u);
    EXPECT_EQ(c.rejects[0].line, 2);
    EXPECT_THAT(c.rejects[0].reason, HasSubstr("not closed on this line"));
    ASSERT_EQ(c.rows.size(), 3u);
    EXPECT_EQ(c.rows[1].name, "李四");
    EXPECT_EQ(c.rows[1].line, 4);
    EXPECT_EQ(c.rows[2].ref, "G3");
  }
  {
    const Collected c = ReadText(
        "feed.csv",
        std::string(kHeader) + stray + g1 + "bank,bank_counter,,,,,,2026-05-02,G2,x\"\n" + g3,
        Options());
    ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
    std::vector<int64_t> lines;
    for (const FeedReject& r : c.rejects) lines.push_back(r.line);
    EXPECT_THAT(lines, ElementsAre(2, 4));
    // Line 4, read on its own, has a detail that is not JSON: a reject of its own.
    EXPECT_THAT(Fields(c.rejects), ElementsAre("row", "detail"));
    EXPECT_THAT(c.rejects[0].reason, HasSubstr("not closed on this line"));
    ASSERT_EQ(c.rows.size(), 2u);
    EXPECT_EQ(c.rows[0].ref, "G1");
    EXPECT_EQ(c.rows[1].ref, "G3");
    EXPECT_EQ(c.rows[1].line, 5);
  }
}

TEST(FeedReader, RejectsMissingRequiredValues) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\n"
                               ",travel,2026-05-01,R1\n"
                               "railway,,2026-05-01,R2\n"
                               "railway,travel,,R3\n"
                               "railway,travel,2026-05-01,\n",
                               Options());
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_THAT(c.rows, IsEmpty());
  EXPECT_THAT(Fields(c.rejects), ElementsAre("source", "kind", "occurred_on", "ref"));
  EXPECT_THAT(c.rejects[1].reason, "kind: required value is empty");
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("source: required value is empty"));
}

TEST(FeedReader, UsesTheDefaultSourceWhenTheFileHasNone) {
  FeedReadOptions o = Options();
  o.default_source = "bank";
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\n,bank_counter,2026-05-01,R1\n"
                               "court,sentence,2026-05-01,R2\n",
                               o);
  ASSERT_TRUE(c.summary.has_value());
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].source, "bank");
  EXPECT_EQ(c.rows[1].source, "court");
  const Collected no_column =
      ReadText("feed.csv", "kind,occurred_on,ref\nbank_counter,2026-05-01,R1\n", o);
  ASSERT_TRUE(no_column.summary.has_value()) << no_column.summary.error().message;
  ASSERT_EQ(no_column.rows.size(), 1u);
  EXPECT_EQ(no_column.rows[0].source, "bank");
}

TEST(FeedReader, RejectsUnparseableDatesWithTheExpectedFormat) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref,birth_date\n"
                               "bank,k,05/09/2026,R1,\n"
                               "bank,k,2026-02-30,R2,\n"
                               "bank,k,2026-05-01,R3,1950-13-01\n",
                               Options());
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_THAT(c.rows, IsEmpty());
  EXPECT_THAT(Fields(c.rejects), ElementsAre("occurred_on", "occurred_on", "birth_date"));
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("occurred_on: expected a date like 2026-05-03"));
}

TEST(FeedReader, AcceptsATrailingTimeInCanonicalDates) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\nbank,k,2026-05-01 10:11:12,R1\n"
                               "bank,k,2026-05-02T10:11:12,R2\n",
                               Options());
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].occurred_on, Day(2026, 5, 1));
  EXPECT_EQ(c.rows[1].occurred_on, Day(2026, 5, 2));
}

TEST(FeedReader, RejectsOccurredOnAfterToday) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\nbank,k,2026-11-27,R1\n"
                               "bank,k,2026-11-28,R2\n",
                               Options());
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].field, "occurred_on");
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("after today (2026-11-27)"));
}

TEST(FeedReader, RejectsKindsThePolicyDoesNotKnowAskingOncePerKind) {
  FeedReadOptions o = Options();
  int asked = 0;
  o.is_known_kind = [&](std::string_view kind) {
    ++asked;
    return kind == "travel";
  };
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\n"
                               "railway,travel,2026-05-01,R1\n"
                               "railway,teleport,2026-05-01,R2\n"
                               "railway,travel,2026-05-02,R3\n"
                               "railway,teleport,2026-05-02,R4\n",
                               o);
  EXPECT_EQ(c.rows.size(), 2u);
  EXPECT_THAT(Fields(c.rejects), ElementsAre("kind", "kind"));
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("not a kind the policy declares"));
  EXPECT_THAT(c.rejects[0].reason, Not(HasSubstr("teleport")));  // row values are never echoed
  EXPECT_EQ(asked, 2);
}

TEST(FeedReader, APartnersFileKeepsToItsRegisteredSourceAndKindsRowByRow) {
  FeedReadOptions o = Options();
  const FeedRegistration railway{"railway", {"travel", "bank_counter"}};
  o.registration = &railway;
  o.default_source = "railway";
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref\n"
                               "railway,travel,2026-05-01,R1\n"
                               ",travel,2026-05-01,R2\n"
                               "health,travel,2026-05-01,R3\n"
                               "railway,cremation,2026-05-02,R4\n",
                               o);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[1].source, "railway");  // the default source is the partner's
  ASSERT_EQ(c.rejects.size(), 2u);
  EXPECT_EQ(c.rejects[0].line, 4);
  EXPECT_EQ(c.rejects[0].field, "source");
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("registered for source 'railway' only"));
  EXPECT_THAT(c.rejects[0].reason, Not(HasSubstr("health")));
  EXPECT_EQ(c.rejects[1].line, 5);
  EXPECT_EQ(c.rejects[1].field, "kind");
  EXPECT_THAT(c.rejects[1].reason, HasSubstr("registered: travel, bank_counter"));
  EXPECT_THAT(c.rejects[1].reason, Not(HasSubstr("cremation")));
}

TEST(FeedReader, AcceptsCanonicalSexCodesAndRejectsOthers) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref,sex\n"
                               "b,k,2026-05-01,R1,M\n"
                               "b,k,2026-05-01,R2,女\n"
                               "b,k,2026-05-01,R3,1\n"
                               "b,k,2026-05-01,R4,\n"
                               "b,k,2026-05-01,R5,X\n",
                               Options());
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(c.rows[0].sex, Sex::kMale);
  EXPECT_EQ(c.rows[1].sex, Sex::kFemale);
  EXPECT_EQ(c.rows[2].sex, Sex::kMale);
  EXPECT_EQ(c.rows[3].sex, Sex::kUnknown);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].field, "sex");
  EXPECT_EQ(c.rejects[0].reason, "sex: expected M or F (also 男/女 or 1/2), or empty");
}

TEST(FeedReader, RejectsDetailThatIsNotAJsonObject) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref,detail\n"
                               "b,k,2026-05-01,R1,\"[1,2]\"\n"
                               "b,k,2026-05-01,R2,\"{\"\"a\"\":}\"\n"
                               "b,k,2026-05-01,R3,plain text\n"
                               "b,k,2026-05-01,R4,{}\n",
                               Options());
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].detail, "{}");
  EXPECT_THAT(Fields(c.rejects), ElementsAre("detail", "detail", "detail"));
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("detail: expected a JSON object"));
}

TEST(FeedReader, RejectsInvalidUtf8RowsAsEncodingAndKeepsGoing) {
  const Collected c = ReadText("feed.csv",
                               "source,kind,occurred_on,ref,name\n"
                               "b,k,2026-05-01,R1,\xCD\xF5\n"  // 王 in GBK
                               "b,k,2026-05-01,R2,王\n",
                               Options());
  ASSERT_TRUE(c.summary.has_value());
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].field, "encoding");
  EXPECT_EQ(c.rejects[0].line, 2);
  EXPECT_THAT(c.rejects[0].reason, HasSubstr("not valid UTF-8"));
}

TEST(FeedReader, MissingRequiredColumnIsAnErrorNamingFileAndColumn) {
  const Collected c = ReadText("rail.csv", "source,kind,ref\nrailway,travel,R1\n", Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_EQ(c.summary.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(c.summary.error().message,
              AllOf(HasSubstr("rail.csv: line 1"), HasSubstr("occurred_on")));
  EXPECT_THAT(c.rows, IsEmpty());
  EXPECT_THAT(c.rejects, IsEmpty());
}

TEST(FeedReader, HeaderlessCanonicalFileIsAnErrorThatDoesNotEchoTheData) {
  const Collected c = ReadText("feed.csv", kGoodRow, Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message,
              AllOf(HasSubstr("the first line must be the header"),
                    Not(HasSubstr("320106194704041561")), Not(HasSubstr("吴秀珍"))));
}

TEST(FeedReader, UnknownCanonicalColumnIsAnError) {
  const Collected c = ReadText(
      "feed.csv", "source,kind,occurred_on,ref,birthdate\nb,k,2026-05-01,R1,x\n", Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message, HasSubstr("'birthdate' is not a canonical column"));
}

TEST(FeedReader, DuplicatedCanonicalColumnIsAnError) {
  const Collected c =
      ReadText("feed.csv", "source,kind,occurred_on,ref,ref\nb,k,2026-05-01,R1,R2\n", Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message, HasSubstr("'ref' appears more than once"));
}

TEST(FeedReader, EmptyFileIsAnError) {
  const Collected c = ReadText("feed.csv", "", Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message, HasSubstr("feed.csv: the file is empty"));
}

TEST(FeedReader, HeaderOnlyFileHasNoRows) {
  const Collected c = ReadText("feed.csv", kHeader, Options());
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_EQ(c.summary->rows, 0);
}

TEST(FeedReader, Utf16FileIsAnError) {
  const Collected c = ReadText("feed.csv",
                               std::string("\xFF\xFE"
                                           "s\0o\0",
                                           6),
                               Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message, HasSubstr("UTF-16"));
}

TEST(FeedReader, MissingFileIsNotFound) {
  const Collected c = ReadFile("/nonexistent/feed.csv", Options());
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_EQ(c.summary.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(c.summary.error().message, HasSubstr("/nonexistent/feed.csv"));
}

TEST(FeedReader, ReadsJsonLinesWithDetailObjectsAndNumbers) {
  const Collected c = ReadText(
      "feed.jsonl",
      "{\"source\":\"bank\",\"kind\":\"bank_counter\",\"id_number\":\"320106194704041561\","
      "\"occurred_on\":\"2026-05-09\",\"ref\":12345,\"region_code\":320106002003,"
      "\"detail\":{\"branch\":\"鼓楼\",\"n\":[1,2]},\"extra\":true}\r\n"
      "\n"
      "{\"source\":\"bank\",\"kind\":\"bank_counter\",\"occurred_on\":\"2026-05-10\",\"ref\":"
      "\"R2\","
      "\"name\":null,\"detail\":\"{\\\"a\\\":1}\"}\n",
      Options());
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 2u) << (c.rejects.empty() ? "" : c.rejects[0].reason);
  EXPECT_EQ(c.rows[0].ref, "12345");
  EXPECT_EQ(c.rows[0].region_code, "320106002003");
  EXPECT_EQ(c.rows[0].detail, "{\"branch\":\"鼓楼\",\"n\":[1,2]}");
  EXPECT_EQ(c.rows[1].line, 3);
  EXPECT_EQ(c.rows[1].name, "");
  EXPECT_EQ(c.rows[1].detail, "{\"a\":1}");
}

TEST(FeedReader, RejectsBadJsonLinesAndKeepsGoing) {
  const std::string good =
      "{\"source\":\"b\",\"kind\":\"k\",\"occurred_on\":\"2026-05-01\",\"ref\":\"R\"}\n";
  const Collected c =
      ReadText("feed.jsonl",
               good + "{\"source\":\"b\",\"id_number\":\"320106194704041561\"\n" + "[1,2]\n" +
                   "{\"source\":\"b\",\"kind\":{\"x\":1}}\n" +
                   "{\"source\":\"b\",\"kind\":\"k\",\"occurred_on\":\"2026-05-01\","
                   "\"ref\":\"R\",\"detail\":[1]}\n" +
                   "\xFF\n" + good,
               Options());
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_EQ(c.rows.size(), 2u);
  EXPECT_THAT(Fields(c.rejects), ElementsAre("row", "row", "kind", "detail", "encoding"));
  EXPECT_THAT(c.rejects[0].reason,
              HasSubstr("row: not valid JSON: expected ',' or '}' (at byte 47 of the line)"));
  EXPECT_THAT(c.rejects[0].reason, Not(HasSubstr("320106")));
  EXPECT_EQ(c.rejects[0].line, 2);
  EXPECT_EQ(c.rejects[4].line, 6);
}

TEST(FeedReader, ChecksumIsTheSha256OfTheRawBytesAndStable) {
  ScratchDir dir;
  const std::string text = std::string(kHeader) + kGoodRow;
  const std::string path = dir.Write("a.csv", text);
  const Collected first = ReadFile(path, Options());
  const Collected second = ReadFile(path, Options());
  const Collected bytes = ReadText("elsewhere.csv", text, Options());
  ASSERT_TRUE(first.summary.has_value());
  EXPECT_EQ(first.summary->sha256.size(), 64u);
  EXPECT_EQ(first.summary->sha256, second.summary->sha256);
  EXPECT_EQ(first.summary->sha256, bytes.summary->sha256);
  const Collected other = ReadText("a.csv", text + kGoodRow, Options());
  EXPECT_NE(first.summary->sha256, other.summary->sha256);
  // The checksum of a header-only file is the well-known SHA-256 of its bytes.
  const Collected empty_json = ReadText("e.jsonl", "", Options());
  EXPECT_EQ(empty_json.summary->sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(FeedReader, ChecksumHookRunsFirstAndCanSkipTheFile) {
  const std::string text = std::string(kHeader) + kGoodRow;
  FeedReadOptions o = Options();
  std::string seen;
  o.on_checksum = [&](std::string_view sha) {
    seen = sha;
    return false;
  };
  const Collected skipped = ReadText("a.csv", text, o);
  ASSERT_TRUE(skipped.summary.has_value());
  EXPECT_EQ(skipped.summary->rows, 0);
  EXPECT_THAT(skipped.rows, IsEmpty());
  EXPECT_EQ(seen, skipped.summary->sha256);
  o.on_checksum = [&](std::string_view) { return true; };
  const Collected read = ReadText("a.csv", text, o);
  EXPECT_EQ(read.rows.size(), 1u);
  EXPECT_EQ(read.summary->sha256, seen);
}

constexpr char kGbkMapping[] = R"(
[mapping]
name = "火化"
encoding = "GBK"
[columns]
ref = "记录编号"
name = "死者姓名"
sex = "性别"
occurred_on = "火化日期"
[constants]
source = "civil_affairs"
kind = "cremation"
[dates]
occurred_on = "%Y/%m/%d"
[sex]
"男" = "M"
"女" = "F"
[detail]
funeral_home = "殡仪馆"
)";

TEST(FeedReader, ConvertsGbkFilesToUtf8) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const std::string utf8 =
      "记录编号,死者姓名,性别,火化日期,殡仪馆\r\n"
      "HH1,王秀英,女,2026/5/3,八宝山殡仪馆\r\n"
      "HH2,李建国,男,2026/05/17,\"南京市殡仪馆, \"\"东区\"\"\"\r\n";
  const std::string path = dir.Write("f.csv", Encode(utf8, "GBK"));
  const Collected c = ReadFile(path, Options(&*m));
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].name, "王秀英");
  EXPECT_EQ(c.rows[0].sex, Sex::kFemale);
  EXPECT_EQ(c.rows[0].kind, "cremation");
  EXPECT_EQ(c.rows[0].source, "civil_affairs");
  EXPECT_EQ(c.rows[0].occurred_on, Day(2026, 5, 3));
  EXPECT_EQ(c.rows[0].detail, "{\"funeral_home\":\"八宝山殡仪馆\"}");
  EXPECT_EQ(c.rows[1].detail, "{\"funeral_home\":\"南京市殡仪馆, \\\"东区\\\"\"}");
  // The checksum is of the GBK bytes as received, not of the converted text.
  EXPECT_NE(c.summary->sha256, ReadText("u.csv", utf8, Options(&*m)).summary->sha256);
}

// Rows and rejects in the order the callbacks ran: "row L" / "reject L field".
std::vector<std::string> ReadEvents(const std::string& name, const std::string& bytes,
                                    const FeedReadOptions& options,
                                    std::vector<FeedReject>* rejects = nullptr) {
  std::vector<std::string> events;
  Result<FeedReadSummary> s = ReadFeedBytes(
      name, bytes, options,
      [&](const FeedRow& r) { events.push_back("row " + std::to_string(r.line)); },
      [&](const FeedReject& r) {
        events.push_back("reject " + std::to_string(r.line) + " " + r.field);
        if (rejects != nullptr) rejects->push_back(r);
      });
  if (!s) events.push_back("error: " + s.error().message);
  return events;
}

TEST(FeedReader, GbkRowThatDoesNotConvertIsAnEncodingRejectAndTheOtherRowsAreRead) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  const std::string bad = "HH2,\xFF\xFE\x80,x,2026/5/3,y";
  const std::string gbk =
      Encode("记录编号,死者姓名,性别,火化日期,殡仪馆\r\nHH1,王,女,2026/5/3,x\r\n", "GBK") + bad +
      "\r\n" + Encode("HH3,李,男,2026/5/4,y\r\n", "GBK") + "\xB0\n" +
      Encode("HH5,张,男,2026/5/5,z\r\n", "GBK");
  const Collected c = ReadFile(dir.Write("f.csv", gbk), Options(&*m));
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].name, "王");
  EXPECT_EQ(c.rows[1].name, "李");
  EXPECT_EQ(c.rows[1].line, 4);
  EXPECT_EQ(c.rows[2].name, "张");
  EXPECT_EQ(c.rows[2].line, 6);
  ASSERT_EQ(c.rejects.size(), 2u);
  const FeedReject& r = c.rejects[0];
  EXPECT_EQ(r.file, dir.Path("f.csv"));
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.field, "encoding");
  EXPECT_THAT(r.reason, HasSubstr("encoding: the row is not valid GBK as the mapping declares"));
  EXPECT_THAT(r.reason, HasSubstr("at byte 5 of the line"));
  EXPECT_THAT(r.reason, Not(HasSubstr("HH2")));
  EXPECT_EQ(r.reason.find('\xFF'), std::string::npos);
  EXPECT_EQ(r.raw, bad);  // the bytes as received, without CRLF
  EXPECT_EQ(c.rejects[1].line, 5);
  EXPECT_EQ(c.rejects[1].raw, "\xB0");
  EXPECT_EQ(c.summary->rows, 5);
  EXPECT_EQ(c.summary->accepted, 3);
  EXPECT_EQ(c.summary->rejected, 2);
  // In file order.
  EXPECT_THAT(ReadEvents("f.csv", gbk, Options(&*m)),
              ElementsAre("row 2", "reject 3 encoding", "row 4", "reject 5 encoding", "row 6"));
}

TEST(FeedReader, Gb18030RowsThatDoNotConvertAreRejectedUpToATruncatedLastLine) {
  ScratchDir dir;
  std::string mapping = kGbkMapping;
  mapping.replace(mapping.find("\"GBK\""), 5, "\"GB18030\"");
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", mapping));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const std::string gb =
      Encode("记录编号,死者姓名,性别,火化日期,殡仪馆\nHH1,𠀀王,女,2026/5/3,x\n", "GB18030") +
      "HH2,\xFF,x,2026/5/3,y\n" + Encode("HH3,李,男,2026/5/4,y\n", "GB18030") + "HH4,\x81\x30";
  std::vector<FeedReject> rejects;
  EXPECT_THAT(ReadEvents("f.csv", gb, Options(&*m), &rejects),
              ElementsAre("row 2", "reject 3 encoding", "row 4", "reject 5 encoding"));
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_THAT(rejects[0].reason, HasSubstr("not valid GB18030 as the mapping declares"));
  EXPECT_THAT(rejects[1].reason, HasSubstr("the file ends inside a multi-byte character"));
  EXPECT_EQ(rejects[1].raw, "HH4,\x81\x30");
}

TEST(FeedReader, GbkLineInsideAQuotedMultiLineRecordRejectsThatRecord) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  const std::string first = Encode("HH2,王,女,2026/5/3,\"第一行", "GBK");
  const std::string second = "\xFF\xFF\"";
  const std::string gbk =
      Encode("记录编号,死者姓名,性别,火化日期,殡仪馆\nHH1,王,女,2026/5/3,x\n", "GBK") + first +
      "\r\n\r\n" + second + "\r\n" + Encode("HH3,李,男,2026/5/4,\"两\n行\"\n", "GBK");
  std::vector<FeedReject> rejects;
  EXPECT_THAT(ReadEvents("f.csv", gbk, Options(&*m), &rejects),
              ElementsAre("row 2", "reject 3 encoding", "row 6"));
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].raw, first + "\r\n\r\n" + second);  // the record as received
  EXPECT_THAT(rejects[0].reason, HasSubstr("at byte 1 of line 5, inside this quoted record"));
}

TEST(FeedReader, GbkHeaderThatDoesNotConvertIsAnErrorNamingTheLine) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  for (const std::string& gbk : {Encode("记录编号,死者姓名,性别,火化日期,", "GBK") + "\xFF\n" +
                                     Encode("HH1,王,女,2026/5/3,x\n", "GBK"),
                                 std::string("\xFF\n"), std::string("\n\x81")}) {
    const Collected c = ReadFile(dir.Write("f.csv", gbk), Options(&*m));
    ASSERT_FALSE(c.summary.has_value());
    EXPECT_THAT(
        c.summary.error().message,
        AllOf(HasSubstr("f.csv: line "), HasSubstr(": not valid GBK"), HasSubstr("encoding")));
    EXPECT_THAT(c.rows, IsEmpty());
    EXPECT_THAT(c.rejects, IsEmpty());
  }
}

TEST(FeedReader, GbkJsonLinesLineThatDoesNotConvertIsAnEncodingReject) {
  Mapping m = CanonicalMapping(FeedFormat::kJsonLines);
  m.encoding = "GBK";
  const std::string good = Encode(
      "{\"source\":\"s\",\"kind\":\"k\",\"name\":\"王\",\"occurred_on\":\"2026-05-01\","
      "\"ref\":\"R1\"}\n",
      "GBK");
  const std::string bad = "{\"source\":\"s\",\"name\":\"\xFF\"}";
  std::vector<FeedReject> rejects;
  EXPECT_THAT(ReadEvents("f.jsonl", good + bad + "\n\n" + good + bad, Options(&m), &rejects),
              ElementsAre("row 1", "reject 2 encoding", "row 4", "reject 5 encoding"));
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[0].raw, bad);
  EXPECT_THAT(rejects[0].reason, HasSubstr("not valid GBK as the mapping declares"));
}

TEST(FeedReader, MappedHeaderMissingColumnsIsAnErrorListingThem) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  const Collected c =
      ReadText("f.csv", Encode("记录编号,死者姓名,性别\nHH1,王,女\n", "GBK"), Options(&*m));
  ASSERT_FALSE(c.summary.has_value());
  EXPECT_THAT(c.summary.error().message,
              AllOf(HasSubstr("f.csv: line 1: the header lacks column(s)"),
                    HasSubstr("'火化日期' (occurred_on)"), HasSubstr("'殡仪馆' ([detail])"),
                    HasSubstr("mapping '火化'")));
}

TEST(FeedReader, RejectsDepartmentSexCodesNotInTheTable) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  const Collected c = ReadText(
      "f.csv", Encode("记录编号,死者姓名,性别,火化日期,殡仪馆\nHH1,王,M,2026/5/3,x\n", "GBK"),
      Options(&*m));
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].field, "sex");
  EXPECT_EQ(c.rejects[0].reason, "sex: expected one of 女, 男 ([sex] in mapping '火化'), or empty");
}

TEST(FeedReader, DateReasonShowsTheMappingsFormat) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", kGbkMapping));
  ASSERT_TRUE(m.has_value());
  const Collected c = ReadText(
      "f.csv", Encode("记录编号,死者姓名,性别,火化日期,殡仪馆\nHH1,王,女,2026-05-03,x\n", "GBK"),
      Options(&*m));
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].reason, "occurred_on: expected a date like 2026/5/3 (format %Y/%m/%d)");
}

TEST(FeedReader, MappedKindCodesTranslateAndUnknownCodesAreRejected) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", R"(
[mapping]
delimiter = "|"
[columns]
ref = "no"
kind = "event"
occurred_on = "day"
[constants]
source = "court"
[kinds]
"判决" = "sentence"
"释放" = "release"
)"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  FeedReadOptions o = Options(&*m);
  o.is_known_kind = [](std::string_view k) { return k == "sentence"; };
  const Collected c = ReadText(
      "court.txt", "no|event|day\n1|判决|2026-05-01\n2|减刑|2026-05-01\n3|释放|2026-05-01\n", o);
  ASSERT_TRUE(c.summary.has_value()) << c.summary.error().message;
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].kind, "sentence");
  ASSERT_EQ(c.rejects.size(), 2u);
  EXPECT_EQ(c.rejects[0].reason,
            "kind: the department's code is not in the [kinds] table of mapping 'm' (known codes: "
            "判决, 释放)");
  EXPECT_EQ(c.rejects[1].reason,
            "kind: 'release' (from mapping 'm') is not a kind the policy declares");
}

TEST(FeedReader, DetailColumnsMergeIntoTheRowsOwnDetailObject) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", R"(
[columns]
ref = "ref"
occurred_on = "day"
detail = "extra"
[constants]
source = "bank"
kind = "bank_counter"
[detail]
branch = "branch"
teller = "teller"
)"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const Collected c = ReadText("b.csv",
                               "ref,day,extra,branch,teller\n"
                               "1,2026-05-01,\"{\"\"a\"\": 1 }\",鼓楼,007\n"
                               "2,2026-05-01,{},鼓楼,\n"
                               "3,2026-05-01,,,\n"
                               "4,2026-05-01,\"{\"\"a\"\":1}\",,\n",
                               Options(&*m));
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(c.rows[0].detail, "{\"a\": 1,\"branch\":\"鼓楼\",\"teller\":\"007\"}");
  EXPECT_EQ(c.rows[1].detail, "{\"branch\":\"鼓楼\"}");
  EXPECT_EQ(c.rows[2].detail, "");
  EXPECT_EQ(c.rows[3].detail, "{\"a\":1}");
}

TEST(FeedReader, ReasonsNeverContainIdNumbersNamesOrPhones) {
  const std::string id = "320106194704041561";
  const std::string name = "吴秀珍";
  const std::string phone = "13912345678";
  const std::string text = std::string(kHeader) +
                           // every field shifted: the id lands in kind, the name in sex ...
                           "bank," + id + "," + name + "," + phone + ",F,x,y,z,R1,\n" + "bank,k," +
                           id + "," + name + "," + phone + ",1947-04-04,r,2026-05-01,R2,\n" +
                           "bank,k," + id + "," + name + ",F," + phone + ",r,2026-05-01,R3,\n" +
                           "bank,k," + id + "," + name + ",F,,r," + phone + ",R4,\n" + "bank,k," +
                           id + "," + name + ",F,,r,2026-05-01,R5," + phone + "\n" + "bank,k," +
                           id + "," + name + ",F,,r,2026-05-01\n";
  FeedReadOptions o = Options();
  o.is_known_kind = [](std::string_view k) { return k == "k"; };
  const Collected c = ReadText("feed.csv", text, o);
  ASSERT_EQ(c.rejects.size(), 6u);
  for (const FeedReject& r : c.rejects) {
    EXPECT_THAT(r.reason, AllOf(Not(HasSubstr(id)), Not(HasSubstr(name)), Not(HasSubstr(phone))))
        << r.reason;
  }
}

TEST(FeedReader, FormatComesFromTheMappingBeforeTheExtension) {
  ScratchDir dir;
  Result<Mapping> m = LoadMapping(dir.Write("m.toml", R"(
[mapping]
format = "jsonl"
[columns]
ref = "r"
occurred_on = "d"
[constants]
source = "s"
kind = "k"
)"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const Collected c = ReadText("export.txt", "{\"r\":\"1\",\"d\":\"2026-05-01\"}\n", Options(&*m));
  ASSERT_TRUE(c.summary.has_value());
  EXPECT_EQ(c.rows.size(), 1u);
}

TEST(FeedReader, SurvivesMutatedInputWithoutLosingCount) {
  // A small deterministic fuzz: every row read is either accepted or rejected,
  // whatever the bytes.
  const std::string seed =
      std::string(kHeader) + kGoodRow +
      "bank,k,,\"a \"\"q\"\" b\",M,1950-01-01,r,2026-05-01,R2,\"{\"\"x\"\":1}\"\n";
  uint32_t state = 12345;
  const auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  const char kSpecial[] = {',', '"', '\n', '\r', '\xE4', '\xFF', '{', ' '};
  for (int round = 0; round < 2000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = next() % text.size();
      switch (next() % 3) {
        case 0:
          text[pos] = kSpecial[next() % sizeof(kSpecial)];
          break;
        case 1:
          text.insert(pos, 1, kSpecial[next() % sizeof(kSpecial)]);
          break;
        default:
          text.erase(pos, 1 + next() % 3);
      }
    }
    int64_t rows = 0, rejects = 0;
    Result<FeedReadSummary> s = ReadFeedBytes(
        "fuzz.csv", text, Options(), [&](const FeedRow&) { ++rows; },
        [&](const FeedReject&) { ++rejects; });
    if (!s) continue;
    EXPECT_EQ(s->accepted, rows);
    EXPECT_EQ(s->rejected, rejects);
    EXPECT_EQ(s->rows, rows + rejects);
  }
}

TEST(FeedReader, SurvivesMutatedGbkInputWithoutLosingCount) {
  // As above, for a GBK file: bad bytes, quotes and line breaks anywhere; every
  // row read is accepted or rejected, and the rejects come in file order.
  Mapping m = CanonicalMapping(FeedFormat::kCsv);
  m.encoding = "GBK";
  const std::string seed =
      Encode(std::string(kHeader) + kGoodRow +
                 "bank,k,,\"王 \"\"五\"\" 六\",M,1950-01-01,r,2026-05-01,R2,\"{\"\"x\"\":1}\"\r\n" +
                 kGoodRow,
             "GBK");
  uint32_t state = 54321;
  const auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  const char kSpecial[] = {',', '"', '\n', '\r', '\x81', '\xFF', '\x80', '\xCD'};
  int read = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = next() % text.size();
      switch (next() % 3) {
        case 0:
          text[pos] = kSpecial[next() % sizeof(kSpecial)];
          break;
        case 1:
          text.insert(pos, 1, kSpecial[next() % sizeof(kSpecial)]);
          break;
        default:
          text.erase(pos, 1 + next() % 3);
      }
    }
    int64_t rows = 0, rejects = 0, last_line = 0;
    bool in_order = true;
    Result<FeedReadSummary> s = ReadFeedBytes(
        "fuzz.csv", text, Options(&m),
        [&](const FeedRow& r) {
          ++rows;
          in_order = in_order && r.line > last_line;
          last_line = r.line;
        },
        [&](const FeedReject& r) {
          ++rejects;
          in_order = in_order && r.line > last_line;
          last_line = r.line;
        });
    if (!s) continue;
    ++read;
    EXPECT_EQ(s->accepted, rows);
    EXPECT_EQ(s->rejected, rejects);
    EXPECT_EQ(s->rows, rows + rejects);
    EXPECT_TRUE(in_order) << "round " << round;
  }
  EXPECT_GT(read, 1000);  // most mutations leave the header readable
}

}  // namespace
}  // namespace tacit
