// Property tests of the monthly run over random fact sequences: whatever
// happens to a person and whenever the agency learns it,
//   - no month is paid twice as a regular payment, and re-running any month
//     changes nothing;
//   - after the last run, for every month the ledger settled: what was paid
//     (tacit's payments plus what the previous system paid), less what was
//     claimed back, equals what is due — so total paid − total due equals the
//     overpayments claimed, with no arrears left; held (suspended) months are
//     neither a debt nor a claim;
//   - one-off amounts (survivor benefits, account refunds) settle the same way;
//   - runs that derive only persons with something new (reading facts in bulk
//     or person by person, deciding the rest from forecasts) pay exactly what
//     runs deriving everyone pay, with facts arriving between the runs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <random>

#include "tacit/cycle.h"
#include "tacit/id_number.h"
#include "tacit/store.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

Date D(std::string_view s) { return *ParseDate(s); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
Month M(std::string_view s) { return *ParseMonth(s); }

struct KindChoice {
  const char* kind;
  const char* source;
  const char* detail;
};

constexpr KindChoice kKinds[] = {
    {"travel", "railway", ""},
    {"travel", "railway", ""},
    {"hospital_admission", "health", ""},
    {"medical_settlement", "medical_insurance", ""},
    {"cremation", "civil_affairs", ""},
    {"death_report", "family", R"({"reporter":"family","death_date":"2026-03-02"})"},
    {"detention", "public_security", ""},
    {"sentence", "court", R"({"type":"prison","until":"2027-12-31"})"},
    {"sentence", "court", R"({"type":"probation","until":"2027-03-31"})"},
    {"acquitted", "court", ""},
    {"release", "justice", ""},
    {"parole", "justice", R"({"until":"2027-09-30"})"},
    {"parole_revoked", "court", ""},
    {"missing_reported", "public_security", ""},
    {"reappeared", "agency", ""},
    {"declared_dead", "court", ""},
    {"declaration_revoked", "court", ""},
    {"residence_abroad", "immigration", ""},
    {"overseas_review", "foreign_affairs", ""},
    {"face_auth", "agency", ""},
    {"fraud", "agency", ""},
};

class CycleProperty : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "tacit_cycle_property";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenTestStore(dir_, &location_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
  }
  // The store and its payroll files are gone when the test ends.
  void TearDown() override {
    store_.reset();
    DropTestStore(location_);
    std::filesystem::remove_all(dir_);
  }

  // Adds one person with random terms and random facts; returns the key.
  PersonKey AddRandomPerson(std::mt19937& rng, int n) {
    const std::string id17 = fmt::format("1401051950{:02d}{:02d}{:03d}", 1 + n % 12, 1 + n % 28, n % 1000);
    IdParse p = ParseIdNumber(id17 + IdCheckCharacter(id17), D("2026-11-27"));
    EXPECT_TRUE(p.ok()) << n;
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<RegistryRow> rows;
    RegistryRow row;
    row.person.key = p.id.key();
    row.person.id_number = p.id.text();
    row.person.name = "测试";
    row.person.sex = p.id.sex();
    row.person.birth_date = p.id.birth_date();
    row.person.region_code = "140105001001";
    row.person.baseline_certified = D("2025-06-01") + pick(0, 300);
    row.paying_region = "140105";
    row.scheme = pick(0, 1) ? Scheme::kEnterprise : Scheme::kPublic;
    row.start = M("2015-01");
    row.monthly = 200000 + pick(0, 300000);
    row.basic = row.monthly / 3;
    row.contribution_months = pick(0, 1) ? pick(60, 480) : 0;
    row.imported_on = D("2025-12-20");
    if (pick(0, 2) == 0) row.paid_through = M("2025-10") + pick(0, 2);
    rows.push_back(row);
    EXPECT_TRUE(store_->ImportRegistry(rows, M("2026-01")));
    if (pick(0, 3) == 0) {
      // A resident pension learned later: a duplicate.
      RegistryRow resident = row;
      resident.scheme = Scheme::kResident;
      resident.monthly = 15000 + pick(0, 20000);
      resident.basic = 12000;
      resident.paid_through.reset();
      resident.contribution_months = 0;
      resident.account_balance = 300000 + pick(0, 200000);
      resident.account_subsidy = pick(0, 100000);
      resident.imported_on = D("2026-01-01") + pick(0, 400);
      EXPECT_TRUE(store_->ImportRegistry({resident}, M("2026-01")));
    }
    const int facts = pick(0, 7);
    for (int i = 0; i < facts; ++i) {
      const KindChoice& k = kKinds[pick(0, static_cast<int>(std::size(kKinds)) - 1)];
      BatchRecord b;
      b.sha256 = fmt::format("sha-{}-{}", n, i);
      b.file_name = "f";
      b.source = k.source;
      const Date occurred = D("2025-09-01") + pick(0, 600);
      b.received_on = occurred + pick(0, 120);
      std::vector<EvidenceRecord> ev(1);
      ev[0].source = k.source;
      ev[0].ref = fmt::format("r-{}-{}", n, i);
      ev[0].kind = k.kind;
      ev[0].person = p.id.key();
      ev[0].link_method = "exact";
      ev[0].occurred_on = occurred;
      ev[0].received_on = b.received_on;
      ev[0].detail = k.detail;
      EXPECT_TRUE(store_->ApplyBatch(b, ev));
    }
    // An adjustment effective July 2026 (the yearly rise).
    const std::vector<EntitlementRecord> ents = *store_->EntitlementsOf(p.id.key());
    for (const EntitlementRecord& e : ents) {
      AmountAdjustment a{p.id.key(), e.terms.scheme, M("2026-07"), e.terms.amounts.back().monthly * 105 / 100,
                         std::nullopt, 1};
      EXPECT_TRUE(store_->AdjustAmounts({a}));
    }
    return p.id.key();
  }

  std::string location_;  // TestStoreLocation
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Policy policy_;
};

TEST_F(CycleProperty, LedgerBalancesAndNothingIsPaidTwice) {
  std::mt19937 rng(20261127);
  std::vector<PersonKey> people;
  for (int n = 0; n < 150; ++n) people.push_back(AddRandomPerson(rng, n));

  // Copies of the store are run with every person derived in full each month,
  // and incrementally reading person by person: all must pay exactly the same.
  store_.reset();
  std::filesystem::create_directories(dir_ / "full");
  std::filesystem::create_directories(dir_ / "per");
  const std::string full_at = CopyTestStore(location_, dir_ / "full");
  const std::string per_at = CopyTestStore(location_, dir_ / "per");
  store_ = std::move(*OpenStore(location_));
  std::unique_ptr<Store> full = std::move(*OpenStore(full_at));
  std::unique_ptr<Store> per = std::move(*OpenStore(per_at));

  const Month first = M("2026-01"), last = M("2027-06");
  Date as_of;
  int64_t derived_in_full = 0, decided = 0, from_forecast = 0, late_facts = 0;
  for (Month m = first; m <= last; ++m) {
    const Date prev_as_of = as_of;
    as_of = PayrollLockDate(policy_, m);
    // Facts arriving since the previous run, about a few people: some dated
    // long ago, some learned after this run's cut-off.
    if (m != first) {
      auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
      const int arrivals = pick(0, 6);
      for (int i = 0; i < arrivals; ++i) {
        const KindChoice& k = kKinds[pick(0, static_cast<int>(std::size(kKinds)) - 1)];
        BatchRecord b;
        b.sha256 = fmt::format("late-{}-{}", m.ToString(), i);
        b.file_name = "late";
        b.source = k.source;
        b.received_on = prev_as_of + pick(1, 40);
        std::vector<EvidenceRecord> ev(1);
        ev[0].source = k.source;
        ev[0].ref = fmt::format("late-{}-{}", m.ToString(), i);
        ev[0].kind = k.kind;
        ev[0].person = people[static_cast<size_t>(pick(0, static_cast<int>(people.size()) - 1))];
        ev[0].link_method = "exact";
        ev[0].occurred_on = b.received_on - pick(0, 300);
        ev[0].received_on = b.received_on;
        ev[0].detail = k.detail;
        for (Store* st : {store_.get(), per.get(), full.get()}) {
          std::vector<EvidenceRecord> copy = ev;
          ASSERT_TRUE(st->ApplyBatch(b, copy));
        }
        ++late_facts;
      }
    }
    CycleOptions one_range{m, as_of, dir_.string(), as_of};
    one_range.threads = 1;
    auto r = RunCycle(*store_, policy_, one_range);
    ASSERT_TRUE(r) << m.ToString() << ": " << r.error().message;
    CycleOptions per_options{m, as_of, (dir_ / "per").string(), as_of};
    per_options.reads = CycleReads::kPerPerson;  // two ranges (the default), each reading person by person
    auto q = RunCycle(*per, policy_, per_options);
    ASSERT_TRUE(q) << m.ToString() << ": " << q.error().message;
    auto f = RunCycle(*full, policy_, {m, as_of, (dir_ / "full").string(), as_of, /*full=*/true});
    ASSERT_TRUE(f) << m.ToString() << ": " << f.error().message;
    const std::string full_payroll = ReadFile(PayrollPath((dir_ / "full").string(), m));
    EXPECT_EQ(ReadFile(PayrollPath(dir_.string(), m)), full_payroll)
        << m.ToString() << ": the incremental run paid differently from the full one";
    EXPECT_EQ(ReadFile(PayrollPath((dir_ / "per").string(), m)), full_payroll)
        << m.ToString() << ": the incremental run reading person by person paid differently from the full one";
    for (const CycleResult* x : {&*r, &*q}) {
      EXPECT_EQ(x->run.overpaid_amount, f->run.overpaid_amount) << m.ToString();
      EXPECT_EQ(x->offset_amount, f->offset_amount) << m.ToString();
      EXPECT_EQ(x->cases_opened, f->cases_opened) << m.ToString();
    }
    if (m != first) {
      derived_in_full += r->derived_in_full;
      from_forecast += q->decided_from_forecast;
      decided += static_cast<int64_t>(people.size());
    }
    // The payroll rebuilt from the record is the file the run wrote.
    const std::string written = ReadFile(PayrollPath(dir_.string(), m));
    std::filesystem::remove(PayrollPath(dir_.string(), m));
    // Running it again changes nothing.
    const size_t payments = store_->PaymentsOfRun(m)->size();
    auto again = RunCycle(*store_, policy_, {m, as_of, dir_.string(), as_of});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->already_run);
    EXPECT_EQ(store_->PaymentsOfRun(m)->size(), payments);
    EXPECT_EQ(ReadFile(PayrollPath(dir_.string(), m)), written) << m.ToString();
  }
  EXPECT_LT(derived_in_full, decided) << "persons with nothing new are derived for the month alone";
  EXPECT_GT(from_forecast, decided / 4) << "persons with nothing new are decided from forecasts";
  EXPECT_GT(late_facts, 20);

  int64_t settled_months = 0;
  for (PersonKey key : people) {
    std::vector<EntitlementRecord> ents = *store_->EntitlementsOf(key);
    std::vector<EntitlementTerms> terms;
    for (const EntitlementRecord& e : ents) terms.push_back(e.terms);
    PersonFacts facts;
    facts.baseline_certified = (*store_->FindPerson(key))->baseline_certified;
    const std::vector<EvidenceRecord> evidence = *store_->EvidenceOf(key);
    for (const EvidenceRecord& e : evidence) {
      facts.facts.push_back(Fact{e.id, e.kind, e.source, e.occurred_on, e.received_on, e.detail});
    }
    // The last run settled every earlier month with the knowledge of its as-of.
    const Date last_as_of = PayrollLockDate(policy_, last);
    const PersonSchedule s = DerivePersonSchedule(policy_, terms, facts, first, last - 1, last_as_of, Explain::kNo);
    for (size_t i = 0; i < ents.size(); ++i) {
      const EntitlementTerms& t = ents[i].terms;
      ASSERT_TRUE(t.paid_through.has_value()) << "the first run records paid_through";
      const EntitlementLedger ledger = *store_->LedgerOf(t.id);
      std::map<int32_t, int> regular;
      for (const PaymentRecord& p : ledger.payments) {
        if (p.kind == "regular") {
          EXPECT_EQ(++regular[p.month.index()], 1) << "month paid twice: " << p.month.ToString();
        }
      }
      Fen total_paid = 0, total_due = 0, total_claimed = 0;
      for (const MonthDecision& d : s.months[i]) {
        if (d.status == MonthStatus::kSuspended) continue;
        Fen paid = d.month <= *t.paid_through ? t.AmountIn(d.month) : 0;
        for (const PaymentRecord& p : ledger.payments) {
          if (p.month == d.month && (p.kind == "regular" || p.kind == "back_pay")) paid += p.amount;
        }
        Fen claimed = 0;
        for (const ReceivableRecord& r : ledger.receivables) {
          if (r.month == d.month && r.reason.find("oneoff.") == std::string::npos) claimed += r.amount;
        }
        EXPECT_EQ(paid - claimed, d.due) << "entitlement " << t.id << " month " << d.month.ToString() << " rule "
                                         << d.rule;
        total_paid += paid;
        total_due += d.due;
        total_claimed += claimed;
        ++settled_months;
      }
      EXPECT_EQ(total_paid - total_due, total_claimed);
      for (const OneOffDue& o : s.oneoffs) {
        if (o.entitlement_id != t.id || o.month >= last) continue;
        Fen paid = 0, claimed = 0;
        for (const PaymentRecord& p : ledger.payments) {
          if (p.kind == o.kind) paid += p.amount;
        }
        for (const ReceivableRecord& r : ledger.receivables) {
          if (r.reason == o.rule || r.reason == "reverse." + o.rule) claimed += r.amount;
        }
        EXPECT_EQ(paid - claimed, o.due) << o.kind;
      }
    }
  }
  EXPECT_GT(settled_months, 1000);
}

}  // namespace
}  // namespace tacit
