#include "tacit/ingest.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <future>
#include <set>
#include <unordered_set>

#include "ingest/key_set.h"

namespace tacit {
namespace {

using ingest_internal::KeySet;

// One file, parsed and linked, ready for the store.
struct ParsedFile {
  Status status;  // an error stops the whole call
  FeedReadSummary summary;
  std::vector<EvidenceRecord> evidence;
  std::vector<FeedReject> rejects;
  int64_t dropped = 0;
  std::map<std::string, int64_t> unlinked_reasons;
  std::set<std::string> sources;
  std::string mapping_name;
};

std::string SexText(Sex s) {
  switch (s) {
    case Sex::kMale: return "M";
    case Sex::kFemale: return "F";
    case Sex::kUnknown: break;
  }
  return "";
}

ParsedFile ParseAndLink(const IngestInput& in, const Policy& policy, const KeySet& keys,
                        const IngestOptions& options) {
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
  read.today = options.today;
  read.is_known_kind = [&policy](std::string_view kind) { return policy.FindKind(kind) != nullptr; };

  auto summary = ReadFeedFile(
      in.path, read,
      [&](const FeedRow& row) {
        IdParse id = ParseIdNumber(row.id_number, options.today);
        EvidenceRecord e;
        if (id.ok()) {
          if (!keys.Contains(id.id.key())) {
            // About someone who draws nothing from the fund: counted, not kept.
            ++out.dropped;
            return;
          }
          e.person = id.id.key();
          e.link_method = std::string(kLinkExact);
          e.link_score = 1.0;
        } else {
          e.id_problem = std::string(IdProblemName(id.problem));
          e.id_text = NormalizeIdText(row.id_number);
          e.name = std::string(row.name);
          e.sex = SexText(row.sex);
          e.birth_date = row.birth_date;
          e.region_code = std::string(row.region_code);
          ++out.unlinked_reasons[e.id_problem];
        }
        e.source = std::string(row.source);
        e.kind = std::string(row.kind);
        e.ref = std::string(row.ref);
        e.occurred_on = row.occurred_on;
        e.received_on = in.received_on;
        e.detail = std::string(row.detail);
        if (out.sources.size() < 8) out.sources.insert(e.source);
        out.evidence.push_back(std::move(e));
      },
      [&](const FeedReject& r) { out.rejects.push_back(r); });
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

Result<std::vector<IngestFileReport>> IngestFiles(Store& store, const Policy& policy,
                                                  const std::vector<IngestInput>& inputs,
                                                  const IngestOptions& options) {
  ASSIGN_OR_RETURN(std::vector<PersonKey> all_keys, store.AllPersonKeys());
  if (all_keys.empty()) {
    return FailedPrecondition(
        "the registry is empty: import it first (tacit registry import), or every row would be dropped as being "
        "about someone who draws nothing");
  }
  const KeySet keys(all_keys);
  all_keys = {};

  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  std::vector<IngestFileReport> reports;
  // Parse ahead on worker threads while this thread applies the files in order.
  const size_t ahead = static_cast<size_t>(std::max(1, options.parse_threads));
  std::vector<std::future<ParsedFile>> pending(inputs.size());
  size_t launched = 0;
  auto launch_until = [&](size_t limit) {
    while (launched < inputs.size() && launched < limit) {
      const IngestInput& in = inputs[launched];
      pending[launched] = std::async(std::launch::async, [&in, &policy, &keys, &options] {
        return ParseAndLink(in, policy, keys, options);
      });
      ++launched;
    }
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    launch_until(i + ahead);
    ParsedFile parsed = pending[i].get();
    RETURN_IF_ERROR(parsed.status);
    const IngestInput& in = inputs[i];
    IngestFileReport report;
    report.file = in.path;
    ASSIGN_OR_RETURN(std::optional<BatchRecord> existing, store.FindBatch(parsed.summary.sha256));
    if (existing) {
      report.already_ingested = true;
      report.batch = *existing;
      reports.push_back(std::move(report));
      continue;
    }
    BatchRecord batch;
    batch.sha256 = parsed.summary.sha256;
    batch.file_name = std::filesystem::path(in.path).filename().string();
    batch.source = JoinSources(parsed.sources, in.source);
    batch.mapping = parsed.mapping_name;
    batch.received_on = in.received_on;
    batch.rows = parsed.summary.rows;
    batch.accepted = parsed.summary.accepted;
    batch.dropped = parsed.dropped;
    batch.rejected = parsed.summary.rejected;
    if (!parsed.rejects.empty()) {
      batch.quarantine_path = in.path + ".quarantine.csv";
      RETURN_IF_ERROR(WriteQuarantine(batch.quarantine_path, parsed.rejects));
    }
    ASSIGN_OR_RETURN(report.batch, store.ApplyBatch(batch, parsed.evidence, policy));
    std::unordered_set<PersonKey> alive, dead;
    for (const EvidenceRecord& e : parsed.evidence) {
      if (e.id == 0 || e.person == 0) continue;
      const EvidenceKindSpec* spec = policy.FindKind(e.kind);
      if (spec == nullptr) continue;
      if (spec->cls == EvidenceClass::kAlive) alive.insert(e.person);
      if (spec->cls == EvidenceClass::kDeath) dead.insert(e.person);
    }
    report.persons_alive = static_cast<int64_t>(alive.size());
    report.persons_dead = static_cast<int64_t>(dead.size());
    report.unlinked_reasons = std::move(parsed.unlinked_reasons);
    for (size_t r = 0; r < parsed.rejects.size() && r < options.reject_sample; ++r) {
      report.reject_sample.push_back(std::move(parsed.rejects[r]));
    }
    spdlog::info("batch {} ({}): {} rows, {} linked, {} unlinked, {} dropped, {} rejected, {} duplicates",
                 report.batch.id, batch.file_name, batch.rows, report.batch.linked, report.batch.unlinked,
                 batch.dropped, batch.rejected, report.batch.duplicates);
    reports.push_back(std::move(report));
  }
  RETURN_IF_ERROR(unit->Commit());
  return reports;
}

}  // namespace tacit
