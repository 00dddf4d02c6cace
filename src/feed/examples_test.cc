// The shipped department mappings (examples/mappings) read their sample feeds
// (examples/feeds). The demo generator writes these same layouts, so a change
// here is a change to a contract with the departments.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "feed/test_util.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using feed_test::Collected;
using feed_test::Day;
using feed_test::Options;
using feed_test::ReadFile;
using ::testing::IsEmpty;

const std::string kRoot = TACIT_SOURCE_DIR;

Mapping Load(const std::string& name) {
  Result<Mapping> m = LoadMapping(kRoot + "/examples/mappings/" + name);
  EXPECT_TRUE(m.has_value()) << m.error().message;
  return m.has_value() ? *m : Mapping{};
}

Collected ReadExample(const Mapping* m, const std::string& feed) {
  Collected c = ReadFile(kRoot + "/examples/feeds/" + feed, Options(m));
  EXPECT_TRUE(c.summary.has_value()) << c.summary.error().message;
  for (const FeedReject& r : c.rejects) ADD_FAILURE() << r.line << " " << r.reason;
  return c;
}

TEST(ExampleMappings, CivilAffairsCremationReadsItsGbkSample) {
  const Mapping m = Load("civil_affairs_cremation.toml");
  EXPECT_EQ(m.encoding, "GBK");
  EXPECT_EQ(m.format, FeedFormat::kCsv);
  const Collected c = ReadExample(&m, "civil_affairs_cremation_sample.csv");
  ASSERT_EQ(c.rows.size(), 3u);
  const auto& r = c.rows[0];
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.source, "civil_affairs");
  EXPECT_EQ(r.kind, "cremation");
  EXPECT_EQ(r.ref, "HH2026050001");
  EXPECT_EQ(r.name, "王秀英");
  EXPECT_EQ(r.sex, Sex::kFemale);
  EXPECT_EQ(r.id_number, "11010519491231002X");
  EXPECT_EQ(r.birth_date, Day(1949, 12, 31));
  EXPECT_EQ(r.occurred_on, Day(2026, 5, 3));
  EXPECT_EQ(r.detail, "{\"funeral_home\":\"北京市八宝山殡仪馆\"}");
  EXPECT_EQ(c.rows[1].sex, Sex::kMale);
  EXPECT_EQ(c.rows[2].occurred_on, Day(2026, 5, 12));
}

TEST(ExampleMappings, RailwayTravelReadsItsSample) {
  const Mapping m = Load("railway_travel.toml");
  const Collected c = ReadExample(&m, "railway_travel_sample.csv");
  ASSERT_EQ(c.rows.size(), 3u);
  const auto& r = c.rows[0];
  EXPECT_EQ(r.source, "railway");
  EXPECT_EQ(r.kind, "travel");
  EXPECT_EQ(r.ref, "E123456789");
  EXPECT_EQ(r.name, "张伟");
  EXPECT_EQ(r.id_number, "320583195011083450");
  EXPECT_EQ(r.sex, Sex::kUnknown);
  EXPECT_EQ(r.occurred_on, Day(2026, 5, 2));
  EXPECT_EQ(r.detail, "{\"from\":\"苏州\",\"to\":\"上海虹桥\"}");
  EXPECT_EQ(c.rows[2].id_number, "11010519491231002x");  // normalised later, by the ingest
}

TEST(ExampleMappings, HealthHospitalReadsItsJsonLinesSample) {
  const Mapping m = Load("health_hospital.toml");
  EXPECT_EQ(m.format, FeedFormat::kJsonLines);
  FeedReadOptions o = Options(&m);
  const Collected c = ReadExample(&m, "health_hospital_sample.jsonl");
  ASSERT_EQ(c.rows.size(), 4u);
  const auto& r = c.rows[0];
  EXPECT_EQ(r.source, "health");
  EXPECT_EQ(r.kind, "hospital_admission");
  EXPECT_EQ(r.ref, "ZY20260501001");
  EXPECT_EQ(r.name, "孙建华");
  EXPECT_EQ(r.sex, Sex::kMale);
  EXPECT_EQ(r.birth_date, Day(1952, 9, 9));
  EXPECT_EQ(r.occurred_on, Day(2026, 5, 1));
  EXPECT_EQ(r.region_code, "510104001001");
  EXPECT_EQ(r.detail, "{\"hospital\":\"四川大学华西医院\"}");
  EXPECT_EQ(c.rows[1].kind, "hospital_discharge");
  EXPECT_EQ(c.rows[2].kind, "health_checkup");
  EXPECT_EQ(c.rows[3].kind, "death");
  EXPECT_EQ(c.rows[3].occurred_on, Day(2026, 5, 20));
}

TEST(ExampleMappings, CanonicalSampleReadsWithoutAMapping) {
  const Collected c = ReadExample(nullptr, "canonical_sample.csv");
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].source, "public_security");
  EXPECT_EQ(c.rows[0].kind, "household_cancelled");
  EXPECT_EQ(c.rows[0].detail, "{\"reason\":\"death\"}");
  EXPECT_EQ(c.rows[1].kind, "bank_counter");
  EXPECT_EQ(c.rows[2].kind, "medical_settlement");
  EXPECT_EQ(c.rows[2].detail, "");
}

TEST(ExampleMappings, TheCompleteExampleInTheDocsLoads) {
  const std::string doc = feed_test::ReadAll(kRoot + "/docs/feeds.md");
  const size_t start = doc.find("```toml\n");
  ASSERT_NE(start, std::string::npos);
  const size_t end = doc.find("```", start + 8);
  feed_test::ScratchDir dir;
  Result<Mapping> m =
      LoadMapping(dir.Write("court_sentences.toml", doc.substr(start + 8, end - start - 8)));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->delimiter, '|');
  EXPECT_EQ(m->encoding, "GB18030");
  EXPECT_EQ(m->kind_codes.size(), 2u);
}

}  // namespace
}  // namespace tacit
