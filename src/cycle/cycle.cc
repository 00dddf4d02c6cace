#include "tacit/cycle.h"
#include "tacit/feed.h"
#include "tacit/crash_point.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <limits>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

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

constexpr std::string_view kPayrollHeader = "id_number,name,scheme,paying_region,month,amount,decision,reason\n";

// One entitlement's payroll lines: its decision for the month, then every other
// payment of the run (back pay, one-offs, an offset) by month and kind, so the
// file is the same whether written by the run or rebuilt from its record.
void AppendPayrollLines(std::string& out, const PersonRecord& person, const EntitlementTerms& terms, Month month,
                        const DecisionRecord& d, std::vector<const PaymentRecord*> others) {
  const std::string prefix = fmt::format("{},{},{},{},", person.id_number, CsvField(person.name),
                                         SchemeName(terms.scheme), terms.paying_region);
  out += prefix;
  out += fmt::format("{},{},{},{}\n", month.ToString(), FormatYuan(d.due), DecisionWord(d.status), d.rule);
  std::sort(others.begin(), others.end(), [](const PaymentRecord* a, const PaymentRecord* b) {
    return a->month != b->month ? a->month < b->month : a->kind < b->kind;
  });
  for (const PaymentRecord* p : others) {
    out += prefix;
    out += fmt::format("{},{},{},{}\n", p->month.ToString(), FormatYuan(p->amount), p->kind,
                       p->kind == "back_pay" ? "pay.back_pay"
                       : p->kind == "offset" ? "recover.offset"
                                             : "oneoff." + p->kind);
  }
}

// Written to a temporary file and renamed, so the bank never sees half a file.
// The file holds every recipient's identity number and name: readable by the
// owner only (0600), whatever the umask.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return Unavailable(fmt::format("cannot write the payroll file {}", tmp));
    ::fchmod(fd, 0600);  // an older file of that name keeps its mode through O_TRUNC
    ::close(fd);
  }
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable(fmt::format("cannot write the payroll file {}", tmp));
  out << text;
  out.flush();
  if (!out) return Unavailable(fmt::format("cannot write the payroll file {} (disk full?)", tmp));
  out.close();
  // On disk before it takes its name, and the name on disk after: a machine
  // that loses power leaves the payroll whole or missing (running the month
  // again rebuilds a missing one), never empty under its final name.
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return Unavailable(fmt::format("cannot write the payroll file {} to disk", tmp));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable(fmt::format("cannot move the payroll file into place at {}: {}", path, ec.message()));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

// Rebuilds the payroll of a recorded month from the store's record of the run.
Status WritePayroll(Store& store, Month month, const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<DecisionRecord> decisions, store.DecisionsOf(month));
  ASSIGN_OR_RETURN(std::vector<PaymentRecord> payments, store.PaymentsOfRun(month));
  std::unordered_map<int64_t, const DecisionRecord*> by_entitlement;
  for (const DecisionRecord& d : decisions) by_entitlement[d.entitlement_id] = &d;
  std::unordered_map<int64_t, std::vector<const PaymentRecord*>> others;
  for (const PaymentRecord& p : payments) {
    if (p.kind != "regular") others[p.entitlement_id].push_back(&p);
  }
  std::string text(kPayrollHeader);
  RETURN_IF_ERROR(store.ForEachPerson("", [&](const PersonBundle& b) -> Status {
    for (const EntitlementRecord& e : b.entitlements) {
      auto it = by_entitlement.find(e.terms.id);
      if (it == by_entitlement.end()) continue;
      auto o = others.find(e.terms.id);
      AppendPayrollLines(text, b.person, e.terms, month, *it->second,
                         o == others.end() ? std::vector<const PaymentRecord*>{} : o->second);
    }
    return {};
  }, Store::Facts::kWithout));
  return WriteFileAtomically(path, text);
}

// Whether the terms of a person may have changed since the previous run: a
// baseline after its cut-off, terms changed after it, an entitlement registered
// after it or never run. (New or changed facts are found by the change marks:
// evidence stored after the run, persons marked since.) A person with nothing
// new keeps every settled month as the previous run left it; only the month
// itself is decided.
bool TermsChangedSince(const PersonBundle& b, const CycleRunRecord& prev, Month month) {
  if (b.person.baseline_certified && *b.person.baseline_certified > prev.as_of) return true;
  for (const EntitlementRecord& e : b.entitlements) {
    const EntitlementTerms& t = e.terms;
    if (t.start > month) continue;
    if (!t.paid_through || t.start == month) return true;
    if (t.changed_after_run && *t.changed_after_run >= prev.month) return true;
    if (t.registered_on > prev.as_of) return true;
  }
  return false;
}

// The policy a run applied: its version and a digest of its text (FNV-1a), so
// that a file edited under the same version still makes the next run derive
// everyone again.
std::string PolicyIdentity(const Policy& policy) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : policy.text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("{}#{:016x}", policy.version, h);
}

// How far ahead a run forecasts each decision for the runs after it.
constexpr int kForecastMonths = 12;

// What one range of persons adds to a run: its decisions, money, cases,
// forecasts and payroll lines, and its counts (in `run` and `result`).
struct Shard {
  std::vector<DecisionRecord> decisions;
  std::vector<PaymentRecord> payments;
  std::vector<ReceivableRecord> receivables;
  std::vector<CaseRecord> cases;
  std::vector<std::pair<PersonKey, Fen>> offsets;  // back pay set off against overpayments
  CycleCarryOver carry_over;
  std::string payroll_text;
  CycleRunRecord run;
  CycleResult result;
  // Ledgers read person by person for this range (nullopt: nothing paid or claimed).
  std::unordered_map<int64_t, std::optional<EntitlementLedger>> ledgers;
};

// The forecast of one entitlement from its derived months: the month's
// decision, held through the last following month that decides the same, and
// never past a one-off the person is due later (the run of that month pays it).
ForecastRecord ForecastOf(const EntitlementTerms& e, const std::vector<MonthDecision>& months,
                          const std::vector<OneOffDue>& oneoffs, Month month) {
  ForecastRecord f;
  f.entitlement_id = e.id;
  f.through = month;
  const MonthDecision* first = nullptr;
  for (const MonthDecision& d : months) {
    if (d.month < month) continue;
    if (first == nullptr) {
      if (d.month != month) break;
      first = &d;
      f.status = d.status;
      f.due = d.due;
      f.rule = d.rule;
      f.evidence_id = d.evidence_id;
      continue;
    }
    if (d.month != f.through + 1 || d.status != first->status || d.due != first->due || d.rule != first->rule ||
        d.evidence_id != first->evidence_id) {
      break;
    }
    f.through = d.month;
  }
  for (const OneOffDue& o : oneoffs) {
    if (o.month > month && o.month - 1 < f.through) f.through = o.month - 1;
  }
  return f;
}

// The months the previous system paid: up to the registry's paid_through, or
// else every month before the first run that includes the entitlement (the
// store records that month as paid_through when the run is saved).
Month PaidThrough(const EntitlementTerms& terms, Month run_month) {
  return terms.paid_through.value_or(run_month - 1);
}

bool IsOneOffRule(std::string_view reason) {
  return reason.rfind("oneoff.", 0) == 0 || reason.rfind("reverse.oneoff.", 0) == 0;
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

Date PayrollLockDate(const Policy& policy, Month month) {
  const Month previous = month - 1;
  return previous.FirstDay() + (policy.payroll_lock_day.At(previous.FirstDay()) - 1);
}

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
  if (options.as_of > options.today) {
    return InvalidArgument(fmt::format("--as-of {} is after today ({}): a run cannot use knowledge it does not have",
                                       options.as_of.ToString(), options.today.ToString()));
  }
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  if (!runs.empty() && runs.back().month > month) {
    return FailedPrecondition(fmt::format("{} was run already; months are run in order, so {} cannot be run now",
                                          runs.back().month.ToString(), month.ToString()));
  }
  if (!runs.empty() && runs.back().month + 1 != month) {
    return FailedPrecondition(fmt::format("the last monthly run was {}; months are run one after another, so the next "
                                          "is {}, not {}",
                                          runs.back().month.ToString(), (runs.back().month + 1).ToString(),
                                          month.ToString()));
  }
  if (!runs.empty() && options.as_of < runs.back().as_of) {
    return FailedPrecondition(fmt::format(
        "the run of {} used knowledge as of {}; a later month cannot know less (--as-of {})",
        runs.back().month.ToString(), runs.back().as_of.ToString(), options.as_of.ToString()));
  }
  RETURN_IF_ERROR(CheckPayrollDir(options.payroll_dir));
  const Month from = month - policy.ledger_lookback_months.At(options.as_of);

  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const auto t_start = Clock::now();

  CycleRunRecord run;
  run.month = month;
  run.as_of = options.as_of;
  run.started_at = NowUtcText();
  run.policy_version = PolicyIdentity(policy);
  run.payroll_path = payroll;
  const EntitlementLedger no_ledger;
  const bool offset_allowed = policy.offset_overpayments.At(options.as_of);
  // Incremental: after a run under the same policy, a person with nothing new
  // since is derived for the month alone (DESIGN.md §3: the derivation is a
  // function of facts, so unchanged facts leave the settled months as they were).
  const CycleRunRecord* prev = runs.empty() ? nullptr : &runs.back();
  const bool full_run = options.full || prev == nullptr || prev->policy_version != run.policy_version ||
                        policy.HasStepBetween(prev->as_of, options.as_of) || !prev->evidence_high_water;
  // What changed since the previous run: persons with evidence stored after its
  // marks or marked since; and what it expects of everyone else (forecasts).
  ASSIGN_OR_RETURN(const ChangeMarks marks, store.CurrentChangeMarks());
  run.evidence_high_water = marks.evidence;
  run.dirty_high_water = marks.dirty;
  std::unordered_set<PersonKey> changed_persons;
  std::unordered_map<int64_t, ForecastRecord> forecasts;
  size_t expiring = 0;  // forecasts that do not reach this month
  if (!full_run) {
    ASSIGN_OR_RETURN(std::vector<PersonKey> keys, store.PersonsChangedSince(*prev->evidence_high_water));
    changed_persons.insert(keys.begin(), keys.end());
    RETURN_IF_ERROR(store.ForEachForecast([&](const ForecastRecord& f) -> Status {
      if (f.through < month) ++expiring;
      forecasts.emplace(f.entitlement_id, f);
      return {};
    }));
  }
  // Facts and ledgers are read in one pass over the store when most persons
  // need them, and person by person otherwise (measured at a million: alike at
  // a fifth; the ledgers read in bulk grow with every month recorded).
  const bool bulk = options.reads == CycleReads::kBulk ||
                    (options.reads == CycleReads::kAuto &&
                     (full_run || (changed_persons.size() + expiring) * 2 > forecasts.size()));
  std::unordered_map<int64_t, EntitlementLedger> ledgers;
  if (bulk) {
    RETURN_IF_ERROR(store.ForEachLedger(from, [&](int64_t id, const EntitlementLedger& l) -> Status {
      ledgers.emplace(id, l);
      return {};
    }));
  }
  const double t_ledger = seconds_since(t_start);
  const auto t_derive_start = Clock::now();
  // One range of person keys, read on its own connection and decided into its
  // own shard: the ranges run on both cores and their shards are joined in key
  // order, so the record and the payroll are what one pass would give.
  auto scan_shard = [&](Store& reader, PersonKey lo, PersonKey hi, Shard& sh) -> Status {
  auto& decisions = sh.decisions;
  auto& payments = sh.payments;
  auto& receivables = sh.receivables;
  auto& cases = sh.cases;
  auto& offsets = sh.offsets;
  auto& carry_over = sh.carry_over;
  auto& payroll_text = sh.payroll_text;
  CycleRunRecord& shard_run = sh.run;
  CycleResult& shard_result = sh.result;
  // Read person by person: the ledger of the look-back window, as the bulk read gives it.
  // (The bulk ledgers are shared and only read; ledgers read person by person
  // are kept in the shard, so the two threads never write one container.)
  auto ledger_of = [&](int64_t entitlement_id) -> Result<const EntitlementLedger*> {
    if (bulk) {
      auto it = ledgers.find(entitlement_id);
      return it == ledgers.end() ? nullptr : &it->second;
    }
    auto it = sh.ledgers.find(entitlement_id);
    if (it != sh.ledgers.end()) return it->second ? &*it->second : nullptr;
    ASSIGN_OR_RETURN(EntitlementLedger l, reader.LedgerOf(entitlement_id));
    std::erase_if(l.payments, [&](const PaymentRecord& p) { return p.month < from; });
    std::erase_if(l.receivables, [&](const ReceivableRecord& r) { return r.month < from; });
    std::optional<EntitlementLedger>& slot = sh.ledgers[entitlement_id];
    if (!l.payments.empty() || !l.receivables.empty()) slot = std::move(l);
    return slot ? &*slot : nullptr;
  };

  // The person being decided: every record below carries it (the distribution
  // key of the ledger tables on PostgreSQL).
  PersonKey person_now = 0;

  // Compares what was paid for a month (or a one-off), net of claims, with what
  // is due now: paid but not due → a receivable (多发待遇); due but not paid →
  // first a reversal of what was claimed back, then back pay. Held months
  // (`counts` false) are no debt either way.
  auto settle = [&](int64_t entitlement, Month m, Fen net, Fen claimed, bool counts, Fen due, bool payable,
                    const std::string& rule, int64_t evidence, const std::string& pay_kind) {
    if (!counts) return;
    if (net > due) {
      const Fen over = net - due;
      receivables.push_back(ReceivableRecord{0, entitlement, m, over, month, rule, evidence, 0, person_now});
      shard_run.overpaid_amount += over;
    } else if (payable && due > net) {
      Fen owed = due - net;
      const Fen reversal = std::min(owed, std::max<Fen>(claimed, 0));
      if (reversal > 0) {
        receivables.push_back(ReceivableRecord{0, entitlement, m, -reversal, month, "reverse." + rule, evidence, 0,
                                              person_now});
        shard_run.overpaid_amount -= reversal;
        owed -= reversal;
      }
      if (owed > 0) {
        payments.push_back(PaymentRecord{entitlement, m, owed, pay_kind, month, person_now});
        shard_run.back_pay_amount += owed;
        ++shard_result.back_pay_lines;
      }
    }
  };

  // The month's decision of one entitlement, counted and paid.
  auto decide = [&](int64_t entitlement, MonthStatus status, Fen due, const std::string& rule, int64_t evidence) {
    decisions.push_back(DecisionRecord{entitlement, status, due, rule, evidence, person_now});
    ++shard_run.entitlements;
    if (status == MonthStatus::kPayable) {
      ++shard_run.paid;
      shard_run.paid_amount += due;
      payments.push_back(PaymentRecord{entitlement, month, due, "regular", month, person_now});
    } else if (status == MonthStatus::kSuspended) {
      ++shard_run.suspended;
    } else {
      ++shard_run.terminated;
    }
  };
  return reader.ForEachPersonInKeyRange(lo, hi, [&](const PersonBundle& b) -> Status {
    std::vector<EntitlementTerms> terms;
    for (const EntitlementRecord& e : b.entitlements) {
      if (e.terms.start <= month) terms.push_back(e.terms);
    }
    if (terms.empty()) return {};
    person_now = b.person.key;
    const size_t first_payment = payments.size();
    const size_t first_receivable = receivables.size();
    const size_t first_decision = decisions.size();
    const bool changed = full_run || changed_persons.contains(b.person.key) || TermsChangedSince(b, *prev, month);
    // Nothing new and every entitlement forecast through the month: decided
    // from the forecasts, without reading the person's facts.
    // (An entitlement migrated without its registration date counts as
    // learned on each run's as-of date, so its decisions are never forecast.)
    bool forecast = !changed;
    for (size_t i = 0; forecast && i < terms.size(); ++i) {
      auto it = forecasts.find(terms[i].id);
      forecast = it != forecasts.end() && it->second.through >= month && terms[i].registered_on.days() != 0;
    }
    if (forecast) {
      ++shard_result.decided_from_forecast;
      for (const EntitlementTerms& e : terms) {
        const ForecastRecord& f = forecasts.at(e.id);
        decide(e.id, f.status, f.due, f.rule, f.evidence_id);
        AppendPayrollLines(payroll_text, b.person, e, month, decisions.back(), {});
      }
      return {};
    }
    PersonFacts facts;
    facts.baseline_certified = b.person.baseline_certified;
    if (bulk) {
      facts.facts = b.facts;
    } else {
      ASSIGN_OR_RETURN(facts.facts, reader.FactsOf(b.person.key));
    }
    // Facts this run cannot know yet make the person new again for the next.
    for (const Fact& f : facts.facts) {
      if (f.received_on > options.as_of || f.occurred_on > options.as_of) {
        carry_over.pending.push_back(b.person.key);
        break;
      }
    }
    if (changed) ++shard_result.derived_in_full;
    const Month derive_from = changed ? from : month;
    const PersonSchedule schedule = DerivePersonSchedule(policy, terms, facts, derive_from, month + kForecastMonths,
                                                         options.as_of, Explain::kNo);
    for (size_t i = 0; i < terms.size(); ++i) {
      const EntitlementTerms& e = terms[i];
      carry_over.forecasts.push_back(ForecastOf(e, schedule.months[i], schedule.oneoffs, month));
      carry_over.forecasts.back().person = b.person.key;
      // Only earlier months need the ledger; a person with nothing new has none.
      const EntitlementLedger* lp = nullptr;
      if (changed) {
        ASSIGN_OR_RETURN(lp, ledger_of(e.id));
      }
      const EntitlementLedger& ledger = lp == nullptr ? no_ledger : *lp;
      const Month paid_through = PaidThrough(e, month);
      for (const MonthDecision& d : schedule.months[i]) {
        if (d.month > month) break;
        if (d.month == month) {
          decide(e.id, d.status, d.due, d.rule, d.evidence_id);
          continue;
        }
        // An earlier month: what was paid for it (net of what was claimed
        // back), against what is due now.
        Fen paid = 0;
        for (const PaymentRecord& p : ledger.payments) {
          if (p.month == d.month && (p.kind == "regular" || p.kind == "back_pay")) paid += p.amount;
        }
        if (d.month <= paid_through) paid += e.AmountIn(d.month);
        Fen claimed = 0;
        for (const ReceivableRecord& r : ledger.receivables) {
          if (r.month == d.month && !IsOneOffRule(r.reason)) claimed += r.amount;
        }
        settle(e.id, d.month, paid - claimed, claimed, d.status != MonthStatus::kSuspended, d.due,
               d.status == MonthStatus::kPayable, d.rule, d.evidence_id, "back_pay");
      }
    }
    // One-off amounts (survivor benefits, account refunds) against what was
    // paid of the same kind.
    for (const OneOffDue& o : schedule.oneoffs) {
      if (o.month > month || o.month < derive_from) continue;
      const EntitlementLedger* lp = nullptr;
      ASSIGN_OR_RETURN(lp, ledger_of(o.entitlement_id));
      const EntitlementLedger& ledger = lp == nullptr ? no_ledger : *lp;
      Fen paid = 0;
      for (const PaymentRecord& p : ledger.payments) {
        if (p.kind == o.kind) paid += p.amount;
      }
      Fen claimed = 0;
      for (const ReceivableRecord& r : ledger.receivables) {
        if (r.reason == o.rule || r.reason == "reverse." + o.rule) claimed += r.amount;
      }
      settle(o.entitlement_id, o.month, paid - claimed, claimed, true, o.due, o.due > 0, o.rule, o.evidence_id,
             o.kind);
    }
    // A one-off paid earlier that is no longer due at all (a declaration of
    // death revoked, a death record voided): what was paid is to be returned.
    if (changed) {
      for (const EntitlementTerms& e : terms) {
        const EntitlementLedger* lp = nullptr;
        ASSIGN_OR_RETURN(lp, ledger_of(e.id));
        if (lp == nullptr) continue;
        std::map<std::string, std::pair<Month, Fen>> paid_kinds;  // kind -> (month, paid)
        for (const PaymentRecord& p : lp->payments) {
          if (p.kind == "regular" || p.kind == "back_pay" || p.kind == "offset") continue;
          auto [it, added] = paid_kinds.emplace(p.kind, std::make_pair(p.month, Fen{0}));
          it->second.second += p.amount;
        }
        for (const auto& [kind, paid] : paid_kinds) {
          bool still_derived = false;
          for (const OneOffDue& o : schedule.oneoffs) still_derived = still_derived || (o.entitlement_id == e.id && o.kind == kind);
          if (still_derived) continue;
          const std::string rule = "oneoff." + kind;
          Fen claimed = 0;
          for (const ReceivableRecord& r : lp->receivables) {
            if (r.reason == rule || r.reason == "reverse." + rule) claimed += r.amount;
          }
          settle(e.id, paid.first, paid.second - claimed, claimed, true, 0, false, rule, 0, kind);
        }
      }
    }
    // Back pay owed this run (months, one-offs).
    Fen back_pay = 0;
    for (size_t i = first_payment; i < payments.size(); ++i) {
      if (payments[i].kind != "regular") back_pay += payments[i].amount;
    }
    // What the person still owes the fund: each month's claims net of what was
    // recovered, with this run's new claims (needed for an offset or a case).
    Fen outstanding = 0;
    if (changed || back_pay > 0) {
      std::map<std::pair<int64_t, int32_t>, Fen> open;
      for (const EntitlementTerms& e : terms) {
        const EntitlementLedger* lp = nullptr;
        ASSIGN_OR_RETURN(lp, ledger_of(e.id));
        if (lp == nullptr) continue;
        for (const ReceivableRecord& r : lp->receivables) open[{e.id, r.month.index()}] += r.amount - r.recovered;
      }
      for (size_t i = first_receivable; i < receivables.size(); ++i) {
        open[{receivables[i].entitlement_id, receivables[i].month.index()}] += receivables[i].amount;
      }
      for (const auto& [key, amount] : open) outstanding += std::max<Fen>(0, amount);
    }
    // Back pay owed is first set off against it, when the policy allows: the
    // payroll carries a negative offset line and the claims are recovered.
    const Fen offset = offset_allowed ? std::min(back_pay, outstanding) : 0;
    if (offset > 0) {
      payments.push_back(PaymentRecord{terms.front().id, month, -offset, "offset", month, person_now});
      offsets.emplace_back(b.person.key, offset);
      shard_result.offset_amount += offset;
      outstanding -= offset;
    }
    // The payroll lines of this person, as they will be recorded.
    for (size_t i = first_decision; i < decisions.size(); ++i) {
      const DecisionRecord& d = decisions[i];
      std::vector<const PaymentRecord*> others;
      for (size_t k = first_payment; k < payments.size(); ++k) {
        if (payments[k].entitlement_id == d.entitlement_id && payments[k].kind != "regular") others.push_back(&payments[k]);
      }
      for (const EntitlementTerms& e : terms) {
        if (e.id == d.entitlement_id) AppendPayrollLines(payroll_text, b.person, e, month, d, std::move(others));
      }
    }
    // Contradictions become cases for staff, never silent decisions (a person
    // with nothing new has had them found already).
    if (!changed) return {};
    for (Finding& f : FindContradictions(policy, terms, facts, options.as_of)) {
      CaseRecord c;
      c.person = b.person.key;
      c.type = std::move(f.type);
      c.key = std::move(f.key);
      c.summary = std::move(f.summary);
      c.suggestion = std::move(f.suggestion);
      c.evidence_ids = std::move(f.evidence_ids);
      c.at_stake = outstanding;
      c.opened_in = month;
      cases.push_back(std::move(c));
    }
    return {};
  }, bulk ? Store::Facts::kWith : Store::Facts::kWithout);
  };
  std::vector<PersonKey> splits;
  if (options.threads > 1) {
    ASSIGN_OR_RETURN(splits, store.PersonKeySplits(options.threads));
  }
  std::vector<Shard> shards(splits.size() + 1);
  std::vector<std::unique_ptr<Store>> readers;
  for (size_t i = 1; i < shards.size(); ++i) {
    auto reader = store.OpenReader();
    if (!reader) {
      spdlog::debug("cycle: one connection only ({})", reader.error().message);
      splits.clear();
      shards.resize(1);
      readers.clear();
      break;
    }
    readers.push_back(std::move(*reader));
  }
  auto bound = [&](size_t i, bool upper) -> PersonKey {
    if (upper) return i < splits.size() ? splits[i] : static_cast<PersonKey>(std::numeric_limits<int64_t>::max());
    return i == 0 ? 0 : splits[i - 1];
  };
  std::vector<Status> statuses(shards.size());
  std::vector<std::thread> workers;
  for (size_t i = 1; i < shards.size(); ++i) {
    workers.emplace_back([&, i] { statuses[i] = scan_shard(*readers[i - 1], bound(i, false), bound(i, true), shards[i]); });
  }
  // The other ranges' threads are joined however the first range ends.
  struct JoinAll {
    std::vector<std::thread>& threads;
    ~JoinAll() {
      for (std::thread& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_all{workers};
  statuses[0] = scan_shard(store, bound(0, false), bound(0, true), shards[0]);
  for (std::thread& w : workers) w.join();
  for (const Status& st : statuses) RETURN_IF_ERROR(st);
  // The shards joined in key order.
  std::vector<DecisionRecord> decisions;
  std::vector<PaymentRecord> payments;
  std::vector<ReceivableRecord> receivables;
  std::vector<CaseRecord> cases;
  std::vector<std::pair<PersonKey, Fen>> offsets;
  CycleCarryOver carry_over;
  std::string payroll_text(kPayrollHeader);
  for (Shard& sh : shards) {
    auto append = [](auto& to, auto& part) {
      to.insert(to.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    };
    append(decisions, sh.decisions);
    append(payments, sh.payments);
    append(receivables, sh.receivables);
    append(cases, sh.cases);
    append(offsets, sh.offsets);
    append(carry_over.forecasts, sh.carry_over.forecasts);
    append(carry_over.pending, sh.carry_over.pending);
    payroll_text += sh.payroll_text;
    run.entitlements += sh.run.entitlements;
    run.paid += sh.run.paid;
    run.suspended += sh.run.suspended;
    run.terminated += sh.run.terminated;
    run.paid_amount += sh.run.paid_amount;
    run.back_pay_amount += sh.run.back_pay_amount;
    run.overpaid_amount += sh.run.overpaid_amount;
    result.back_pay_lines += sh.result.back_pay_lines;
    result.offset_amount += sh.result.offset_amount;
    result.derived_in_full += sh.result.derived_in_full;
    result.decided_from_forecast += sh.result.decided_from_forecast;
  }
  run.finished_at = NowUtcText();
  result.receivables = static_cast<int64_t>(receivables.size());
  // The run, the recoveries by offset and the cases it found: one unit of work.
  const double t_derive = seconds_since(t_derive_start);
  const auto t_save_start = Clock::now();
  CrashPoint("cycle.derived");  // tests/crash: derived, nothing written
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.SaveCycleRun(run, decisions, payments, receivables, carry_over));
  CrashPoint("cycle.ledger_written");
  for (const auto& [person, amount] : offsets) {
    auto recovered = store.RecordRecovery(person, amount, "offset", options.as_of,
                                          fmt::format("{} 月度发放: 从应补发待遇中抵扣", month.ToString()));
    if (!recovered) return tl::unexpected<Error>(recovered.error());
  }
  ASSIGN_OR_RETURN(result.cases_opened, store.OpenCases(cases));
  if (options.in_unit) RETURN_IF_ERROR(options.in_unit(run));
  CrashPoint("cycle.before_commit");
  RETURN_IF_ERROR(unit->Commit());
  CrashPoint("cycle.committed");  // recorded, the payroll file not yet written
  // The run is recorded; the payroll file says what the record says (a crash
  // before it is written is repaired by running the month again, which
  // rebuilds it from the record).
  const double t_save = seconds_since(t_save_start);
  const auto t_payroll_start = Clock::now();
  RETURN_IF_ERROR(WriteFileAtomically(payroll, payroll_text));
  CrashPoint("cycle.payroll_written");
  spdlog::debug("cycle {}: marks, forecasts and ledger {:.2f} s ({}), scan and derive {:.2f} s ({} persons in full, "
                "{} from forecasts), record {:.2f} s, payroll {:.2f} s",
                month.ToString(), t_ledger, bulk ? "read in bulk" : "read per person", t_derive,
                result.derived_in_full, result.decided_from_forecast, t_save, seconds_since(t_payroll_start));
  spdlog::info("cycle {}: {} entitlements, {} paid, {} suspended, {} terminated", month.ToString(), run.entitlements,
               run.paid, run.suspended, run.terminated);
  result.run = run;
  return result;
}

}  // namespace tacit
