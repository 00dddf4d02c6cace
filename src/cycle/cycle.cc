#include "tacit/cycle.h"
#include "tacit/feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include <unistd.h>

namespace tacit {
namespace {

std::string_view DecisionWord(MonthStatus s) {
  switch (s) {
    case MonthStatus::kPayable: return "pay";
    case MonthStatus::kSuspended: return "hold";
    case MonthStatus::kTerminated: return "stop";
    case MonthStatus::kStopped: return "stop";
  }
  return "";
}

// Writes the payroll from the store's record of the run: one line per decision
// for the month, and one per back-pay month. Written to a temporary file and
// renamed, so the bank never sees half a file.
Status WritePayroll(Store& store, Month month, const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<DecisionRecord> decisions, store.DecisionsOf(month));
  ASSIGN_OR_RETURN(std::vector<PaymentRecord> payments, store.PaymentsOfRun(month));
  std::unordered_map<int64_t, const DecisionRecord*> by_entitlement;
  for (const DecisionRecord& d : decisions) by_entitlement[d.entitlement_id] = &d;
  std::unordered_map<int64_t, std::vector<const PaymentRecord*>> back_pay;
  for (const PaymentRecord& p : payments) {
    if (p.kind == "back_pay") back_pay[p.entitlement_id].push_back(&p);
  }
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable(fmt::format("cannot write the payroll file {}", tmp));
  out << "id_number,name,scheme,paying_region,month,amount,decision,reason\n";
  RETURN_IF_ERROR(store.ForEachPerson("", [&](const PersonBundle& b) -> Status {
    for (const EntitlementRecord& e : b.entitlements) {
      auto it = by_entitlement.find(e.terms.id);
      if (it == by_entitlement.end()) continue;
      const DecisionRecord& d = *it->second;
      out << b.person.id_number << ',' << CsvField(b.person.name) << ',' << SchemeName(e.terms.scheme) << ','
          << e.terms.paying_region << ',' << month.ToString() << ',' << FormatYuan(d.due) << ','
          << DecisionWord(d.status) << ',' << d.rule << '\n';
      if (auto bp = back_pay.find(e.terms.id); bp != back_pay.end()) {
        for (const PaymentRecord* p : bp->second) {
          out << b.person.id_number << ',' << CsvField(b.person.name) << ',' << SchemeName(e.terms.scheme) << ','
              << e.terms.paying_region << ',' << p->month.ToString() << ',' << FormatYuan(p->amount)
              << ",back_pay,pay.back_pay\n";
        }
      }
    }
    return {};
  }));
  out.flush();
  if (!out) return Unavailable(fmt::format("cannot write the payroll file {} (disk full?)", tmp));
  out.close();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable(fmt::format("cannot move the payroll file into place at {}: {}", path, ec.message()));
  return {};
}


// Whether the previous system paid month `m` of an entitlement, as far as tacit
// can tell: it paid the months its own certification (the registry baseline)
// covered, and held the rest.
Fen PaidByPreviousSystem(const Policy& policy, const EntitlementTerms& terms, const std::optional<Date>& baseline,
                         Month m) {
  if (!baseline || m < terms.start) return 0;
  if (m > MonthOf(*baseline) + policy.certification_cycle_months.At(*baseline)) return 0;
  return terms.AmountIn(m);
}

// The directory the payroll goes to must exist and take a file before the run
// is recorded; a run whose payroll cannot be written would be final and unpaid.
Status CheckPayrollDir(const std::string& dir) {
  const std::filesystem::path d(dir.empty() ? "." : dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(d, ec)) {
    return InvalidArgument(fmt::format("--out {}: not an existing directory", d.string()));
  }
  if (access(d.c_str(), W_OK) != 0) {
    return Unavailable(fmt::format("--out {}: the directory is not writable", d.string()));
  }
  return {};
}

}  // namespace

std::string PayrollPath(const std::string& dir, Month month) {
  return (std::filesystem::path(dir.empty() ? "." : dir) / fmt::format("payroll-{}.csv", month.ToString())).string();
}

Result<CycleResult> RunCycle(Store& store, const Policy& policy, const CycleOptions& options) {
  const Month month = options.month;
  const std::string payroll = PayrollPath(options.payroll_dir, month);
  CycleResult result;
  ASSIGN_OR_RETURN(std::optional<CycleRunRecord> existing, store.FindCycleRun(month));
  if (existing) {
    result.already_run = true;
    result.run = *existing;
    // The recorded month is final; its payroll is rebuilt from the record
    // where it is asked for when that file is missing.
    if (!std::filesystem::exists(payroll)) {
      RETURN_IF_ERROR(CheckPayrollDir(options.payroll_dir));
      RETURN_IF_ERROR(WritePayroll(store, month, payroll));
      result.run.payroll_path = payroll;
    }
    return result;
  }
  if (options.as_of < month.FirstDay()) {
    return InvalidArgument(fmt::format("--as-of {} is before {} began: a month is run with that month's knowledge",
                                       options.as_of.ToString(), month.ToString()));
  }
  if (options.as_of > options.today) {
    return InvalidArgument(fmt::format("--as-of {} is after today ({}): a run cannot use knowledge it does not have",
                                       options.as_of.ToString(), options.today.ToString()));
  }
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  if (!runs.empty() && runs.back().month > month) {
    return FailedPrecondition(fmt::format("{} was run already; months are run in order, so {} cannot be run now",
                                          runs.back().month.ToString(), month.ToString()));
  }
  if (!runs.empty() && options.as_of < runs.back().as_of) {
    return FailedPrecondition(fmt::format(
        "the run of {} used knowledge as of {}; a later month cannot know less (--as-of {})",
        runs.back().month.ToString(), runs.back().as_of.ToString(), options.as_of.ToString()));
  }
  RETURN_IF_ERROR(CheckPayrollDir(options.payroll_dir));
  // Months before the first run were paid by the previous system.
  const Month epoch = runs.empty() ? month : runs.front().month;
  const Month from = month - policy.ledger_lookback_months.At(options.as_of);

  std::unordered_map<int64_t, EntitlementLedger> ledgers;
  RETURN_IF_ERROR(store.ForEachLedger(from, [&](int64_t id, const EntitlementLedger& l) -> Status {
    ledgers.emplace(id, l);
    return {};
  }));

  CycleRunRecord run;
  run.month = month;
  run.as_of = options.as_of;
  run.started_at = NowUtcText();
  run.policy_version = policy.version;
  run.payroll_path = payroll;
  std::vector<DecisionRecord> decisions;
  std::vector<PaymentRecord> payments;
  std::vector<ReceivableRecord> receivables;
  const EntitlementLedger no_ledger;

  RETURN_IF_ERROR(store.ForEachPerson("", [&](const PersonBundle& b) -> Status {
    PersonFacts facts;
    facts.baseline_certified = b.person.baseline_certified;
    facts.facts = b.facts;
    for (const EntitlementRecord& e : b.entitlements) {
      if (e.terms.start > month) continue;
      const std::vector<MonthDecision> schedule =
          DeriveSchedule(policy, e.terms, facts, from, month, options.as_of, Explain::kNo);
      if (schedule.empty()) continue;
      const auto lit = ledgers.find(e.terms.id);
      const EntitlementLedger& ledger = lit == ledgers.end() ? no_ledger : lit->second;
      for (const MonthDecision& d : schedule) {
        if (d.month == month) {
          decisions.push_back(DecisionRecord{e.terms.id, d.status, d.due, d.rule, d.evidence_id});
          ++run.entitlements;
          if (d.status == MonthStatus::kPayable) {
            ++run.paid;
            run.paid_amount += d.due;
            payments.push_back(PaymentRecord{e.terms.id, month, d.due, "regular", month});
          } else if (d.status == MonthStatus::kSuspended) {
            ++run.suspended;
          } else {
            ++run.terminated;
          }
          continue;
        }
        // An earlier month: what was paid for it (net of what was claimed
        // back), against what is due now.
        Fen paid = 0;
        for (const PaymentRecord& p : ledger.payments) {
          if (p.month == d.month) paid += p.amount;
        }
        if (d.month < epoch) paid += PaidByPreviousSystem(policy, e.terms, b.person.baseline_certified, d.month);
        Fen claimed = 0;
        for (const ReceivableRecord& r : ledger.receivables) {
          if (r.month == d.month) claimed += r.amount;
        }
        const Fen net = paid - claimed;
        if (d.status == MonthStatus::kSuspended) continue;  // held, not a debt either way
        if (net > d.due) {
          // Paid but not due (e.g. after death): an overpayment to recover.
          const Fen over = net - d.due;
          receivables.push_back(ReceivableRecord{0, e.terms.id, d.month, over, month, d.rule, d.evidence_id, 0});
          run.overpaid_amount += over;
        } else if (d.status == MonthStatus::kPayable && d.due > net) {
          Fen owed = d.due - net;
          // What was claimed back for this month and is due after all is
          // cancelled first (a reversing entry: the ledger is never edited)...
          const Fen reversal = std::min(owed, std::max<Fen>(claimed, 0));
          if (reversal > 0) {
            receivables.push_back(
                ReceivableRecord{0, e.terms.id, d.month, -reversal, month, "reverse." + d.rule, d.evidence_id, 0});
            run.overpaid_amount -= reversal;
            owed -= reversal;
          }
          // ...and the rest is back pay (a suspension lifted).
          if (owed > 0) {
            payments.push_back(PaymentRecord{e.terms.id, d.month, owed, "back_pay", month});
            run.back_pay_amount += owed;
            ++result.back_pay_lines;
          }
        }
      }
    }
    return {};
  }));
  run.finished_at = NowUtcText();
  result.receivables = static_cast<int64_t>(receivables.size());
  RETURN_IF_ERROR(store.SaveCycleRun(run, decisions, payments, receivables));
  // The run is recorded; the payroll file is derived from that record, so a
  // crash here is repaired by running the month again.
  RETURN_IF_ERROR(WritePayroll(store, month, payroll));
  spdlog::info("cycle {}: {} entitlements, {} paid, {} suspended, {} terminated", month.ToString(), run.entitlements,
               run.paid, run.suspended, run.terminated);
  result.run = run;
  return result;
}

}  // namespace tacit
