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
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tacit/feed.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

// Added to the reason of a rejected row whose valid identity number belongs to
// nobody in the registry (its content is then not kept). Staff see it; the
// server strips it for partners, to whom it would say who draws no benefit.
inline constexpr std::string_view kStrangerRejectNote =
    "; the row is about someone who draws no benefit, so its content is not kept (该行涉及非领取人员, 内容未保留)";

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

namespace ingest_internal {
class KeySet;
}

// The registry's person keys as IngestFiles loads them (every key, to tell a
// recipient's row from a stranger's). A caller that ingests many small batches
// (the stream consumer) keeps one and passes it in: IngestFiles then reloads
// the keys only when the registry gained persons since, which the store's
// meta value kRegistryGeneration says (ImportRegistry advances it).
class RegistryKeyCache {
 public:
  RegistryKeyCache();
  ~RegistryKeyCache();

 private:
  friend Result<std::shared_ptr<const ingest_internal::KeySet>> RegistryKeysFor(Store& store,
                                                                                  RegistryKeyCache* cache);
  std::optional<std::string> generation_;
  std::shared_ptr<const ingest_internal::KeySet> keys_;
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
  // Keeps the registry's keys between calls (see RegistryKeyCache); null:
  // loaded afresh by every call.
  RegistryKeyCache* key_cache = nullptr;
  // Reads the list of stored batches first, so that a file ingested before is
  // recognised as soon as its checksum is known and not parsed. A caller of
  // many small new batches (the stream consumer) turns it off: the list grows
  // with every batch, and each file is still looked up before it is applied.
  bool preload_known_batches = true;
};

// Errors: the registry is empty (kFailedPrecondition: rows about unknown people
// would be dropped), a mapping cannot be loaded, a file cannot be read or lacks
// required columns, or the store fails; then nothing of the call is applied.
Result<std::vector<IngestFileReport>> IngestFiles(Store& store, const Policy& policy,
                                                  const std::vector<IngestInput>& inputs,
                                                  const IngestOptions& options);

// Ingests files that many threads hand in at once (the server's requests),
// grouping the files that wait into one IngestFiles call: one unit of work and
// one commit for the group instead of one each. A small batch spends most of
// its time in the commit, which writes every index page the batch touched, so
// grouping is what lets many small pushes keep up with a few large files.
// Each file stays its own batch with its own report, and a file's failure is
// its caller's alone: a group that fails is retried file by file.
//
// Like leveldb's grouping of concurrent writes: the first waiting thread
// leads, takes the files queued behind it and runs them on its own store
// connection; the others wait for their reports. A thread alone runs at once.
//
//   IngestGroups groups(policy);           // one per store, shared by the threads
//   auto report = groups.Ingest(my_store, input, options,
//       [&](Store& unit, const IngestFileReport& r) { return AppendAudit(unit, ..., now); });
//
// Thread-safe. REQUIRES: every caller's store is a connection to the same store.
class IngestGroups {
 public:
  // Called inside the group's unit of work for a batch it records (not for a
  // file ingested before), with the store the unit runs on: a record of the
  // change written there is committed with it or not at all.
  using BeforeCommit = std::function<Status(Store& unit, const IngestFileReport& report)>;

  // A group holds at most `max_files` files of at most `max_bytes` together
  // (a larger file runs alone).
  explicit IngestGroups(const Policy& policy, size_t max_files = 16, uintmax_t max_bytes = 256u << 20)
      : policy_(policy), max_files_(max_files), max_bytes_(max_bytes) {}

  // Ingests `input` as IngestFiles would alone, with the `options` of the
  // thread that leads the group (their before_commit is not used). Errors:
  // as IngestFiles for this file alone.
  Result<IngestFileReport> Ingest(Store& store, const IngestInput& input, const IngestOptions& options,
                                  const BeforeCommit& before_commit = nullptr);

  // Threads waiting or running now (for tests).
  size_t QueuedForTest();

 private:
  struct Waiter;
  void RunGroup(Store& store, const std::vector<Waiter*>& group, const IngestOptions& options);

  const Policy& policy_;
  const size_t max_files_;
  const uintmax_t max_bytes_;
  std::mutex mu_;
  std::deque<Waiter*> queue_;  // GUARDED_BY(mu_); the front one leads
};

}  // namespace tacit

#endif  // TACIT_INGEST_H_
