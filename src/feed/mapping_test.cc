#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "feed/test_util.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using feed_test::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kMinimal[] = R"(
[columns]
ref = "no"
occurred_on = "date"
[constants]
kind = "travel"
)";

Result<Mapping> LoadText(const ScratchDir& dir, const std::string& toml,
                         const std::string& name = "dept.toml") {
  return LoadMapping(dir.Write(name, toml));
}

// The error message of loading `toml`, which must fail.
std::string LoadError(const std::string& toml) {
  ScratchDir dir;
  Result<Mapping> m = LoadText(dir, toml);
  EXPECT_FALSE(m.has_value());
  if (m.has_value()) return "";
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  return m.error().message;
}

TEST(LoadMapping, ReadsEveryTable) {
  ScratchDir dir;
  Result<Mapping> m = LoadText(dir, R"(
[mapping]
name = "卫健 医院"
format = "jsonl"
encoding = "gb18030"

[columns]
ref = "visit_id"
kind = "event"
occurred_on = "event_time"
sex = "gender"
birth_date = "birth"

[constants]
source = "health"
region_code = "510104"

[dates]
occurred_on = "%Y-%m-%d %H:%M:%S"
birth_date = "%Y%m%d"

[kinds]
"入院" = "hospital_admission"

[sex]
"男" = "M"
"女" = "F"
"未知" = ""

[detail]
hospital = "hospital_name"
)");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->name, "卫健 医院");
  EXPECT_EQ(m->format, FeedFormat::kJsonLines);
  EXPECT_EQ(m->encoding, "GB18030");
  EXPECT_FALSE(m->canonical);
  EXPECT_EQ(m->columns.at("kind"), "event");
  EXPECT_EQ(m->constants.at("region_code"), "510104");
  EXPECT_EQ(m->date_formats.at("birth_date"), "%Y%m%d");
  EXPECT_EQ(m->kind_codes.at("入院"), "hospital_admission");
  EXPECT_EQ(m->sex_codes.at("未知"), "");
  EXPECT_EQ(m->detail_columns.at("hospital"), "hospital_name");
}

TEST(LoadMapping, DefaultsNameToTheFileStemAndLeavesFormatToTheExtension) {
  ScratchDir dir;
  Result<Mapping> m = LoadText(dir, kMinimal, "bank_counter.toml");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->name, "bank_counter");
  EXPECT_FALSE(m->format.has_value());
  EXPECT_EQ(m->encoding, "UTF-8");
  EXPECT_EQ(m->delimiter, ',');
}

TEST(LoadMapping, ReadsATabDelimiter) {
  ScratchDir dir;
  Result<Mapping> m = LoadText(dir, std::string("[mapping]\ndelimiter = \"\\t\"\n") + kMinimal);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->delimiter, '\t');
}

TEST(ParseMapping, ReadsTextAsLoadMappingReadsTheFileAndNamesTheOriginInErrors) {
  ScratchDir dir;
  Result<Mapping> from_file = LoadText(dir, kMinimal, "bank_counter.toml");
  Result<Mapping> from_text = ParseMapping(kMinimal, "pushed/bank_counter.toml");
  ASSERT_TRUE(from_file.has_value() && from_text.has_value());
  EXPECT_EQ(from_text->name, "bank_counter");
  EXPECT_EQ(from_text->columns, from_file->columns);
  EXPECT_EQ(from_text->constants, from_file->constants);
  Result<Mapping> bad = ParseMapping("[columns]\nref = \"no\"\noccurred_on = \n", "pushed.toml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("pushed.toml:3:"), HasSubstr("not valid TOML")));
}

TEST(LoadMapping, MissingFileIsNotFound) {
  Result<Mapping> m = LoadMapping("/nonexistent/dir/mapping.toml");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(m.error().message, HasSubstr("/nonexistent/dir/mapping.toml"));
}

TEST(LoadMapping, InvalidTomlNamesFileLineAndColumn) {
  ScratchDir dir;
  Result<Mapping> m = LoadText(dir, "[columns]\nref = \"no\"\noccurred_on = \n");
  ASSERT_FALSE(m.has_value());
  EXPECT_THAT(m.error().message, AllOf(HasSubstr("dept.toml:3:"), HasSubstr("not valid TOML")));
}

TEST(LoadMapping, UnknownCanonicalFieldIsAnErrorNamingFileLineAndKey) {
  const std::string e = LoadError("[columns]\nref = \"no\"\noccured_on = \"date\"\n");
  EXPECT_THAT(e, AllOf(HasSubstr("dept.toml:3:"), HasSubstr("[columns] key 'occured_on'"),
                       HasSubstr("not a canonical field"), HasSubstr("occurred_on")));
}

TEST(LoadMapping, UnknownTableIsAnError) {
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[colums]\nx = \"y\"\n"),
              HasSubstr("unknown table [colums]"));
}

TEST(LoadMapping, UnknownMappingKeyIsAnError) {
  EXPECT_THAT(LoadError(std::string("[mapping]\ncharset = \"GBK\"\n") + kMinimal),
              AllOf(HasSubstr("dept.toml:2:"), HasSubstr("unknown key 'charset'")));
}

TEST(LoadMapping, BadFormatEncodingAndDelimiterAreErrors) {
  EXPECT_THAT(LoadError(std::string("[mapping]\nformat = \"xlsx\"\n") + kMinimal),
              HasSubstr("format: expected \"csv\" or \"jsonl\""));
  EXPECT_THAT(LoadError(std::string("[mapping]\nencoding = \"Big5\"\n") + kMinimal),
              HasSubstr("encoding: expected \"UTF-8\", \"GBK\" or \"GB18030\""));
  EXPECT_THAT(LoadError(std::string("[mapping]\ndelimiter = \";;\"\n") + kMinimal),
              HasSubstr("delimiter: expected one ASCII character"));
  EXPECT_THAT(LoadError(std::string("[mapping]\ndelimiter = \"\\\"\"\n") + kMinimal),
              HasSubstr("delimiter"));
  EXPECT_THAT(
      LoadError(std::string("[mapping]\nformat = \"jsonl\"\ndelimiter = \"|\"\n") + kMinimal),
      HasSubstr("delimiter applies only to format = \"csv\""));
}

TEST(LoadMapping, NonStringValueIsAnError) {
  EXPECT_THAT(LoadError("[columns]\nref = 3\noccurred_on = \"d\"\n[constants]\nkind = \"t\"\n"),
              AllOf(HasSubstr("dept.toml:2:"), HasSubstr("[columns] ref: expected a string")));
}

TEST(LoadMapping, RequiresKindOccurredOnAndRef) {
  EXPECT_THAT(LoadError("[columns]\nref = \"no\"\noccurred_on = \"d\"\n"),
              HasSubstr("kind: give [columns] kind"));
  EXPECT_THAT(LoadError("[columns]\nref = \"no\"\n[constants]\nkind = \"travel\"\n"),
              HasSubstr("[columns] occurred_on is required"));
  EXPECT_THAT(LoadError("[columns]\noccurred_on = \"d\"\n[constants]\nkind = \"travel\"\n"),
              HasSubstr("[columns] ref is required"));
}

TEST(LoadMapping, ConstantsOnlyForSourceKindAndRegion) {
  EXPECT_THAT(LoadError(std::string(kMinimal) + "name = \"x\"\n"),
              HasSubstr("[constants] name: a constant is allowed only for source, kind and "
                        "region_code"));
}

TEST(LoadMapping, FieldInBothColumnsAndConstantsIsAnError) {
  EXPECT_THAT(LoadError("[columns]\nref = \"no\"\noccurred_on = \"d\"\nkind = \"k\"\n"
                        "[constants]\nkind = \"travel\"\n"),
              HasSubstr("[constants] kind: the field is also in [columns]"));
}

TEST(LoadMapping, ConstantKindMustBeCanonical) {
  EXPECT_THAT(
      LoadError("[columns]\nref = \"no\"\noccurred_on = \"d\"\n[constants]\nkind = \"火化\"\n"),
      HasSubstr("[constants] kind: expected a canonical kind"));
}

TEST(LoadMapping, UnsupportedDateFormatIsAnErrorListingTheSupportedOnes) {
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[dates]\noccurred_on = \"%d/%m/%Y\"\n"),
              AllOf(HasSubstr("dept.toml:8:"),
                    HasSubstr("[dates] occurred_on: unsupported date "
                              "format"),
                    HasSubstr("%Y年%m月%d日")));
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[dates]\nref = \"%Y%m%d\"\n"),
              HasSubstr("[dates] ref: only occurred_on and birth_date are dates"));
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[dates]\nbirth_date = \"%Y%m%d\"\n"),
              HasSubstr("[dates] birth_date: the field has no column"));
}

TEST(LoadMapping, KindsAndSexTablesNeedTheirColumns) {
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[kinds]\n\"火化\" = \"cremation\"\n"),
              HasSubstr("[kinds] translates the kind column, but [columns] has no kind"));
  EXPECT_THAT(LoadError(std::string(kMinimal) + "[sex]\n\"男\" = \"M\"\n"),
              HasSubstr("[sex] translates the sex column, but [columns] has no sex"));
}

TEST(LoadMapping, TableValuesMustBeCanonical) {
  const std::string base =
      "[columns]\nref = \"no\"\noccurred_on = \"d\"\nkind = \"k\"\nsex = \"s\"\n";
  EXPECT_THAT(LoadError(base + "[kinds]\n\"火化\" = \"Cremation\"\n"),
              HasSubstr("[kinds] \"火化\": expected a canonical kind"));
  EXPECT_THAT(LoadError(base + "[sex]\n\"男\" = \"male\"\n"),
              HasSubstr("[sex] \"男\": expected \"M\", \"F\" or \"\""));
}

TEST(CanonicalMapping, NamesEveryFieldAsItself) {
  const Mapping m = CanonicalMapping(FeedFormat::kCsv);
  EXPECT_TRUE(m.canonical);
  EXPECT_EQ(m.format, FeedFormat::kCsv);
  EXPECT_EQ(m.columns.size(), 10u);
  EXPECT_EQ(m.columns.at("occurred_on"), "occurred_on");
}

TEST(FeedFormatForPath, JsonLinesByExtensionElseCsv) {
  EXPECT_EQ(FeedFormatForPath("a/b/x.jsonl"), FeedFormat::kJsonLines);
  EXPECT_EQ(FeedFormatForPath("x.NDJSON"), FeedFormat::kJsonLines);
  EXPECT_EQ(FeedFormatForPath("x.csv"), FeedFormat::kCsv);
  EXPECT_EQ(FeedFormatForPath("x.jsonl.d/file"), FeedFormat::kCsv);
  EXPECT_EQ(FeedFormatForPath("noext"), FeedFormat::kCsv);
}

}  // namespace
}  // namespace tacit
