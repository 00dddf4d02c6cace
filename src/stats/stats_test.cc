#include "tacit/stats.h"
#include "store/test_store_location.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace tacit {
namespace {

std::string Id(const std::string& first17) { return first17 + IdCheckCharacter(first17); }
Date D(std::string_view s) { return *ParseDate(s); }

// A migrated store in a directory of its own under the test's temporary one.
std::unique_ptr<Store> FreshStore(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(*OpenTestStore(dir));
  EXPECT_TRUE(store->Migrate());
  return store;
}

// One entitlement of the person whose number starts with `id17`.
RegistryRow Recipient(const std::string& id17, const std::string& region, Scheme scheme, Date baseline, Month start) {
  IdParse id = ParseIdNumber(Id(id17), D("2026-11-27"));
  EXPECT_TRUE(id.ok());
  RegistryRow row;
  row.person.key = id.id.key();
  row.person.id_number = id.id.text();
  row.person.name = "某";
  row.person.sex = id.id.sex();
  row.person.birth_date = id.id.birth_date();
  row.person.region_code = region;
  row.person.baseline_certified = baseline;
  row.scheme = scheme;
  row.paying_region = region.substr(0, 6);
  row.start = start;
  row.monthly = 100000;
  return row;
}

TEST(Stats, CountsCertificationAndPaymentStatusByRegionAndScheme) {
  auto store = FreshStore("stats_test");
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  ASSERT_TRUE(store->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                    {"1401", "太原市", "14", RegionLevel::kCity},
                                    {"1402", "大同市", "14", RegionLevel::kCity}}));
  struct P {
    std::string id17, region;
    Scheme scheme;
    Date baseline;
  };
  const std::vector<P> people = {
      {"14010519500101123", "140105001001", Scheme::kEnterprise, D("2026-09-01")},  // certified
      {"14010519510101123", "140105001002", Scheme::kResident, D("2025-01-01")},    // lapsed
      {"14020219520101123", "140202001001", Scheme::kEnterprise, D("2025-12-20")},  // due within 60 days
      {"14020219530101123", "140202001001", Scheme::kPublic, D("2026-09-01")},      // dies
  };
  std::vector<PersonKey> keys;
  for (const P& p : people) {
    const RegistryRow row = Recipient(p.id17, p.region, p.scheme, p.baseline, Month::Of(2015, 1));
    ASSERT_TRUE(store->ImportRegistry({row}, Month::Of(2026, 11)));
    keys.push_back(row.person.key);
  }
  BatchRecord b;
  b.sha256 = "x";
  b.source = "civil_affairs";
  std::vector<EvidenceRecord> ev(1);
  ev[0].source = "civil_affairs";
  ev[0].ref = "C1";
  ev[0].kind = "cremation";
  ev[0].person = keys[3];
  ev[0].link_method = "exact";
  ev[0].occurred_on = D("2026-10-03");
  ev[0].received_on = D("2026-10-10");
  ASSERT_TRUE(store->ApplyBatch(b, ev));

  auto r = ComputeStats(*store, policy, {"14", Month::Of(2026, 11), D("2026-11-27")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->region_name, "山西省");
  EXPECT_EQ(r->total.recipients, 4);
  EXPECT_EQ(r->total.certified, 2);
  EXPECT_EQ(r->total.due, 1);
  EXPECT_EQ(r->total.lapsed, 1);
  EXPECT_EQ(r->total.deceased, 1);
  EXPECT_EQ(r->total.payable, 2);
  EXPECT_EQ(r->total.suspended, 1);
  EXPECT_EQ(r->total.terminated, 1);
  EXPECT_EQ(r->total.certified_by_method.at("legacy"), 2);
  ASSERT_EQ(r->by_region.size(), 2u);
  EXPECT_EQ(r->by_region[0].key, "1401");
  EXPECT_EQ(r->by_region[0].name, "太原市");
  EXPECT_EQ(r->by_region[0].counts.recipients, 2);
  EXPECT_EQ(r->by_region[1].counts.deceased, 1);
  ASSERT_EQ(r->by_scheme.size(), 3u);

  auto villages = ComputeStats(*store, policy, {"14", Month::Of(2026, 11), D("2026-11-27"), RegionLevel::kVillage});
  ASSERT_TRUE(villages);
  ASSERT_EQ(villages->by_region.size(), 3u);
  EXPECT_EQ(villages->by_region[2].key, "140202001001");
  EXPECT_EQ(villages->by_region[2].counts.recipients, 2);
  EXPECT_FALSE(ComputeStats(*store, policy, {"1401", Month::Of(2026, 11), D("2026-11-27"), RegionLevel::kCity}));

  auto county = ComputeStats(*store, policy, {"140202", Month::Of(2026, 11), D("2026-11-27")});
  ASSERT_TRUE(county);
  EXPECT_EQ(county->total.recipients, 2);
  EXPECT_FALSE(ComputeStats(*store, policy, {"14a", Month::Of(2026, 11), D("2026-11-27")}));
}

// The month-by-month trend counts a person from the month their first
// entitlement began, not before; the month asked for agrees with the totals.
TEST(Stats, TheTrendCountsAPersonFromTheirFirstEntitlement) {
  auto store = FreshStore("stats_trend_test");
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  ASSERT_TRUE(store->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince}}));
  for (const auto& [id17, start] : {std::pair{"14010519500101123", Month::Of(2015, 1)},
                                    std::pair{"14010519510101123", Month::Of(2026, 10)}}) {
    const RegistryRow row = Recipient(id17, "140105001001", Scheme::kEnterprise, D("2026-09-01"), start);
    ASSERT_TRUE(store->ImportRegistry({row}, Month::Of(2026, 11)));
  }
  StatsOptions options{"14", Month::Of(2026, 11), D("2026-11-27")};
  options.trend_from = Month::Of(2026, 8);
  auto r = ComputeStats(*store, policy, options);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->trend.size(), 4u);
  EXPECT_EQ(r->trend[0].month, Month::Of(2026, 8));
  EXPECT_EQ(r->trend[0].payable, 1);
  EXPECT_EQ(r->trend[1].payable, 1);
  EXPECT_EQ(r->trend[2].payable, 2);
  EXPECT_EQ(r->trend[3].payable, r->total.payable);
  // Both have the same certification; the newer one counts only from
  // October, when they began to draw.
  EXPECT_EQ(r->trend[0].certified, 1);
  EXPECT_EQ(r->trend[1].certified, 1);
  EXPECT_EQ(r->trend[2].certified, 2);
  EXPECT_EQ(r->trend[3].certified, r->total.certified);
  options.trend_from = Month::Of(2026, 12);
  EXPECT_FALSE(ComputeStats(*store, policy, options));
}

}  // namespace
}  // namespace tacit
