// The benefit registry (待遇领取人员名册): reading the agency's registry file into
// persons and entitlements, and the yearly amount adjustments (待遇调整) into
// amount steps.
//
// The registry file is UTF-8 CSV with the header
//   id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,
//   monthly_amount,start_month,special_care
// and optional basic_amount, last_certified_on, paid_through (YYYY-MM: months
// up to it were paid by the previous system), contribution_months (缴费月数,
// 0..720), account_balance and account_subsidy (个人账户 and the subsidies in
// it, yuan); other columns are ignored.
//
// The adjustment file is UTF-8 CSV with the header
//   id_number,scheme,effective_month,monthly_amount
// and optional basic_amount: from effective_month on, that entitlement pays
// monthly_amount (a past month is a retroactive rise, paid as back pay).
//
// In both, each row is checked whole; a bad row goes to the quarantine file
// (quarantine/FILE.quarantine.csv beside it) with line, field and reason, and
// the good rows are applied in one transaction.
//
//   ASSIGN_OR_RETURN(RegistryImportResult r, ImportRegistryFile(store, policy, "registry.csv", Today()));
//   ASSIGN_OR_RETURN(RegistryAdjustResult a, AdjustRegistryFile(store, policy, "rise-2027.csv", Today()));
#ifndef TACIT_REGISTRY_H_
#define TACIT_REGISTRY_H_

#include <string>
#include <vector>

#include "tacit/feed.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

struct RegistryImportResult {
  int64_t rows = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  RegistryImportCounts counts;
  std::string quarantine_path;      // empty when nothing was rejected
  std::vector<FeedReject> rejects;  // every reject (for the quarantine file and the summary)
};

// Reads, checks and imports the registry file. `today` is the import date: it
// bounds dates and is the default last certification when the policy says so.
// Errors: the file cannot be read, or its header lacks a required column (the
// message names it); nothing is imported then.
Result<RegistryImportResult> ImportRegistryFile(Store& store, const Policy& policy, const std::string& path,
                                                Date today);

struct RegistryAdjustResult {
  int64_t rows = 0;
  int64_t accepted = 0;   // applied + unchanged
  int64_t rejected = 0;   // bad rows and rows the store refused (no such entitlement...)
  int64_t applied = 0;    // an amount step added or replaced
  int64_t unchanged = 0;  // the amount was in force already (e.g. the file applied before)
  std::string quarantine_path;      // empty when nothing was rejected
  std::vector<FeedReject> rejects;  // by line; `raw` has the identity number masked
};

// Reads, checks and applies the adjustment file. A row is rejected when its
// identity number is invalid, its scheme unknown, its effective month or an
// amount malformed, its effective month further back than the policy's
// ledger_lookback_months before the next monthly run (the difference could not
// be paid) or more than 12 months ahead, when it repeats the (person, scheme,
// effective month) of an earlier row of the file, or when the person has no
// entitlement in that scheme. Without basic_amount, the basic part stays what
// it was before effective_month (capped at monthly_amount). Applying the same
// file again changes nothing (every row counts as unchanged).
// Errors: the file cannot be read, or its header lacks a required column;
// nothing is applied then.
Result<RegistryAdjustResult> AdjustRegistryFile(Store& store, const Policy& policy, const std::string& path,
                                                Date today);

}  // namespace tacit

#endif  // TACIT_REGISTRY_H_
