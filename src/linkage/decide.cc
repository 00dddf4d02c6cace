// Decisions (link, review, no link) and the whole job for one feed source.
#include <algorithm>
#include <cmath>

#include "linkage/internal.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

// The candidate with the strongest id or phone evidence can be told apart
// from a twin (two persons the same in name, sex, birth date and county):
// their numbers and phones differ.
bool SetApartFromTwin(const Score& s) {
  const auto id = static_cast<IdLevel>(s.contributions[static_cast<int>(Comparison::kIdNumber)].level);
  const auto phone = static_cast<PhoneLevel>(s.contributions[static_cast<int>(Comparison::kPhone)].level);
  return id == IdLevel::kEqual || id == IdLevel::kOneDigit || id == IdLevel::kTransposed ||
         phone == PhoneLevel::kEqual;
}

Status CheckThresholds(const Thresholds& t) {
  if (!(t.lower >= 0 && t.lower <= t.upper && t.upper <= 1)) {
    return InvalidArgument("linkage thresholds: need 0 <= lower <= upper <= 1");
  }
  if (!(t.min_margin_bits >= 0)) return InvalidArgument("linkage thresholds: margin must be >= 0");
  return {};
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kLink: return "link";
    case Outcome::kReview: return "review";
    case Outcome::kNoLink: return "no_link";
  }
  return "unknown";
}

std::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kAboveUpper: return "above_upper";
    case Reason::kBetweenThresholds: return "between_thresholds";
    case Reason::kNotAutomatic: return "not_automatic";
    case Reason::kSmallMargin: return "small_margin";
    case Reason::kIndistinguishable: return "indistinguishable";
    case Reason::kBelowLower: return "below_lower";
    case Reason::kNoCandidate: return "no_candidate";
    case Reason::kValidIdNotInRegistry: return "valid_id_not_in_registry";
  }
  return "unknown";
}

LinkResult Decide(uint32_t record_index, const PreparedRecord& record,
                  std::vector<ScoredCandidate> candidates, const RegistryIndex& index,
                  const Thresholds& thresholds) {
  LinkResult result;
  result.record = record_index;
  result.candidates = static_cast<int>(candidates.size());
  if (record.id_problem == IdProblem::kOk) {
    // 个人信息保护法 and precision first: a number that passes its check is that
    // person's; if the registry does not have it, the record is about someone
    // else and must not be given to a registry person with a similar name.
    std::erase_if(candidates, [&](const ScoredCandidate& c) {
      return index.person(c.person).id18 != record.id18 || record.id18.empty();
    });
    if (candidates.empty()) {
      result.reason = Reason::kValidIdNotInRegistry;
      return result;
    }
  }
  if (candidates.empty()) {
    result.reason = Reason::kNoCandidate;
    return result;
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.score.weight > b.score.weight || (a.score.weight == b.score.weight && a.person < b.person);
  });
  result.best = candidates[0];
  if (candidates.size() > 1) result.second = candidates[1];
  const Score& best = candidates[0].score;
  if (best.probability < thresholds.lower) {
    result.reason = Reason::kBelowLower;
    return result;
  }
  result.outcome = Outcome::kReview;
  if (best.probability < thresholds.upper) {
    result.reason = Reason::kBetweenThresholds;
  } else if (index.HasTwin(candidates[0].person) && !SetApartFromTwin(best)) {
    result.reason = Reason::kIndistinguishable;
  } else if (result.second && best.weight - result.second->score.weight < thresholds.min_margin_bits) {
    result.reason = Reason::kSmallMargin;
  } else if (!thresholds.automatic) {
    result.reason = Reason::kNotAutomatic;
  } else {
    result.outcome = Outcome::kLink;
    result.reason = Reason::kAboveUpper;
  }
  return result;
}

namespace {

// Scores every blocked pair of each record by table look-up, keeps the two
// best, and decides on those.
LinkRun Run(const RegistryIndex& index, std::span<const PreparedRecord> records,
            const Blocking& blocking, std::span<const uint32_t> packed, Model model,
            const Thresholds& thresholds) {
  LinkRun run;
  run.blocking = blocking.report;
  std::array<std::vector<double>, kComparisonCount> bits;
  for (int c = 0; c < kComparisonCount; ++c) {
    bits[c].assign(kLevelCount[c], 0.0);
    for (size_t l = 0; l < model.levels[c].size(); ++l) {
      bits[c][l] = std::log2(model.levels[c][l].m) - std::log2(model.levels[c][l].u);
    }
  }
  const double name_u = model.levels[0][0].u;
  const double birth_u = model.levels[1][0].u;
  const double min_tf = index.size() ? 1.0 / static_cast<double>(index.size()) : 1.0;
  run.results.reserve(records.size());
  size_t k = 0;
  for (uint32_t r = 0; r < records.size(); ++r) {
    const bool valid_id = records[r].id_problem == IdProblem::kOk;
    struct Top {
      uint32_t person;
      double weight;
    };
    std::optional<Top> first, second;
    int count = 0;
    for (; k < blocking.pairs.size() && blocking.pairs[k].record == r; ++k) {
      const uint32_t person = blocking.pairs[k].person;
      const auto v = linkage_internal::Unpack(packed[k]);
      if (valid_id && v[static_cast<int>(Comparison::kIdNumber)] != static_cast<uint8_t>(IdLevel::kEqual)) {
        continue;  // Decide would drop it: the valid number is someone else's
      }
      ++count;
      double w = 0;
      for (int c = 0; c < kComparisonCount; ++c) w += bits[c][v[c]];
      if (model.tf_name && v[0] <= static_cast<uint8_t>(NameLevel::kSimplified)) {
        w += std::log2(name_u) - std::log2(std::max(index.NameFrequency(person), min_tf));
      }
      if (model.tf_birth_date && v[1] == static_cast<uint8_t>(BirthLevel::kExact)) {
        w += std::log2(birth_u) - std::log2(std::max(index.BirthDateFrequency(person), min_tf));
      }
      const Top t{person, w};
      auto better = [](const Top& a, const Top& b) {
        return a.weight > b.weight || (a.weight == b.weight && a.person < b.person);
      };
      if (!first || better(t, *first)) {
        second = first;
        first = t;
      } else if (!second || better(t, *second)) {
        second = t;
      }
    }
    std::vector<ScoredCandidate> top;
    for (const auto& t : {first, second}) {
      if (t) top.push_back({t->person, ScorePair(model, index, records[r], t->person)});
    }
    LinkResult result = Decide(r, records[r], std::move(top), index, thresholds);
    if (valid_id && count == 0) result.reason = Reason::kValidIdNotInRegistry;
    result.candidates = count;
    run.results.push_back(std::move(result));
  }
  run.model = std::move(model);
  return run;
}

std::vector<PreparedRecord> PrepareAll(const RegistryIndex& index, std::span<const LinkFields> records) {
  std::vector<PreparedRecord> prepared;
  prepared.reserve(records.size());
  for (const auto& f : records) prepared.push_back(PrepareRecord(f, index.simplifier(), index.as_of()));
  return prepared;
}

}  // namespace

Result<LinkRun> LinkRecords(const RegistryIndex& index, std::span<const LinkFields> records,
                            std::string source, const TrainingOptions& training,
                            const Thresholds& thresholds) {
  RETURN_IF_ERROR(CheckThresholds(thresholds));
  const auto prepared = PrepareAll(index, records);
  const Blocking blocking = BlockPairs(index, prepared);
  const auto packed = linkage_internal::CompareAll(index, prepared, blocking);
  Model model =
      linkage_internal::TrainFromVectors(index, prepared, packed, std::move(source), training);
  return Run(index, prepared, blocking, packed, std::move(model), thresholds);
}

Result<LinkRun> LinkRecordsWithModel(const RegistryIndex& index, std::span<const LinkFields> records,
                                     const Model& model, const Thresholds& thresholds) {
  RETURN_IF_ERROR(CheckThresholds(thresholds));
  const auto prepared = PrepareAll(index, records);
  const Blocking blocking = BlockPairs(index, prepared);
  const auto packed = linkage_internal::CompareAll(index, prepared, blocking);
  return Run(index, prepared, blocking, packed, model, thresholds);
}

}  // namespace tacit::linkage
