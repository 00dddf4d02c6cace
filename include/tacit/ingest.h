// Ingest: partner feed files in, linked evidence out (link + certify + store).
//
// Each file is one batch, recognised by its SHA-256: the same file twice changes
// nothing. Within a file a (source, ref) already stored is skipped. Every row is
// either rejected (quarantine file beside the batch, with line, field, reason),
// linked exactly by a valid identity number that belongs to a registry person,
// kept unlinked (no usable number: for the probabilistic linker), or dropped
// because its valid number belongs to nobody in the registry (data minimisation,
// 个人信息保护法 第六条: counted, not kept). All files of one call are one unit
// of work: a crash leaves the store as before the call or as after it.
//
//   std::vector<IngestInput> in = {{.path = "rail-2026-05.csv", .mapping = "railway_travel.toml",
//                                   .received_on = *ParseDate("2026-06-03")}};
//   ASSIGN_OR_RETURN(auto reports, IngestFiles(store, policy, in, IngestOptions{.today = Today()}));
#ifndef TACIT_INGEST_H_
#define TACIT_INGEST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tacit/feed.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

struct IngestInput {
  std::string path;
  std::string mapping;  // mapping TOML path; empty for the canonical layout
  std::string source;   // default source when neither file nor mapping names one
  Date received_on;     // when the agency learned the data
  // Set for a file a partner sent itself: rows of another source or kind are
  // rejected into the quarantine (FeedReadOptions::registration). Unset for
  // the agency's own imports.
  std::optional<FeedRegistration> registration;
};

struct IngestFileReport {
  std::string file;
  bool already_ingested = false;  // a batch with the same checksum exists
  BatchRecord batch;              // as stored (or as found, when already ingested)
  std::vector<FeedReject> reject_sample;
  std::map<std::string, int64_t> unlinked_reasons;  // id problem -> rows
  int64_t persons_alive = 0;  // distinct linked persons with an alive signal in the file
  int64_t persons_dead = 0;   // distinct linked persons with a death-class record
};

struct IngestOptions {
  Date today;
  // Files are parsed on this many threads while the store applies them in order.
  int parse_threads = 2;
  // How many rejects per file the report keeps for display (all go to the file).
  size_t reject_sample = 5;
  // Called inside the call's unit of work, after the last file is applied and
  // before the commit, with the reports (files ingested before included), so
  // that the caller's own record of the change (an audit entry) is committed
  // with it or not at all. An error rolls the whole call back and is returned.
  // Not called when nothing was applied (every file had been ingested before).
  std::function<Status(const std::vector<IngestFileReport>&)> before_commit;
};

// Errors: the registry is empty (kFailedPrecondition: rows about unknown people
// would be dropped), a mapping cannot be loaded, a file cannot be read or lacks
// required columns, or the store fails; then nothing of the call is applied.
Result<std::vector<IngestFileReport>> IngestFiles(Store& store, const Policy& policy,
                                                  const std::vector<IngestInput>& inputs,
                                                  const IngestOptions& options);

}  // namespace tacit

#endif  // TACIT_INGEST_H_
