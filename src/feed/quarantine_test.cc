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
  ASSERT_TRUE(WriteQuarantine(path, {FeedReject{"old", 1, "row", "old", "old"}}));
  ASSERT_TRUE(WriteQuarantine(path, c.rejects));
  std::string text = ReadAll(path);
  EXPECT_THAT(text, testing::Not(HasSubstr("old")));
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

TEST(WriteQuarantine, UnwritablePathIsAnErrorNamingIt) {
  const Status s = WriteQuarantine("/nonexistent/dir/q.csv", {});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(s.error().message, HasSubstr("/nonexistent/dir/q.csv"));
}

}  // namespace
}  // namespace tacit
