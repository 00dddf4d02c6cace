// Probabilistic record linkage (概率关联): which registry person a partner
// record without a usable identity number belongs to, or none.
//
// A Fellegi–Sunter model, as Splink and Zingg build it:
//   1. Prepare: names are normalised (full-width → ASCII, spaces removed, middle
//      dots unified), converted to simplified characters with OpenCC (t2s), and
//      read as toneless pinyin (Unihan data), once per record.
//   2. Block: only pairs that share a blocking key (birth date; name + birth
//      year; county + surname; the identity number with one segment masked;
//      phone) are compared. Oversized blocks are capped and reported.
//   3. Compare: each pair becomes a comparison vector, one small level per field
//      (name, birth date, sex, region, identity number, phone).
//   4. Train: u (agreement among non-matches) from random pairs, m (agreement
//      among matches) and the prior λ by EM over the blocked pairs, per feed
//      source. The model serialises to JSON so it can be kept with the batch.
//   5. Score: match weight in bits = prior + Σ log2(m/u) + term-frequency
//      adjustments (a common name such as 王秀英 agrees more often by chance than
//      a rare one, so it weighs less); probability = 2^w / (1 + 2^w). Every
//      score carries each comparison's contribution, so a link can be explained.
//   6. Decide: link, review or no link, from thresholds the caller passes in
//      (the policy's, per evidence class), a margin over the second-best
//      candidate, and two hard rules: a record whose identity number is valid
//      (passes the check) but belongs to nobody in the registry is never linked
//      by name, and persons the fields cannot tell apart (same name, sex, birth
//      date and county) always go to review.
//
//   auto simplifier = linkage::Simplifier::Create();          // OpenCC t2s
//   auto index = linkage::RegistryIndex::Build(persons, *simplifier, {}, as_of);
//   auto run = linkage::LinkRecords(*index, records, "health", {}, thresholds);
//   for (const auto& r : run->results) if (r.outcome == linkage::Outcome::kLink) ...
//
// Nothing here logs, and no error text contains a name, identity number or
// phone. Thread safety: a built RegistryIndex, a Simplifier and a Model are
// immutable and may be shared by threads; every function is reentrant.
#ifndef TACIT_LINKAGE_H_
#define TACIT_LINKAGE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/result.h"

namespace tacit::linkage {

// ---------------------------------------------------------------------------
// Records

// The identifying fields of one side of a comparison: a registry person or a
// partner record (store.h's unlinked EvidenceRecord carries the same fields).
// Every field may be empty; empty compares as "missing", never as a mismatch.
struct LinkFields {
  std::string name;             // UTF-8, as written
  Sex sex = Sex::kUnknown;
  std::optional<Date> birth_date;
  std::string region_code;      // residence code, up to 12 digits (2/4/6 prefixes used)
  std::string id_text;          // identity number as sent (any noise)
  std::string phone;            // any punctuation; +86 / 0086 dropped
};

struct RegistryPerson {
  PersonKey key = 0;
  LinkFields fields;  // fields.id_text is the registry's 18-character number
};

// ---------------------------------------------------------------------------
// Chinese text

// Traditional → simplified conversion through OpenCC (Debian libopencc 1.1.6,
// config t2s.json). Characters that t2s leaves alone skip OpenCC entirely, so
// preparing a registry of simplified names costs almost nothing.
class Simplifier {
 public:
  // `config` is an OpenCC config name or path ("t2s.json" is found in OpenCC's
  // data directory). Unavailable when OpenCC or its data is not installed.
  static Result<Simplifier> Create(const std::string& config = "t2s.json");

  // The simplified form of UTF-8 text (華 → 华, 歐陽 → 欧阳).
  std::string ToSimplified(std::string_view utf8) const;
  // True when OpenCC would change the character.
  bool Changes(char32_t c) const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

// Name normalisation without conversion: full-width forms (U+FF01–FF5E) become
// ASCII, ASCII letters upper-case, spaces of every width (ASCII, U+3000,
// U+00A0) are removed, and the middle dots of minority names (· • ・ ‧ ∙ ⋅ ･ and
// a full stop) become U+00B7: "阿卜杜 • 热合曼" → "阿卜杜·热合曼". Invalid UTF-8
// becomes U+FFFD.
std::string NormalizeName(std::string_view utf8);

// Number of leading code points that form the surname: 2 for a compound
// surname (欧阳, 司马, 诸葛, 上官, …, in simplified characters), 1 otherwise, and
// for a name with a middle dot (阿卜杜·热合曼), which has no surname, the length
// of its first part. 0 for an empty name.
// REQUIRES: `name` normalised and simplified.
size_t SurnameLength(std::u32string_view name);

// The toneless pinyin readings of a character, customary reading first
// ("ying" for 英 and 瑛; "dan", "chan", "shan" for 单); empty when the character
// has no Mandarin reading. Ids index SyllableText.
std::span<const uint16_t> PinyinOf(char32_t c);
std::string_view SyllableText(uint16_t id);
// True when a and b are equal or share a toneless reading.
bool SameSound(char32_t a, char32_t b);

// ---------------------------------------------------------------------------
// Comparisons. Each returns a level, strongest agreement first; kMissing when
// either side lacks the field (it then contributes nothing to the score).

enum class NameLevel : uint8_t {
  kExact,           // the same bytes
  kNormalized,      // equal after NormalizeName (width, spaces, dots; dots may be dropped)
  kSimplified,      // equal after traditional → simplified (王建華 / 王建华)
  kSameSound,       // same length, each character equal or same-sounding (王秀瑛 / 王秀英)
  kOneCharDiffers,  // same length and surname, one given-name character differs
  kDifferent,
  kMissing,
};
enum class BirthLevel : uint8_t { kExact, kMonthDaySwapped, kOneDigitOff, kDifferent, kMissing };
enum class SexLevel : uint8_t { kEqual, kDifferent, kMissing };
// Residence codes compared at the finest level both sides give: the same
// village (12 digits), the same township (9), the same county with nothing
// finer on one side, the same county but another township (someone with the
// same name elsewhere in the county is the typical wrong candidate), city,
// province.
enum class RegionLevel : uint8_t {
  kSameVillage, kSameTownship, kSameCounty, kOtherTownship, kSameCity, kSameProvince, kDifferent, kMissing
};
enum class IdLevel : uint8_t {
  kEqual,         // the same 18 characters (after widening a 15-digit number)
  kOneDigit,      // one character differs
  kTransposed,    // two adjacent characters swapped
  kDifferent,
  kMissing,       // absent or unusable (wrong length, other characters)
};
enum class PhoneLevel : uint8_t { kEqual, kDifferent, kMissing };

// A name prepared once: normalised, simplified, as code points.
struct PreparedName {
  std::string raw;               // as written
  std::u32string normalized;     // NormalizeName
  std::u32string simplified;     // Simplifier::ToSimplified of normalized
  uint8_t surname_length = 0;    // SurnameLength(simplified)
};
PreparedName PrepareName(std::string_view utf8, const Simplifier& simplifier);

NameLevel CompareNames(const PreparedName& a, const PreparedName& b);
BirthLevel CompareBirthDates(std::optional<Date> a, std::optional<Date> b);
SexLevel CompareSex(Sex a, Sex b);
RegionLevel CompareRegions(std::string_view a, std::string_view b);
// `sent` is the number as the partner wrote it (normalised and, when 15 digits,
// widened to 18 with ParseIdNumber's rules); `registry` the registry's number.
IdLevel CompareIdNumbers(std::string_view sent, std::string_view registry);
PhoneLevel ComparePhones(std::string_view a, std::string_view b);

// The 18-character form of a number as sent, even when its check fails: the
// normalised text, a 15-digit number widened ("19" inserted, check computed).
// Empty when the text cannot be an identity number (wrong length, other
// characters).
std::string WidenIdText(std::string_view sent);
// Digits of a phone number without country prefix; empty when fewer than 7.
std::string NormalizePhone(std::string_view phone);

enum class Comparison : uint8_t { kName, kBirthDate, kSex, kRegion, kIdNumber, kPhone };
inline constexpr int kComparisonCount = 6;
// Levels of each comparison, kMissing included (it is always the last).
inline constexpr std::array<int, kComparisonCount> kLevelCount = {7, 5, 3, 8, 5, 3};
std::string_view ComparisonName(Comparison c);             // "name", "birth_date", ...
std::string_view LevelName(Comparison c, int level);       // "exact", "month_day_swapped", ...

// One pair's levels, indexed by Comparison.
using ComparisonVector = std::array<uint8_t, kComparisonCount>;

// A record prepared for comparison (both sides use it).
struct PreparedRecord {
  PreparedName name;
  Sex sex = Sex::kUnknown;
  std::optional<Date> birth_date;
  int32_t birth_ymd = 0;          // birth date as the number YYYYMMDD, 0 when missing
  std::string region_code;
  std::string id18;               // WidenIdText, or empty
  IdProblem id_problem = IdProblem::kEmpty;  // ParseIdNumber's verdict on id_text
  std::string phone;              // NormalizePhone
};
PreparedRecord PrepareRecord(const LinkFields& fields, const Simplifier& simplifier, Date as_of);

ComparisonVector Compare(const PreparedRecord& record, const PreparedRecord& person);

// ---------------------------------------------------------------------------
// Registry index and blocking

enum class BlockingRule : uint8_t {
  kBirthDate,      // the same birth date
  kNameBirthYear,  // the same simplified name and birth year
  kCountySurname,  // the same 6-digit county and surname
  kIdMasked,       // the same identity number with one segment masked (area, birth
                   // date, sequence+check) or one segment boundary masked: any one
                   // wrong digit or adjacent transposition still meets its number
  kPhone,          // the same phone number
};
inline constexpr int kBlockingRuleCount = 5;
std::string_view BlockingRuleName(BlockingRule r);

struct BlockingOptions {
  // A record meets at most this many registry persons through one rule's block;
  // a larger block is skipped for that record and reported (a very common
  // name + year, or surname 王 in a large county). Default 1000.
  int max_block_size = 1000;
};

struct RuleReport {
  int64_t pairs = 0;            // pairs this rule produced (before deduplication)
  int64_t capped_records = 0;   // records for which this rule's block was skipped
  int64_t capped_pairs = 0;     // the pairs those skipped blocks would have produced
};
struct BlockingReport {
  int64_t records = 0;
  int64_t comparisons = 0;      // distinct (record, person) pairs compared
  int64_t records_without_candidates = 0;
  std::array<RuleReport, kBlockingRuleCount> rules;
};

// The registry prepared for linkage: prepared persons, blocking indexes, the
// term frequencies of names and birth dates, and which persons share their
// (name, sex, birth date, county) with another person.
class RegistryIndex {
 public:
  // Prepares every person (REQUIRES: distinct keys). `as_of` bounds birth dates.
  static Result<RegistryIndex> Build(std::span<const RegistryPerson> persons,
                                     const Simplifier& simplifier, const BlockingOptions& options,
                                     Date as_of);

  size_t size() const;
  PersonKey key(uint32_t person) const;
  const PreparedRecord& person(uint32_t person) const;
  const Simplifier& simplifier() const;
  Date as_of() const;
  // Index of the person with this identity number, if any.
  std::optional<uint32_t> Find(PersonKey key) const;
  // Share of registry persons with this person's simplified name / birth date.
  double NameFrequency(uint32_t person) const;
  double BirthDateFrequency(uint32_t person) const;
  // True when another person has the same simplified name, sex, birth date and
  // county: the fields cannot tell them apart.
  bool HasTwin(uint32_t person) const;

  // The candidate persons of one record, sorted and distinct; adds to `report`.
  std::vector<uint32_t> Candidates(const PreparedRecord& record, BlockingReport* report) const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

struct CandidatePair {
  uint32_t record = 0;  // index into the records
  uint32_t person = 0;  // index into the registry
};
struct Blocking {
  std::vector<CandidatePair> pairs;  // ordered by record, then person
  BlockingReport report;
};
Blocking BlockPairs(const RegistryIndex& index, std::span<const PreparedRecord> records);

// ---------------------------------------------------------------------------
// Model

struct LevelParams {
  double m = 0;  // P(level | the pair is the same person)
  double u = 0;  // P(level | different persons)
};

struct TrainingOptions {
  uint64_t seed = 1;                // random-pair sampling (injected for tests)
  int64_t random_pairs = 1'000'000; // sampled record × person pairs for u
  int max_iterations = 100;
  double tolerance = 1e-7;          // stop when no parameter moves more than this
  bool fix_u = true;                // keep u from random pairs (Splink's default)
  bool tf_name = true;              // term-frequency adjustment of exact name levels
  bool tf_birth_date = true;        // and of the exact birth date level
};

struct TrainingReport {
  int64_t pairs = 0;         // blocked pairs EM ran over
  int64_t random_pairs = 0;  // pairs u was estimated from
  int iterations = 0;
  bool converged = false;
};

// A fitted Fellegi–Sunter model for one feed source.
struct Model {
  std::string source;
  double lambda = 1e-4;  // prior: P(a blocked pair is a match)
  // Non-missing levels of each comparison (kLevelCount[c] - 1 entries).
  std::array<std::vector<LevelParams>, kComparisonCount> levels;
  bool tf_name = true;
  bool tf_birth_date = true;
  TrainingReport training;
};

// A model with starting values (m decreasing from the strongest level, u
// increasing), before training; also what EM starts from.
Model InitialModel(std::string source);
// u from random pairs; m of every field but the birth date by EM over the pairs
// born the same day (a Splink training session: blocking forces that field to
// agree, so it is left out); the birth date's m from near-certain matches (an
// identity number one keystroke off, or the same phone, with the name
// agreeing), at least 30 of them,
// else the starting values stay and training.converged is false; then λ by EM
// over all blocked pairs with m and u fixed. Deterministic for a given seed.
Model TrainModel(const RegistryIndex& index, std::span<const PreparedRecord> records,
                 const Blocking& blocking, std::string source, const TrainingOptions& options);
// Plain EM over comparison vectors with counts: m (and u unless fixed) of every
// comparison and λ. Missing levels are left out.
void EstimateByEm(std::span<const ComparisonVector> vectors, std::span<const int64_t> counts,
                  const TrainingOptions& options, Model* model);
// The sessions TrainModel runs, over vectors with counts.
void EstimateBySessions(std::span<const ComparisonVector> vectors, std::span<const int64_t> counts,
                        const TrainingOptions& options, Model* model);

std::string ModelToJson(const Model& model);
// Errors: invalid argument naming the path that is wrong (no personal data).
Result<Model> ModelFromJson(std::string_view json);

// ---------------------------------------------------------------------------
// Scores

struct Contribution {
  Comparison comparison = Comparison::kName;
  uint8_t level = 0;
  double bits = 0;     // log2(m/u); 0 for a missing field
  double tf_bits = 0;  // term-frequency adjustment (exact name or birth date)
};
struct Score {
  double prior_bits = 0;  // log2(λ / (1 − λ))
  double weight = 0;      // prior + Σ bits + Σ tf_bits
  double probability = 0;
  std::array<Contribution, kComparisonCount> contributions;
};
Score ScorePair(const Model& model, const RegistryIndex& index, const PreparedRecord& record,
                uint32_t person);
// "name exact +9.1 (tf −2.3); birth_date month_day_swapped +6.0; ..." — levels
// and bits only, no values, so it can be logged and stored.
std::string ExplainScore(const Score& score);

// ---------------------------------------------------------------------------
// Decision

struct Thresholds {
  // A link is automatic at or above this probability (policy, per evidence class).
  double upper = 0.9999;
  // Below this there is no link; between the two the pair goes to review.
  double lower = 0.9;
  // The best candidate must lead the second best by this many bits (factor 2^n),
  // else review. Default 10 bits (≈ 1000:1).
  double min_margin_bits = 10;
  // False for evidence that must never change money by itself (adverse classes:
  // death, sentence, missing, declared dead): the best is review, never a link.
  bool automatic = true;
};

enum class Outcome : uint8_t { kLink, kReview, kNoLink };
enum class Reason : uint8_t {
  kAboveUpper,           // link
  kBetweenThresholds,    // review
  kNotAutomatic,         // review: the evidence class never links automatically
  kSmallMargin,          // review: the second best is too close
  kIndistinguishable,    // review: another person has the same name, sex, birth date, county
  kBelowLower,           // no link
  kNoCandidate,          // no link: blocking found nobody
  kValidIdNotInRegistry, // no link: the number passes the check and is nobody's in the registry
};
std::string_view OutcomeName(Outcome o);
std::string_view ReasonName(Reason r);

struct ScoredCandidate {
  uint32_t person = 0;
  Score score;
};

struct LinkResult {
  uint32_t record = 0;
  Outcome outcome = Outcome::kNoLink;
  Reason reason = Reason::kNoCandidate;
  std::optional<ScoredCandidate> best;    // the best candidate, when any
  std::optional<ScoredCandidate> second;  // the runner-up, when any
  int candidates = 0;
};

// The decision for one record over its scored candidates (any order).
// A record whose id_problem is kOk (a valid number, not in the registry, since
// it would have been linked exactly) is never linked by name: only a candidate
// whose number equals it could be, and otherwise the result is kNoLink.
LinkResult Decide(uint32_t record_index, const PreparedRecord& record,
                  std::vector<ScoredCandidate> candidates, const RegistryIndex& index,
                  const Thresholds& thresholds);

struct LinkRun {
  Model model;
  BlockingReport blocking;
  std::vector<LinkResult> results;  // one per record, in input order
};

// The whole job for one feed source's unlinked records: prepare, block, train,
// score, decide. Errors: invalid argument when a threshold is out of range.
Result<LinkRun> LinkRecords(const RegistryIndex& index, std::span<const LinkFields> records,
                            std::string source, const TrainingOptions& training,
                            const Thresholds& thresholds);
// The same with a model already fitted (e.g. the one stored with a batch).
Result<LinkRun> LinkRecordsWithModel(const RegistryIndex& index, std::span<const LinkFields> records,
                                     const Model& model, const Thresholds& thresholds);

}  // namespace tacit::linkage

#endif  // TACIT_LINKAGE_H_
