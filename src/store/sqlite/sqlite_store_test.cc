// Store behaviour on the SQLite backend. The cases are written against the Store
// interface so that the PostgreSQL backend can run the same suite.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite/sqlite_store_internal.h"
#include "tacit/store.h"

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
    path_ = (dir_ / "t.db").string();
    auto s = OpenSqliteStore(path_);
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
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

TEST_F(StoreTest, MigratingAnOlderStoreKeepsItsData) {
  const std::string old_path = (dir_ / "old.db").string();
  ASSERT_TRUE(MigrateSqliteStoreToVersionForTest(old_path, 1));
  {
    auto old = std::move(*OpenSqliteStore(old_path));
    EXPECT_EQ(*old->SchemaVersion(), 1);
    ASSERT_TRUE(old->SavePolicy(policy_));
    ASSERT_TRUE(old->ImportRegistry({Row("14010519500101123", Scheme::kEnterprise, 300000)}, Month::Of(2026, 11)));
  }
  auto store = std::move(*OpenSqliteStore(old_path));
  ASSERT_TRUE(store->Migrate());
  EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(store->AllPersonKeys()->size(), 1u);
  EXPECT_TRUE(store->ListCycleRuns()->empty());  // the v2 tables exist
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

TEST_F(StoreTest, AMonthIsRecordedOnceWithItsLedger) {
  CycleRunRecord run;
  run.month = Month::Of(2026, 11);
  run.as_of = kToday;
  std::vector<DecisionRecord> d = {{7, MonthStatus::kPayable, 300000, "pay.certified", 0}};
  std::vector<PaymentRecord> p = {{7, Month::Of(2026, 11), 300000, "regular", run.month}};
  std::vector<ReceivableRecord> r = {{0, 7, Month::Of(2026, 10), 300000, run.month, "terminate.death", 3, 0}};
  ASSERT_TRUE(store_->SaveCycleRun(run, d, p, r));
  auto again = store_->SaveCycleRun(run, d, p, r);
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

}  // namespace
}  // namespace tacit
