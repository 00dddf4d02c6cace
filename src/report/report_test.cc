#include "tacit/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace tacit {
namespace {

Date D(std::string_view s) { return *ParseDate(s); }

TEST(PersonView, JsonHasTheDocumentedShapeWithAmountsAsStrings) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "report_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(*OpenSqliteStore((dir / "t.db").string()));
  ASSERT_TRUE(store->Migrate());
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  std::string id = "14010519500101123";
  id += IdCheckCharacter(id);
  IdParse p = ParseIdNumber(id, D("2026-11-27"));
  RegistryRow row;
  row.person.key = p.id.key();
  row.person.id_number = p.id.text();
  row.person.name = "张三丰";
  row.person.sex = p.id.sex();
  row.person.birth_date = p.id.birth_date();
  row.person.phone = "13812345678";
  row.person.region_code = "140105001001";
  row.person.baseline_certified = D("2026-02-01");
  row.paying_region = "140105";
  row.start = Month::Of(2010, 1);
  row.monthly = 312050;
  ASSERT_TRUE(store->ImportRegistry({row}, Month::Of(2026, 11)));
  auto view = BuildPersonView(*store, policy, p.id.key(), D("2026-11-27"), 3);
  ASSERT_TRUE(view) << view.error().ToString();
  const auto j = nlohmann::json::parse(PersonViewJson(*view, policy));
  EXPECT_EQ(j["id_number"], id);
  EXPECT_EQ(j["name"], "张**");
  EXPECT_EQ(j["certification"]["status"], "certified");
  EXPECT_EQ(j["certification"]["last_certified_on"], "2026-02-01");
  EXPECT_EQ(j["certification"]["method"], "legacy");
  EXPECT_EQ(j["certification"]["valid_through"], "2027-02");
  ASSERT_EQ(j["entitlements"].size(), 1u);
  const auto& e = j["entitlements"][0];
  EXPECT_EQ(e["scheme"], "enterprise");
  EXPECT_EQ(e["paying_region"], "140105");
  EXPECT_EQ(e["status"], "payable");
  ASSERT_EQ(e["months"].size(), 3u);
  EXPECT_EQ(e["months"][2]["month"], "2026-11");
  EXPECT_EQ(e["months"][2]["due"], "3120.50");
  EXPECT_EQ(e["months"][2]["paid"], "0.00");
  EXPECT_EQ(e["months"][2]["rule"], "pay.certified");
  EXPECT_EQ(e["overpaid"], "0.00");
  EXPECT_EQ(e["arrears"], "0.00");
  const std::string text = PersonViewText(*view, policy);
  EXPECT_NE(text.find("138****5678"), std::string::npos);
  EXPECT_EQ(text.find("13812345678"), std::string::npos);
  EXPECT_EQ(text.find("张三丰"), std::string::npos);

  std::string other = "14010519600101123";
  other += IdCheckCharacter(other);
  auto missing = BuildPersonView(*store, policy, ParseIdNumber(other, D("2026-11-27")).id.key(), D("2026-11-27"), 3);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message.find(other), std::string::npos);
}

}  // namespace
}  // namespace tacit
