// The golden-scenario harness's own pieces: if the path language or the
// identity numbers were wrong, every scenario would be checking something else.
#include "cli_harness.h"

#include <gtest/gtest.h>

#include "tacit/civil.h"
#include "tacit/id_number.h"

namespace tacit::golden {
namespace {

using nlohmann::json;

const json kPerson = json::parse(R"({
  "certification": {"status": "deceased", "death_date": "2026-04-20", "evidence_id": null},
  "entitlements": [
    {"id": 1, "scheme": "enterprise", "overpaid": "6000.00", "months": [
      {"month": "2026-04", "status": "payable", "paid": "3000.00", "rule": "pay.certified"},
      {"month": "2026-05", "status": "terminated", "paid": "3000.00", "rule": "terminate.death"}]},
    {"id": 2, "scheme": "public", "overpaid": "0.00", "months": []}],
  "evidence": [
    {"id": 7, "kind": "travel", "ref": "r-1", "link_score": 1.0},
    {"id": 8, "kind": "travel", "ref": "r-2", "link_score": 1.0}],
  "special_care": false
})");

std::string At(std::string_view path) {
  const PathLookup r = LookupPath(kPerson, path);
  return r.ok() ? RenderScalar(*r.value) : "error: " + r.error;
}

TEST(CliHarnessPath, PicksArrayElementsByTheirKeyFields) {
  EXPECT_EQ(At("certification.status"), "deceased");
  EXPECT_EQ(At("entitlements[enterprise].months[2026-05].status"), "terminated");
  EXPECT_EQ(At("entitlements[public].overpaid"), "0.00");
  EXPECT_EQ(At("entitlements[2].scheme"), "public") << "by id";
  EXPECT_EQ(At("evidence[r-2].id"), "8") << "by ref";
  EXPECT_EQ(At("entitlements[#1].scheme"), "public");
  EXPECT_EQ(At("entitlements[enterprise].months[rule=terminate.death].month"), "2026-05");
}

TEST(CliHarnessPath, RendersScalarsWithoutQuotes) {
  EXPECT_EQ(At("certification.evidence_id"), "null");
  EXPECT_EQ(At("special_care"), "false");
  EXPECT_EQ(At("evidence[#0].link_score"), "1.0");
  EXPECT_EQ(At("entitlements[enterprise].months[#0]"),
            R"({"month":"2026-04","paid":"3000.00","rule":"pay.certified","status":"payable"})");
}

TEST(CliHarnessPath, CountsWithHash) {
  EXPECT_EQ(At("entitlements.#"), "2");
  EXPECT_EQ(At("entitlements[public].months.#"), "0");
  EXPECT_EQ(At("certification.#"), "3");
}

TEST(CliHarnessPath, SaysWhyAPathDoesNotResolve) {
  EXPECT_NE(At("evidence[travel].id").find("2 elements match"), std::string::npos);
  const std::string none = At("entitlements[enterprise].months[2026-06].status");
  EXPECT_NE(none.find("no element matches"), std::string::npos) << none;
  EXPECT_NE(none.find("month=2026-05"), std::string::npos) << "lists what is there: " << none;
  EXPECT_NE(At("certification.statis").find("members: "), std::string::npos);
  EXPECT_NE(At("entitlements[#5]").find("has 2 elements"), std::string::npos);
  EXPECT_NE(At("certification[#0]").find("needs an array"), std::string::npos);
  EXPECT_NE(At("entitlements.#.x").find("must end the path"), std::string::npos);
  const PathLookup r = LookupPath(kPerson, "entitlements[enterprise].months[2026-07].paid");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.context_path, "entitlements[enterprise]") << "the excerpt shows where it stopped";
}

TEST(CliHarnessTokens, KeepsJsonObjectsAndQuotedTextWhole) {
  const std::string_view row = R"(  P1 travel occurred=2026-02-10 detail={"type": "prison", "note": "a } b"} name="张 三"  )";
  const TokenizedLine t = Tokenize(std::string(row) + "# why");
  ASSERT_TRUE(t.error.empty()) << t.error;
  ASSERT_EQ(t.tokens.size(), 5u);
  EXPECT_EQ(t.tokens[3].text, R"(detail={"type": "prison", "note": "a } b"})");
  EXPECT_EQ(SplitKeyValue(t.tokens[4].text).value, "张 三");
  EXPECT_EQ(t.comment_at, row.size());
  EXPECT_EQ(Tokenize("expect P1 entitlements[#0].status = payable").tokens[2].text, "entitlements[#0].status");
  EXPECT_FALSE(Tokenize(R"(P1 x detail={"a":1)").error.empty());
  EXPECT_FALSE(SplitKeyValue("P1").has_value);
  EXPECT_EQ(SplitKeyValue("empty=").value, "");
}

TEST(CliHarnessCsv, QuotesOnlyWhenNeededAndReadsBack) {
  EXPECT_EQ(CsvQuote("plain"), "plain");
  EXPECT_EQ(CsvQuote(R"({"a":"b,c"})"), R"("{""a"":""b,c""}")");
  const auto rows = ParseCsv("h1,h2\r\n\"x,\"\"y\"\"\",\n\nlast,1");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "x,\"y\"");
  EXPECT_EQ(rows[1][1], "");
  EXPECT_EQ(rows[2][1], "1");
}

TEST(CliHarnessIdNumbers, AreValidAndCarrySexBirthAndRegion) {
  const std::string man = MakeIdNumber("140105001001", "1948-03-07", true, 0);
  EXPECT_EQ(man.substr(0, 17), "14010519480307101");
  const std::string woman = MakeIdNumber("140105001001", "1952-11-30", false, 3);
  for (const std::string& id : {man, woman, MakeIdNumber("110105", "1949-12-31", false, 449)}) {
    EXPECT_EQ(id.size(), 18u);
    EXPECT_EQ(id.back(), IdCheckCharacter(id.substr(0, 17))) << id;
    EXPECT_TRUE(ParseIdNumber(id, Date::FromCivil(2026, 11, 27)).ok()) << id;
  }
  EXPECT_EQ(ParseIdNumber(man, Date::FromCivil(2026, 11, 27)).id.sex(), Sex::kMale);
  EXPECT_EQ(ParseIdNumber(woman, Date::FromCivil(2026, 11, 27)).id.sex(), Sex::kFemale);
  EXPECT_EQ(CheckCharacter("11010519491231002"), 'X');
}

}  // namespace
}  // namespace tacit::golden
