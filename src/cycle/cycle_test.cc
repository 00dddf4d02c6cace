#include "tacit/cycle.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/sqlite/sqlite_store_internal.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

std::string Id(const std::string& first17) { return first17 + IdCheckCharacter(first17); }
Date D(std::string_view s) { return *ParseDate(s); }
Month M(std::string_view s) { return *ParseMonth(s); }

class CycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("cycle_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenTestStore(dir_, &location_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
  }

  PersonKey AddPerson(const std::string& id17, Fen amount, Date baseline, Month effective = Month::Of(2026, 1),
                      std::optional<Month> paid_through = std::nullopt, int contribution_months = 0) {
    RegistryRow row;
    IdParse p = ParseIdNumber(Id(id17), D("2026-11-27"));
    EXPECT_TRUE(p.ok());
    row.person.key = p.id.key();
    row.person.id_number = p.id.text();
    row.person.name = "王秀英";
    row.person.sex = p.id.sex();
    row.person.birth_date = p.id.birth_date();
    row.person.region_code = "140105001001";
    row.person.baseline_certified = baseline;
    row.paying_region = "140105";
    row.start = M("2010-01");
    row.monthly = amount;
    row.paid_through = paid_through;
    row.contribution_months = contribution_months;
    row.imported_on = D("2025-12-20");
    EXPECT_TRUE(store_->ImportRegistry({row}, effective));
    return p.id.key();
  }

  void AddFact(PersonKey person, const std::string& ref, const std::string& kind, Date occurred, Date received) {
    BatchRecord b;
    b.sha256 = "sha-" + ref;
    b.source = "civil_affairs";
    b.received_on = received;
    std::vector<EvidenceRecord> ev(1);
    ev[0].source = "civil_affairs";
    ev[0].ref = ref;
    ev[0].kind = kind;
    ev[0].person = person;
    ev[0].link_method = "exact";
    ev[0].occurred_on = occurred;
    ev[0].received_on = received;
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
  }

  Result<CycleResult> Run(std::string_view month, std::string_view as_of) {
    return RunCycle(*store_, policy_, {M(month), D(as_of), dir_.string(), D(as_of)});
  }

  std::string location_;  // TestStoreLocation
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Policy policy_;
};

TEST_F(CycleTest, DeathLearnedLateBecomesAnOverpaymentFromTheMonthAfterDeath) {
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"));
  auto june = Run("2026-06", "2026-06-05");
  ASSERT_TRUE(june) << june.error().ToString();
  EXPECT_EQ(june->run.paid, 1);
  EXPECT_EQ(june->run.paid_amount, 300000);
  // Died in April; learned in July: May and June were paid (May by the previous
  // system, June by tacit) and are to be recovered; April, the death month, is due.
  AddFact(p, "C1", "cremation", D("2026-04-20"), D("2026-07-03"));
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july) << july.error().ToString();
  EXPECT_EQ(july->run.terminated, 1);
  EXPECT_EQ(july->run.paid, 0);
  EXPECT_EQ(july->receivables, 2);
  EXPECT_EQ(july->run.overpaid_amount, 600000);
  auto ents = store_->EntitlementsOf(p);
  auto ledger = store_->LedgerOf((*ents)[0].terms.id);
  ASSERT_EQ(ledger->receivables.size(), 2u);
  EXPECT_EQ(ledger->receivables[0].month, M("2026-05"));
  EXPECT_EQ(ledger->receivables[1].month, M("2026-06"));
  // The next month claims nothing twice.
  auto august = Run("2026-08", "2026-08-05");
  ASSERT_TRUE(august);
  EXPECT_EQ(august->receivables, 0);
}

TEST_F(CycleTest, LapsedCertificationHoldsPaymentAndBackPaysOnResumption) {
  const PersonKey p = AddPerson("14010519520202222", 18000, D("2025-04-15"));
  auto may = Run("2026-05", "2026-05-03");  // valid through 2026-04: May held
  ASSERT_TRUE(may);
  EXPECT_EQ(may->run.suspended, 1);
  EXPECT_EQ(may->run.paid_amount, 0);
  AddFact(p, "H1", "hospital_admission", D("2026-06-10"), D("2026-06-12"));
  auto june = Run("2026-06", "2026-06-20");
  ASSERT_TRUE(june);
  EXPECT_EQ(june->run.paid, 1);
  EXPECT_EQ(june->back_pay_lines, 1);
  EXPECT_EQ(june->run.back_pay_amount, 18000);
  std::ifstream payroll(june->run.payroll_path);
  std::stringstream text;
  text << payroll.rdbuf();
  EXPECT_NE(text.str().find(",2026-05,180.00,back_pay,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(",2026-06,180.00,pay,pay.certified"), std::string::npos) << text.str();
}

TEST_F(CycleTest, RunningAMonthAgainNeverPaysTwice) {
  AddPerson("14010519500101123", 300000, D("2026-01-10"));
  auto first = Run("2026-06", "2026-06-05");
  ASSERT_TRUE(first);
  std::filesystem::remove(first->run.payroll_path);
  auto again = Run("2026-06", "2026-06-28");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_run);
  EXPECT_EQ(again->run.paid_amount, first->run.paid_amount);
  EXPECT_TRUE(std::filesystem::exists(first->run.payroll_path)) << "a missing payroll file is rebuilt";
  EXPECT_EQ(store_->PaymentsOfRun(M("2026-06"))->size(), 1u);
  auto earlier = Run("2026-05", "2026-05-05");
  ASSERT_FALSE(earlier);
  EXPECT_EQ(earlier.error().code, ErrorCode::kFailedPrecondition);
  // Months are run one after another.
  auto skipped = Run("2026-08", "2026-07-25");
  ASSERT_FALSE(skipped);
  EXPECT_EQ(skipped.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(skipped.error().message.find("2026-07"), std::string::npos) << skipped.error().message;
  // A month is run with the knowledge of its payroll lock in the month before.
  auto locked = Run("2026-07", "2026-06-28");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->run.as_of, D("2026-06-28"));
  EXPECT_EQ(PayrollLockDate(policy_, M("2026-09")), D("2026-08-25"));
}

// Two instances running the same month at once, each on its own connection
// (on PostgreSQL: two sessions; the writer lock and the run's key let one
// record it): one run is recorded, the other finds it, nothing is paid twice.
TEST_F(CycleTest, TwoRunsOfOneMonthAtOnceRecordItOnce) {
  for (int i = 0; i < 40; ++i) {
    AddPerson(fmt::format("1401051950{:02}{:02}123", 1 + i / 28, 1 + i % 28), 300000 + i, D("2026-01-10"));
  }
  std::vector<Result<CycleResult>> results(2, tl::unexpected(Internal("not run")));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    std::filesystem::create_directories(dir_ / fmt::format("out{}", t));
    threads.emplace_back([&, t] {
      auto store = OpenStore(location_);
      ASSERT_TRUE(store) << store.error().ToString();
      const std::string out = (dir_ / fmt::format("out{}", t)).string();
      results[t] = RunCycle(**store, policy_, {M("2026-06"), D("2026-06-05"), out, D("2026-06-05")});
    });
  }
  for (std::thread& th : threads) th.join();
  int recorded = 0;
  for (const auto& r : results) {
    if (r) {
      if (!r->already_run) ++recorded;
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists) << r.error().ToString();
    }
  }
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(store_->PaymentsOfRun(M("2026-06"))->size(), 40u);
  EXPECT_EQ(store_->DecisionsOf(M("2026-06"))->size(), 40u);
  EXPECT_EQ(store_->ListCycleRuns()->size(), 1u);
}

TEST_F(CycleTest, AReceivableIsReversedWhenTheMonthIsDueAfterAll) {
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"));
  ASSERT_TRUE(Run("2026-06", "2026-06-05"));
  // June's amount corrected down after June was paid: 300.00 to recover...
  AddPerson("14010519500101123", 270000, D("2026-01-10"), M("2026-06"));
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july);
  EXPECT_EQ(july->run.overpaid_amount, 30000);
  // ...then corrected back: the claim is cancelled by a reversing entry, not paid twice.
  AddPerson("14010519500101123", 300000, D("2026-01-10"), M("2026-06"));
  auto august = Run("2026-08", "2026-08-05");
  ASSERT_TRUE(august);
  EXPECT_EQ(august->run.overpaid_amount, -30000);
  EXPECT_EQ(august->run.back_pay_amount, 30000) << "July was paid at 2700.00 and is due at 3000.00";
  auto ents = store_->EntitlementsOf(p);
  auto ledger = store_->LedgerOf((*ents)[0].terms.id);
  Fen net = 0;
  for (const ReceivableRecord& r : ledger->receivables) net += r.amount;
  EXPECT_EQ(net, 0);
  EXPECT_TRUE(store_->OpenReceivables()->size() == 2u);  // the claim and its reversal, netting to zero
  auto september = Run("2026-09", "2026-09-05");
  ASSERT_TRUE(september);
  EXPECT_EQ(september->receivables, 0);
  EXPECT_EQ(september->back_pay_lines, 0);
}

TEST_F(CycleTest, MonthsThePreviousSystemHeldAreBackPaidOnceCertified) {
  // Certified 2025-03 under the previous system: valid through 2026-03; the
  // registry says it paid through March, so it held April and May; tacit's
  // first run is June.
  const PersonKey p = AddPerson("14010519520202222", 18000, D("2025-03-15"), Month::Of(2026, 1), M("2026-03"));
  ASSERT_TRUE(Run("2026-06", "2026-06-05"));
  AddFact(p, "T1", "travel", D("2026-06-20"), D("2026-06-25"));
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july);
  EXPECT_EQ(july->run.back_pay_amount, 3 * 18000) << "April, May (previous system) and June (tacit)";
}

TEST_F(CycleTest, WithoutPaidThroughTheMonthsBeforeTheFirstRunCountAsPaid) {
  // The same person without paid_through: the months before tacit's first run
  // count as paid by the previous system, so only June is back paid, and the
  // first run records May as the entitlement's paid_through.
  const PersonKey p = AddPerson("14010519520202222", 18000, D("2025-03-15"));
  ASSERT_TRUE(Run("2026-06", "2026-06-05"));
  EXPECT_EQ(store_->EntitlementsOf(p)->front().terms.paid_through, M("2026-05"));
  AddFact(p, "T1", "travel", D("2026-06-20"), D("2026-06-25"));
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july);
  EXPECT_EQ(july->run.back_pay_amount, 18000) << "June";
}

TEST_F(CycleTest, KnowledgeNeverGoesBackwardsNorIntoTheFuture) {
  AddPerson("14010519500101123", 300000, D("2026-01-10"));
  auto future = RunCycle(*store_, policy_, {M("2026-06"), D("2026-06-20"), dir_.string(), D("2026-06-10")});
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(Run("2026-06", "2026-07-20"));
  auto backwards = Run("2026-07", "2026-07-10");
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().code, ErrorCode::kFailedPrecondition);
  auto no_dir = RunCycle(*store_, policy_, {M("2026-07"), D("2026-07-25"), (dir_ / "typo").string(), D("2026-07-25")});
  ASSERT_FALSE(no_dir);
  EXPECT_FALSE(store_->FindCycleRun(M("2026-07"))->has_value()) << "nothing recorded when the payroll cannot be written";
}

TEST_F(CycleTest, PersonsWithNothingNewAreDecidedFromForecastsUntilTheDecisionChanges) {
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"));
  AddPerson("14010519500202124", 250000, D("2026-01-10"));
  AddFact(p, "alive-1", "cremation", D("2026-01-01"), D("2026-01-02"));  // any fact: the person is read
  ASSERT_TRUE(Run("2026-06", "2026-05-25"));
  // Nothing new: both decided from the June run's forecasts, without their facts.
  auto july = Run("2026-07", "2026-06-25");
  ASSERT_TRUE(july) << july.error().ToString();
  EXPECT_EQ(july->decided_from_forecast, 2);
  EXPECT_EQ(july->derived_in_full, 0);
  // Evidence stored after the July run: that person is derived again, over the look-back.
  AddFact(p, "late-death", "cremation", D("2026-07-03"), D("2026-07-10"));
  auto august = Run("2026-08", "2026-07-25");
  ASSERT_TRUE(august);
  EXPECT_EQ(august->decided_from_forecast, 1);
  EXPECT_EQ(august->derived_in_full, 1);
  EXPECT_EQ(august->run.terminated, 1);
  // The baseline certification of January 2026 lapses after 12 months: the
  // forecast ends there, so February 2027 is derived and held.
  for (Month m = M("2026-09"); m <= M("2027-01"); ++m) {
    auto r = RunCycle(*store_, policy_, {m, PayrollLockDate(policy_, m), dir_.string(), PayrollLockDate(policy_, m)});
    ASSERT_TRUE(r) << m.ToString();
    EXPECT_EQ(r->run.paid, 1) << m.ToString();
  }
  auto february = RunCycle(*store_, policy_, {M("2027-02"), D("2027-01-25"), dir_.string(), D("2027-01-25")});
  ASSERT_TRUE(february);
  EXPECT_EQ(february->run.paid, 0);
  EXPECT_EQ(february->run.suspended, 1);
}

TEST_F(CycleTest, AOneOffFallingDueAfterTheRunIsPaidByTheNextRunEvenWithNothingNew) {
  // An enterprise pensioner with 30 years of contributions dies on 2 June; the
  // June run, run late (as of 5 June), learns it: June is the death month (paid),
  // and the funeral grant and survivor pension fall due in July.
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"), Month::Of(2026, 1), std::nullopt, 360);
  AddFact(p, "death", "cremation", D("2026-06-02"), D("2026-06-03"));
  auto june = Run("2026-06", "2026-06-05");
  ASSERT_TRUE(june) << june.error().ToString();
  EXPECT_EQ(june->run.paid, 1);
  EXPECT_EQ(june->back_pay_lines, 0);
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july) << july.error().ToString();
  EXPECT_EQ(july->run.terminated, 1);
  EXPECT_EQ(july->decided_from_forecast, 0) << "the June forecast ends before the one-offs";
  EXPECT_EQ(july->back_pay_lines, 2) << "funeral grant and survivor pension";
}

TEST_F(CycleTest, AnAccountRefundFallingDueAfterTheRunIsPaidByTheNextRunEvenWithNothingNew) {
  // A resident pension registered on 3 June for someone already drawing an
  // enterprise pension: a duplicate. The June run (as of 5 June) stops it; the
  // refund of the personal account falls due in July, with nothing new by then.
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"));
  RegistryRow resident;
  resident.person = **store_->FindPerson(p);
  resident.paying_region = "140105";
  resident.scheme = Scheme::kResident;
  resident.start = M("2026-01");
  resident.monthly = 20000;
  resident.basic = 12000;
  resident.account_balance = 400000;
  resident.account_subsidy = 50000;
  resident.imported_on = D("2026-06-03");
  ASSERT_TRUE(store_->ImportRegistry({resident}, M("2026-01")));
  auto june = Run("2026-06", "2026-06-05");
  ASSERT_TRUE(june) << june.error().ToString();
  auto july = Run("2026-07", "2026-07-05");
  ASSERT_TRUE(july) << july.error().ToString();
  const std::vector<PaymentRecord> paid = *store_->PaymentsOfRun(M("2026-07"));
  Fen refund = 0;
  for (const PaymentRecord& x : paid) {
    if (x.kind == "account_refund") refund += x.amount;
  }
  EXPECT_EQ(refund, 350000) << "balance less the subsidies, paid once in July";
  auto august = Run("2026-08", "2026-07-25");
  ASSERT_TRUE(august);
  const std::vector<PaymentRecord> later = *store_->PaymentsOfRun(M("2026-08"));
  for (const PaymentRecord& x : later) EXPECT_NE(x.kind, "account_refund");
}

TEST_F(CycleTest, APolicyEditedUnderTheSameVersionMakesTheNextRunDeriveEveryone) {
  AddPerson("14010519500101123", 300000, D("2026-01-10"));
  ASSERT_TRUE(Run("2026-02", "2026-01-25"));
  ASSERT_TRUE(Run("2026-03", "2026-02-25"));
  // The province shortens the certification cycle to one month, keeping [meta] version.
  std::string text(DefaultPolicyText());
  const std::string from = "values = [ { since = \"2018-01-01\", value = 12 } ]";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "values = [ { since = \"2018-01-01\", value = 1 } ]");
  auto edited = ParsePolicy(text, "edited");
  ASSERT_TRUE(edited) << edited.error().ToString();
  ASSERT_EQ(edited->version, policy_.version);
  auto april = RunCycle(*store_, *edited, {M("2026-04"), D("2026-03-25"), dir_.string(), D("2026-03-25")});
  ASSERT_TRUE(april) << april.error().ToString();
  EXPECT_EQ(april->decided_from_forecast, 0);
  EXPECT_EQ(april->run.suspended, 1) << "the certification of January lapsed under the new rule";
}

TEST_F(CycleTest, ATermsChangeCommittedDuringARunIsSeenByTheNextOne) {
  const PersonKey p = AddPerson("14010519500101123", 300000, D("2026-01-10"));
  ASSERT_TRUE(Run("2026-02", "2026-01-25"));
  ASSERT_TRUE(Run("2026-03", "2026-02-25"));
  // The yearly rise from January, committed while the March run was in
  // progress: the month stamp then names February, the run before.
  const EntitlementTerms terms = (*store_->EntitlementsOf(p))[0].terms;
  ASSERT_TRUE(store_->AdjustAmounts({AmountAdjustment{p, terms.scheme, M("2026-01"), 330000, std::nullopt, 1}}));
  ASSERT_TRUE(ExecForTest(location_,
                                fmt::format("UPDATE entitlement SET changed_after_run = {}", M("2026-02").index())));
  auto april = Run("2026-04", "2026-03-25");
  ASSERT_TRUE(april) << april.error().ToString();
  EXPECT_EQ(april->run.paid_amount, 330000);
  EXPECT_EQ(april->run.back_pay_amount, 2 * 30000) << "February and March (January: the previous system, at the new amount)";
}

}  // namespace
}  // namespace tacit
