// The linked records of a bulk unit of work, waiting in memory for its commit
// to give them their ids in person order and write them as packs
// (evidence_pack.h), and the thread that prepares them for that commit.
// Internal to the SQLite backend.
//
// Each batch appends its records to the arena in file order and one run of
// entries in person order. When the unit's batches are done, a PackFeed
// merges the runs and then gathers the packs in order, a few runs of persons
// ahead of the connection that inserts them, while that connection is still
// busy with the rest of the unit (the person summary):
//
//   BulkPacks packs;  // filled by the batches
//   PackFeed feed(packs);             // merges, then gathers, on a thread of its own
//   feed.WaitMerged();                // entries are in (person, provisional id) order
//   while (auto run = feed.Next()) …  // runs of packs, in order
#ifndef TACIT_SRC_STORE_SQLITE_BULK_PACKS_H_
#define TACIT_SRC_STORE_SQLITE_BULK_PACKS_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tacit/result.h"

namespace tacit::sqlite {

struct BulkPacks {
  struct Entry {
    int64_t person;
    uint32_t provisional;  // the id the batch gave, less first_provisional
    uint32_t size;         // bytes in `bytes`
    uint64_t offset;
  };
  int64_t first_provisional = 0;  // the unit's first id; 0 before its first batch
  std::string bytes;              // the records, encoded (evidence_pack.h, format 1, one at a time)
  std::vector<Entry> entries;     // by provisional id in each batch (person order), one run per batch
  std::vector<size_t> runs;       // where each batch's entries begin
  std::vector<uint32_t> entry_of;  // by provisional id: index in `entries` + 1, or 0
};

// Merges the batches' runs into one by (person, provisional id), and points
// entry_of at the merged places. Touches nothing but `packs`.
void MergePackRuns(BulkPacks& packs);

// Where each person's entries begin in merged `packs`, and entries.size() last.
std::vector<uint32_t> PackStarts(const BulkPacks& packs);

// A run of consecutive packs gathered from the arena, in format 2: their
// bytes back to back, and where each ends.
struct GatheredPacks {
  size_t first = 0;  // the first pack's number (its person's place in `starts`)
  std::string bytes;
  std::vector<size_t> ends;
  Status status;  // an arena record that did not decode
};

// Gathers packs [first, last): pack r holds entries[starts[r]] …
// entries[starts[r + 1] - 1] of merged `packs`.
GatheredPacks GatherPacks(const BulkPacks& packs, const std::vector<uint32_t>& starts, size_t first, size_t last);

// Merges `packs` and then gathers all its packs in order on a thread of its
// own, runs of kPacksPerRun packs, at most kRunsAhead runs ahead of Next().
// While it lives, `packs` must not change; reading it is safe once merged.
class PackFeed {
 public:
  static constexpr size_t kPacksPerRun = 16384;  // about 7 MB of a province's packs
  // Deep enough that gathering goes on while the connection writes the
  // person summary (a province's packs: about 7 MB a run, 170 MB at most).
  static constexpr size_t kRunsAhead = 24;

  // Starts the thread, which merges `packs` first.
  explicit PackFeed(BulkPacks& packs);
  PackFeed(const PackFeed&) = delete;
  PackFeed& operator=(const PackFeed&) = delete;
  ~PackFeed();  // stops gathering and joins

  // Blocks until the runs are merged. Then `packs` may be read (not changed).
  void WaitMerged();
  // After WaitMerged: where each pack's entries begin, as PackStarts.
  const std::vector<uint32_t>& starts() const { return starts_; }
  size_t count() const { return starts_.empty() ? 0 : starts_.size() - 1; }
  // The next run of packs, in order; nullopt after the last, or after a run
  // whose status is an error.
  std::optional<GatheredPacks> Next();

 private:
  void Run();
  void Gather();  // Run's work: merge, then gather until done or stopped

  BulkPacks& packs_;
  std::vector<uint32_t> starts_;  // written by the thread before `merged_`
  std::mutex mu_;
  std::condition_variable changed_;
  bool merged_ = false;
  bool stop_ = false;
  bool finished_ = false;  // the thread has gathered its last run, or stopped
  std::deque<GatheredPacks> ready_;
  std::thread thread_;
};

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_BULK_PACKS_H_
