#include "tacit/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

std::string Id(std::string first17) { return first17 + IdCheckCharacter(first17); }
// A check character that is certainly wrong for these 17 digits.
char WrongCheck(std::string first17) { return IdCheckCharacter(first17) == '0' ? '1' : '0'; }

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("registry_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenSqliteStore((dir_ / "t.db").string()));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
  }
  std::string Write(const std::string& text) {
    const std::string path = (dir_ / "registry.csv").string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Policy policy_;
};

constexpr const char* kHeader =
    "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,special_care,"
    "basic_amount,last_certified_on,employer\n";

TEST_F(RegistryTest, ImportsGoodRowsAndQuarantinesBadOnesWithLineAndField) {
  std::ostringstream csv;
  csv << kHeader;
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,13812345678,140105001001,enterprise,140105,3120.50,2010-02,0,"
      << "2000.00,2026-03-01,太原钢铁\n";                                                          // line 2: good
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,13812345678,140105001001,resident,140105,180,2011-07,0,,,\n";  // 3: good
  csv << Id("14010519520202222") << ",李四,F,1952-02-02,,140105001001,enterprise,140105,3000.5,2012-01,1,,,\n";  // 4: good
  csv << "14010519520101123" << WrongCheck("14010519520101123") << ",王五,M,1952-01-01,,140105001001,enterprise,140105,3000,2012-01,0,,,\n";  // 5: bad id
  csv << Id("14010519520202222") << ",李四,F,1952-02-02,,140105001001,pension,140105,3000,2012-01,0,,,\n";  // 6: scheme
  csv << Id("14010519520202222") << ",李四,F,1952-02-02,,140105001001,public,140105,3000.505,2012-01,0,,,\n";  // 7: amount
  csv << Id("14010519520202222") << ",李四,F,1952-02-03,,140105001001,public,140105,3000,2012-01,0,,,\n";  // 8: birth
  csv << Id("14010519520202222") << ",李四,F,1952-02-02,,140105001001,public,140105\n";  // 9: short row
  const std::string path = Write(csv.str());
  auto r = ImportRegistryFile(*store_, policy_, path, kToday);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rows, 8);
  EXPECT_EQ(r->accepted, 3);
  EXPECT_EQ(r->rejected, 5);
  EXPECT_EQ(r->counts.persons_added, 2);
  EXPECT_EQ(r->counts.entitlements_added, 3);
  ASSERT_EQ(r->rejects.size(), 5u);
  EXPECT_EQ(r->rejects[0].line, 5);
  EXPECT_EQ(r->rejects[0].field, "id_number");
  EXPECT_EQ(r->rejects[1].field, "scheme");
  EXPECT_EQ(r->rejects[2].field, "monthly_amount");
  EXPECT_EQ(r->rejects[3].field, "birth_date");
  EXPECT_EQ(r->rejects[4].field, "row");
  for (const FeedReject& rej : r->rejects) {
    EXPECT_EQ(rej.reason.find("1401051952"), std::string::npos) << "reasons never carry the number";
  }
  ASSERT_TRUE(std::filesystem::exists(r->quarantine_path));

  auto p = store_->FindPerson(ParseIdNumber(Id("14010519500101123"), kToday).id.key());
  ASSERT_TRUE(p && p->has_value());
  EXPECT_EQ((*p)->baseline_certified, Date::FromCivil(2026, 3, 1));
  auto li = store_->FindPerson(ParseIdNumber(Id("14010519520202222"), kToday).id.key());
  EXPECT_EQ((*li)->baseline_certified, kToday) << "no last certification: the import date, per policy";
  EXPECT_TRUE((*li)->special_care);

  auto again = ImportRegistryFile(*store_, policy_, path, kToday + 3);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.persons_added, 0);
  EXPECT_EQ(again->counts.entitlements_added, 0);
  EXPECT_EQ(again->counts.unchanged, 3);
  EXPECT_EQ((*store_->FindPerson((*li)->key))->baseline_certified, kToday);
}

TEST_F(RegistryTest, ASecondRowInTheSameSchemeIsASuspectedDuplicateAndAChangedRegionIsATransfer) {
  std::ostringstream csv;
  csv << kHeader;
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,,140105001001,enterprise,140105,3000.00,2010-02,0,,,\n";
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,,140105001001,enterprise,140106,3000.00,2010-02,0,,,\n";
  auto r = ImportRegistryFile(*store_, policy_, Write(csv.str()), kToday);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->accepted, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].line, 3);
  EXPECT_EQ(r->rejects[0].field, "scheme");
  EXPECT_NE(r->rejects[0].reason.find("duplicate"), std::string::npos);

  std::ostringstream moved;
  moved << kHeader;
  moved << Id("14010519500101123") << ",张三,M,1950-01-01,,140106001001,enterprise,140106,3000.00,2010-02,0,,,\n";
  auto again = ImportRegistryFile(*store_, policy_, Write(moved.str()), kToday);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.entitlements_added, 0);
  EXPECT_EQ(again->counts.entitlements_updated, 1);
  auto ents = store_->EntitlementsOf(ParseIdNumber(Id("14010519500101123"), kToday).id.key());
  ASSERT_EQ(ents->size(), 1u) << "a transfer, not a second pension";
  EXPECT_EQ((*ents)[0].terms.paying_region, "140106");
}

TEST_F(RegistryTest, MissingRequiredColumnIsAnErrorThatNamesIt) {
  const std::string path = Write("id_number,name,sex\n");
  auto r = ImportRegistryFile(*store_, policy_, path, kToday);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("birth_date"), std::string::npos);
  EXPECT_NE(r.error().message.find("registry.csv:1"), std::string::npos);
}

TEST_F(RegistryTest, UnknownCountyIsRejectedOnceRegionsAreLoaded) {
  ASSERT_TRUE(store_->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                     {"1401", "太原市", "14", RegionLevel::kCity},
                                     {"140105", "小店区", "1401", RegionLevel::kCounty}}));
  std::ostringstream csv;
  csv << kHeader;
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,,140105001001,enterprise,140105,3120.50,2010-02,0,,,\n";
  csv << Id("14010519500101123") << ",张三,M,1950-01-01,,990105001001,enterprise,140105,3120.50,2010-02,0,,,\n";
  auto r = ImportRegistryFile(*store_, policy_, Write(csv.str()), kToday);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->accepted, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].field, "region_code");
}

}  // namespace
}  // namespace tacit
