#include "feed/json_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tacit::feed_internal {
namespace {

using ::testing::HasSubstr;

TEST(JsonLineParser, ReadsTheWantedKeysOfAFlatObject) {
  JsonLineParser p({"a", "b", "c", "d", "e", "f", "missing"});
  ASSERT_TRUE(p.Parse(R"( {"a":"x","skip":{"deep":[1,{"q":"}"}]},"b":-12.5e3,"c":true,"d":null,)"
                      R"("e":{"k":"v"},"f":[1,"]"]} )"))
      << p.error();
  EXPECT_EQ(p.value(0).type, JsonValueType::kString);
  EXPECT_EQ(p.value(0).text, "x");
  EXPECT_EQ(p.value(1).type, JsonValueType::kNumber);
  EXPECT_EQ(p.value(1).text, "-12.5e3");
  EXPECT_EQ(p.value(2).type, JsonValueType::kBool);
  EXPECT_EQ(p.value(2).text, "true");
  EXPECT_EQ(p.value(3).type, JsonValueType::kNull);
  EXPECT_EQ(p.value(4).type, JsonValueType::kObject);
  EXPECT_EQ(p.value(4).text, R"({"k":"v"})");
  EXPECT_EQ(p.value(5).type, JsonValueType::kArray);
  EXPECT_EQ(p.value(5).text, R"([1,"]"])");
  EXPECT_EQ(p.value(6).type, JsonValueType::kMissing);
}

TEST(JsonLineParser, DecodesEscapesIntoItsOwnBuffer) {
  JsonLineParser p({"a", "b", "k\"ey"});
  ASSERT_TRUE(p.Parse(R"({"a":"q\"\\\/\n\u738b\ud83d\ude00","b":"plain","k\"ey":"\t"})"))
      << p.error();
  EXPECT_EQ(p.value(0).text, "q\"\\/\n王\xF0\x9F\x98\x80");
  EXPECT_EQ(p.value(1).text, "plain");
  EXPECT_EQ(p.value(2).text, "\t");
}

TEST(JsonLineParser, LastDuplicateKeyWins) {
  JsonLineParser p({"a"});
  ASSERT_TRUE(p.Parse(R"({"a":"1\n","a":"2\t"})"));
  EXPECT_EQ(p.value(0).text, "2\t");
}

TEST(JsonLineParser, RejectsWhatIsNotOneJsonObject) {
  JsonLineParser p({"a"});
  for (const char* bad : {"", "[1]", "\"a\"", "{", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}",
                          "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"x\"} x", "{\"a\":\"\\x\"}",
                          "{\"a\":\"\\ud800\"}", "{\"a\":\"tab\there\"}", "{\"a\":[1,}",
                          "{\"a\":{\"b\":1}", "{a:1}", "{\"a\":-}", "{\"a\":\"unclosed}"}) {
    EXPECT_FALSE(p.Parse(bad)) << bad;
    EXPECT_FALSE(p.error().empty()) << bad;
  }
  EXPECT_FALSE(p.Parse("{\"a\":1 \"b\":2}"));
  EXPECT_THAT(p.error(), HasSubstr("expected ',' or '}'"));
  EXPECT_EQ(p.error_offset(), 7u);
}

TEST(JsonLineParser, AgreesWithNlohmannOnMutatedLines) {
  const std::string seed =
      R"({"id":"32010\"6","n":-1.5e-3,"ok":false,"z":null,"o":{"a":[1,2,{"b":"}"}]},"u":"\u4e2d"})";
  const std::vector<std::string> keys = {"id", "n", "ok", "z", "o", "u"};
  JsonLineParser p(keys);
  uint32_t state = 7;
  const auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  const char kSpecial[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '1', 'e', '-', ' ', 'u', 'n'};
  int agreed_ok = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string line = seed;
    const int edits = static_cast<int>(next() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = next() % line.size();
      if (next() % 2 == 0) {
        line[pos] = kSpecial[next() % sizeof(kSpecial)];
      } else {
        line.erase(pos, 1);
      }
    }
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool reference_ok = !doc.is_discarded() && doc.is_object();
    const bool ok = p.Parse(line);
    ASSERT_EQ(ok, reference_ok) << line << " : " << p.error();
    if (!ok) continue;
    ++agreed_ok;
    for (size_t k = 0; k < keys.size(); ++k) {
      auto it = doc.find(keys[k]);
      if (it == doc.end()) {
        EXPECT_EQ(p.value(k).type, JsonValueType::kMissing) << line;
      } else if (it->is_string()) {
        EXPECT_EQ(p.value(k).text, it->get<std::string>()) << line;
      } else if (!it->is_null()) {
        EXPECT_EQ(nlohmann::json::parse(p.value(k).text), *it) << line;
      }
    }
  }
  EXPECT_GT(agreed_ok, 100);
}

}  // namespace
}  // namespace tacit::feed_internal
