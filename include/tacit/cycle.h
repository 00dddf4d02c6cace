// The monthly run (月度待遇发放): for every entitlement decide pay / hold / stop
// for the month and the amount, compare every earlier month within the policy's
// look-back with what the ledger paid (overpayments to recover, back pay owed),
// record it all in one transaction, and write the payroll file for the bank.
//
// A recorded month is final, as a payroll sent to the bank is: running it again
// changes nothing and reports the recorded run (rewriting its payroll file when
// it is missing). New knowledge shows up in the next month's run as back pay or
// receivables, or as reversals of receivables that turn out not to be owed.
// Months up to an entitlement's paid_through (a registry column, or else the
// month before the first run that includes it) count as paid by the previous
// system, so a death learned late becomes an overpayment for those months too.
// One-off amounts (survivor benefits, the refund of a terminated resident
// account) are compared with what was paid of their kind the same way.
//
//   ASSIGN_OR_RETURN(CycleResult r, RunCycle(store, policy, {.month = m, .as_of = d, .payroll_dir = "."}));
#ifndef TACIT_CYCLE_H_
#define TACIT_CYCLE_H_

#include <functional>
#include <string>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

// How a run reads facts and ledgers: in one pass over the store, or person by
// person for the persons it derives. The result is the same; kAuto chooses by
// how many persons have something new.
enum class CycleReads { kAuto, kBulk, kPerPerson };

struct CycleOptions {
  Month month;
  Date as_of;               // knowledge cut-off: facts received later do not exist
  std::string payroll_dir;  // where payroll-YYYY-MM.csv is written (must exist)
  Date today;               // as_of may not be after it
  // Derive every person over the whole look-back window, not only those with
  // something new since the previous run (for checks: the result is the same).
  bool full = false;
  CycleReads reads = CycleReads::kAuto;
  // Ranges of persons read and derived at once, each on its own connection
  // (the result is the same whatever the number).
  int threads = 2;
  // When given, called inside the run's unit of work once the run is written
  // and before it commits (not for a month recorded already): what it records
  // (the server's audit entry) is committed with the run or not at all.
  std::function<Status(const CycleRunRecord&)> in_unit = nullptr;
};

struct CycleResult {
  CycleRunRecord run;
  bool already_run = false;  // the month was recorded before; nothing changed
  int64_t receivables = 0;   // receivable lines created by this run
  int64_t back_pay_lines = 0;
  Fen offset_amount = 0;     // back pay set off against overpayments (抵扣)
  int64_t cases_opened = 0;  // new cases for staff (contradictions found)
  int64_t derived_in_full = 0;  // persons derived over the look-back window (the rest: the month alone)
  int64_t decided_from_forecast = 0;  // persons with nothing new decided from the previous runs' forecasts
};

// Errors: as_of after today, a month before the latest recorded one (months are run in order),
// as_of before the latest run's (knowledge never goes backwards), a payroll
// directory that does not exist or is not writable (checked before anything is
// recorded), store errors.
Result<CycleResult> RunCycle(Store& store, const Policy& policy, const CycleOptions& options);

// The default knowledge cut-off of the run for `month`: the policy's payroll
// lock day of the month before (the 25th by default).
Date PayrollLockDate(const Policy& policy, Month month);

// The payroll file's path for a month under `dir`.
std::string PayrollPath(const std::string& dir, Month month);

}  // namespace tacit

#endif  // TACIT_CYCLE_H_
