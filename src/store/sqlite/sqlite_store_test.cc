// Store behaviour on the SQLite backend. The cases are written against the Store
// interface so that the PostgreSQL backend can run the same suite.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "store/sqlite/evidence_pack.h"
#include "store/sqlite/sqlite_store_internal.h"
#include "tacit/store.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = TestStoreLocation(dir_);
    auto s = OpenStore(path_);
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
  }

  void TearDown() override {
    store_.reset();
    DropTestStore(path_);
  }

  RegistryRow Row(std::string_view id17, Scheme scheme, Fen amount) {
    std::string id(id17);
    id += IdCheckCharacter(id);
    IdParse p = ParseIdNumber(id, kToday);
    EXPECT_TRUE(p.ok());
    RegistryRow r;
    r.person.key = p.id.key();
    r.person.id_number = p.id.text();
    r.person.name = "张三";
    r.person.sex = p.id.sex();
    r.person.birth_date = p.id.birth_date();
    r.person.region_code = "140105001001";
    r.scheme = scheme;
    r.paying_region = "140105";
    r.start = Month::Of(2015, 1);
    r.monthly = amount;
    r.default_baseline = kToday;
    return r;
  }

  EvidenceRecord Ev(PersonKey person, std::string ref, std::string kind) {
    EvidenceRecord e;
    e.source = "railway";
    e.ref = std::move(ref);
    e.kind = std::move(kind);
    e.person = person;
    e.link_method = person ? "exact" : "";
    e.link_score = person ? 1.0 : 0.0;
    e.occurred_on = Date::FromCivil(2026, 5, 3);
    e.received_on = Date::FromCivil(2026, 6, 3);
    if (!person) e.id_problem = "bad_checksum";
    return e;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  Policy policy_;
};

TEST_F(StoreTest, MigrateIsIdempotentAndVersioned) {
  ASSERT_TRUE(store_->Migrate());
  EXPECT_EQ(*store_->SchemaVersion(), kSchemaVersion);
  auto p = store_->LoadPolicy();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, policy_.version);
}

// The rows an older store holds, written with its own schema (the current
// ImportRegistry writes columns an old store does not have).
std::string OldRegistrySql(const RegistryRow& r, int64_t entitlement_id) {
  const std::string key = std::to_string(static_cast<int64_t>(r.person.key));
  const std::string id = std::to_string(entitlement_id);
  return "INSERT OR IGNORE INTO person(person_key, id_number, name, sex, birth_date, phone, region_code, "
         "special_care, baseline_certified, updated_at) VALUES(" + key + ", '" + r.person.id_number + "', '" +
         r.person.name + "', " + std::to_string(static_cast<int>(r.person.sex)) + ", " +
         std::to_string(r.person.birth_date.days()) + ", NULL, '" + r.person.region_code + "', 0, " +
         std::to_string(kToday.days()) + ", '2026-11-27T00:00:00Z');"
         "INSERT INTO entitlement(id, person_key, scheme, paying_region, start_month) VALUES(" + id + ", " + key +
         ", " + std::to_string(static_cast<int>(r.scheme)) + ", '" + r.paying_region + "', " +
         std::to_string(r.start.index()) + ");"
         "INSERT INTO entitlement_amount(entitlement_id, from_month, monthly_fen, basic_fen) VALUES(" + id + ", " +
         std::to_string(r.start.index()) + ", " + std::to_string(r.monthly) + ", 0);";
}

TEST_F(StoreTest, MigratingAnOlderStoreKeepsItsData) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "the SQLite store's schema history";
  const std::string old_path = (dir_ / "old.db").string();
  ASSERT_TRUE(MigrateSqliteStoreToVersionForTest(old_path, 1));
  {
    auto old = std::move(*OpenSqliteStore(old_path));
    EXPECT_EQ(*old->SchemaVersion(), 1);
    ASSERT_TRUE(old->SavePolicy(policy_));
  }
  ASSERT_TRUE(ExecSqliteForTest(old_path, OldRegistrySql(Row("14010519500101123", Scheme::kEnterprise, 300000), 1)));
  auto store = std::move(*OpenSqliteStore(old_path));
  ASSERT_TRUE(store->Migrate());
  EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(store->AllPersonKeys()->size(), 1u);
  EXPECT_TRUE(store->ListCycleRuns()->empty());  // the v2 tables exist
  EXPECT_EQ(store->LoadPolicy()->version, policy_.version);
}

// Schema 16 stored packs in format 1; schema 17 writes format 2 and reads
// both (evidence_pack.h).
TEST_F(StoreTest, AFormat1PackOfSchema16ReadsAfterTheMigration) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "the SQLite store's packs";
  const std::string old_path = (dir_ / "v16.db").string();
  ASSERT_TRUE(MigrateSqliteStoreToVersionForTest(old_path, 16));
  const RegistryRow a = Row("14010519500101123", Scheme::kEnterprise, 300000);
  {
    auto old = std::move(*OpenSqliteStore(old_path));
    ASSERT_TRUE(old->SavePolicy(policy_));
    ASSERT_TRUE(old->ImportRegistry({a}, Month::Of(2026, 11)));
    BatchRecord batch;
    batch.source = "railway";
    batch.sha256 = "rows";
    std::vector<EvidenceRecord> rows = {Ev(a.person.key, "R1", "travel")};
    ASSERT_TRUE(old->ApplyBatch(batch, rows));  // the source and the batch the pack names
  }
  std::string pack;
  sqlite::AppendPackedRecord(pack, {1, 1, Date::FromCivil(2026, 3, 1).days(), Date::FromCivil(2026, 3, 9).days(),
                                    "bank_counter", "exact", 1.0, "B1", R"({"branch":"浑源县支行"})"});
  sqlite::AppendPackedRecord(pack, {1, 1, Date::FromCivil(2026, 4, 1).days(), Date::FromCivil(2026, 4, 9).days(),
                                    "bank_counter", "exact", 1.0, "B2", R"({"branch":"浑源县支行"})"});
  std::string hex;
  for (unsigned char c : pack) hex += fmt::format("{:02X}", c);
  ASSERT_TRUE(ExecSqliteForTest(old_path, fmt::format("INSERT INTO evidence_pack(first_id, last_id, person_key, "
                                                      "records) VALUES(1000, 1001, {}, X'{}')",
                                                      static_cast<int64_t>(a.person.key), hex)));
  auto store = std::move(*OpenSqliteStore(old_path));
  ASSERT_TRUE(store->Migrate());
  EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
  auto ev = store->EvidenceOf(a.person.key);
  ASSERT_TRUE(ev) << ev.error().ToString();
  ASSERT_EQ(ev->size(), 3u);
  EXPECT_EQ((*ev)[0].ref, "B1");
  EXPECT_EQ((*ev)[0].id, 1000);
  EXPECT_EQ((*ev)[1].ref, "B2");
  EXPECT_EQ((*ev)[1].detail, R"({"branch":"浑源县支行"})");
  EXPECT_EQ((*ev)[1].received_on, Date::FromCivil(2026, 4, 9));
  EXPECT_EQ((*ev)[2].ref, "R1");
  auto found = store->FindEvidence(1001);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->ref, "B2");
  EXPECT_EQ((*found)->source, "railway");
}

TEST_F(StoreTest, MigratingAV2StoreKeepsItsDataAndDatesWhatThePreviousSystemPaid) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "the SQLite store's schema history";
  const std::string old_path = (dir_ / "v2.db").string();
  ASSERT_TRUE(MigrateSqliteStoreToVersionForTest(old_path, 2));
  const RegistryRow ran = Row("14010519500101123", Scheme::kEnterprise, 300000);
  const RegistryRow later = Row("14010519500101123", Scheme::kResident, 18000);
  // Entitlement 1 was decided by the runs of 2026-05 and 2026-06; entitlement 2
  // was imported after them and no run has included it yet.
  const std::string may = std::to_string(Month::Of(2026, 5).index());
  const std::string june = std::to_string(Month::Of(2026, 6).index());
  ASSERT_TRUE(ExecSqliteForTest(
      old_path, OldRegistrySql(ran, 1) + OldRegistrySql(later, 2) +
                    "INSERT INTO cycle_run VALUES(" + may + ", 0, 's', 'f', 'v', 1, 1, 0, 0, 300000, 0, 0, 'p');"
                    "INSERT INTO cycle_run VALUES(" + june + ", 0, 's', 'f', 'v', 1, 1, 0, 0, 300000, 0, 0, 'p');"
                    "INSERT INTO decision VALUES(" + june + ", 1, 0, 300000, 'pay.certified', 0);"
                    "INSERT INTO decision VALUES(" + may + ", 1, 0, 300000, 'pay.certified', 0);"
                    "INSERT INTO payment VALUES(1, " + may + ", " + may + ", 'regular', 300000);"));
  auto store = std::move(*OpenSqliteStore(old_path));
  ASSERT_TRUE(store->Migrate());
  EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
  auto ents = store->EntitlementsOf(ran.person.key);
  ASSERT_TRUE(ents) << ents.error().ToString();
  ASSERT_EQ(ents->size(), 2u);
  const EntitlementTerms& a = (*ents)[0].terms;
  const EntitlementTerms& b = (*ents)[1].terms;
  EXPECT_EQ(a.id, 1);
  EXPECT_EQ(a.AmountIn(Month::Of(2026, 6)), 300000);
  EXPECT_EQ(a.paid_through, Month::Of(2026, 4)) << "the month before the first run that decided it";
  EXPECT_EQ(b.paid_through, std::nullopt) << "no run has included it";
  EXPECT_EQ(a.contribution_months, 0);
  EXPECT_EQ(a.registered_on, Date()) << "unknown for entitlements imported before v3";
  EXPECT_EQ(a.account_balance, std::nullopt);
  EXPECT_EQ(a.account_subsidy, std::nullopt);
  EXPECT_EQ(store->ListCycleRuns()->size(), 2u);
  EXPECT_EQ(store->LedgerOf(1)->payments.size(), 1u);
  EXPECT_EQ(store->DecisionsOf(Month::Of(2026, 6))->size(), 1u);

  // The next run keeps what was recorded and dates the newcomer.
  CycleRunRecord july;
  july.month = Month::Of(2026, 7);
  ASSERT_TRUE(store->SaveCycleRun(july, {{1, MonthStatus::kPayable, 300000, "pay.certified", 0, ran.person.key},
                                         {2, MonthStatus::kPayable, 18000, "pay.certified", 0, ran.person.key}},
                                  {}, {}, {}));
  ents = store->EntitlementsOf(ran.person.key);
  EXPECT_EQ((*ents)[0].terms.paid_through, Month::Of(2026, 4));
  EXPECT_EQ((*ents)[1].terms.paid_through, Month::Of(2026, 6));
}

TEST_F(StoreTest, RegistryReimportUpdatesNeverDuplicates) {
  std::vector<RegistryRow> rows = {Row("14010519500101123", Scheme::kEnterprise, 300000),
                                   Row("14010519500101123", Scheme::kResident, 18000),
                                   Row("14010519520202223", Scheme::kPublic, 650000)};
  auto first = store_->ImportRegistry(rows, Month::Of(2026, 11));
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->persons_added, 2);
  EXPECT_EQ(first->entitlements_added, 3);
  auto again = store_->ImportRegistry(rows, Month::Of(2026, 11));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->persons_added, 0);
  EXPECT_EQ(again->entitlements_added, 0);
  EXPECT_EQ(again->unchanged, 3);

  rows[0].monthly = 310000;
  rows[0].person.baseline_certified.reset();
  rows[0].default_baseline = kToday + 30;  // a later import must not move the baseline
  auto changed = store_->ImportRegistry(rows, Month::Of(2027, 1));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->entitlements_updated, 1);
  auto ents = store_->EntitlementsOf(rows[0].person.key);
  ASSERT_EQ(ents->size(), 2u);
  const EntitlementTerms& t = (*ents)[0].terms;
  ASSERT_EQ(t.amounts.size(), 2u);
  EXPECT_EQ(t.AmountIn(Month::Of(2026, 12)), 300000);
  EXPECT_EQ(t.AmountIn(Month::Of(2027, 1)), 310000);
  EXPECT_EQ(store_->FindPerson(rows[0].person.key)->value().baseline_certified, kToday);
}

TEST_F(StoreTest, BatchSkipsKnownSourceRefsAndKeepsUnlinkedPartnerFields) {
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  BatchRecord b;
  b.sha256 = "aa";
  b.file_name = "f1.csv";
  b.source = "railway";
  b.received_on = Date::FromCivil(2026, 6, 3);
  std::vector<EvidenceRecord> ev = {Ev(r.person.key, "T1", "travel"), Ev(0, "T2", "travel")};
  ev[1].name = "李四";
  auto stored = store_->ApplyBatch(b, ev);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(stored->linked, 1);
  EXPECT_EQ(stored->unlinked, 1);
  EXPECT_EQ(stored->duplicates, 0);

  BatchRecord b2 = b;
  b2.sha256 = "bb";
  std::vector<EvidenceRecord> ev2 = {Ev(r.person.key, "T1", "travel"), Ev(r.person.key, "T3", "travel")};
  auto second = store_->ApplyBatch(b2, ev2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->duplicates, 1);
  EXPECT_EQ(ev2[0].id, 0);
  EXPECT_GT(ev2[1].id, 0);

  EXPECT_TRUE(store_->FindBatch("aa", "f1.csv")->has_value());
  EXPECT_FALSE(store_->FindBatch("aa", "other.csv")->has_value());
  EXPECT_FALSE(store_->FindBatch("cc", "f1.csv")->has_value());
  // The same checksum cannot be applied twice.
  std::vector<EvidenceRecord> ev3 = {Ev(r.person.key, "T9", "travel")};
  EXPECT_FALSE(store_->ApplyBatch(b, ev3));

  int total = 0, unlinked_with_name = 0;
  ASSERT_TRUE(store_->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    ++total;
    if (e.person == 0 && e.name == "李四") ++unlinked_with_name;
    return {};
  }));
  EXPECT_EQ(total, 3);  // T9 was rolled back with its batch
  EXPECT_EQ(unlinked_with_name, 1);
  EXPECT_EQ(store_->EvidenceOf(r.person.key)->size(), 2u);
}

TEST_F(StoreTest, BatchesAreFoundByIdAndListedNewestFirstByPage) {
  std::vector<int64_t> ids;
  for (const char* source : {"railway", "health", "railway", "railway"}) {
    BatchRecord b;
    b.sha256 = "sha" + std::to_string(ids.size());
    b.file_name = "f.csv";
    b.source = source;
    b.received_on = Date::FromCivil(2026, 6, 3);
    std::vector<EvidenceRecord> none;
    auto stored = store_->ApplyBatch(b, none);
    ASSERT_TRUE(stored) << stored.error().ToString();
    ids.push_back(stored->id);
  }
  auto found = store_->FindBatchById(ids[1]);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->source, "health");
  EXPECT_FALSE(store_->FindBatchById(ids.back() + 1)->has_value());
  auto first = store_->ListBatchesNewestFirst("", 0, 3);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].id, ids[3]);
  EXPECT_EQ((*first)[2].id, ids[1]);
  auto next = store_->ListBatchesNewestFirst("", (*first)[2].id, 3);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, ids[0]);
  auto railway = store_->ListBatchesNewestFirst("railway", ids[3], 10);
  ASSERT_EQ(railway->size(), 2u);
  EXPECT_EQ((*railway)[0].id, ids[2]);
  EXPECT_EQ((*railway)[1].id, ids[0]);
}

TEST_F(StoreTest, ForEachPersonBundlesEntitlementsAndFactsByRegion) {
  RegistryRow a = Row("14010519500101123", Scheme::kEnterprise, 300000);
  RegistryRow b = Row("14020219520202223", Scheme::kPublic, 650000);
  b.person.region_code = "140202001001";
  ASSERT_TRUE(store_->ImportRegistry({a, b}, Month::Of(2026, 11)));
  BatchRecord batch;
  batch.sha256 = "x";
  batch.source = "railway";
  std::vector<EvidenceRecord> ev = {Ev(a.person.key, "1", "travel"), Ev(b.person.key, "2", "cremation")};
  ASSERT_TRUE(store_->ApplyBatch(batch, ev));
  std::vector<PersonBundle> seen;
  ASSERT_TRUE(store_->ForEachPerson("", [&](const PersonBundle& p) -> Status {
    seen.push_back(p);
    return {};
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].facts.size(), 1u);
  EXPECT_EQ(seen[0].facts[0].source, "railway");
  EXPECT_EQ(seen[1].entitlements.size(), 1u);
  int in_county = 0;
  ASSERT_TRUE(store_->ForEachPerson("140202", [&](const PersonBundle& p) -> Status {
    ++in_county;
    EXPECT_EQ(p.person.key, b.person.key);
    EXPECT_EQ(p.facts.size(), 1u);
    return {};
  }));
  EXPECT_EQ(in_county, 1);
}

TEST_F(StoreTest, ChangeMarksFindWhatIsNewSinceARunAndForecastsAreReplaced) {
  RegistryRow a = Row("14010519500101123", Scheme::kEnterprise, 300000);
  RegistryRow b = Row("14010519500202124", Scheme::kEnterprise, 250000);
  RegistryRow c = Row("14010519500303125", Scheme::kEnterprise, 200000);
  ASSERT_TRUE(store_->ImportRegistry({a, b, c}, Month::Of(2026, 1)));
  BatchRecord batch;
  batch.sha256 = "s1";
  batch.source = "railway";
  batch.received_on = Date::FromCivil(2026, 6, 3);
  std::vector<EvidenceRecord> ev = {Ev(a.person.key, "r1", "travel")};
  ASSERT_TRUE(store_->ApplyBatch(batch, ev));
  // New entitlements mark their persons too, as new evidence does.
  auto everyone = store_->PersonsChangedSince(0);
  ASSERT_TRUE(everyone);
  std::vector<PersonKey> all = *everyone, abc = {a.person.key, b.person.key, c.person.key};
  std::sort(all.begin(), all.end());
  std::sort(abc.begin(), abc.end());
  EXPECT_EQ(all, abc);

  const ChangeMarks marks = *store_->CurrentChangeMarks();
  EXPECT_EQ(marks.evidence, ev[0].id);
  const int64_t entitlement = (*store_->EntitlementsOf(a.person.key))[0].terms.id;
  CycleRunRecord run;
  run.month = Month::Of(2026, 7);
  run.as_of = Date::FromCivil(2026, 6, 25);
  run.evidence_high_water = marks.evidence;
  run.dirty_high_water = marks.dirty;
  CycleCarryOver carry;
  carry.forecasts = {
      {entitlement, Month::Of(2027, 1), MonthStatus::kPayable, 300000, "pay.certified", ev[0].id, a.person.key}};
  carry.pending = {b.person.key};  // a fact the run could not know yet
  ASSERT_TRUE(store_->SaveCycleRun(run, {}, {}, {}, carry));
  EXPECT_EQ(store_->FindCycleRun(run.month)->value().evidence_high_water, marks.evidence);
  EXPECT_EQ(*store_->PersonsChangedSince(marks.evidence), std::vector<PersonKey>{b.person.key});

  // A stored fact corrected in place, and a corrected baseline: the triggers
  // mark the persons, whoever wrote the change. (Not a relink in place: on
  // PostgreSQL the person key is the distribution key and never updated.)
  ASSERT_TRUE(ExecForTest(path_, fmt::format("UPDATE evidence SET occurred_on = occurred_on - 1 WHERE id = {}",
                                             ev[0].id)));
  c.person.baseline_certified = Date::FromCivil(2025, 3, 1);
  ASSERT_TRUE(store_->ImportRegistry({c}, Month::Of(2026, 1)));
  std::vector<PersonKey> changed = *store_->PersonsChangedSince(marks.evidence);
  std::sort(changed.begin(), changed.end());
  std::vector<PersonKey> expected = {a.person.key, b.person.key, c.person.key};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(changed, expected);

  // The next run replaces the forecast and clears the marks it read.
  CycleRunRecord next = run;
  next.month = Month::Of(2026, 8);
  const ChangeMarks now = *store_->CurrentChangeMarks();
  next.dirty_high_water = now.dirty;
  carry.forecasts[0].through = Month::Of(2026, 8);
  carry.forecasts[0].status = MonthStatus::kSuspended;
  carry.pending.clear();
  ASSERT_TRUE(store_->SaveCycleRun(next, {}, {}, {}, carry));
  EXPECT_TRUE(store_->PersonsChangedSince(marks.evidence)->empty());
  std::vector<ForecastRecord> forecasts;
  ASSERT_TRUE(store_->ForEachForecast([&](const ForecastRecord& f) -> Status {
    forecasts.push_back(f);
    return {};
  }));
  ASSERT_EQ(forecasts.size(), 1u);
  EXPECT_EQ(forecasts[0].through, Month::Of(2026, 8));
  EXPECT_EQ(forecasts[0].status, MonthStatus::kSuspended);
}

// Every row a run records carries its entitlement's person (schema v14, the
// distribution key on PostgreSQL); a row without one is refused before
// anything is written, and the person comes back with the row.
TEST_F(StoreTest, EveryRowOfARunCarriesItsPerson) {
  CycleRunRecord run;
  run.month = Month::Of(2026, 11);
  run.as_of = kToday;
  const PersonKey someone = 42;
  auto refused = store_->SaveCycleRun(run, {{7, MonthStatus::kPayable, 300000, "pay.certified", 0, someone}},
                                      {{7, Month::Of(2026, 11), 300000, "regular", run.month}}, {}, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("carries no person"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(store_->FindCycleRun(run.month)->has_value());
  CycleCarryOver carry;
  carry.forecasts = {{7, Month::Of(2027, 1), MonthStatus::kPayable, 300000, "pay.certified", 0, someone}};
  ASSERT_TRUE(store_->SaveCycleRun(
      run, {{7, MonthStatus::kPayable, 300000, "pay.certified", 0, someone}},
      {{7, Month::Of(2026, 11), 300000, "regular", run.month, someone}},
      {{0, 7, Month::Of(2026, 10), 300000, run.month, "terminate.death", 3, 0, someone}}, carry));
  EXPECT_EQ((*store_->DecisionOf(run.month, 7))->person, someone);
  const EntitlementLedger ledger = *store_->LedgerOf(7);
  ASSERT_EQ(ledger.payments.size(), 1u);
  EXPECT_EQ(ledger.payments[0].person, someone);
  ASSERT_EQ(ledger.receivables.size(), 1u);
  EXPECT_EQ(ledger.receivables[0].person, someone);
  std::vector<ForecastRecord> forecasts;
  ASSERT_TRUE(store_->ForEachForecast([&](const ForecastRecord& f) -> Status {
    forecasts.push_back(f);
    return {};
  }));
  ASSERT_EQ(forecasts.size(), 1u);
  EXPECT_EQ(forecasts[0].person, someone);
}

TEST_F(StoreTest, AMonthIsRecordedOnceWithItsLedger) {
  CycleRunRecord run;
  run.month = Month::Of(2026, 11);
  run.as_of = kToday;
  const PersonKey someone = 42;  // entitlement 7's person
  std::vector<DecisionRecord> d = {{7, MonthStatus::kPayable, 300000, "pay.certified", 0, someone}};
  std::vector<PaymentRecord> p = {{7, Month::Of(2026, 11), 300000, "regular", run.month, someone}};
  std::vector<ReceivableRecord> r = {{0, 7, Month::Of(2026, 10), 300000, run.month, "terminate.death", 3, 0, someone}};
  ASSERT_TRUE(store_->SaveCycleRun(run, d, p, r, {}));
  auto again = store_->SaveCycleRun(run, d, p, r, {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto ledger = store_->LedgerOf(7);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->payments.size(), 1u);
  EXPECT_EQ(ledger->receivables.size(), 1u);
  int n = 0;
  ASSERT_TRUE(store_->ForEachLedger(Month::Of(2026, 1), [&](int64_t id, const EntitlementLedger& l) -> Status {
    EXPECT_EQ(id, 7);
    EXPECT_EQ(l.payments.size(), 1u);
    ++n;
    return {};
  }));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(store_->GetMeta("first_cycle_month")->value(), "2026-11");
}

TEST_F(StoreTest, AUnitOfWorkIsAppliedWholeOrNotAtAll) {
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  {
    auto unit = store_->Begin();
    ASSERT_TRUE(unit) << unit.error().ToString();
    BatchRecord b;
    b.sha256 = "one";
    b.source = "railway";
    std::vector<EvidenceRecord> ev = {Ev(r.person.key, "A", "travel")};
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
    b.sha256 = "two";
    std::vector<EvidenceRecord> ev2 = {Ev(r.person.key, "B", "travel")};
    ASSERT_TRUE(store_->ApplyBatch(b, ev2));
    // Not committed: dropped here.
  }
  EXPECT_TRUE(store_->ListBatches()->empty());
  EXPECT_TRUE(store_->EvidenceOf(r.person.key)->empty());
  {
    auto unit = std::move(*store_->Begin());
    BatchRecord b;
    b.sha256 = "one";
    b.source = "bank";
    std::vector<EvidenceRecord> ev = {Ev(r.person.key, "A", "bank_counter")};
    ev[0].source = "bank";
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
    ASSERT_TRUE(unit->Commit());
  }
  EXPECT_EQ(store_->ListBatches()->size(), 1u);
  auto evs = store_->EvidenceOf(r.person.key);
  ASSERT_EQ(evs->size(), 1u);
  EXPECT_EQ((*evs)[0].source, "bank");
}

TEST_F(StoreTest, BulkLoadDeduplicatesLikeTheRowByRowPathAndRollsBackWhole) {
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  BatchRecord b;
  b.source = "railway";
  b.sha256 = "stored";
  std::vector<EvidenceRecord> first = {Ev(r.person.key, "A", "travel")};
  ASSERT_TRUE(store_->ApplyBatch(b, first));
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSERT_TRUE(store_->ExpectEvidence(1000000));  // large: the bulk path
    auto unit = std::move(*store_->Begin());
    b.sha256 = "bulk1";
    std::vector<EvidenceRecord> one = {Ev(r.person.key, "A", "travel"), Ev(r.person.key, "B", "travel"),
                                       Ev(0, "C", "travel"), Ev(r.person.key, "B", "travel")};
    auto s1 = store_->ApplyBatch(b, one);
    ASSERT_TRUE(s1) << s1.error().ToString();
    EXPECT_EQ(s1->duplicates, 2) << "A is stored already; B twice in the batch";
    b.sha256 = "bulk2";
    std::vector<EvidenceRecord> two = {Ev(r.person.key, "B", "travel"), Ev(r.person.key, "D", "travel")};
    auto s2 = store_->ApplyBatch(b, two);
    ASSERT_TRUE(s2);
    EXPECT_EQ(s2->duplicates, 1) << "B came in the previous batch of the unit";
    if (attempt == 0) continue;  // dropped uncommitted: everything rolls back
    ASSERT_TRUE(unit->Commit());
  }
  EXPECT_EQ(store_->ListBatches()->size(), 3u);
  auto evs = store_->EvidenceOf(r.person.key);  // uses the rebuilt person index
  ASSERT_EQ(evs->size(), 3u);
  // After the bulk unit the row-by-row path sees its claims.
  b.sha256 = "later";
  std::vector<EvidenceRecord> later = {Ev(r.person.key, "D", "travel"), Ev(r.person.key, "E", "travel")};
  auto s3 = store_->ApplyBatch(b, later);
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->duplicates, 1);
}

// Claims live in two places: packed blocks written by bulk units, and rows
// written by smaller units. Every path must see both, and a later bulk unit
// packs the rows with its own claims.
TEST_F(StoreTest, ClaimsArePackedByBulkUnitsAndSeenByEveryPath) {
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  BatchRecord b;
  b.source = "railway";
  auto batch = [&](const std::string& name, std::vector<std::string> refs, bool bulk) -> Result<BatchRecord> {
    b.sha256 = name;
    std::vector<EvidenceRecord> ev;
    for (const std::string& ref : refs) ev.push_back(Ev(r.person.key, ref, "travel"));
    if (!bulk) return store_->ApplyBatch(b, ev);
    if (auto s = store_->ExpectEvidence(1000000); !s) return tl::unexpected(s.error());
    auto unit = store_->Begin();
    if (!unit) return tl::unexpected(unit.error());
    auto applied = store_->ApplyBatch(b, ev);
    if (!applied) return applied;
    if (auto s = (*unit)->Commit(); !s) return tl::unexpected(s.error());
    return applied;
  };
  std::vector<std::string> first;
  for (int i = 0; i < 600; ++i) first.push_back(fmt::format("P{}", i));  // more than two blocks
  auto packed = batch("bulk-a", first, true);
  ASSERT_TRUE(packed) << packed.error().ToString();
  EXPECT_EQ(packed->duplicates, 0);
  // A small unit finds the packed claims, and claims rows of its own.
  auto small = batch("small", {"P0", "P599", "P300", "R1", "R2"}, false);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->duplicates, 3);
  auto again = batch("small-again", {"R1", "R3"}, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates, 1);
  // A second bulk unit sees both, then packs everything.
  auto second = batch("bulk-b", {"P1", "R2", "R3", "Q1", "Q1"}, true);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->duplicates, 4) << "P1 packed, R2 and R3 rows, Q1 twice";
  for (const std::string ref : {"P598", "R1", "R3", "Q1"}) {
    auto late = batch("late-" + ref, {ref, "N-" + ref}, false);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->duplicates, 1) << ref;
  }
  auto evs = store_->EvidenceOf(r.person.key);
  ASSERT_TRUE(evs);
  EXPECT_EQ(evs->size(), 600u + 3 + 1 + 4);  // P0…P599; R1 R2 R3; Q1; N-P598 N-R1 N-R3 N-Q1
  // Looking a record up by its reference (a face or attestation retry) finds
  // packed claims too: it missed them until this test asked.
  for (const std::string ref : {"P0", "P599", "R1", "Q1", "N-Q1"}) {
    auto found = store_->FindEvidenceByRef("railway", ref);
    ASSERT_TRUE(found) << found.error().ToString();
    ASSERT_TRUE(found->has_value()) << ref;
    EXPECT_EQ((*found)->ref, ref);
  }
  auto none = store_->FindEvidenceByRef("railway", "P600");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

// The SQLite store packs a bulk unit's linked records (one row per person and
// unit, ids given at the commit in person order); every reader must see them
// as it sees rows, with rows and packs merged in id order.
TEST_F(StoreTest, RecordsOfABulkUnitAreSeenByEveryReaderAsRowsAre) {
  RegistryRow a = Row("14010519500101123", Scheme::kEnterprise, 300000);
  RegistryRow b = Row("14020219520202223", Scheme::kPublic, 650000);
  b.person.region_code = "140202001001";
  ASSERT_TRUE(store_->ImportRegistry({a, b}, Month::Of(2026, 11)));
  const PersonKey ka = a.person.key, kb = b.person.key;
  BatchRecord batch;
  batch.source = "railway";
  batch.sha256 = "small";
  std::vector<EvidenceRecord> small = {Ev(ka, "S1", "travel")};
  ASSERT_TRUE(store_->ApplyBatch(batch, small));
  // The import's marks, as a monthly run would have cleared them: from here
  // on only evidence marks a person.
  ASSERT_TRUE(ExecForTest(path_, "DELETE FROM person_dirty"));
  const ChangeMarks before = *store_->CurrentChangeMarks();
  const std::string fingerprint_before = *store_->StatsFingerprint();

  ASSERT_TRUE(store_->ExpectEvidence(1000000));
  auto unit = store_->Begin();
  ASSERT_TRUE(unit) << unit.error().ToString();
  batch.sha256 = "k1";
  std::vector<EvidenceRecord> k1 = {Ev(ka, "K1", "travel"), Ev(kb, "K2", "cremation"), Ev(0, "U1", "travel")};
  k1[1].detail = R"({"place":"殡仪馆"})";
  k1[1].occurred_on = Date::FromCivil(2026, 4, 1);
  auto first = store_->ApplyBatch(batch, k1);
  ASSERT_TRUE(first) << first.error().ToString();
  batch.sha256 = "k2";
  std::vector<EvidenceRecord> k2 = {Ev(ka, "K3", "hospital_admission"), Ev(kb, "K2", "cremation"),
                                    Ev(ka, "S1", "travel")};
  auto second = store_->ApplyBatch(batch, k2);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->duplicates, 2) << "K2 from the unit's first batch, S1 stored before it";
  // The hint that the batches are done, given too early: it starts merging
  // the two batches' runs on another thread; a batch after it waits for the
  // merge, and its duplicate check finds K3 and K1 at their merged places.
  (*unit)->BatchesDone();
  batch.sha256 = "k3";
  std::vector<EvidenceRecord> k3 = {Ev(ka, "K3", "hospital_admission"), Ev(ka, "K1", "travel")};
  auto third = store_->ApplyBatch(batch, k3);
  ASSERT_TRUE(third) << third.error().ToString();
  EXPECT_EQ(third->duplicates, 2);
  EXPECT_EQ(third->linked, 0);
  (*unit)->BatchesDone();
  ASSERT_TRUE((*unit)->Commit());

  auto ev_a = store_->EvidenceOf(ka);
  ASSERT_TRUE(ev_a) << ev_a.error().ToString();
  ASSERT_EQ(ev_a->size(), 3u);
  EXPECT_EQ((*ev_a)[0].ref, "S1");
  EXPECT_EQ((*ev_a)[1].ref, "K1");
  EXPECT_EQ((*ev_a)[2].ref, "K3");
  EXPECT_LT((*ev_a)[0].id, (*ev_a)[1].id);
  EXPECT_LT((*ev_a)[1].id, (*ev_a)[2].id);
  EXPECT_EQ((*ev_a)[2].kind, "hospital_admission");
  EXPECT_EQ((*ev_a)[2].batch_id, second->id);
  EXPECT_EQ((*ev_a)[2].link_method, "exact");
  EXPECT_EQ((*ev_a)[2].received_on, Date::FromCivil(2026, 6, 3));

  auto facts_b = store_->FactsOf(kb);
  ASSERT_TRUE(facts_b) << facts_b.error().ToString();
  ASSERT_EQ(facts_b->size(), 1u);
  EXPECT_EQ((*facts_b)[0].source, "railway");
  EXPECT_EQ((*facts_b)[0].kind, "cremation");
  EXPECT_EQ((*facts_b)[0].detail, R"({"place":"殡仪馆"})");
  EXPECT_EQ((*facts_b)[0].occurred_on, Date::FromCivil(2026, 4, 1));
  auto facts_a = store_->FactsOf(ka);
  ASSERT_TRUE(facts_a);
  ASSERT_EQ(facts_a->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*facts_a)[i].evidence_id, (*ev_a)[i].id);

  std::vector<EvidenceRecord> all;
  ASSERT_TRUE(store_->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    all.push_back(e);
    return {};
  }));
  ASSERT_EQ(all.size(), 5u);  // S1, K1, K2, U1, K3
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);
  for (const EvidenceRecord& e : all) {
    auto found = store_->FindEvidence(e.id);
    ASSERT_TRUE(found && found->has_value()) << e.ref;
    EXPECT_EQ((*found)->ref, e.ref);
    EXPECT_EQ((*found)->person, e.person);
    auto by_ref = store_->FindEvidenceByRef("railway", e.ref);
    ASSERT_TRUE(by_ref && by_ref->has_value()) << e.ref;
    EXPECT_EQ((*by_ref)->id, e.id);
  }
  auto missing = store_->FindEvidence(all.back().id + 1);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  std::map<PersonKey, size_t> facts_seen;
  ASSERT_TRUE(store_->ForEachPerson("", [&](const PersonBundle& p) -> Status {
    facts_seen[p.person.key] = p.facts.size();
    for (size_t i = 1; i < p.facts.size(); ++i) EXPECT_LT(p.facts[i - 1].evidence_id, p.facts[i].evidence_id);
    return {};
  }));
  EXPECT_EQ(facts_seen[ka], 3u);
  EXPECT_EQ(facts_seen[kb], 1u);
  int in_county = 0;
  ASSERT_TRUE(store_->ForEachPerson("140202", [&](const PersonBundle& p) -> Status {
    ++in_county;
    EXPECT_EQ(p.facts.size(), 1u);
    return {};
  }));
  EXPECT_EQ(in_county, 1);

  // The change marks move past the packed records, and what changed is found.
  const ChangeMarks after = *store_->CurrentChangeMarks();
  EXPECT_EQ(after.evidence, all.back().id);
  EXPECT_NE(*store_->StatsFingerprint(), fingerprint_before);
  std::vector<PersonKey> changed = *store_->PersonsChangedSince(before.evidence);
  std::sort(changed.begin(), changed.end());
  std::vector<PersonKey> both = {ka, kb};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(changed, both);
  EXPECT_TRUE(store_->PersonsChangedSince(after.evidence)->empty());

  // Later units find the packed records as duplicates and add rows after them.
  batch.sha256 = "late";
  std::vector<EvidenceRecord> late = {Ev(ka, "K1", "travel"), Ev(ka, "N1", "travel")};
  auto later = store_->ApplyBatch(batch, late);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->duplicates, 1);
  EXPECT_EQ(*store_->PersonsChangedSince(after.evidence), std::vector<PersonKey>{ka});
  EvidenceRecord again = Ev(ka, "K3", "travel");
  const Status added = store_->AddEvidence(again);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, ErrorCode::kAlreadyExists);
}

// A bulk unit leaves the provisional ids of its packed records unused, so the
// largest id overstates the records stored. A later unit that adds at least
// half the records must still load in bulk: measured by the largest id, the
// second year of a province's feeds loaded row by row.
TEST_F(StoreTest, AUnitOfHalfTheRecordsLoadsInBulkAfterPackedUnits) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "the SQLite store's packs";
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  setenv("TACIT_BULK_MIN_ROWS", "1", 1);
  auto store = OpenStore(path_);
  unsetenv("TACIT_BULK_MIN_ROWS");
  ASSERT_TRUE(store) << store.error().ToString();
  // Whether the unit packed its records: a packed record's stored id is not
  // the provisional one ApplyBatch returned.
  auto load = [&](const std::string& name, int records) -> bool {
    BatchRecord b;
    b.source = "railway";
    b.sha256 = name;
    std::vector<EvidenceRecord> ev;
    for (int i = 0; i < records; ++i) ev.push_back(Ev(r.person.key, fmt::format("{}-{}", name, i), "travel"));
    EXPECT_TRUE((*store)->ExpectEvidence(records));
    auto unit = (*store)->Begin();
    EXPECT_TRUE(unit);
    auto applied = (*store)->ApplyBatch(b, ev);
    EXPECT_TRUE(applied);
    EXPECT_TRUE((*unit)->Commit());
    auto stored = (*store)->FindEvidenceByRef("railway", ev[0].ref);
    EXPECT_TRUE(stored && stored->has_value());
    return stored && stored->has_value() && (*stored)->id != ev[0].id;
  };
  EXPECT_TRUE(load("first", 10));   // 10 records, ids 1-10 unused, 11-20 given
  EXPECT_TRUE(load("second", 6));   // 6 of 10 stored: at least half
  EXPECT_FALSE(load("third", 7));   // 7 of 16: less than half, rows
}

// A bulk unit asks SQLite for a rollback journal; with another connection on
// the store (a server's pool) SQLite refuses at once. The unit must then load
// in WAL mode, not fail: it failed with "database is locked" until the test
// suite forced the bulk path (TACIT_BULK_MIN_ROWS) on the server's uploads.
TEST_F(StoreTest, ABulkUnitLoadsWhileAnotherConnectionHasTheStoreOpen) {
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 11)));
  auto other = OpenStore(path_);
  ASSERT_TRUE(other) << other.error().ToString();
  ASSERT_TRUE((*other)->FindPerson(r.person.key));  // the other connection has read the store
  ASSERT_TRUE(store_->ExpectEvidence(1000000));
  auto unit = store_->Begin();
  ASSERT_TRUE(unit) << unit.error().ToString();
  BatchRecord b;
  b.source = "railway";
  b.sha256 = "bulk";
  std::vector<EvidenceRecord> ev = {Ev(r.person.key, "A", "travel"), Ev(r.person.key, "B", "travel")};
  auto applied = store_->ApplyBatch(b, ev);
  ASSERT_TRUE(applied) << applied.error().ToString();
  ASSERT_TRUE((*unit)->Commit());
  auto seen = (*other)->EvidenceOf(r.person.key);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->size(), 2u);
}

TEST_F(StoreTest, RegistryImportStoresTheNewTermsAndUpdatesOnlyWhatARowGives) {
  RegistryRow r = Row("14010519500101123", Scheme::kResident, 18000);
  r.paid_through = Month::Of(2026, 3);
  r.contribution_months = 180;
  r.account_balance = 864000;
  r.account_subsidy = 120000;
  r.imported_on = Date::FromCivil(2026, 4, 10);
  RegistryRow plain = Row("14010519520202223", Scheme::kPublic, 650000);
  plain.imported_on = Date::FromCivil(2026, 4, 10);
  auto first = store_->ImportRegistry({r, plain}, Month::Of(2026, 4));
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->entitlements_added, 2);
  auto ents = store_->EntitlementsOf(r.person.key);
  ASSERT_EQ(ents->size(), 1u);
  const EntitlementTerms& t = (*ents)[0].terms;
  EXPECT_EQ(t.paid_through, Month::Of(2026, 3));
  EXPECT_EQ(t.contribution_months, 180);
  EXPECT_EQ(t.registered_on, Date::FromCivil(2026, 4, 10));
  EXPECT_EQ(t.account_balance, 864000);
  EXPECT_EQ(t.account_subsidy, 120000);
  const EntitlementTerms p = (*store_->EntitlementsOf(plain.person.key))[0].terms;
  EXPECT_EQ(p.paid_through, std::nullopt);
  EXPECT_EQ(p.contribution_months, 0);
  EXPECT_EQ(p.account_balance, std::nullopt);

  // The same values again, or a row that gives none of them: unchanged, and the
  // registration date is the first import's.
  r.imported_on = plain.imported_on = Date::FromCivil(2026, 6, 1);
  auto same = store_->ImportRegistry({r, plain}, Month::Of(2026, 6));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->unchanged, 2);
  RegistryRow silent = r;
  silent.paid_through.reset();
  silent.contribution_months = 0;
  silent.account_balance.reset();
  silent.account_subsidy.reset();
  auto quiet = store_->ImportRegistry({silent}, Month::Of(2026, 6));
  ASSERT_TRUE(quiet);
  EXPECT_EQ(quiet->unchanged, 1);
  ents = store_->EntitlementsOf(r.person.key);
  EXPECT_EQ((*ents)[0].terms.paid_through, Month::Of(2026, 3));
  EXPECT_EQ((*ents)[0].terms.contribution_months, 180);
  EXPECT_EQ((*ents)[0].terms.account_subsidy, 120000);
  EXPECT_EQ((*ents)[0].terms.registered_on, Date::FromCivil(2026, 4, 10));

  // New values are updates; a balance given alone replaces the account, whose
  // subsidy is then unknown.
  RegistryRow changed = silent;
  changed.paid_through = Month::Of(2026, 2);
  changed.contribution_months = 181;
  changed.account_balance = 700000;
  auto upd = store_->ImportRegistry({changed}, Month::Of(2026, 6));
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->entitlements_updated, 1);
  ents = store_->EntitlementsOf(r.person.key);
  EXPECT_EQ((*ents)[0].terms.paid_through, Month::Of(2026, 2));
  EXPECT_EQ((*ents)[0].terms.contribution_months, 181);
  EXPECT_EQ((*ents)[0].terms.account_balance, 700000);
  EXPECT_EQ((*ents)[0].terms.account_subsidy, std::nullopt);

  // ForEachPerson loads the same terms.
  std::vector<EntitlementTerms> streamed;
  ASSERT_TRUE(store_->ForEachPerson("", [&](const PersonBundle& b) -> Status {
    for (const EntitlementRecord& e : b.entitlements) streamed.push_back(e.terms);
    return {};
  }));
  ASSERT_EQ(streamed.size(), 2u);
  const EntitlementTerms& s =
      streamed[0].scheme == Scheme::kResident ? streamed[0] : streamed[1];
  EXPECT_EQ(s.paid_through, Month::Of(2026, 2));
  EXPECT_EQ(s.contribution_months, 181);
  EXPECT_EQ(s.registered_on, Date::FromCivil(2026, 4, 10));
  EXPECT_EQ(s.account_balance, 700000);
}

TEST_F(StoreTest, ForEachPersonGivesEachFactItsDetail) {
  RegistryRow a = Row("14010519500101123", Scheme::kEnterprise, 300000);
  ASSERT_TRUE(store_->ImportRegistry({a}, Month::Of(2026, 11)));
  BatchRecord batch;
  batch.sha256 = "x";
  batch.source = "court";
  std::vector<EvidenceRecord> ev = {Ev(a.person.key, "S1", "sentence"), Ev(a.person.key, "T1", "travel")};
  ev[0].detail = R"({"type":"prison","until":"2028-05-31"})";
  ASSERT_TRUE(store_->ApplyBatch(batch, ev));
  std::vector<Fact> facts;
  ASSERT_TRUE(store_->ForEachPerson("", [&](const PersonBundle& b) -> Status {
    facts = b.facts;
    return {};
  }));
  ASSERT_EQ(facts.size(), 2u);
  const Fact& sentence = facts[0].kind == "sentence" ? facts[0] : facts[1];
  const Fact& travel = facts[0].kind == "sentence" ? facts[1] : facts[0];
  EXPECT_EQ(sentence.detail, R"({"type":"prison","until":"2028-05-31"})");
  EXPECT_EQ(travel.detail, "");
}

TEST_F(StoreTest, TheFirstRunThatDecidesAnEntitlementStoresWhatThePreviousSystemPaid) {
  RegistryRow given = Row("14010519500101123", Scheme::kEnterprise, 300000);
  given.paid_through = Month::Of(2026, 2);
  RegistryRow unknown = Row("14010519500101123", Scheme::kResident, 18000);
  RegistryRow later = Row("14010519520202223", Scheme::kPublic, 650000);
  ASSERT_TRUE(store_->ImportRegistry({given, unknown, later}, Month::Of(2026, 5)));
  auto terms = [&](const RegistryRow& r) {
    const std::vector<EntitlementRecord> ents = *store_->EntitlementsOf(r.person.key);
    for (const EntitlementRecord& e : ents) {
      if (e.terms.scheme == r.scheme) return e.terms;
    }
    return EntitlementTerms{};
  };
  auto ids = [&](const RegistryRow& r) { return terms(r).id; };
  auto paid_through = [&](const RegistryRow& r) { return terms(r).paid_through; };
  CycleRunRecord may;
  may.month = Month::Of(2026, 5);
  ASSERT_TRUE(store_->SaveCycleRun(may, {{ids(given), MonthStatus::kPayable, 300000, "pay.certified", 0, given.person.key},
                                         {ids(unknown), MonthStatus::kSuspended, 0, "suspend.x", 0, unknown.person.key}},
                                   {}, {}, {}));
  EXPECT_EQ(paid_through(given), Month::Of(2026, 2)) << "given by the registry: kept";
  EXPECT_EQ(paid_through(unknown), Month::Of(2026, 4)) << "whatever the run decided";
  EXPECT_EQ(paid_through(later), std::nullopt) << "not in the run";
  CycleRunRecord june;
  june.month = Month::Of(2026, 6);
  ASSERT_TRUE(store_->SaveCycleRun(june, {{ids(unknown), MonthStatus::kPayable, 18000, "pay.certified", 0,
                                           unknown.person.key},
                                          {ids(later), MonthStatus::kPayable, 650000, "pay.certified", 0,
                                           later.person.key}},
                                   {}, {}, {}));
  EXPECT_EQ(paid_through(unknown), Month::Of(2026, 4)) << "set once";
  EXPECT_EQ(paid_through(later), Month::Of(2026, 5));
  // A run refused as recorded already changes nothing.
  ASSERT_FALSE(store_->SaveCycleRun(
      june, {{ids(given), MonthStatus::kPayable, 300000, "pay.certified", 0, given.person.key}}, {}, {}, {}));
  EXPECT_EQ(paid_through(given), Month::Of(2026, 2));
}

class AdjustTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
    r.basic = 120000;
    person_ = r.person.key;
    ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 5)));
  }
  AmountAdjustment Adj(Month effective, Fen monthly, std::optional<Fen> basic = std::nullopt, int64_t line = 2) {
    return AmountAdjustment{person_, Scheme::kEnterprise, effective, monthly, basic, line};
  }
  EntitlementTerms Terms() { return (*store_->EntitlementsOf(person_))[0].terms; }
  PersonKey person_ = 0;
};

TEST_F(AdjustTest, ARiseIsAStepFromItsMonthAndApplyingItAgainChangesNothing) {
  auto r = store_->AdjustAmounts({Adj(Month::Of(2026, 1), 312000)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(r->unchanged, 0);
  EXPECT_TRUE(r->refused.empty());
  EntitlementTerms t = Terms();
  ASSERT_EQ(t.amounts.size(), 2u);
  EXPECT_EQ(t.AmountIn(Month::Of(2025, 12)), 300000);
  EXPECT_EQ(t.AmountIn(Month::Of(2026, 1)), 312000) << "a past month: a retroactive rise";
  EXPECT_EQ(t.amounts[1].basic, 120000) << "no basic_amount: the basic part stays";

  auto again = store_->AdjustAmounts({Adj(Month::Of(2026, 1), 312000)});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ(Terms().amounts.size(), 2u);

  // A different amount for the same month replaces the step.
  auto corrected = store_->AdjustAmounts({Adj(Month::Of(2026, 1), 311000, 125000)});
  ASSERT_TRUE(corrected);
  EXPECT_EQ(corrected->applied, 1);
  t = Terms();
  ASSERT_EQ(t.amounts.size(), 2u);
  EXPECT_EQ(t.AmountIn(Month::Of(2026, 3)), 311000);
  EXPECT_EQ(t.amounts[1].basic, 125000);
}

TEST_F(AdjustTest, TheBasicPartIsKeptFromTheStepBeforeAndCappedAtTheAmount) {
  // Rows out of month order: the 2027 step keeps the basic part of 2026's.
  auto r = store_->AdjustAmounts({Adj(Month::Of(2027, 1), 330000, std::nullopt, 3),
                                  Adj(Month::Of(2026, 1), 312000, 130000, 2)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->applied, 2);
  EntitlementTerms t = Terms();
  ASSERT_EQ(t.amounts.size(), 3u);
  EXPECT_EQ(t.amounts[1].basic, 130000);
  EXPECT_EQ(t.amounts[2].from, Month::Of(2027, 1));
  EXPECT_EQ(t.amounts[2].basic, 130000);
  // A cut below the basic part caps it.
  ASSERT_TRUE(store_->AdjustAmounts({Adj(Month::Of(2027, 6), 100000)}));
  EXPECT_EQ(Terms().amounts.back().basic, 100000);
}

TEST_F(AdjustTest, TheAmountInForceAlreadyAddsNoStep) {
  auto r = store_->AdjustAmounts({Adj(Month::Of(2026, 7), 300000)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->unchanged, 1);
  EXPECT_EQ(Terms().amounts.size(), 1u);
}

TEST_F(AdjustTest, NoEntitlementOrAMonthBeforeItsStartIsRefusedAndTheRestApplied) {
  AmountAdjustment stranger = Adj(Month::Of(2026, 1), 312000, std::nullopt, 4);
  stranger.scheme = Scheme::kResident;  // this person draws no resident pension
  auto r = store_->AdjustAmounts({stranger, Adj(Month::Of(2014, 12), 312000, std::nullopt, 3),
                                  Adj(Month::Of(2026, 1), 312000, std::nullopt, 2)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->applied, 1);
  ASSERT_EQ(r->refused.size(), 2u);
  EXPECT_EQ(r->refused[0].line, 3);
  EXPECT_EQ(r->refused[0].field, "effective_month");
  EXPECT_EQ(r->refused[1].line, 4);
  EXPECT_EQ(r->refused[1].field, "scheme");
  EXPECT_NE(r->refused[1].reason.find("no entitlement"), std::string::npos);
  EXPECT_EQ(Terms().AmountIn(Month::Of(2026, 1)), 312000);
}

TEST_F(AdjustTest, ARegistryReimportDoesNotUndoAnAnnouncedRise) {
  ASSERT_TRUE(store_->AdjustAmounts({Adj(Month::Of(2027, 1), 330000)}));
  // The registry file of December still has the old amount.
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  r.basic = 120000;
  auto again = store_->ImportRegistry({r}, Month::Of(2026, 12));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->unchanged, 1);
  EntitlementTerms t = Terms();
  EXPECT_EQ(t.AmountIn(Month::Of(2026, 12)), 300000);
  EXPECT_EQ(t.AmountIn(Month::Of(2027, 1)), 330000);
  // A changed amount in the registry is a step from the import month; the
  // announced rise still follows it.
  r.monthly = 305000;
  ASSERT_TRUE(store_->ImportRegistry({r}, Month::Of(2026, 12)));
  t = Terms();
  EXPECT_EQ(t.AmountIn(Month::Of(2026, 12)), 305000);
  EXPECT_EQ(t.AmountIn(Month::Of(2027, 1)), 330000);
}

TEST_F(StoreTest, AMetaValueIsSetReplacedAndRolledBackWithItsUnit) {
  EXPECT_EQ(*store_->GetMeta("stream/offset/3"), std::nullopt);
  ASSERT_TRUE(store_->PutMeta("stream/offset/3", "17"));
  ASSERT_TRUE(store_->PutMeta("stream/offset/3", "42"));
  EXPECT_EQ(*store_->GetMeta("stream/offset/3"), std::optional<std::string>("42"));
  {
    auto unit = store_->Begin();
    ASSERT_TRUE(unit);
    ASSERT_TRUE(store_->PutMeta("stream/offset/3", "99"));
  }  // not committed
  EXPECT_EQ(*store_->GetMeta("stream/offset/3"), std::optional<std::string>("42"));
}

// ---- Cases and recoveries -------------------------------------------------------

TEST_F(StoreTest, MigratingAVersion2StoreKeepsItsLedgerAndAddsCasesAndRecoveries) {
  if (TestStoreIsPostgres()) GTEST_SKIP() << "the SQLite store's schema history";
  const std::string old_path = (dir_ / "v2.db").string();
  ASSERT_TRUE(MigrateSqliteStoreToVersionForTest(old_path, 2));
  RegistryRow r = Row("14010519500101123", Scheme::kEnterprise, 300000);
  {
    auto old = std::move(*OpenSqliteStore(old_path));
    EXPECT_EQ(*old->SchemaVersion(), 2);
    ASSERT_TRUE(old->SavePolicy(policy_));
  }
  // A v2 store written by the v2 code: one entitlement, one run, one receivable.
  const std::string nov = std::to_string(Month::Of(2026, 11).index());
  const std::string oct = std::to_string(Month::Of(2026, 10).index());
  ASSERT_TRUE(ExecSqliteForTest(
      old_path, OldRegistrySql(r, 1) +
                    "INSERT INTO cycle_run VALUES(" + nov + ", 0, 's', 'f', 'v', 1, 1, 0, 0, 300000, 0, 0, 'p');"
                    "INSERT INTO receivable(entitlement_id, month, amount_fen, run_month, reason, evidence_id) "
                    "VALUES(1, " + oct + ", 300000, " + nov + ", 'terminate.death', 1);"));
  auto store = std::move(*OpenSqliteStore(old_path));
  ASSERT_TRUE(store->Migrate());
  EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(store->AllPersonKeys()->size(), 1u);
  EXPECT_EQ(store->ListCycleRuns()->size(), 1u);
  EXPECT_EQ(*store->OutstandingOf(r.person.key), 300000);
  EXPECT_TRUE(store->ListCases("")->empty());
  auto rec = store->RecordRecovery(r.person.key, 100000, "lump", kToday, "");
  ASSERT_TRUE(rec) << rec.error().ToString();
  EXPECT_EQ(store->RecoveriesOf(r.person.key)->size(), 1u);
}

class CaseStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = Row("14010519500101123", Scheme::kEnterprise, 300000);
    b_ = Row("14020219520202223", Scheme::kPublic, 650000);
    ASSERT_TRUE(store_->ImportRegistry({a_, b_}, Month::Of(2026, 11)));
    BatchRecord batch;
    batch.sha256 = "feed";
    batch.source = "railway";
    std::vector<EvidenceRecord> ev = {Ev(a_.person.key, "D1", "cremation"), Ev(a_.person.key, "T1", "travel")};
    ASSERT_TRUE(store_->ApplyBatch(batch, ev));
    death_id_ = ev[0].id;
    travel_id_ = ev[1].id;
  }

  CaseRecord Finding(PersonKey person, std::vector<int64_t> ids) {
    CaseRecord c;
    c.person = person;
    c.type = "alive_after_death";
    c.key = "alive_after_death";
    for (int64_t id : ids) c.key += ":" + std::to_string(id);
    c.summary = "死亡记录之后出现实名乘车记录";
    c.suggestion = "void_evidence";
    c.evidence_ids = std::move(ids);
    c.at_stake = 600000;
    c.opened_in = Month::Of(2026, 11);
    return c;
  }

  RegistryRow a_, b_;
  int64_t death_id_ = 0, travel_id_ = 0;
};

TEST_F(CaseStoreTest, OpeningTheSameFindingsAgainAddsNothing) {
  std::vector<CaseRecord> cases = {Finding(a_.person.key, {death_id_, travel_id_}),
                                   Finding(b_.person.key, {travel_id_ + 100})};
  auto first = store_->OpenCases(cases);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(*first, 2);
  EXPECT_GT(cases[0].id, 0);
  EXPECT_NE(cases[0].id, cases[1].id);
  EXPECT_EQ(cases[0].status, "open");
  EXPECT_FALSE(cases[0].opened_at.empty());

  // The next monthly run derives the same findings (and one new one).
  std::vector<CaseRecord> again = {Finding(b_.person.key, {travel_id_ + 100}),
                                   Finding(a_.person.key, {death_id_, travel_id_}),
                                   Finding(a_.person.key, {travel_id_})};
  auto second = store_->OpenCases(again);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(again[0].id, cases[1].id);
  EXPECT_EQ(again[1].id, cases[0].id);
  EXPECT_EQ(store_->ListCases("")->size(), 3u);

  auto stored = store_->FindCase(cases[0].id);
  ASSERT_TRUE(stored && *stored);
  const CaseRecord& c = **stored;
  EXPECT_EQ(c.person, a_.person.key);
  EXPECT_EQ(c.type, "alive_after_death");
  EXPECT_EQ(c.summary, "死亡记录之后出现实名乘车记录");
  EXPECT_EQ(c.suggestion, "void_evidence");
  EXPECT_EQ(c.evidence_ids, (std::vector<int64_t>{death_id_, travel_id_}));
  EXPECT_EQ(c.at_stake, 600000);
  EXPECT_EQ(c.opened_in, Month::Of(2026, 11));
  EXPECT_EQ(c.status, "open");
  EXPECT_TRUE(c.decision.empty());
  EXPECT_EQ(c.decision_evidence_id, 0);
  EXPECT_FALSE(store_->FindCase(9999)->has_value());

  EXPECT_EQ(store_->ListCases("open", a_.person.key)->size(), 2u);
  EXPECT_EQ(store_->ListCases("", b_.person.key)->size(), 1u);
  EXPECT_TRUE(store_->ListCases("resolved")->empty());
  auto bad = store_->ListCases("closed");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);

  std::vector<CaseRecord> keyless = {Finding(a_.person.key, {1})};
  keyless[0].key.clear();
  auto refused = store_->OpenCases(keyless);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CaseStoreTest, ADismissalIsRecordedWithoutAFact) {
  std::vector<CaseRecord> cases = {Finding(a_.person.key, {death_id_, travel_id_})};
  ASSERT_TRUE(store_->OpenCases(cases));
  const int64_t id = cases[0].id;
  ASSERT_TRUE(store_->ResolveCase(id, "dismiss", "同名同号核实无误", "王经办", std::nullopt));
  const CaseRecord c = **store_->FindCase(id);
  EXPECT_EQ(c.status, "resolved");
  EXPECT_EQ(c.decision, "dismiss");
  EXPECT_EQ(c.note, "同名同号核实无误");
  EXPECT_EQ(c.resolved_by, "王经办");
  EXPECT_FALSE(c.resolved_at.empty());
  EXPECT_EQ(c.decision_evidence_id, 0);
  EXPECT_EQ(store_->EvidenceOf(a_.person.key)->size(), 2u);
  EXPECT_TRUE(store_->ListCases("open")->empty());
  EXPECT_EQ(store_->ListCases("resolved")->size(), 1u);

  auto twice = store_->ResolveCase(id, "fraud", "", "", std::nullopt);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  auto missing = store_->ResolveCase(id + 1, "dismiss", "", "", std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // A resolved finding found again is not reopened.
  std::vector<CaseRecord> again = {Finding(a_.person.key, {death_id_, travel_id_})};
  EXPECT_EQ(*store_->OpenCases(again), 0);
  EXPECT_EQ(again[0].id, id);
}

TEST_F(CaseStoreTest, ADecisionBecomesAFactOfThePersonOnce) {
  std::vector<CaseRecord> cases = {Finding(a_.person.key, {death_id_, travel_id_}),
                                   Finding(a_.person.key, {travel_id_})};
  ASSERT_TRUE(store_->OpenCases(cases));
  EvidenceRecord fact;
  fact.source = "agency";
  fact.ref = "case-" + std::to_string(cases[0].id);
  fact.kind = "evidence_voided";
  fact.occurred_on = kToday;
  fact.received_on = kToday;
  fact.detail = R"({"case": 1, "evidence_id": 1})";
  auto resolved = store_->ResolveCase(cases[0].id, "void_evidence", "火化记录录错人", "王经办", fact);
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  const CaseRecord c = **store_->FindCase(cases[0].id);
  ASSERT_GT(c.decision_evidence_id, travel_id_);
  const auto evidence = *store_->EvidenceOf(a_.person.key);
  ASSERT_EQ(evidence.size(), 3u);
  const EvidenceRecord& stored = evidence.back();
  EXPECT_EQ(stored.id, c.decision_evidence_id);
  EXPECT_EQ(stored.source, "agency");
  EXPECT_EQ(stored.kind, "evidence_voided");
  EXPECT_EQ(stored.person, a_.person.key);
  EXPECT_EQ(stored.link_method, "exact");
  EXPECT_EQ(stored.batch_id, 0);
  EXPECT_EQ(stored.detail, fact.detail);
  // The derivation sees it like any other fact.
  int facts_seen = 0;
  ASSERT_TRUE(store_->ForEachPerson("", [&](const PersonBundle& p) -> Status {
    for (const Fact& f : p.facts) facts_seen += f.evidence_id == c.decision_evidence_id && f.source == "agency";
    return {};
  }));
  EXPECT_EQ(facts_seen, 1);

  // (source, ref) stays unique: the same fact on another case is refused and
  // that case stays open.
  auto dup = store_->ResolveCase(cases[1].id, "void_evidence", "", "", fact);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ((*store_->FindCase(cases[1].id))->status, "open");
  EXPECT_EQ(store_->EvidenceOf(a_.person.key)->size(), 3u);
  // A partner batch cannot add the same (source, ref) either.
  BatchRecord batch;
  batch.sha256 = "later";
  batch.source = "agency";
  std::vector<EvidenceRecord> ev = {fact};
  ev[0].person = a_.person.key;
  auto applied = store_->ApplyBatch(batch, ev);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->duplicates, 1);

  EvidenceRecord other = fact;
  other.ref = "case-x";
  other.person = b_.person.key;
  auto wrong_person = store_->ResolveCase(cases[1].id, "fraud", "", "", other);
  ASSERT_FALSE(wrong_person);
  EXPECT_EQ(wrong_person.error().code, ErrorCode::kInvalidArgument);
}

// A ledger of two entitlements of one person with receivables in several
// months, one of them reversed: what RecordRecovery allocates against.
class RecoveryStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    RegistryRow enterprise = Row("14010519500101123", Scheme::kEnterprise, 300000);
    RegistryRow resident = Row("14010519500101123", Scheme::kResident, 20000);
    other_ = Row("14020219520202223", Scheme::kPublic, 650000);
    ASSERT_TRUE(store_->ImportRegistry({enterprise, resident, other_}, Month::Of(2026, 11)));
    person_ = enterprise.person.key;
    const auto ents = *store_->EntitlementsOf(person_);
    ent_ = ents[0].terms.id;
    res_ = ents[1].terms.id;
    other_ent_ = (*store_->EntitlementsOf(other_.person.key))[0].terms.id;
    Run(Month::Of(2026, 9), {{0, ent_, Month::Of(2026, 7), 300000, {}, "terminate.death", 1, 0},
                             {0, ent_, Month::Of(2026, 8), 300000, {}, "terminate.death", 1, 0},
                             {0, res_, Month::Of(2026, 8), 20000, {}, "terminate.death", 1, 0},
                             {0, other_ent_, Month::Of(2026, 6), 650000, {}, "terminate.death", 2, 0}});
    // October learns that July was due after all: a reversing entry.
    Run(Month::Of(2026, 10), {{0, ent_, Month::Of(2026, 7), -300000, {}, "reverse.pay.certified", 4, 0}});
  }

  void Run(Month month, std::vector<ReceivableRecord> receivables) {
    CycleRunRecord run;
    run.month = month;
    run.as_of = month.FirstDay();
    for (ReceivableRecord& r : receivables) r.person = r.entitlement_id == other_ent_ ? other_.person.key : person_;
    ASSERT_TRUE(store_->SaveCycleRun(run, {}, {}, receivables, {}));
  }

  Fen RecoveredOf(int64_t entitlement, Month month) {
    Fen total = 0;
    const EntitlementLedger ledger = *store_->LedgerOf(entitlement);
    for (const ReceivableRecord& r : ledger.receivables) {
      if (r.month == month) total += r.recovered;
    }
    return total;
  }

  RegistryRow other_;
  PersonKey person_ = 0;
  int64_t ent_ = 0, res_ = 0, other_ent_ = 0;
};

TEST_F(RecoveryStoreTest, ReversedMonthsOweNothingAndOthersOnlyTheirNet) {
  // July nets to 0; August owes 3000.00 + 200.00; the other person's June is not his.
  EXPECT_EQ(*store_->OutstandingOf(person_), 320000);
  EXPECT_EQ(*store_->OutstandingOf(other_.person.key), 650000);
  auto all = store_->RecordRecovery(person_, 320000, "lump", kToday, "家属一次性退回");
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(RecoveredOf(ent_, Month::Of(2026, 7)), 0);
  EXPECT_EQ(RecoveredOf(ent_, Month::Of(2026, 8)), 300000);
  EXPECT_EQ(RecoveredOf(res_, Month::Of(2026, 8)), 20000);
  EXPECT_EQ(*store_->OutstandingOf(person_), 0);
  EXPECT_EQ(*store_->OutstandingOf(other_.person.key), 650000);
}

TEST_F(RecoveryStoreTest, APartlyReversedMonthOwesItsNet) {
  Run(Month::Of(2026, 11), {{0, ent_, Month::Of(2026, 8), -100000, {}, "reverse.pay.certified", 5, 0}});
  EXPECT_EQ(*store_->OutstandingOf(person_), 220000);
  auto over = store_->RecordRecovery(person_, 220001, "lump", kToday, "");
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("2200.00"), std::string::npos) << over.error().message;
  auto all = store_->RecordRecovery(person_, 220000, "lump", kToday, "");
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_EQ(RecoveredOf(ent_, Month::Of(2026, 8)), 200000);
  EXPECT_EQ(RecoveredOf(res_, Month::Of(2026, 8)), 20000);
  EXPECT_EQ(*store_->OutstandingOf(person_), 0);
  Fen open = 0;
  const std::vector<ReceivableRecord> receivables = *store_->OpenReceivables();
  for (const ReceivableRecord& r : receivables) {
    if (r.entitlement_id == ent_ || r.entitlement_id == res_) open += r.amount - r.recovered;
  }
  EXPECT_EQ(open, 0) << "the claim, its partial reversal and the recovery net to zero";
}

TEST_F(RecoveryStoreTest, InstalmentsGoToTheOldestMonthFirstAcrossEntitlements) {
  // Add an older month on the resident pension so the order crosses entitlements.
  Run(Month::Of(2026, 11), {{0, res_, Month::Of(2026, 5), 20000, {}, "terminate.death", 1, 0}});
  ASSERT_EQ(*store_->OutstandingOf(person_), 340000);
  auto first = store_->RecordRecovery(person_, 100000, "instalment", Date::FromCivil(2026, 11, 1), "第一期");
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].entitlement_id, res_);
  EXPECT_EQ((*first)[0].month, Month::Of(2026, 5));
  EXPECT_EQ((*first)[0].amount, 20000);
  EXPECT_EQ((*first)[1].entitlement_id, ent_);
  EXPECT_EQ((*first)[1].month, Month::Of(2026, 8));
  EXPECT_EQ((*first)[1].amount, 80000);
  EXPECT_EQ((*first)[1].method, "instalment");
  EXPECT_GT((*first)[1].receivable_id, 0);

  auto second = store_->RecordRecovery(person_, 230000, "offset", Date::FromCivil(2026, 12, 1), "");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].month, Month::Of(2026, 8));
  EXPECT_EQ((*second)[0].entitlement_id, ent_);
  EXPECT_EQ((*second)[0].amount, 220000);
  EXPECT_EQ((*second)[1].entitlement_id, res_);
  EXPECT_EQ((*second)[1].amount, 10000);
  EXPECT_EQ(*store_->OutstandingOf(person_), 10000);

  const auto all = *store_->RecoveriesOf(person_);
  ASSERT_EQ(all.size(), 4u);
  Fen sum = 0;
  for (const RecoveryRecord& r : all) sum += r.amount;
  EXPECT_EQ(sum, 330000);
  EXPECT_EQ(all[0].note, "第一期");
  EXPECT_EQ(all[0].on, Date::FromCivil(2026, 11, 1));
  EXPECT_FALSE(all[0].recorded_at.empty());
  EXPECT_TRUE(store_->RecoveriesOf(other_.person.key)->empty());
  // The ledger's open receivables and the recoveries agree.
  Fen open = 0;
  const std::vector<ReceivableRecord> receivables = *store_->OpenReceivables();
  for (const ReceivableRecord& r : receivables) {
    if (r.entitlement_id == ent_ || r.entitlement_id == res_) open += r.amount - r.recovered;
  }
  EXPECT_EQ(open, 10000);
}

TEST_F(RecoveryStoreTest, MoreThanIsOwedOrABadMethodIsRefusedAndChangesNothing) {
  auto over = store_->RecordRecovery(person_, 320001, "lump", kToday, "");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message.find("3200.00"), std::string::npos) << over.error().message;
  auto zero = store_->RecordRecovery(person_, 0, "lump", kToday, "");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  auto method = store_->RecordRecovery(person_, 100, "cash", kToday, "");
  ASSERT_FALSE(method);
  EXPECT_EQ(method.error().code, ErrorCode::kInvalidArgument);
  std::string stranger = "14010519600101123";
  stranger += IdCheckCharacter(stranger);
  auto unknown = store_->RecordRecovery(ParseIdNumber(stranger, kToday).id.key(), 100, "lump", kToday, "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message.find(stranger), std::string::npos);
  EXPECT_TRUE(store_->RecoveriesOf(person_)->empty());
  EXPECT_EQ(*store_->OutstandingOf(person_), 320000);
}

}  // namespace
}  // namespace tacit
