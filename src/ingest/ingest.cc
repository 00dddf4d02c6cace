#include "tacit/ingest.h"

#include "tacit/crash_point.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <algorithm>
#include <future>
#include <mutex>
#include <climits>
#include <set>
#include <unordered_set>

#include "base/huge_pages.h"
#include "base/prefetch.h"
#include "ingest/key_set.h"

namespace tacit {
namespace {

using ingest_internal::KeySet;

// One file, parsed and linked, ready for the store.
struct ParsedFile {
  Status status;  // an error stops the whole call
  bool known_checksum = false;  // ingested before this call: not parsed
  FeedReadSummary summary;
  std::vector<EvidenceRecord> evidence;
  std::vector<FeedReject> rejects;
  int64_t dropped = 0;
  std::map<std::string, int64_t> unlinked_reasons;
  std::set<std::string> sources;
  std::string mapping_name;
  // (key-set slot, date) of linked alive signals and death-class records, for
  // the per-person summary; duplicates of stored rows are harmless there.
  std::vector<std::pair<uint32_t, int32_t>> alive;
  std::vector<std::pair<uint32_t, int32_t>> deaths;
};

// The record vectors of files already applied, kept for the files still to be
// parsed, records and all. A province's file is some hundred thousand records
// of a few hundred bytes: a new vector for each would be fresh pages for the
// kernel to clear and fault in, file after file, and two allocations for each
// record's reference and detail. The parse thread that takes a vector refills
// its records in place (ClearForReuse), their texts' memory with them.
class EvidencePool {
 public:
  std::vector<EvidenceRecord> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return {};
    std::vector<EvidenceRecord> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
  }
  void Give(std::vector<EvidenceRecord>&& v) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.size() < kKept) spare_.push_back(std::move(v));
  }
  // Frees the kept vectors (before the commit, whose memory peaks).
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    spare_.clear();
  }

 private:
  static constexpr size_t kKept = 4;  // more than the files in flight at once
  std::mutex mu_;
  std::vector<std::vector<EvidenceRecord>> spare_;
};

// Empties `e` for the next row, keeping its texts' memory.
void ClearForReuse(EvidenceRecord& e) {
  static_assert(sizeof(EvidenceRecord) == 368, "EvidenceRecord changed: clear its new fields here");
  e.id = 0;
  e.source.clear();
  e.ref.clear();
  e.kind.clear();
  e.person = 0;
  e.occurred_on = Date();
  e.received_on = Date();
  e.batch_id = 0;
  e.link_method.clear();
  e.link_score = 0;
  e.detail.clear();
  e.id_text.clear();
  e.id_problem.clear();
  e.name.clear();
  e.sex.clear();
  e.birth_date.reset();
  e.region_code.clear();
}

// A batch's identity: its checksum and its file name.
std::string BatchKey(const std::string& sha256, const std::string& file_name) { return sha256 + '/' + file_name; }

// True when a rejected row names, by a valid identity number, someone outside
// the registry and nobody inside it: such a row is about a person the agency
// pays nothing, so its content is not kept even in quarantine (PIPL art. 6).
bool AboutAStranger(std::string_view raw, const KeySet& keys, Date today) {
  bool stranger = false;
  size_t start = 0;
  for (size_t i = 0; i <= raw.size(); ++i) {
    const bool end = i == raw.size() || raw[i] == ',' || raw[i] == '"' || raw[i] == ':' || raw[i] == '\t' ||
                     raw[i] == '{' || raw[i] == '}' || raw[i] == '\n' || raw[i] == '\r';
    if (!end) continue;
    const std::string_view token = raw.substr(start, i - start);
    start = i + 1;
    if (token.size() < 15 || token.size() > 60) continue;
    IdParse id = ParseIdNumber(token, today);
    if (!id.ok()) continue;
    if (keys.Contains(id.id.key())) return false;
    stranger = true;
  }
  return stranger;
}

std::string SexText(Sex s) {
  switch (s) {
    case Sex::kMale: return "M";
    case Sex::kFemale: return "F";
    case Sex::kUnknown: break;
  }
  return "";
}

ParsedFile ParseAndLink(const IngestInput& in, const Policy& policy, const KeySet& keys,
                        const std::unordered_set<std::string>& known_batches, const IngestOptions& options,
                        EvidencePool& pool) {
  ParsedFile out;
  Mapping mapping;
  FeedReadOptions read;
  if (!in.mapping.empty()) {
    auto m = LoadMapping(in.mapping);
    if (!m) {
      out.status = tl::unexpected(m.error());
      return out;
    }
    mapping = std::move(*m);
    read.mapping = &mapping;
    out.mapping_name = mapping.name.empty() ? std::filesystem::path(in.mapping).filename().string() : mapping.name;
  } else {
    out.mapping_name = "canonical";
  }
  read.default_source = in.source;
  if (in.registration) read.registration = &*in.registration;
  read.today = options.today;
  // Staff decisions (fraud confirmed, a record voided) are the agency's alone:
  // no partner file may carry them, so for a feed they are not kinds at all.
  read.is_known_kind = [&policy](std::string_view kind) {
    const EvidenceKindSpec* spec = policy.FindKind(kind);
    return spec != nullptr && spec->cls != EvidenceClass::kFraud && spec->cls != EvidenceClass::kEvidenceVoided;
  };
  // The agency's own source holds staff decisions: no partner file may speak for it.
  read.is_known_source = [&policy](std::string_view source) {
    return source != kAgencySource && policy.FindSource(source) != nullptr;
  };
  read.on_checksum = [&](std::string_view sha256) {
    out.summary.sha256 = std::string(sha256);
    out.known_checksum =
        known_batches.count(BatchKey(out.summary.sha256, std::filesystem::path(in.path).filename().string())) > 0;
    return !out.known_checksum;
  };

  std::error_code size_error;
  const auto file_size = std::filesystem::file_size(in.path, size_error);
  // The records of a vector from the pool are refilled, the first `used` of
  // them; the rest are dropped at the end.
  out.evidence = pool.Take();
  size_t used = 0;
  const auto next_record = [&]() -> EvidenceRecord& {
    if (used < out.evidence.size()) {
      EvidenceRecord& e = out.evidence[used++];
      ClearForReuse(e);
      return e;
    }
    ++used;
    return out.evidence.emplace_back();
  };
  if (!size_error && out.evidence.capacity() < static_cast<size_t>(file_size / 96)) {
    ReserveInHugePages(out.evidence, static_cast<size_t>(file_size / 96));
  }
  // Kind classes, looked up once per distinct kind text.
  std::string last_kind;
  EvidenceClass last_class = EvidenceClass::kNeutral;
  // The registry look-up of a row is a cache miss in a table of some 32 MB.
  // It is asked for ahead (KeySet::Prefetch) and answered at the next row,
  // the row's record built meanwhile; a record about someone outside the
  // registry is then taken back (it is the last one).
  struct Pending {
    bool waiting = false;
    PersonKey key = 0;
    EvidenceClass cls = EvidenceClass::kNeutral;
    int32_t occurred = 0;
  } pending;
  const auto settle = [&] {
    if (!pending.waiting) return;
    pending.waiting = false;
    const int64_t slot = keys.Find(pending.key);
    if (slot < 0) {
      // About someone who draws nothing from the fund: counted, not kept.
      ++out.dropped;
      --used;
      return;
    }
    if (pending.cls == EvidenceClass::kAlive) {
      out.alive.emplace_back(static_cast<uint32_t>(slot), pending.occurred);
    } else if (pending.cls == EvidenceClass::kDeath) {
      out.deaths.emplace_back(static_cast<uint32_t>(slot), pending.occurred);
    }
    if (out.sources.size() < 8) out.sources.insert(out.evidence[used - 1].source);
  };
  auto summary = ReadFeedFile(
      in.path, read,
      [&](const FeedRow& row) {
        IdParse id = ParseIdNumber(row.id_number, options.today);
        if (id.ok()) keys.Prefetch(id.id.key());
        settle();
        EvidenceRecord& e = next_record();
        e.source.assign(row.source);
        e.kind.assign(row.kind);
        e.ref.assign(row.ref);
        e.occurred_on = row.occurred_on;
        e.received_on = in.received_on;
        e.detail.assign(row.detail);
        if (id.ok()) {
          if (row.kind != last_kind) {
            last_kind = std::string(row.kind);
            const EvidenceKindSpec* spec = policy.FindKind(row.kind);
            last_class = spec ? spec->cls : EvidenceClass::kNeutral;
          }
          pending = {true, id.id.key(), last_class, row.occurred_on.days()};
          e.person = id.id.key();
          // Exact either way; the method says whether the number as sent had
          // to be normalised first (full-width digits, spaces, 15 digits...).
          e.link_method.assign(row.id_number == id.id.text() ? kLinkExact : kLinkExactNormalised);
          e.link_score = 1.0;
        } else {
          e.id_problem.assign(IdProblemName(id.problem));
          e.id_text = NormalizeIdText(row.id_number);
          e.name.assign(row.name);
          e.sex = SexText(row.sex);
          e.birth_date = row.birth_date;
          e.region_code.assign(row.region_code);
          ++out.unlinked_reasons[e.id_problem];
          if (out.sources.size() < 8) out.sources.insert(e.source);
        }
      },
      [&](const FeedReject& r) {
        FeedReject kept = r;
        if (AboutAStranger(kept.raw, keys, options.today)) {
          kept.raw.clear();
          kept.reason += kStrangerRejectNote;
        }
        out.rejects.push_back(std::move(kept));
      });
  settle();
  out.evidence.resize(used);
  if (!summary) {
    out.status = tl::unexpected(summary.error());
    return out;
  }
  out.summary = *summary;
  return out;
}

std::string JoinSources(const std::set<std::string>& sources, const std::string& fallback) {
  if (sources.empty()) return fallback;
  std::string s;
  for (const std::string& x : sources) {
    if (!s.empty()) s += ",";
    s += x;
  }
  return s;
}

}  // namespace

RegistryKeyCache::RegistryKeyCache() = default;
RegistryKeyCache::~RegistryKeyCache() = default;

Result<std::shared_ptr<const KeySet>> RegistryKeysFor(Store& store, RegistryKeyCache* cache) {
  std::optional<std::string> generation;
  if (cache != nullptr) {
    ASSIGN_OR_RETURN(generation, store.GetMeta(kRegistryGeneration));
    if (cache->keys_ && cache->generation_ == generation) return cache->keys_;
  }
  ASSIGN_OR_RETURN(std::vector<PersonKey> all_keys, store.AllPersonKeys());
  auto keys = std::make_shared<const KeySet>(all_keys);
  if (cache != nullptr) {
    cache->generation_ = std::move(generation);
    cache->keys_ = keys;
  }
  return keys;
}

Result<std::vector<IngestFileReport>> IngestFiles(Store& store, const Policy& policy,
                                                  const std::vector<IngestInput>& inputs,
                                                  const IngestOptions& options) {
  // Knowledge is never backdated past a monthly run: the run as of a date must
  // replay from the store with exactly what was known then.
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> registry_keys, RegistryKeysFor(store, options.key_cache));
  const KeySet& keys = *registry_keys;
  if (keys.size() == 0) {
    return FailedPrecondition(
        "the registry is empty: import it first (tacit registry import), or every row would be dropped as being "
        "about someone who draws nothing");
  }
  std::unordered_set<std::string> known_batches;
  if (options.preload_known_batches) {
    ASSIGN_OR_RETURN(std::vector<BatchRecord> batches, store.ListBatches());
    for (const BatchRecord& b : batches) known_batches.insert(BatchKey(b.sha256, b.file_name));
  }
  // Latest alive signal and earliest death per person over the whole call, by
  // key-set slot, merged into the store's summary once at the end.
  constexpr int32_t kNoDate = INT32_MIN;
  struct Days {
    int32_t last_alive = kNoDate, death = kNoDate;
  };
  std::vector<Days> days(keys.capacity());
  std::vector<uint32_t> seen_alive(keys.capacity(), 0), seen_dead(keys.capacity(), 0);  // file stamp

  // The unit of work opens at the first file that is not ingested already, with
  // a hint of how many rows follow so the store can load in bulk and size its
  // memory; a call whose files are all known opens nothing. The rows are
  // estimated from the bytes to come at the bytes per row of that first file,
  // which is parsed by then (at 100 bytes a row when it is too small to say):
  // a department's rows run from under 100 bytes to over 200.
  std::unique_ptr<StoreTransaction> unit;
  bool applied = false;  // a batch was recorded in the unit
  auto open_unit = [&](size_t first, const ParsedFile& parsed) -> Status {
    uintmax_t bytes = 0, first_bytes = 0;
    for (size_t k = first; k < inputs.size(); ++k) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(inputs[k].path, ec);
      if (ec) continue;
      bytes += size;
      if (k == first) first_bytes = size;
    }
    constexpr int64_t kSampleRows = 100;
    const double bytes_per_row = parsed.summary.rows >= kSampleRows && first_bytes > 0
                                     ? static_cast<double>(first_bytes) / static_cast<double>(parsed.summary.rows)
                                     : 100.0;
    RETURN_IF_ERROR(store.ExpectEvidence(static_cast<int64_t>(static_cast<double>(bytes) / bytes_per_row)));
    ASSIGN_OR_RETURN(unit, store.Begin());
    return {};
  };
  std::vector<IngestFileReport> reports;
  EvidencePool pool;
  // Parse ahead on worker threads while this thread applies the files in order.
  const size_t ahead = static_cast<size_t>(std::max(1, options.parse_threads));
  std::vector<std::future<ParsedFile>> pending(inputs.size());
  size_t launched = 0;
  auto launch_until = [&](size_t limit) {
    while (launched < inputs.size() && launched < limit) {
      const IngestInput& in = inputs[launched];
      pending[launched] = std::async(std::launch::async, [&in, &policy, &keys, &known_batches, &options, &pool] {
        return ParseAndLink(in, policy, keys, known_batches, options, pool);
      });
      ++launched;
    }
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    launch_until(i + ahead);
    ParsedFile parsed = pending[i].get();
    if (!parsed.status && !parsed.known_checksum) return tl::unexpected(parsed.status.error());
    const IngestInput& in = inputs[i];
    IngestFileReport report;
    report.file = in.path;
    const std::string file_name = std::filesystem::path(in.path).filename().string();
    ASSIGN_OR_RETURN(std::optional<BatchRecord> existing, store.FindBatch(parsed.summary.sha256, file_name));
    if (!existing && !unit) {
      // Opening the unit takes a while (a bulk unit switches the journal,
      // which syncs the store, and sizes its memory): the parse threads
      // start on the files after those already in flight meanwhile.
      launch_until(i + 2 * ahead);
      RETURN_IF_ERROR(open_unit(i, parsed));
      // Another process (a second server request, a second command) may have
      // applied the same file between the look-up and the unit's start; the
      // unit holds the store's write lock now, so look again.
      ASSIGN_OR_RETURN(existing, store.FindBatch(parsed.summary.sha256, file_name));
    }
    if (existing) {
      report.already_ingested = true;
      report.batch = *existing;
      reports.push_back(std::move(report));
      continue;
    }
    if (!runs.empty() && in.received_on < runs.back().as_of) {
      return FailedPrecondition(fmt::format(
          "{}: --received-on {} is before the knowledge cut-off of the monthly run of {} ({}): that run decided "
          "without this file, so it must be dated on or after {}",
          file_name, in.received_on.ToString(), runs.back().month.ToString(), runs.back().as_of.ToString(),
          runs.back().as_of.ToString()));
    }
    BatchRecord batch;
    batch.sha256 = parsed.summary.sha256;
    batch.file_name = file_name;
    batch.source = JoinSources(parsed.sources, in.source);
    batch.mapping = parsed.mapping_name;
    batch.received_on = in.received_on;
    batch.rows = parsed.summary.rows;
    batch.accepted = parsed.summary.accepted;
    batch.dropped = parsed.dropped;
    batch.rejected = parsed.summary.rejected;
    if (!parsed.rejects.empty()) {
      batch.quarantine_path = QuarantinePathFor(in.path);
      RETURN_IF_ERROR(WriteQuarantine(batch.quarantine_path, parsed.rejects));
    }
    ASSIGN_OR_RETURN(report.batch, store.ApplyBatch(batch, parsed.evidence));
    pool.Give(std::move(parsed.evidence));
    applied = true;
    CrashPoint("ingest.batch_applied");  // tests/crash: between the files of one unit
    const uint32_t stamp = static_cast<uint32_t>(i + 1);
    for (const auto& [slot, day] : parsed.alive) {
      days[slot].last_alive = std::max(days[slot].last_alive, day);
      if (seen_alive[slot] != stamp) {
        seen_alive[slot] = stamp;
        ++report.persons_alive;
      }
    }
    for (const auto& [slot, day] : parsed.deaths) {
      if (days[slot].death == kNoDate || day < days[slot].death) days[slot].death = day;
      if (seen_dead[slot] != stamp) {
        seen_dead[slot] = stamp;
        ++report.persons_dead;
      }
    }
    report.unlinked_reasons = std::move(parsed.unlinked_reasons);
    for (size_t r = 0; r < parsed.rejects.size() && r < options.reject_sample; ++r) {
      report.reject_sample.push_back(std::move(parsed.rejects[r]));
    }
    // The batch by id and source, not by file name: a sender's file name may name a person.
    spdlog::info("batch {} ({}): {} rows, {} linked, {} unlinked, {} dropped, {} rejected, {} duplicates",
                 report.batch.id, batch.source, batch.rows, report.batch.linked, report.batch.unlinked,
                 batch.dropped, batch.rejected, report.batch.duplicates);
    reports.push_back(std::move(report));
  }
  if (unit) unit->BatchesDone();  // the store may prepare its commit while the summary is built
  pool.Release();
  // In person order as the store writes them: the slots read in key order
  // (a random read each, asked for ahead) instead of a sort.
  std::vector<PersonSignal> merged;
  const std::vector<uint32_t>& in_order = keys.SlotsInKeyOrder();
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < in_order.size(); ++i) {
    if (i + kAhead < in_order.size()) {
      PrefetchForRead(&days[in_order[i + kAhead]]);
      keys.PrefetchSlot(in_order[i + kAhead]);
    }
    const uint32_t slot = in_order[i];
    const Days d = days[slot];
    if (d.last_alive == kNoDate && d.death == kNoDate) continue;
    PersonSignal sig;
    sig.person = keys.KeyAt(slot);
    if (d.last_alive != kNoDate) sig.last_alive = Date::FromDays(d.last_alive);
    if (d.death != kNoDate) sig.death = Date::FromDays(d.death);
    merged.push_back(sig);
  }
  if (unit) {
    RETURN_IF_ERROR(store.UpdatePersonSummary(merged));
    if (applied && options.before_commit) RETURN_IF_ERROR(options.before_commit(reports));
    CrashPoint("ingest.before_commit");
    RETURN_IF_ERROR(unit->Commit());
    CrashPoint("ingest.committed");
  }
  return reports;
}

}  // namespace tacit
