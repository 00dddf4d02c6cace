#include "tacit/stats.h"
#include "store/test_store_location.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tacit/cycle.h"
#include "tacit/report.h"

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

// A small province: six recipients in four villages of two cities, in all
// three schemes, with a death and a lapsed certification.
void SeedProvince(Store& store) {
  ASSERT_TRUE(store.UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                   {"1401", "太原市", "14", RegionLevel::kCity},
                                   {"1402", "大同市", "14", RegionLevel::kCity}}));
  struct P {
    std::string id17, region;
    Scheme scheme;
    Date baseline;
    Month start;
  };
  const std::vector<P> people = {
      {"14010519500101123", "140105001001", Scheme::kEnterprise, D("2026-09-01"), Month::Of(2015, 1)},
      {"14010519510101123", "140105001002", Scheme::kResident, D("2025-01-01"), Month::Of(2016, 3)},
      {"14010519520101123", "140105001002", Scheme::kPublic, D("2026-02-01"), Month::Of(2026, 9)},
      {"14020219520101123", "140202001001", Scheme::kEnterprise, D("2025-12-20"), Month::Of(2015, 1)},
      {"14020219530101123", "140202001001", Scheme::kPublic, D("2026-09-01"), Month::Of(2015, 1)},
      {"14020219540101123", "140202002001", Scheme::kResident, D("2026-06-01"), Month::Of(2020, 1)},
  };
  std::vector<PersonKey> keys;
  for (const P& p : people) {
    const RegistryRow row = Recipient(p.id17, p.region, p.scheme, p.baseline, p.start);
    ASSERT_TRUE(store.ImportRegistry({row}, Month::Of(2026, 11)));
    keys.push_back(row.person.key);
  }
  // The fifth also draws a resident pension.
  ASSERT_TRUE(store.ImportRegistry(
      {Recipient(people[4].id17, people[4].region, Scheme::kResident, people[4].baseline, Month::Of(2018, 1))},
      Month::Of(2026, 11)));
  BatchRecord b;
  b.sha256 = "x";
  b.source = "civil_affairs";
  std::vector<EvidenceRecord> ev(2);
  ev[0].source = ev[1].source = "civil_affairs";
  ev[0].ref = "C1";
  ev[0].kind = "cremation";
  ev[0].person = keys[4];
  ev[0].occurred_on = D("2026-08-03");
  ev[0].received_on = D("2026-08-10");
  ev[1].ref = "C2";
  ev[1].kind = "hospital_discharge";
  ev[1].person = keys[2];
  ev[1].occurred_on = D("2026-10-05");
  ev[1].received_on = D("2026-10-06");
  for (EvidenceRecord& e : ev) e.link_method = "exact";
  ASSERT_TRUE(store.ApplyBatch(b, ev));
}

// The JSON of a report without the line that says where it came from.
std::string Figures(const StatsReport& r) {
  nlohmann::json j = nlohmann::json::parse(StatsJson(r));
  j.erase("snapshot");
  return j.dump(1);
}

StatsOptions Options(std::string region, std::optional<RegionLevel> level, std::optional<Month> trend_from,
                     StatsOptions::Snapshot use) {
  StatsOptions o{std::move(region), Month::Of(2026, 11), D("2026-11-27"), level, trend_from};
  o.snapshot = use;
  return o;
}

// A snapshot answers every region, level and trend it holds with exactly the
// figures a live derivation gives, and says that it did.
TEST(StatsSnapshot, AnswersEveryRegionAndLevelAsTheLiveFiguresDo) {
  auto store = FreshStore("stats_snapshot_same");
  SeedProvince(*store);
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  auto snap = TakeStatsSnapshot(*store, policy, {Month::Of(2026, 11), D("2026-11-27"), 6, "2026-11-27T18:00:00Z"});
  ASSERT_TRUE(snap) << snap.error().ToString();
  EXPECT_EQ(snap->persons, 6);
  EXPECT_EQ(snap->trend_from, Month::Of(2026, 6));
  using S = StatsOptions::Snapshot;
  int compared = 0;
  for (const std::string region : {"", "14", "1401", "1402", "140202", "140105001002", "15"}) {
    for (const std::optional<RegionLevel> level : {std::optional<RegionLevel>(), std::optional(RegionLevel::kVillage)}) {
      for (const std::optional<Month> trend : {std::optional<Month>(), std::optional(Month::Of(2026, 6)),
                                               std::optional(Month::Of(2026, 9))}) {
        if (level && region.size() >= 12) continue;
        auto live = ComputeStats(*store, policy, Options(region, level, trend, S::kLive));
        auto cached = ComputeStats(*store, policy, Options(region, level, trend, S::kIfCurrent));
        ASSERT_TRUE(live && cached) << region;
        EXPECT_FALSE(live->snapshot);
        ASSERT_TRUE(cached->snapshot) << region;
        EXPECT_TRUE(cached->snapshot->current);
        EXPECT_EQ(cached->snapshot->taken_at, "2026-11-27T18:00:00Z");
        EXPECT_EQ(Figures(*cached), Figures(*live)) << "region " << region;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 39);
  // A longer trend than the snapshot keeps, another as-of date, another month:
  // derived live.
  auto longer = ComputeStats(*store, policy, Options("14", std::nullopt, Month::Of(2026, 5), S::kIfCurrent));
  ASSERT_TRUE(longer);
  EXPECT_FALSE(longer->snapshot);
  StatsOptions other_day = Options("14", std::nullopt, std::nullopt, S::kAny);
  other_day.as_of = D("2026-11-26");
  EXPECT_FALSE(ComputeStats(*store, policy, other_day)->snapshot);
}

// A write after the snapshot: the exact mode derives live, the dashboard's
// mode answers from the snapshot and says it is not current.
TEST(StatsSnapshot, ANewFactMakesItStaleAndOnlyTheDashboardModeStillUsesIt) {
  auto store = FreshStore("stats_snapshot_stale");
  SeedProvince(*store);
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  ASSERT_TRUE(TakeStatsSnapshot(*store, policy, {Month::Of(2026, 11), D("2026-11-27")}));
  auto before = ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kAny));
  ASSERT_TRUE(before && before->snapshot);
  EXPECT_EQ(before->total.lapsed, 1);

  EvidenceRecord e;
  e.source = "railway";
  e.ref = "T1";
  e.kind = "travel";
  e.person = ParseIdNumber(Id("14010519510101123"), D("2026-11-27")).id.key();  // the lapsed one travels
  e.link_method = "exact";
  e.occurred_on = D("2026-11-20");
  e.received_on = D("2026-11-21");
  ASSERT_TRUE(store->AddEvidence(e));

  auto exact = ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kIfCurrent));
  ASSERT_TRUE(exact);
  EXPECT_FALSE(exact->snapshot);
  EXPECT_EQ(exact->total.lapsed, 0);
  auto stale = ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kAny));
  ASSERT_TRUE(stale && stale->snapshot);
  EXPECT_FALSE(stale->snapshot->current);
  EXPECT_EQ(stale->total.lapsed, 1);  // the figures as they were

  // Taken again: replaces the one of the same month and as-of date.
  auto again = TakeStatsSnapshot(*store, policy, {Month::Of(2026, 11), D("2026-11-27")});
  ASSERT_TRUE(again);
  auto fresh = ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kIfCurrent));
  ASSERT_TRUE(fresh && fresh->snapshot);
  EXPECT_EQ(fresh->snapshot->id, again->id);
  EXPECT_EQ(fresh->total.lapsed, 0);
  ASSERT_EQ(store->ListStatsSnapshots()->size(), 1u);
  // One more than 400 days later removes it.
  ASSERT_TRUE(TakeStatsSnapshot(*store, policy, {Month::Of(2028, 1), D("2028-01-05")}));
  auto all = store->ListStatsSnapshots();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].month, Month::Of(2028, 1));
}

// Every kind of write that can change a figure moves the fingerprint; reads
// and a snapshot itself do not.
TEST(StatsSnapshot, TheFingerprintMovesWithEveryWriteThatCanChangeAFigure) {
  auto store = FreshStore("stats_fingerprint");
  SeedProvince(*store);
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  std::string last = *store->StatsFingerprint();
  auto moved = [&](const char* what) {
    const std::string now = *store->StatsFingerprint();
    EXPECT_NE(now, last) << what;
    last = now;
  };
  ASSERT_TRUE(TakeStatsSnapshot(*store, policy, {Month::Of(2026, 11), D("2026-11-27")}));
  ASSERT_TRUE(ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kLive)));
  EXPECT_EQ(*store->StatsFingerprint(), last) << "a snapshot and a read";

  EvidenceRecord e;
  e.source = "railway";
  e.ref = "T1";
  e.kind = "travel";
  e.person = ParseIdNumber(Id("14010519510101123"), D("2026-11-27")).id.key();
  e.link_method = "exact";
  e.occurred_on = D("2026-11-20");
  e.received_on = D("2026-11-21");
  ASSERT_TRUE(store->AddEvidence(e));
  moved("a new fact");

  // The same person moves to another village (a registry update).
  RegistryRow moved_row =
      Recipient("14020219540101123", "140202001001", Scheme::kResident, D("2026-06-01"), Month::Of(2020, 1));
  ASSERT_TRUE(store->ImportRegistry({moved_row}, Month::Of(2026, 11)));
  moved("a changed residence");

  ASSERT_TRUE(store->ImportRegistry(
      {Recipient("14020219550101123", "140202002001", Scheme::kResident, D("2026-06-01"), Month::Of(2020, 1))},
      Month::Of(2026, 11)));
  moved("a new recipient");

  const auto out = std::filesystem::path(::testing::TempDir()) / "stats_fingerprint_payroll";
  std::filesystem::create_directories(out);
  CycleOptions run{Month::Of(2026, 11), D("2026-11-27"), out.string(), D("2026-11-27")};
  ASSERT_TRUE(RunCycle(*store, policy, run));
  moved("a monthly run");

  Policy changed = *ParsePolicy(std::string(DefaultPolicyText()) + "\n# changed\n", "default");
  ASSERT_TRUE(store->SavePolicy(changed));
  moved("a new policy version");
}

// A cell the statistics module cannot read is an error, not a wrong figure.
TEST(StatsSnapshot, AMalformedCellIsAnError) {
  auto store = FreshStore("stats_snapshot_bad");
  SeedProvince(*store);
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  StatsSnapshotRecord snap;
  snap.month = Month::Of(2026, 11);
  snap.as_of = D("2026-11-27");
  snap.trend_from = snap.month;
  snap.taken_at = "2026-11-27T18:00:00Z";
  snap.fingerprint = *store->StatsFingerprint();
  ASSERT_TRUE(store->SaveStatsSnapshot(snap, {{"140105001001", "", "1|1,2,3||"}}));
  auto r = ComputeStats(*store, policy, Options("14", std::nullopt, std::nullopt, StatsOptions::Snapshot::kIfCurrent));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("snapshot"), std::string::npos);
}

}  // namespace
}  // namespace tacit
