// The linkage job (概率关联) and its review queue (人工复核): the stored
// records that arrived without a usable identity number are linked to registry
// persons with the probabilistic linker (tacit/linkage.h), one model fitted per
// feed source and kept with what it concluded, under the policy's thresholds:
//   - at or above link_upper_probability, with the best candidate ahead of the
//     second by link_margin_bits, a record of an automatic class
//     (link_automatic_classes: proof of life) is linked ("probabilistic");
//   - a record of any other class (death, sentence, missing...) so placed, or
//     any record between the two probabilities, goes to review: it changes
//     nothing until a reviewer accepts it ("reviewed");
//   - below link_lower_probability, or with no candidate, the record stays
//     unlinked (tried again with `retry`).
// A linked record changes the person's derivation: the store marks the person
// and the next monthly run derives them in full.
//
//   ASSIGN_OR_RETURN(LinkJobReport r, RunLinkJob(store, policy, {.today = Today()}));
#ifndef TACIT_LINK_JOB_H_
#define TACIT_LINK_JOB_H_

#include <functional>
#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

struct LinkJobOptions {
  Date today;
  bool retry = false;             // also try again the records no candidate was found for
  std::string opencc_config = "t2s.json";
  uint64_t seed = 1;              // the random pairs the u probabilities are estimated from
};

struct LinkSourceReport {
  std::string source;
  int64_t model_id = 0;
  int64_t records = 0, linked = 0, review = 0, no_link = 0;
  int64_t comparisons = 0;      // candidate pairs compared
  int64_t capped_records = 0;   // records for which an oversized block was skipped
  bool converged = false;       // the model's training reached its tolerance
  bool pooled = false;          // too few records for a model of its own: the one fitted on every source served
};

struct LinkJobReport {
  int64_t records = 0, linked = 0, review = 0, no_link = 0, comparisons = 0;
  int64_t registry_persons = 0;
  double index_seconds = 0, link_seconds = 0, save_seconds = 0;
  std::vector<LinkSourceReport> sources;
};

// Errors: OpenCC or its data missing (kUnavailable), store errors. Nothing is
// stored unless every source was linked (one unit of work).
Result<LinkJobReport> RunLinkJob(Store& store, const Policy& policy, const LinkJobOptions& options);

// One proposed link as a reviewer sees it: the partner's record and the
// registry person side by side, with each comparison's level and weight.
struct ReviewItem {
  LinkAttempt attempt;
  EvidenceRecord record;        // with the partner's identifying fields
  PersonRecord candidate;
  std::optional<PersonRecord> second;  // the runner-up, when any
  LinkModelRecord model;        // without its JSON
  struct Line {
    std::string comparison;  // "name", "birth_date", ...
    std::string level;       // "same_sound", "month_day_swapped", ...
    double bits = 0;         // weight including the term-frequency adjustment
  };
  std::vector<Line> lines;
};

// Open items (status "open"), or those with `status` ("all": every attempt
// that proposed a candidate), of persons living under `region_prefix`.
Result<std::vector<ReviewItem>> ListReview(Store& store, std::string_view status, const std::string& region_prefix);
// Errors: kNotFound when the record has no proposed link.
Result<ReviewItem> ShowReview(Store& store, int64_t evidence_id);
// Accepts (links the record to the candidate) or rejects an open item, with
// who and why, in one unit of work. `in_unit`, when given, is called inside it
// before it commits: what it records (the server's audit entry) is committed
// with the decision or not at all. Errors: kInvalidArgument without a note,
// kNotFound, kFailedPrecondition when the item was decided already.
Status DecideReview(Store& store, const Policy& policy, int64_t evidence_id, bool accept, const std::string& by,
                    const std::string& note, const std::function<Status()>& in_unit = {});

// What staff read: a list (identity numbers and names masked) and one item
// side by side (the values the reviewer must compare), in Chinese.
std::string ReviewListText(const std::vector<ReviewItem>& items, const Policy& policy);
std::string ReviewItemText(const ReviewItem& item, const Policy& policy);
std::string LinkJobReportText(const LinkJobReport& report);

}  // namespace tacit

#endif  // TACIT_LINK_JOB_H_
