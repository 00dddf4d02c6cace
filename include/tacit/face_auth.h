// Face self-certification as the agency runs it (人脸识别认证): enrolment, a
// staff-assisted check of photos, and the citizen's liveness challenge; the
// attempt limits, the evidence a success becomes, and the cases a doubtful or
// impossible result opens. Transport-free: `tacit face` and the server call it
// with observations the engine made (tacit/face_engine.h) outside any unit of
// work; these functions only read and write the store, and open no unit of
// work themselves, so the caller commits them with their audit entry.
//
//   FaceAuthContext ctx{store, policy, secrets, engine.recogniser_sha256()};
//   FaceObservation o = engine.Analyse(photo, EnrolLimits(policy, today), {.detector_size = 416});
//   ASSIGN_OR_RETURN(FaceEnrolment e, EnrolFace(ctx, person, o, photo, "王经办", now_ms));
//
//   ASSIGN_OR_RETURN(FaceChallengeStart c, StartFaceChallenge(ctx, person, device, "citizen", now_ms));
//   ... frames arrive ...
//   ASSIGN_OR_RETURN(FaceChallengeStatus s, AdvanceFaceChallenge(ctx, c.id, observations, now_ms));
//
// What a passed challenge becomes: evidence of kind face_auth, source agency,
// ref "face/<challenge id>", with the scores in its detail; the person's
// summary index at once. A person recorded as dead who passes opens a
// fraud-suspicion case (face_after_death). A match in the review band opens a
// face_review case and certifies nobody. Failures past the policy's
// face_failures_before_case open a face_failures case that sends staff to
// another method (bank terminal, home visit) instead of more retries.
#ifndef TACIT_FACE_AUTH_H_
#define TACIT_FACE_AUTH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/face.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {

struct FaceAuthContext {
  Store& store;
  const Policy& policy;
  const Secrets& secrets;
  std::string recogniser_sha256;  // the loaded recogniser's: templates are bound to it
};

// The image quality the policy asks of camera frames and of enrolment photos
// on `on` (face_* parameters).
FaceQualityLimits FrameLimits(const Policy& policy, Date on);
FaceQualityLimits EnrolLimits(const Policy& policy, Date on);
// The liveness rules the policy sets on `on`.
LivenessRules LivenessRulesOf(const Policy& policy, Date on);

// The pseudonym a device or address is kept under (never the address).
std::string FaceDevicePseudonym(const Secrets& secrets, std::string_view device);

// Why a request was not carried out. Refusals are answers: the person is told
// what to do.
enum class FaceRefusal {
  kNone,
  kNotEnrolled,        // no enrolled face: enrol first (social-security card photo or a counter)
  kTemplateStale,      // enrolled under another recognition model: enrol again
  kDailyLimit,         // face_max_attempts_per_day reached
  kDeviceLimit,        // face_device_max_attempts_per_hour reached for this device
  kCoolingDown,        // face_cooldown_failures failures in a row: wait
  kUnknownChallenge,   // no such challenge (or not this person's)
  kChallengeFinished,  // the challenge passed or failed already
  kFramesOutOfOrder,   // first_frame is beyond the frames received: some were lost
};
// "not_enrolled", "template_stale", "daily_limit", "device_limit", "cooling_down",
// "unknown_challenge", "challenge_finished"; "none".
std::string_view FaceRefusalName(FaceRefusal r);

struct FaceEnrolment {
  bool enrolled = false;
  bool replaced = false;                     // an earlier template was replaced
  bool mismatch = false;                     // not enrolled: the photo is of another face than the enrolled one
  int64_t case_id = 0;                       // the face_reenrol case a mismatch opened
  FaceProblem problem = FaceProblem::kNone;  // why not
  std::string message;                       // for staff, Chinese with English
};

// Enrols `person` from an enrolment photo's observation (analysed with
// EnrolLimits). The template is sealed (context "face-template:<key>"); the
// photo is kept sealed only when the policy's face_keep_enrolment_photo says so.
// A person enrolled already keeps their template when the new photo does not
// match it (below the review band): a face_reenrol case asks a reviewer,
// unless `replace_different` (an administrator who checked) says to replace it.
// Errors: the store's; kNotFound for an unknown person.
Result<FaceEnrolment> EnrolFace(const FaceAuthContext& ctx, PersonKey person, const FaceObservation& photo_observation,
                                std::string_view photo, std::string_view by, int64_t now_ms,
                                bool replace_different = false);

struct FaceAttemptOutcome {
  FaceRefusal refusal = FaceRefusal::kNone;
  std::string message;      // for the person or staff, Chinese with English
  FaceDecision decision = FaceDecision::kNoMatch;
  double similarity = 0;    // the best over the usable photos
  int usable = 0;           // photos with a usable face
  int64_t attempt_id = 0;
  int64_t evidence_id = 0;  // in-person match: the face_auth evidence
  int64_t case_id = 0;      // a case it opened
};

// Staff-assisted verification: compares photos of the person (taken at a
// counter or a visit) with the enrolled template. Recorded as an attempt in
// every case; certifies (face_auth evidence, liveness "in_person", by named)
// only when `in_person` — the member of staff saw the person — and the best
// photo matches. A photo alone proves nothing about liveness. The remote
// attempt limits do not apply: a member of staff is there.
Result<FaceAttemptOutcome> VerifyFacePhotos(const FaceAuthContext& ctx, PersonKey person,
                                            std::span<const FaceObservation> photos, std::string_view device,
                                            std::string_view by, bool in_person, int64_t now_ms);

// A pending challenge a new start closed, for the caller's audit trail.
struct AbandonedChallenge {
  std::string id;
  LivenessFailure failure = LivenessFailure::kAbandoned;  // kExpired when its time had run out
  int64_t case_id = 0;  // a face_failures case it opened
};

struct FaceChallengeStart {
  FaceRefusal refusal = FaceRefusal::kNone;
  std::vector<AbandonedChallenge> abandoned;  // closed by this start, even when it is refused
  std::string message;
  int64_t retry_after_ms = 0;  // cooling down: when to come back
  std::string id;              // 32 hex digits
  std::vector<LivenessAction> actions;
  int64_t deadline_ms = 0;
};

// Draws a challenge for `person` after checking the enrolment and the limits.
// A challenge of the person still pending is abandoned first and counts as a
// failed attempt: one challenge at a time, and drawing again until the
// actions suit costs attempts. `device` is the authenticated session or
// terminal (kept as a pseudonym); `actor` who asks ("citizen", or the staff
// user assisting).
Result<FaceChallengeStart> StartFaceChallenge(const FaceAuthContext& ctx, PersonKey person, std::string_view device,
                                              std::string_view actor, int64_t now_ms);

struct FaceChallengeStatus {
  FaceRefusal refusal = FaceRefusal::kNone;
  std::string message;
  std::string id;
  PersonKey person = 0;
  LivenessOutcome outcome = LivenessOutcome::kPending;
  LivenessFailure failure = LivenessFailure::kNone;
  std::vector<LivenessAction> actions;
  size_t next_action = 0;       // the action awaited (== actions.size() when all done)
  int frames = 0;
  FaceProblem last_problem = FaceProblem::kNone;  // of the last frame: what to fix
  FaceDecision decision = FaceDecision::kNoMatch;
  double similarity = 0;        // the decision's: the lowest frontal frame's
  int64_t deadline_ms = 0;
  int64_t evidence_id = 0;
  int64_t case_id = 0;
  std::string next_step_zh;     // what the person should do now
  bool finished_now = false;    // this call finished it (the caller audits the outcome once)
};

// Feeds frames (in the order taken) to challenge `id` and, when it finishes,
// records the attempt and what it leads to (evidence, cases). `frames` may be
// empty: the challenge's status, expired if its time is up. `first_frame`,
// when given, is the index of frames[0] in the whole sequence (the count the
// client sent before): frames received already are skipped, so a batch
// resent after a lost answer changes nothing; a gap is refused.
Result<FaceChallengeStatus> AdvanceFaceChallenge(const FaceAuthContext& ctx, std::string_view id,
                                                 std::span<const FaceObservation> frames, int64_t now_ms,
                                                 std::optional<int> first_frame = std::nullopt);

}  // namespace tacit

#endif  // TACIT_FACE_AUTH_H_
