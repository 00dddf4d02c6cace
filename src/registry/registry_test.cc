#include "tacit/registry.h"
#include "store/test_store_location.h"

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
    store_ = std::move(*OpenTestStore(dir_));
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

TEST_F(RegistryTest, TheFullRuleSetColumnsAreStoredAndBadValuesQuarantinedWithTheirField) {
  const std::string head =
      "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,special_care,"
      "paid_through,contribution_months,account_balance,account_subsidy\n";
  const std::string zhang = Id("14010519500101123") + ",张三,M,1950-01-01,,140105001001,";
  std::ostringstream csv;
  csv << head;
  csv << zhang << "resident,140105,180.00,2011-07,0,2026-10,180,8640.00,1200.50\n";  // 2: good
  csv << zhang << "enterprise,140105,3120.50,2010-02,0,,,,\n";                     // 3: good, none given
  csv << zhang << "public,140105,3120.50,2010-02,0,2026-12,,,\n";                  // 4: after the import month
  csv << zhang << "public,140105,3120.50,2010-02,0,2026-13,,,\n";                  // 5: not a month
  csv << zhang << "public,140105,3120.50,2010-02,0,2009-12,,,\n";                  // 6: long before the start
  csv << zhang << "public,140105,3120.50,2010-02,0,,721,,\n";                      // 7: too many months
  csv << zhang << "public,140105,3120.50,2010-02,0,,12a,,\n";                      // 8: not a number
  csv << zhang << "public,140105,3120.50,2010-02,0,,,12.345,\n";                   // 9: three decimals
  csv << zhang << "public,140105,3120.50,2010-02,0,,,100.00,100.01\n";             // 10: subsidy above balance
  csv << zhang << "public,140105,3120.50,2010-02,0,,,,50.00\n";                    // 11: subsidy alone
  csv << zhang << "public,140105,3120.50,2010-02,0,2010-01,0,0,0\n";               // 12: good, edge values
  auto r = ImportRegistryFile(*store_, policy_, Write(csv.str()), kToday);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->accepted, 3);
  ASSERT_EQ(r->rejects.size(), 8u);
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {4, "paid_through"},        {5, "paid_through"},    {6, "paid_through"},    {7, "contribution_months"},
      {8, "contribution_months"}, {9, "account_balance"}, {10, "account_subsidy"}, {11, "account_subsidy"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->rejects[i].line, expected[i].first);
    EXPECT_EQ(r->rejects[i].field, expected[i].second) << "line " << expected[i].first;
  }
  ASSERT_TRUE(std::filesystem::exists(r->quarantine_path));

  auto ents = store_->EntitlementsOf(ParseIdNumber(Id("14010519500101123"), kToday).id.key());
  ASSERT_EQ(ents->size(), 3u);
  for (const EntitlementRecord& e : *ents) {
    const EntitlementTerms& t = e.terms;
    EXPECT_EQ(t.registered_on, kToday);
    if (t.scheme == Scheme::kResident) {
      EXPECT_EQ(t.paid_through, Month::Of(2026, 10));
      EXPECT_EQ(t.contribution_months, 180);
      EXPECT_EQ(t.account_balance, 864000);
      EXPECT_EQ(t.account_subsidy, 120050);
    } else if (t.scheme == Scheme::kEnterprise) {
      EXPECT_EQ(t.paid_through, std::nullopt);
      EXPECT_EQ(t.contribution_months, 0);
      EXPECT_EQ(t.account_balance, std::nullopt);
    } else {
      EXPECT_EQ(t.paid_through, Month::Of(2010, 1)) << "the month before the start: nothing paid before";
      EXPECT_EQ(t.account_balance, 0);
      EXPECT_EQ(t.account_subsidy, 0);
    }
  }
  // The same file a day later: nothing changes, the registration date included.
  auto again = ImportRegistryFile(*store_, policy_, Write(csv.str()), kToday + 1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.unchanged, 3);
  EXPECT_EQ((*store_->EntitlementsOf(ParseIdNumber(Id("14010519500101123"), kToday).id.key()))[0].terms.registered_on,
            kToday);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AdjustFileTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    std::ostringstream csv;
    csv << kHeader;
    csv << zhang_ << ",张三,M,1950-01-01,,140105001001,enterprise,140105,3120.50,2010-02,0,2000.00,,\n";
    csv << zhang_ << ",张三,M,1950-01-01,,140105001001,resident,140105,180.00,2011-07,0,100.00,,\n";
    csv << li_ << ",李四,F,1952-02-02,,140105001001,enterprise,140105,3000.50,2012-01,0,,,\n";
    auto r = ImportRegistryFile(*store_, policy_, Write(csv.str()), kToday);
    ASSERT_TRUE(r && r->accepted == 3);
  }
  std::string WriteAdjust(const std::string& text) {
    const std::string path = (dir_ / "rise-2026.csv").string();
    std::ofstream(path) << text;
    return path;
  }
  EntitlementTerms Terms(const std::string& id, Scheme scheme) {
    const std::vector<EntitlementRecord> ents = *store_->EntitlementsOf(ParseIdNumber(id, kToday).id.key());
    for (const EntitlementRecord& e : ents) {
      if (e.terms.scheme == scheme) return e.terms;
    }
    return EntitlementTerms{};
  }
  const std::string zhang_ = Id("14010519500101123");
  const std::string li_ = Id("14010519520202222");
};

TEST_F(AdjustFileTest, GoodRowsAreAppliedBadOnesQuarantinedMaskedAndASecondRunChangesNothing) {
  const std::string bad_id = std::string("14010519520101123") + WrongCheck("14010519520101123");
  const std::string stranger = Id("14010519600101123");
  std::ostringstream csv;
  csv << "id_number,scheme,effective_month,monthly_amount,basic_amount,note\n";
  csv << zhang_ << ",enterprise,2026-01,3250.00,,retroactive\n";  // 2: good
  csv << zhang_ << ",resident,2026-01,195.00,88.00,\n";           // 3: good, with basic
  csv << bad_id << ",enterprise,2026-01,3100.00,,\n";             // 4: id_number
  csv << li_ << ",pension,2026-01,3100.00,,\n";                   // 5: scheme
  csv << li_ << ",enterprise,2026-13,3100.00,,\n";                // 6: effective_month
  csv << li_ << ",enterprise,2026-01,3000.505,,\n";               // 7: monthly_amount
  csv << li_ << ",enterprise,2026-01,3100.00,3200.00,\n";         // 8: basic_amount above monthly
  csv << li_ << ",public,2026-01,3100.00,,\n";                    // 9: no entitlement in that scheme
  csv << zhang_ << ",enterprise,2026-01,3260.00,,\n";             // 10: second row, same month
  csv << li_ << ",enterprise,2019-01,3100.00,,\n";                // 11: beyond the ledger look-back
  csv << li_ << ",enterprise,2028-01,3100.00,,\n";                // 12: too far ahead
  csv << li_ << ",enterprise\n";                                  // 13: short row
  csv << li_ << ",enterprise,2027-01,3150.00,,\n";                // 14: good, announced
  csv << stranger << ",enterprise,2026-01,3100.00,,\n";           // 15: not in the registry
  const std::string path = WriteAdjust(csv.str());
  auto r = AdjustRegistryFile(*store_, policy_, path, kToday);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rows, 14);
  EXPECT_EQ(r->applied, 3);
  EXPECT_EQ(r->unchanged, 0);
  EXPECT_EQ(r->accepted, 3);
  EXPECT_EQ(r->rejected, 11);
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {4, "id_number"},        {5, "scheme"},          {6, "effective_month"},  {7, "monthly_amount"},
      {8, "basic_amount"},     {9, "scheme"},          {10, "effective_month"}, {11, "effective_month"},
      {12, "effective_month"}, {13, "row"},            {15, "scheme"}};
  ASSERT_EQ(r->rejects.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->rejects[i].line, expected[i].first);
    EXPECT_EQ(r->rejects[i].field, expected[i].second) << "line " << expected[i].first;
  }
  EXPECT_NE(r->rejects[5].reason.find("no entitlement"), std::string::npos);
  EXPECT_NE(r->rejects[7].reason.find("ledger_lookback_months"), std::string::npos);

  EntitlementTerms z = Terms(zhang_, Scheme::kEnterprise);
  EXPECT_EQ(z.AmountIn(Month::Of(2025, 12)), 312050);
  EXPECT_EQ(z.AmountIn(Month::Of(2026, 1)), 325000);
  EXPECT_EQ(z.amounts.back().basic, 200000) << "no basic_amount: the basic part stays";
  EntitlementTerms zr = Terms(zhang_, Scheme::kResident);
  EXPECT_EQ(zr.AmountIn(Month::Of(2026, 1)), 19500);
  EXPECT_EQ(zr.amounts.back().basic, 8800);
  EntitlementTerms l = Terms(li_, Scheme::kEnterprise);
  EXPECT_EQ(l.AmountIn(Month::Of(2026, 12)), 300050);
  EXPECT_EQ(l.AmountIn(Month::Of(2027, 1)), 315000);

  // The quarantine file: line, field and reason, the row with its number masked.
  ASSERT_EQ(r->quarantine_path, (dir_ / "quarantine" / "rise-2026.csv.quarantine.csv").string());
  const std::string q = ReadText(r->quarantine_path);
  for (const std::string& id : {zhang_, li_, bad_id, stranger}) {
    EXPECT_EQ(q.find(id), std::string::npos) << "no identity number in the quarantine file";
  }
  EXPECT_NE(q.find(zhang_.substr(0, 6) + "********" + zhang_.substr(14)), std::string::npos);
  for (const FeedReject& rej : r->rejects) {
    EXPECT_EQ(rej.reason.find("140105"), std::string::npos) << "reasons never carry the number";
    EXPECT_EQ(rej.raw.find(li_), std::string::npos);
  }
  EXPECT_EQ(r->rejects[6].raw, "140105********123X,enterprise,2026-01,3260.00,,") << "line 10";
  EXPECT_EQ(r->rejects[9].raw, "") << "a short row keeps no text";

  // The same file again: nothing changes.
  auto again = AdjustRegistryFile(*store_, policy_, path, kToday);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->unchanged, 3);
  EXPECT_EQ(again->rejected, 11);
  EXPECT_EQ(Terms(zhang_, Scheme::kEnterprise).amounts.size(), 2u);
  EXPECT_EQ(Terms(li_, Scheme::kEnterprise).amounts.size(), 2u);

  // Fixed, the file leaves no quarantine behind.
  auto fixed = AdjustRegistryFile(
      *store_, policy_,
      WriteAdjust("id_number,scheme,effective_month,monthly_amount\n" + li_ + ",enterprise,2026-01,3100.00\n"), kToday);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->applied, 1);
  EXPECT_TRUE(fixed->quarantine_path.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "quarantine" / "rise-2026.csv.quarantine.csv"));
  EXPECT_EQ(Terms(li_, Scheme::kEnterprise).AmountIn(Month::Of(2026, 6)), 310000);
}

TEST_F(AdjustFileTest, TheLookBackCountsFromTheNextMonthlyRun) {
  CycleRunRecord run;
  run.month = Month::Of(2026, 11);
  ASSERT_TRUE(store_->SaveCycleRun(run, {}, {}, {}, {}));
  // Runs through 2026-11: the next is 2026-12, which looks back 60 months to 2021-12.
  std::ostringstream csv;
  csv << "id_number,scheme,effective_month,monthly_amount\n";
  csv << zhang_ << ",enterprise,2021-11,3200.00\n";
  csv << zhang_ << ",enterprise,2021-12,3210.00\n";
  auto r = AdjustRegistryFile(*store_, policy_, WriteAdjust(csv.str()), kToday);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->applied, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(r->rejects[0].line, 2);
  EXPECT_EQ(r->rejects[0].field, "effective_month");
}

TEST_F(AdjustFileTest, MissingRequiredColumnIsAnErrorAndNothingIsApplied) {
  auto r = AdjustRegistryFile(*store_, policy_,
                              WriteAdjust("id_number,scheme,monthly_amount\n" + zhang_ + ",enterprise,4000.00\n"),
                              kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("effective_month"), std::string::npos);
  EXPECT_NE(r.error().message.find("rise-2026.csv:1"), std::string::npos);
  EXPECT_EQ(r.error().message.find(zhang_), std::string::npos);
  EXPECT_EQ(Terms(zhang_, Scheme::kEnterprise).amounts.size(), 1u);
  auto missing = AdjustRegistryFile(*store_, policy_, (dir_ / "nosuch.csv").string(), kToday);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nosuch.csv"), std::string::npos);
}

}  // namespace
}  // namespace tacit
