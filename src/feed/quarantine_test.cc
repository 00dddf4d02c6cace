#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feed/csv.h"
#include "feed/test_util.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using feed_test::Collected;
using feed_test::Options;
using feed_test::ReadAll;
using feed_test::ScratchDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WriteQuarantine, QuotesFieldsThatNeedIt) {
  ScratchDir dir;
  const std::string path = dir.Path("q.csv");
  ASSERT_TRUE(
      WriteQuarantine(path, {FeedReject{"a.csv", 3, "row", "row: bad, really", "x,\"y\"\nz"},
                             FeedReject{"a.csv", 9, "sex", "sex: expected M", " s "}}));
  EXPECT_EQ(ReadAll(path),
            "\xEF\xBB\xBF"
            "file,line,field,reason,raw\n"
            "a.csv,3,row,\"row: bad, really\",\"x,\"\"y\"\"\nz\"\n"
            "a.csv,9,sex,sex: expected M,\" s \"\n");
}

TEST(WriteQuarantine, RoundTripsThroughTheCsvReaderAndReplacesTheFile) {
  ScratchDir dir;
  const std::string feed = dir.Write("feed.csv",
                                     "source,kind,occurred_on,ref\n"
                                     "bank,k,\"not, a date\",R1\n"
                                     "bank,k,2026-05-01,R2\n"
                                     "bank,k\n");
  const Collected c = feed_test::ReadFile(feed, Options());
  ASSERT_EQ(c.rejects.size(), 2u);
  const std::string path = dir.Path("q.csv");
  // A marker no scratch path can hold (the rows quote the feed's path, and a
  // checkout may live in a folder named, say, ci-cold).
  const std::string marker = "replaced-quarantine-row-7f3a";
  ASSERT_TRUE(WriteQuarantine(path, {FeedReject{marker, 1, "row", marker, marker}}));
  ASSERT_TRUE(WriteQuarantine(path, c.rejects));
  std::string text = ReadAll(path);
  EXPECT_THAT(text, testing::Not(HasSubstr(marker)));
  ASSERT_EQ(text.substr(0, 3), "\xEF\xBB\xBF") << "a byte-order mark for Excel";
  text = text.substr(3);
  // Read it back with the feed module's own CSV scanner.
  feed_internal::CsvScanner scanner(text, ',');
  feed_internal::CsvRecord rec;
  ASSERT_TRUE(scanner.Next(&rec));
  EXPECT_THAT(std::vector<std::string>(rec.fields.begin(), rec.fields.end()),
              ElementsAre("file", "line", "field", "reason", "raw"));
  for (const FeedReject& r : c.rejects) {
    ASSERT_TRUE(scanner.Next(&rec));
    EXPECT_THAT(std::vector<std::string>(rec.fields.begin(), rec.fields.end()),
                ElementsAre(feed, std::to_string(r.line), r.field, r.reason, r.raw));
  }
  EXPECT_FALSE(scanner.Next(&rec));
}

TEST(ReadQuarantine, ReadsBackWhatWriteQuarantineWrote) {
  ScratchDir dir;
  const std::string path = dir.Path("q.csv");
  const std::vector<FeedReject> written = {FeedReject{"a.csv", 3, "row", "row: bad, really", "x,\"y\"\nz"},
                                           FeedReject{"a.csv", 9, "sex", "sex: expected M", ""},
                                           FeedReject{"a.csv", 12, "encoding", "encoding: bad", "\xC4\xE3,\x81"}};
  ASSERT_TRUE(WriteQuarantine(path, written));
  auto read = ReadQuarantine(path);
  ASSERT_TRUE(read) << read.error().ToString();
  ASSERT_EQ(read->size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ((*read)[i].file, written[i].file);
    EXPECT_EQ((*read)[i].line, written[i].line);
    EXPECT_EQ((*read)[i].field, written[i].field);
    EXPECT_EQ((*read)[i].reason, written[i].reason);
    EXPECT_EQ((*read)[i].raw, written[i].raw);
  }
}

TEST(ReadQuarantine, AnotherFileIsDataLossAndAMissingOneNotFound) {
  ScratchDir dir;
  const std::string feed = dir.Write("feed.csv", "source,kind,occurred_on,ref\nbank,k,2026-05-01,R1\n");
  auto other = ReadQuarantine(feed);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kDataLoss);
  EXPECT_THAT(other.error().message, HasSubstr(feed + ":1"));
  const std::string bad_line = dir.Write("q.csv", "file,line,field,reason,raw\na.csv,three,row,r,x\n");
  auto bad = ReadQuarantine(bad_line);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr(bad_line + ":2"));
  auto missing = ReadQuarantine(dir.Path("none.csv"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(WriteQuarantine, UnwritablePathIsAnErrorNamingIt) {
  const Status s = WriteQuarantine("/nonexistent/dir/q.csv", {});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(s.error().message, HasSubstr("/nonexistent/dir/q.csv"));
}

}  // namespace
}  // namespace tacit
