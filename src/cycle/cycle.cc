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

namespace tacit {
namespace {

std::string_view DecisionWord(MonthStatus s) {
  switch (s) {
    case MonthStatus::kPayable: return "pay";
    case MonthStatus::kSuspended: return "hold";
    case MonthStatus::kTerminated: return "stop";
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
    if (!std::filesystem::exists(existing->payroll_path)) {
      RETURN_IF_ERROR(WritePayroll(store, month, existing->payroll_path));
    }
    return result;
  }
  if (options.as_of < month.FirstDay()) {
    return InvalidArgument(fmt::format("--as-of {} is before {} began: a month is run with that month's knowledge",
                                       options.as_of.ToString(), month.ToString()));
  }
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  if (!runs.empty() && runs.back().month > month) {
    return FailedPrecondition(fmt::format("{} was run already; months are run in order, so {} cannot be run now",
                                          runs.back().month.ToString(), month.ToString()));
  }
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
        // An earlier month: what was paid for it, against what is due now.
        Fen paid = 0;
        for (const PaymentRecord& p : ledger.payments) {
          if (p.month == d.month) paid += p.amount;
        }
        if (d.month < epoch) paid += e.terms.AmountIn(d.month);  // the previous system paid it
        Fen claimed = 0;
        for (const ReceivableRecord& r : ledger.receivables) {
          if (r.month == d.month) claimed += r.amount;
        }
        if (d.status == MonthStatus::kSuspended) continue;  // held, not a debt either way
        if (paid - claimed > d.due) {
          // Paid but not due (e.g. after death): an overpayment to recover.
          const Fen over = paid - claimed - d.due;
          receivables.push_back(ReceivableRecord{0, e.terms.id, d.month, over, month, d.rule, d.evidence_id, 0});
          run.overpaid_amount += over;
        } else if (d.status == MonthStatus::kPayable && d.due > paid && d.month >= epoch) {
          // Due but not paid (a suspension lifted): back pay.
          const Fen owed = d.due - paid;
          payments.push_back(PaymentRecord{e.terms.id, d.month, owed, "back_pay", month});
          run.back_pay_amount += owed;
          ++result.back_pay_lines;
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
