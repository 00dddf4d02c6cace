#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "feed/test_util.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FrameJsonRecords, AnArrayBecomesOneLinePerElementInOrder) {
  auto r = FrameJsonRecords(
      " [ {\"ref\":\"a\",\"d\":{\"x\":[1,2]}} ,\n{\"ref\" :\n \"b,]}\\\"\"}, 7, \"s\", null ]\n",
      10);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->single);
  EXPECT_EQ(r->count, 5u);
  EXPECT_EQ(r->lines,
            "{\"ref\":\"a\",\"d\":{\"x\":[1,2]}}\n"
            "{\"ref\" :  \"b,]}\\\"\"}\n"
            "7\n"
            "\"s\"\n"
            "null\n");
}

TEST(FrameJsonRecords, OneObjectIsOneLine) {
  auto r = FrameJsonRecords("{\r\n  \"ref\": \"a\"\r\n}\r\n", 10);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->single);
  EXPECT_EQ(r->count, 1u);
  EXPECT_EQ(r->lines, "{    \"ref\": \"a\"  }\n");
  auto empty = FrameJsonRecords("[ ]", 10);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->count, 0u);
}

TEST(FrameJsonRecords, ABadElementIsLeftToTheReaderToReject) {
  // Framing succeeds; the reader rejects line 2 alone.
  auto r = FrameJsonRecords(
      R"([{"source":"bank","kind":"k","occurred_on":"2026-05-01","ref":"A"},{"ref":tru}])", 10);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->count, 2u);
  const feed_test::Collected c =
      feed_test::ReadText("records.jsonl", r->lines, feed_test::Options());
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].line, 2);
  EXPECT_EQ(c.rejects[0].field, "row");
}

TEST(FrameJsonRecords, ABrokenBodyIsAnErrorNamingTheByteNotTheText) {
  for (const char* body : {"", "   ", "7", "\"x\"", "[", "[{\"a\":1}", "[{\"a\":1},]", "[,{}]",
                           "[{} {}]", "[{\"a\":\"x\ny\"}]", "[{\"a\":[1}]", "[{\"a\":\"secret]",
                           "{\"a\":1} {\"b\":2}", "{\"a\":1},", "[{}] x", "{\"a\":1]"}) {
    auto r = FrameJsonRecords(body, 10);
    EXPECT_FALSE(r) << "accepted: " << body;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_THAT(r.error().message, HasSubstr("at byte"));
      EXPECT_THAT(r.error().message, Not(HasSubstr("secret")));
    }
  }
}

TEST(FrameJsonRecords, RefusesMoreThanTheLimit) {
  EXPECT_TRUE(FrameJsonRecords("[{},{},{}]", 3));
  auto r = FrameJsonRecords("[{},{},{},{}]", 3);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("more than 3 records"));
}

}  // namespace
}  // namespace tacit
