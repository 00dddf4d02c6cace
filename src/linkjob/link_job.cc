#include "tacit/link_job.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "tacit/casework.h"
#include "tacit/linkage.h"

namespace tacit {
namespace {

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Sex SexOf(std::string_view text) {
  if (text == "M") return Sex::kMale;
  if (text == "F") return Sex::kFemale;
  return Sex::kUnknown;
}

linkage::LinkFields FieldsOf(const EvidenceRecord& e) {
  linkage::LinkFields f;
  f.name = e.name;
  f.sex = SexOf(e.sex);
  f.birth_date = e.birth_date;
  f.region_code = e.region_code;
  f.id_text = e.id_text;
  return f;
}

linkage::LinkFields FieldsOf(const PersonRecord& p) {
  linkage::LinkFields f;
  f.name = p.name;
  f.sex = p.sex;
  f.birth_date = p.birth_date;
  f.region_code = p.region_code;
  f.id_text = p.id_number;
  f.phone = p.phone;
  return f;
}

// Each comparison's level and weight (with its term-frequency adjustment), as
// stored with the attempt: levels and numbers only, never the values compared.
std::string ContributionsJson(const linkage::Score& score) {
  nlohmann::json out = nlohmann::json::array();
  for (const linkage::Contribution& c : score.contributions) {
    out.push_back({{"comparison", std::string(linkage::ComparisonName(c.comparison))},
                   {"level", std::string(linkage::LevelName(c.comparison, c.level))},
                   {"bits", c.bits + c.tf_bits}});
  }
  return out.dump();
}

constexpr std::string_view kRegionDiffers = "region_differs";

}  // namespace

Result<LinkJobReport> RunLinkJob(Store& store, const Policy& policy, const LinkJobOptions& options) {
  LinkJobReport report;
  ASSIGN_OR_RETURN(std::vector<EvidenceRecord> records, store.UnlinkedToTry(options.retry));
  if (records.empty()) return report;
  report.records = static_cast<int64_t>(records.size());

  // The registry, prepared once for every source.
  auto t0 = Clock::now();
  ASSIGN_OR_RETURN(linkage::Simplifier simplifier, linkage::Simplifier::Create(options.opencc_config));
  std::vector<linkage::RegistryPerson> persons;
  RETURN_IF_ERROR(store.ForEachPerson("", [&](const PersonBundle& b) -> Status {
    persons.push_back(linkage::RegistryPerson{b.person.key, FieldsOf(b.person)});
    return {};
  }, Store::Facts::kWithout));
  report.registry_persons = static_cast<int64_t>(persons.size());
  ASSIGN_OR_RETURN(linkage::RegistryIndex index, linkage::RegistryIndex::Build(persons, simplifier, {}, options.today));
  persons.clear();
  persons.shrink_to_fit();
  report.index_seconds = SecondsSince(t0);

  // One model per feed source: each department writes names and dates its own way.
  t0 = Clock::now();
  std::map<std::string, std::vector<size_t>> by_source;
  for (size_t i = 0; i < records.size(); ++i) by_source[records[i].source].push_back(i);
  const Date on = options.today;
  linkage::Thresholds thresholds;
  thresholds.upper = policy.link_upper_probability.At(on);
  thresholds.lower = policy.link_lower_probability.At(on);
  thresholds.min_margin_bits = policy.link_margin_bits.At(on);
  thresholds.automatic = true;  // per record below, by the class of its kind
  std::vector<LinkModelRecord> models;
  std::vector<LinkAttempt> attempts;
  std::vector<PersonSignal> signals;
  std::optional<linkage::Model> pooled;
  for (const auto& [source, members] : by_source) {
    std::vector<linkage::LinkFields> fields;
    fields.reserve(members.size());
    for (size_t i : members) fields.push_back(FieldsOf(records[i]));
    linkage::TrainingOptions training;
    training.seed = options.seed;
    ASSIGN_OR_RETURN(linkage::LinkRun run, linkage::LinkRecords(index, fields, source, training, thresholds));
    LinkSourceReport sr;
    // Too few records of a source to fit its own model: the model fitted on
    // every source's records serves, when that one could be fitted.
    if (!run.model.training.converged && by_source.size() > 1) {
      if (!pooled) {
        std::vector<linkage::LinkFields> all;
        all.reserve(records.size());
        for (const EvidenceRecord& e : records) all.push_back(FieldsOf(e));
        ASSIGN_OR_RETURN(linkage::LinkRun p, linkage::LinkRecords(index, all, "all sources", training, thresholds));
        pooled = std::move(p.model);
      }
      if (pooled->training.converged) {
        const int64_t comparisons = run.blocking.comparisons;
        ASSIGN_OR_RETURN(run, linkage::LinkRecordsWithModel(index, fields, *pooled, thresholds));
        run.blocking.comparisons = comparisons;
        sr.pooled = true;
      }
    }
    sr.source = source;
    sr.records = static_cast<int64_t>(members.size());
    sr.comparisons = run.blocking.comparisons;
    for (const linkage::RuleReport& r : run.blocking.rules) sr.capped_records += r.capped_records;
    sr.converged = run.model.training.converged;
    const int64_t model_index = static_cast<int64_t>(models.size());
    models.push_back(LinkModelRecord{0, source, NowUtcText(), sr.records, sr.comparisons,
                                     linkage::ModelToJson(run.model)});
    for (const linkage::LinkResult& r : run.results) {
      const EvidenceRecord& e = records[members[r.record]];
      LinkAttempt a;
      a.evidence_id = e.id;
      a.model_id = model_index;
      linkage::Outcome outcome = r.outcome;
      std::string_view reason = linkage::ReasonName(r.reason);
      // Records that would change money against the person (death, sentence,
      // missing...) are never linked by a machine alone: a reviewer decides.
      const EvidenceKindSpec* spec = policy.FindKind(e.kind);
      if (outcome == linkage::Outcome::kLink &&
          (spec == nullptr || !policy.LinksAutomatically(spec->cls, e.received_on))) {
        outcome = linkage::Outcome::kReview;
        reason = linkage::ReasonName(linkage::Reason::kNotAutomatic);
      }
      // Nor when the residence agrees less closely than the policy asks: the
      // same name and birth date in another township is often someone else.
      if (outcome == linkage::Outcome::kLink && r.best) {
        const linkage::Contribution& region = r.best->score.contributions[static_cast<int>(linkage::Comparison::kRegion)];
        if (!Policy::ListHas(policy.link_automatic_regions.At(on), linkage::LevelName(linkage::Comparison::kRegion, region.level))) {
          outcome = linkage::Outcome::kReview;
          reason = kRegionDiffers;
        }
      }
      a.outcome = std::string(linkage::OutcomeName(outcome));
      a.reason = std::string(reason);
      if (r.best) {
        a.candidate = index.key(r.best->person);
        a.probability = r.best->score.probability;
        a.weight_bits = r.best->score.weight;
        a.contributions_json = ContributionsJson(r.best->score);
      } else {
        a.contributions_json = "[]";
      }
      if (r.second) {
        a.second = index.key(r.second->person);
        a.second_bits = r.second->score.weight;
      }
      switch (outcome) {
        case linkage::Outcome::kLink:
          a.status = "linked";
          ++sr.linked;
          if (auto s = SignalOf(policy, e.kind, e.occurred_on, a.candidate)) signals.push_back(*s);
          break;
        case linkage::Outcome::kReview:
          a.status = "open";
          ++sr.review;
          break;
        case linkage::Outcome::kNoLink:
          a.status = "none";
          ++sr.no_link;
          break;
      }
      attempts.push_back(std::move(a));
    }
    report.linked += sr.linked;
    report.review += sr.review;
    report.no_link += sr.no_link;
    report.comparisons += sr.comparisons;
    report.sources.push_back(std::move(sr));
  }
  report.link_seconds = SecondsSince(t0);

  // The models, every attempt, the links and the summary index: one unit of work.
  t0 = Clock::now();
  std::sort(signals.begin(), signals.end(),
            [](const PersonSignal& a, const PersonSignal& b) { return a.person < b.person; });
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.SaveLinkAttempts(models, attempts));
  RETURN_IF_ERROR(store.UpdatePersonSummary(signals));
  RETURN_IF_ERROR(unit->Commit());
  for (size_t i = 0; i < models.size(); ++i) report.sources[i].model_id = models[i].id;
  report.save_seconds = SecondsSince(t0);
  spdlog::info("link: {} records, {} linked, {} to review, {} without a link; {} comparisons", report.records,
               report.linked, report.review, report.no_link, report.comparisons);
  return report;
}

namespace {

Result<ReviewItem> BuildItem(Store& store, const LinkAttempt& a) {
  ReviewItem item;
  item.attempt = a;
  ASSIGN_OR_RETURN(std::optional<EvidenceRecord> e, store.FindEvidence(a.evidence_id));
  if (!e) return NotFound(fmt::format("record {} is not stored", a.evidence_id));
  item.record = std::move(*e);
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(a.candidate));
  if (!p) return NotFound(fmt::format("the candidate of record {} is not in the registry", a.evidence_id));
  item.candidate = std::move(*p);
  if (a.second != 0) {
    ASSIGN_OR_RETURN(item.second, store.FindPerson(a.second));
  }
  ASSIGN_OR_RETURN(std::optional<LinkModelRecord> m, store.FindLinkModel(a.model_id));
  if (m) {
    item.model = std::move(*m);
    item.model.model_json.clear();
  }
  const nlohmann::json lines = nlohmann::json::parse(a.contributions_json, nullptr, false);
  if (lines.is_array()) {
    for (const nlohmann::json& l : lines) {
      if (!l.is_object()) continue;
      item.lines.push_back(ReviewItem::Line{l.value("comparison", ""), l.value("level", ""), l.value("bits", 0.0)});
    }
  }
  return item;
}

}  // namespace

Result<std::vector<ReviewItem>> ListReview(Store& store, std::string_view status, const std::string& region_prefix) {
  ASSIGN_OR_RETURN(std::vector<LinkAttempt> attempts, store.LinkAttempts(status == "all" ? "" : status));
  std::vector<ReviewItem> out;
  for (const LinkAttempt& a : attempts) {
    if (a.candidate == 0) continue;
    ASSIGN_OR_RETURN(ReviewItem item, BuildItem(store, a));
    if (item.candidate.region_code.rfind(region_prefix, 0) != 0) continue;
    out.push_back(std::move(item));
  }
  return out;
}

Result<ReviewItem> ShowReview(Store& store, int64_t evidence_id) {
  ASSIGN_OR_RETURN(std::optional<LinkAttempt> a, store.FindLinkAttempt(evidence_id));
  if (!a || a->candidate == 0) return NotFound(fmt::format("record {} has no proposed link", evidence_id));
  return BuildItem(store, *a);
}

Status DecideReview(Store& store, const Policy& policy, int64_t evidence_id, bool accept, const std::string& by,
                    const std::string& note, const std::function<Status()>& in_unit) {
  if (note.empty()) return InvalidArgument("--note: say why (复核说明)");
  if (by.empty()) return InvalidArgument("--by: who decided (复核人)");
  ASSIGN_OR_RETURN(std::optional<LinkAttempt> a, store.FindLinkAttempt(evidence_id));
  if (!a || a->candidate == 0) return NotFound(fmt::format("record {} has no proposed link", evidence_id));
  ASSIGN_OR_RETURN(std::optional<EvidenceRecord> e, store.FindEvidence(evidence_id));
  if (!e) return NotFound(fmt::format("record {} is not stored", evidence_id));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.DecideLinkAttempt(evidence_id, accept, by, note));
  if (accept) {
    if (auto s = SignalOf(policy, e->kind, e->occurred_on, a->candidate)) {
      RETURN_IF_ERROR(store.UpdatePersonSummary({*s}));
    }
  }
  if (in_unit) RETURN_IF_ERROR(in_unit());
  return unit->Commit();
}

}  // namespace tacit
