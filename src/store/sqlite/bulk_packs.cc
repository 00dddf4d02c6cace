#include "store/sqlite/bulk_packs.h"

#include <algorithm>
#include <utility>

#include "base/prefetch.h"
#include "store/sqlite/evidence_pack.h"

namespace tacit::sqlite {

void MergePackRuns(BulkPacks& packs) {
  std::vector<BulkPacks::Entry>& entries = packs.entries;
  if (packs.runs.size() <= 1) return;
  const auto before = [](const BulkPacks::Entry& a, const BulkPacks::Entry& b) {
    return a.person != b.person ? a.person < b.person : a.provisional < b.provisional;
  };
  // Pairwise rounds: about log2(batches) passes, against a sort's log2(records).
  std::vector<size_t> bounds = packs.runs;
  bounds.push_back(entries.size());
  while (bounds.size() > 2) {
    std::vector<size_t> next = {bounds[0]};
    size_t r = 0;
    for (; r + 2 < bounds.size(); r += 2) {
      const auto at = [&](size_t b) { return entries.begin() + static_cast<std::ptrdiff_t>(bounds[b]); };
      std::inplace_merge(at(r), at(r + 1), at(r + 2), before);
      next.push_back(bounds[r + 2]);
    }
    if (next.back() != bounds.back()) next.push_back(bounds.back());  // an odd run out, carried
    bounds = std::move(next);
  }
  packs.runs = {0};
  for (size_t k = 0; k < entries.size(); ++k) packs.entry_of[entries[k].provisional] = static_cast<uint32_t>(k + 1);
}

std::vector<uint32_t> PackStarts(const BulkPacks& packs) {
  const std::vector<BulkPacks::Entry>& entries = packs.entries;
  std::vector<uint32_t> starts;
  for (size_t k = 0; k < entries.size(); ++k) {
    if (k == 0 || entries[k].person != entries[k - 1].person) starts.push_back(static_cast<uint32_t>(k));
  }
  starts.push_back(static_cast<uint32_t>(entries.size()));
  return starts;
}

// The records lie in the arena in file order, so each is a cache miss: the
// next ones are prefetched while one is encoded.
GatheredPacks GatherPacks(const BulkPacks& packs, const std::vector<uint32_t>& starts, size_t first, size_t last) {
  constexpr size_t kAhead = 8;
  const std::vector<BulkPacks::Entry>& entries = packs.entries;
  const std::string_view arena(packs.bytes);
  GatheredPacks out;
  out.first = first;
  const size_t from = starts[first], to = starts[last];
  // Headers, and a flags byte a record; and room for PackWriter to ask for
  // its most at the last record without the string growing.
  size_t bytes = 2 * (last - first) + (to - from) + 128;
  for (size_t k = from; k < to; ++k) bytes += entries[k].size;
  out.bytes.reserve(bytes);
  out.ends.reserve(last - first);
  PackedRecord one;
  for (size_t r = first; r < last; ++r) {
    PackWriter writer(out.bytes);
    for (size_t k = starts[r]; k < starts[r + 1]; ++k) {
      if (k + kAhead < to) {
        const char* next = arena.data() + entries[k + kAhead].offset;
        PrefetchForRead(next);
        PrefetchForRead(next + 64);
      }
      const BulkPacks::Entry& e = entries[k];
      if (!DecodeArenaRecord(arena.substr(e.offset, e.size), one)) {
        out.status = Internal("a waiting record does not decode as one");
        return out;
      }
      writer.Add(one);
    }
    out.ends.push_back(out.bytes.size());
  }
  return out;
}

PackFeed::PackFeed(BulkPacks& packs) : packs_(packs) {
  thread_ = std::thread([this] { Run(); });
}

PackFeed::~PackFeed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void PackFeed::WaitMerged() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return merged_; });
}

std::optional<GatheredPacks> PackFeed::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
  if (ready_.empty()) return std::nullopt;
  GatheredPacks run = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  changed_.notify_all();  // room for one more
  return run;
}

void PackFeed::Run() {
  Gather();
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  changed_.notify_all();
}

void PackFeed::Gather() {
  MergePackRuns(packs_);
  std::vector<uint32_t> starts = PackStarts(packs_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    starts_ = std::move(starts);
    merged_ = true;
  }
  changed_.notify_all();
  const size_t n = count();
  for (size_t first = 0; first < n; first += kPacksPerRun) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return stop_ || ready_.size() < kRunsAhead; });
      if (stop_) return;
    }
    GatheredPacks run = GatherPacks(packs_, starts_, first, std::min(n, first + kPacksPerRun));
    const bool failed = !run.status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(std::move(run));
    }
    changed_.notify_all();
    if (failed) return;  // the writer stops at this run
  }
}

}  // namespace tacit::sqlite
