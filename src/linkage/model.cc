// The Fellegi–Sunter model: u from random pairs, m and λ by EM, scores, JSON.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <unordered_map>

#include "linkage/internal.h"
#include "tacit/linkage.h"

namespace tacit {
namespace linkage_internal {

using linkage::kComparisonCount;
using linkage::kLevelCount;

std::vector<uint32_t> CompareAll(const linkage::RegistryIndex& index,
                                 std::span<const linkage::PreparedRecord> records,
                                 const linkage::Blocking& blocking) {
  std::vector<uint32_t> packed;
  packed.reserve(blocking.pairs.size());
  for (const auto& pair : blocking.pairs) {
    packed.push_back(Pack(linkage::Compare(records[pair.record], index.person(pair.person))));
  }
  return packed;
}

namespace {

// Laplace-smoothed shares of each non-missing level among random pairs.
void EstimateU(const linkage::RegistryIndex& index, std::span<const linkage::PreparedRecord> records,
               const linkage::TrainingOptions& options, linkage::Model* model) {
  if (records.empty() || index.size() == 0 || options.random_pairs <= 0) return;
  std::mt19937_64 rng(options.seed);
  std::array<std::vector<double>, kComparisonCount> counts;
  for (int c = 0; c < kComparisonCount; ++c) counts[c].assign(kLevelCount[c] - 1, 0.0);
  for (int64_t i = 0; i < options.random_pairs; ++i) {
    const auto& r = records[rng() % records.size()];
    const auto& p = index.person(static_cast<uint32_t>(rng() % index.size()));
    const auto v = linkage::Compare(r, p);
    for (int c = 0; c < kComparisonCount; ++c) {
      if (!IsMissing(c, v[c])) counts[c][v[c]] += 1;
    }
  }
  for (int c = 0; c < kComparisonCount; ++c) {
    double total = 0;
    for (double x : counts[c]) total += x + 1;
    for (size_t l = 0; l < counts[c].size(); ++l) {
      model->levels[c][l].u = (counts[c][l] + 1) / total;
    }
  }
  model->training.random_pairs = options.random_pairs;
}

}  // namespace

linkage::Model TrainFromVectors(const linkage::RegistryIndex& index,
                                std::span<const linkage::PreparedRecord> records,
                                std::span<const uint32_t> packed, std::string source,
                                const linkage::TrainingOptions& options) {
  linkage::Model model = linkage::InitialModel(std::move(source));
  model.tf_name = options.tf_name;
  model.tf_birth_date = options.tf_birth_date;
  EstimateU(index, records, options, &model);
  std::unordered_map<uint32_t, int64_t> patterns;
  for (uint32_t p : packed) ++patterns[p];
  std::vector<std::pair<uint32_t, int64_t>> sorted(patterns.begin(), patterns.end());
  std::sort(sorted.begin(), sorted.end());  // a fixed order: sums are reproducible
  std::vector<linkage::ComparisonVector> vectors;
  std::vector<int64_t> counts;
  for (const auto& [p, n] : sorted) {
    vectors.push_back(Unpack(p));
    counts.push_back(n);
  }
  // λ starts at about one match per record among its candidates.
  if (!packed.empty() && !records.empty()) {
    model.lambda = std::clamp(static_cast<double>(records.size()) / packed.size() * 0.5, 1e-9, 0.5);
  }
  linkage::EstimateBySessions(vectors, counts, options, &model);
  model.training.pairs = static_cast<int64_t>(packed.size());
  return model;
}

}  // namespace linkage_internal

namespace linkage {

using linkage_internal::IsMissing;

Model InitialModel(std::string source) {
  Model model;
  model.source = std::move(source);
  for (int c = 0; c < kComparisonCount; ++c) {
    const int n = kLevelCount[c] - 1;
    auto& levels = model.levels[c];
    levels.resize(n);
    double msum = 0, usum = 0;
    for (int l = 0; l < n; ++l) {
      levels[l].m = std::pow(0.25, l);          // matches mostly agree
      levels[l].u = std::pow(0.25, n - 1 - l);  // non-matches mostly differ
      msum += levels[l].m;
      usum += levels[l].u;
    }
    for (auto& p : levels) {
      p.m /= msum;
      p.u /= usum;
    }
  }
  return model;
}

namespace {

// One EM run. Comparisons in `ignore` are treated as missing (a session that
// blocked on them: every pair agrees, so they say nothing); m is updated only
// for comparisons in `update_m`; λ only when `update_lambda`. Returns the
// iterations run.
int RunEm(std::span<const ComparisonVector> vectors, std::span<const int64_t> counts,
          const TrainingOptions& options, uint32_t ignore, uint32_t update_m, bool update_lambda,
          Model* model, bool* converged) {
  double total = 0;
  for (int64_t n : counts) total += static_cast<double>(n);
  *converged = false;
  if (total == 0) return 0;
  // Half a pair of pseudo-count per level: a level never seen among the
  // matches weighs strongly against a link, but not infinitely.
  constexpr double kPseudo = 0.5;
  std::array<std::vector<double>, kComparisonCount> m_num, u_num;
  int it = 0;
  while (it < options.max_iterations) {
    for (int c = 0; c < kComparisonCount; ++c) {
      m_num[c].assign(model->levels[c].size(), 0.0);
      u_num[c].assign(model->levels[c].size(), 0.0);
    }
    double matches = 0;
    const double log_prior = std::log(model->lambda) - std::log1p(-model->lambda);
    for (size_t k = 0; k < vectors.size(); ++k) {
      double log_ratio = log_prior;
      for (int c = 0; c < kComparisonCount; ++c) {
        const int l = vectors[k][c];
        if (IsMissing(c, l) || (ignore >> c & 1)) continue;
        log_ratio += std::log(model->levels[c][l].m) - std::log(model->levels[c][l].u);
      }
      const double p = 1.0 / (1.0 + std::exp(-log_ratio));
      const double n = static_cast<double>(counts[k]);
      matches += n * p;
      for (int c = 0; c < kComparisonCount; ++c) {
        const int l = vectors[k][c];
        if (IsMissing(c, l)) continue;
        m_num[c][l] += n * p;
        u_num[c][l] += n * (1 - p);
      }
    }
    ++it;
    double change = 0;
    if (update_lambda) {
      const double lambda = std::clamp(matches / total, 1e-12, 1 - 1e-12);
      change = std::max(change, std::abs(lambda - model->lambda));
      model->lambda = lambda;
    }
    for (int c = 0; c < kComparisonCount; ++c) {
      if (!(update_m >> c & 1) || (ignore >> c & 1)) continue;
      auto& levels = model->levels[c];
      double msum = 0, usum = 0;
      for (size_t l = 0; l < levels.size(); ++l) {
        msum += m_num[c][l] + kPseudo;
        usum += u_num[c][l] + kPseudo;
      }
      for (size_t l = 0; l < levels.size(); ++l) {
        const double m = (m_num[c][l] + kPseudo) / msum;
        change = std::max(change, std::abs(m - levels[l].m));
        levels[l].m = m;
        if (!options.fix_u) {
          const double u = (u_num[c][l] + kPseudo) / usum;
          change = std::max(change, std::abs(u - levels[l].u));
          levels[l].u = u;
        }
      }
    }
    if (change < options.tolerance) {
      *converged = true;
      break;
    }
  }
  return it;
}

constexpr uint32_t kAll = (1u << kComparisonCount) - 1;
constexpr uint32_t Bit(Comparison c) { return 1u << static_cast<int>(c); }

}  // namespace

void EstimateByEm(std::span<const ComparisonVector> vectors, std::span<const int64_t> counts,
                  const TrainingOptions& options, Model* model) {
  bool converged = false;
  model->training.iterations = RunEm(vectors, counts, options, 0, kAll, true, model, &converged);
  model->training.converged = converged;
}

void EstimateBySessions(std::span<const ComparisonVector> vectors, std::span<const int64_t> counts,
                        const TrainingOptions& options, Model* model) {
  // As Splink trains: EM over pairs that agree on one field, estimating the
  // others' m, so that the agreement blocking forces on non-matches is not
  // mistaken for the matches' (which would drive λ towards 1).
  std::vector<ComparisonVector> same_birth;
  std::vector<int64_t> birth_counts;
  std::vector<double> near_birth(model->levels[1].size(), 0.0);
  double near_total = 0;
  for (size_t k = 0; k < vectors.size(); ++k) {
    const auto& v = vectors[k];
    if (v[1] == static_cast<uint8_t>(BirthLevel::kExact)) {
      same_birth.push_back(v);
      birth_counts.push_back(counts[k]);
    }
    // A number one keystroke from the registry's, or the same phone, and the
    // name the same or same-sounding: pairs that are matches but by rare
    // accident, and say how often matches' birth dates agree, are swapped or
    // one digit off. (A number one digit off alone is not enough: sequence
    // numbers are dense, so a typo often makes another person's first 17 digits.)
    const auto id = static_cast<IdLevel>(v[4]);
    const bool near_id = id == IdLevel::kEqual || id == IdLevel::kOneDigit || id == IdLevel::kTransposed;
    const bool name_agrees = v[0] <= static_cast<uint8_t>(NameLevel::kSameSound);
    if ((near_id || v[5] == static_cast<uint8_t>(PhoneLevel::kEqual)) && name_agrees &&
        !IsMissing(1, v[1])) {
      near_birth[v[1]] += static_cast<double>(counts[k]);
      near_total += static_cast<double>(counts[k]);
    }
  }
  const double lambda = model->lambda;
  bool c1 = false, c2 = true, c3 = false;
  int iterations = 0;
  // Session 1: pairs born the same day; m of everything but the birth date.
  model->lambda = 0.1;
  iterations += RunEm(same_birth, birth_counts, options, Bit(Comparison::kBirthDate),
                      kAll & ~Bit(Comparison::kBirthDate), true, model, &c1);
  // Session 2: the birth date's m from the near-certain matches. Too few of
  // them (a feed without numbers or phones) leaves the starting values, and
  // the report says the model did not converge.
  constexpr double kMinNearPairs = 30;
  if (near_total >= kMinNearPairs) {
    auto& levels = model->levels[1];
    for (size_t l = 0; l < levels.size(); ++l) {
      levels[l].m = (near_birth[l] + 0.5) / (near_total + 0.5 * static_cast<double>(levels.size()));
    }
  } else {
    c2 = false;
  }
  // Session 3: every blocked pair, m and u fixed; λ alone.
  model->lambda = lambda;
  iterations += RunEm(vectors, counts, options, 0, 0, true, model, &c3);
  model->training.iterations = iterations;
  model->training.converged = c1 && c2 && c3;
}

Model TrainModel(const RegistryIndex& index, std::span<const PreparedRecord> records,
                 const Blocking& blocking, std::string source, const TrainingOptions& options) {
  const auto packed = linkage_internal::CompareAll(index, records, blocking);
  return linkage_internal::TrainFromVectors(index, records, packed, std::move(source), options);
}

// ---------------------------------------------------------------------------
// Scores

Score ScorePair(const Model& model, const RegistryIndex& index, const PreparedRecord& record,
                uint32_t person) {
  const ComparisonVector v = Compare(record, index.person(person));
  Score s;
  s.prior_bits = std::log2(model.lambda) - std::log2(1 - model.lambda);
  s.weight = s.prior_bits;
  const double min_tf = index.size() ? 1.0 / static_cast<double>(index.size()) : 1.0;
  for (int c = 0; c < kComparisonCount; ++c) {
    Contribution& k = s.contributions[c];
    k.comparison = static_cast<Comparison>(c);
    k.level = v[c];
    if (IsMissing(c, v[c])) continue;
    const LevelParams& p = model.levels[c][v[c]];
    k.bits = std::log2(p.m) - std::log2(p.u);
    // Term frequency (Splink's tf adjustment): agreeing on a value shared by
    // many persons is weaker evidence than the average agreement the level's u
    // stands for. All three "same name" levels use the exact level's u.
    if (c == static_cast<int>(Comparison::kName) && model.tf_name &&
        v[c] <= static_cast<uint8_t>(NameLevel::kSimplified)) {
      const double tf = std::max(index.NameFrequency(person), min_tf);
      k.tf_bits = std::log2(model.levels[c][0].u) - std::log2(tf);
    }
    if (c == static_cast<int>(Comparison::kBirthDate) && model.tf_birth_date &&
        v[c] == static_cast<uint8_t>(BirthLevel::kExact)) {
      const double tf = std::max(index.BirthDateFrequency(person), min_tf);
      k.tf_bits = std::log2(p.u) - std::log2(tf);
    }
    s.weight += k.bits + k.tf_bits;
  }
  s.probability = 1.0 / (1.0 + std::exp2(-s.weight));
  return s;
}

std::string ExplainScore(const Score& score) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "prior %+.1f", score.prior_bits);
  std::string out = buf;
  for (const Contribution& k : score.contributions) {
    std::snprintf(buf, sizeof buf, "; %s %s %+.1f", std::string(ComparisonName(k.comparison)).c_str(),
                  std::string(LevelName(k.comparison, k.level)).c_str(), k.bits);
    out += buf;
    if (k.tf_bits != 0) {
      std::snprintf(buf, sizeof buf, " (tf %+.1f)", k.tf_bits);
      out += buf;
    }
  }
  std::snprintf(buf, sizeof buf, "; weight %+.1f, probability %.6f", score.weight,
                score.probability);
  return out + buf;
}

// ---------------------------------------------------------------------------
// JSON

namespace {
constexpr std::string_view kFormat = "tacit-linkage-model";
constexpr int kFormatVersion = 1;
}  // namespace

std::string ModelToJson(const Model& model) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["source"] = model.source;
  j["lambda"] = model.lambda;
  j["tf_name"] = model.tf_name;
  j["tf_birth_date"] = model.tf_birth_date;
  nlohmann::ordered_json comparisons = nlohmann::ordered_json::object();
  for (int c = 0; c < kComparisonCount; ++c) {
    nlohmann::ordered_json levels = nlohmann::ordered_json::object();
    for (size_t l = 0; l < model.levels[c].size(); ++l) {
      levels[std::string(LevelName(static_cast<Comparison>(c), static_cast<int>(l)))] = {
          {"m", model.levels[c][l].m}, {"u", model.levels[c][l].u}};
    }
    comparisons[std::string(ComparisonName(static_cast<Comparison>(c)))] = std::move(levels);
  }
  j["comparisons"] = std::move(comparisons);
  j["training"] = {{"pairs", model.training.pairs},
                   {"random_pairs", model.training.random_pairs},
                   {"iterations", model.training.iterations},
                   {"converged", model.training.converged}};
  return j.dump(2);
}

namespace {

Result<Model> ModelFromParsed(const nlohmann::json& j);

}  // namespace

Result<Model> ModelFromJson(std::string_view text) {
  try {
    return ModelFromParsed(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgument(std::string("linkage model: not JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("linkage model: a field has the wrong type: ") + e.what());
  }
}

namespace {

Result<Model> ModelFromParsed(const nlohmann::json& j) {
  auto probability = [](const nlohmann::json& v) {
    return v.is_number() && v.get<double>() > 0 && v.get<double>() < 1;
  };
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return InvalidArgument("linkage model: \"format\" must be \"tacit-linkage-model\"");
  }
  if (j.value("version", 0) != kFormatVersion) {
    return InvalidArgument("linkage model: unsupported \"version\" (expected 1)");
  }
  Model model = InitialModel(j.value("source", ""));
  if (!j.contains("lambda") || !probability(j["lambda"])) {
    return InvalidArgument("linkage model: \"lambda\" must be a number in (0, 1)");
  }
  model.lambda = j["lambda"].get<double>();
  model.tf_name = j.value("tf_name", true);
  model.tf_birth_date = j.value("tf_birth_date", true);
  if (!j.contains("comparisons") || !j["comparisons"].is_object()) {
    return InvalidArgument("linkage model: \"comparisons\" must be an object");
  }
  for (int c = 0; c < kComparisonCount; ++c) {
    const std::string cname(ComparisonName(static_cast<Comparison>(c)));
    const auto& levels = j["comparisons"];
    if (!levels.contains(cname) || !levels[cname].is_object()) {
      return InvalidArgument("linkage model: comparisons." + cname + " is missing");
    }
    for (size_t l = 0; l < model.levels[c].size(); ++l) {
      const std::string lname(LevelName(static_cast<Comparison>(c), static_cast<int>(l)));
      const auto& level = levels[cname];
      if (!level.contains(lname) || !level[lname].is_object() || !level[lname].contains("m") ||
          !level[lname].contains("u") || !probability(level[lname]["m"]) ||
          !probability(level[lname]["u"])) {
        return InvalidArgument("linkage model: comparisons." + cname + "." + lname +
                               " needs m and u in (0, 1)");
      }
      model.levels[c][l] = {level[lname]["m"].get<double>(), level[lname]["u"].get<double>()};
    }
  }
  if (j.contains("training") && j["training"].is_object()) {
    const auto& t = j["training"];
    model.training.pairs = t.value("pairs", int64_t{0});
    model.training.random_pairs = t.value("random_pairs", int64_t{0});
    model.training.iterations = t.value("iterations", 0);
    model.training.converged = t.value("converged", false);
  }
  return model;
}

}  // namespace
}  // namespace linkage
}  // namespace tacit
