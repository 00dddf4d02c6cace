// The benefit registry (待遇领取人员名册): reading the agency's registry file into
// persons and entitlements.
//
// The file is UTF-8 CSV with the header
//   id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,
//   monthly_amount,start_month,special_care
// and optional basic_amount, last_certified_on; other columns are ignored. Each
// row is checked whole; a bad row goes to the quarantine file (quarantine/FILE.quarantine.csv beside it)
// with line, field and reason, and the good rows are imported in one transaction.
//
//   ASSIGN_OR_RETURN(RegistryImportResult r, ImportRegistryFile(store, policy, "registry.csv", Today()));
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

}  // namespace tacit

#endif  // TACIT_REGISTRY_H_
