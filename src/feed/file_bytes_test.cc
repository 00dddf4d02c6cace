#include "feed/file_bytes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace tacit::feed_internal {
namespace {

TEST(ConvertToUtf8, ConvertsGbkWithoutBadLines) {
  Result<ConvertedText> c = ConvertToUtf8("a,\xCD\xF5\r\nb\n", "GBK");  // 王
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->utf8, "a,王\r\nb\n");
  EXPECT_TRUE(c->bad_lines.empty());
}

TEST(ConvertToUtf8, ListsEachLineThatDoesNotConvertOnceAndKeepsItsStructure) {
  // Line 2 has two bad bytes and a quote; line 4 ends inside a character.
  Result<ConvertedText> c = ConvertToUtf8("ok\n\"x\xFF,\xCD\xF5\xFF\"\r\n\xCD\xF5\n\xCD", "GBK");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->utf8, "ok\n\"x\xEF\xBF\xBD,王\xEF\xBF\xBD\"\r\n王\n\xEF\xBF\xBD");
  ASSERT_EQ(c->bad_lines.size(), 2u);
  EXPECT_EQ(c->bad_lines[0].line, 2);
  EXPECT_EQ(c->bad_lines[0].offset, 2u);
  EXPECT_FALSE(c->bad_lines[0].truncated);
  EXPECT_EQ(c->bad_lines[0].bytes, "\"x\xFF,\xCD\xF5\xFF\"");  // without CRLF
  EXPECT_EQ(c->bad_lines[1].line, 4);
  EXPECT_EQ(c->bad_lines[1].offset, 0u);
  EXPECT_TRUE(c->bad_lines[1].truncated);
  EXPECT_EQ(c->bad_lines[1].bytes, "\xCD");
}

TEST(ConvertToUtf8, UnknownEncodingIsAnInternalError) {
  Result<ConvertedText> c = ConvertToUtf8("a", "NO-SUCH-ENCODING");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace tacit::feed_internal
