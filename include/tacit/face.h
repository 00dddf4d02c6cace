// Face self-certification (人脸识别认证): what a face image shows, how two
// faces compare, and the liveness challenge (活体检测) a pensioner performs in
// front of a camera. Pure: no image decoding and no models here (those are in
// tacit/face_engine.h, the OpenCV target), so the rules are tested on their own
// and the core builds without OpenCV.
//
//   FaceObservation o = engine.Analyse(jpeg_bytes, limits);      // face_engine.h
//   if (o.problem != FaceProblem::kNone) return FaceProblemAdviceZh(o.problem);
//   double s = FaceSimilarity(reference, o.embedding);
//   FaceDecision d = DecideFace(s, policy.face_match_threshold.At(today), policy.face_review_band.At(today));
//
//   LivenessState st = NewLivenessState(DrawLivenessActions(3, allowed), now_ms, now_ms + 60'000);
//   for (each frame as it arrives) AdvanceLiveness(st, engine.Analyse(frame, limits), reference, now_ms, rules);
//   if (st.outcome == LivenessOutcome::kPassed) ...
#ifndef TACIT_FACE_H_
#define TACIT_FACE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

namespace tacit {

struct FacePoint {
  float x = 0, y = 0;
};
struct FaceBox {
  float x = 0, y = 0, width = 0, height = 0;
};

// Why an image cannot be used. The first problem found is reported, in this
// order; kNone for a usable image.
enum class FaceProblem {
  kNone,
  kUndecodable,   // not a JPEG or PNG image, or damaged
  kTooLarge,      // more pixels than an analysis accepts
  kNoFace,        // no face found
  kSeveralFaces,  // more than one face: nobody else may be in the picture
  kTooSmall,      // the face is smaller than the policy's minimum
  kTooDark,       // the face is too dark
  kTooBright,     // the face is overexposed
  kBlurred,       // the face is not sharp enough
  kNotFrontal,    // the head is turned or tilted too far (enrolment)
};
// "none", "undecodable", "too_large", "no_face", "several_faces", "too_small",
// "too_dark", "too_bright", "blurred", "not_frontal".
std::string_view FaceProblemName(FaceProblem problem);
// What the person should do, in plain Chinese for old eyes
// ("未检测到人脸，请正对镜头").
std::string_view FaceProblemAdviceZh(FaceProblem problem);

// What one image shows. The measures are filled as far as the analysis got:
// a kNoFace observation has only the image size.
struct FaceObservation {
  FaceProblem problem = FaceProblem::kNone;
  int width = 0, height = 0;  // the image, pixels
  int faces = 0;              // faces detected
  FaceBox box;                // the largest face
  float detection_score = 0;  // 0-1
  std::array<FacePoint, 68> landmarks{};  // the iBUG 68-point layout, image pixels
  double face_px = 0;      // the face's size: the box's width, pixels
  double brightness = 0;   // mean grey level of the aligned face, 0-255
  double sharpness = 0;    // 100 × variance of the Laplacian / variance of the grey levels, aligned face (150×150)
  double yaw = 0;          // head turn, about -1..1: 0 frontal, > 0 turned to the person's left
  double pitch = 0;        // head tilt: 0 level, > 0 chin up (nose nearer the eyes)
  double eye_openness = 0; // mean eye aspect ratio of both eyes (about 0.3 open, under 0.2 closed)
  double mouth_openness = 0;  // inner-lip gap over mouth width (about 0 closed, over 0.3 open)
  std::vector<float> embedding;  // 128 values, L2-normalised; empty when no face was aligned
};

// The quality an image must have, from the policy (face_* parameters).
struct FaceQualityLimits {
  double min_face_px = 80;
  double min_brightness = 40, max_brightness = 225;
  double min_sharpness = 2;
  double max_yaw = 1.0;    // enrolment demands a frontal face (policy face_enrol_max_yaw)
  double max_pitch = 1.0;
};

// What the service and the server need of the face pipeline. The OpenCV
// engine (tacit/face_engine.h) implements it; code that takes a FaceAnalyser
// builds and links without OpenCV.
class FaceAnalyser {
 public:
  virtual ~FaceAnalyser() = default;
  // Analyses one JPEG or PNG; `detector_size` 320 for camera frames, 416 for
  // enrolment photos. Never fails: problem says why an image is not usable.
  virtual FaceObservation AnalyseImage(std::string_view encoded, const FaceQualityLimits& limits,
                                       int detector_size) const = 0;
  // The recogniser's SHA-256: templates are bound to it.
  virtual const std::string& RecogniserSha256() const = 0;
};

// Cosine similarity of two embeddings, -1..1; 0 when either is empty or they
// differ in length.
double FaceSimilarity(std::span<const float> a, std::span<const float> b);

// The decision on a similarity: at or above the threshold a match, within the
// review band below it a review by staff (never a certification on its own),
// below that no match.
enum class FaceDecision { kMatch, kReview, kNoMatch };
std::string_view FaceDecisionName(FaceDecision d);  // "match", "review", "no_match"
FaceDecision DecideFace(double similarity, double threshold, double review_band);

// A template as stored (before sealing): a version byte, the first 16 hex
// digits of the recogniser's SHA-256 (a template from another model is
// refused, not compared), then the embedding as little-endian float32.
std::string EncodeFaceTemplate(std::span<const float> embedding, std::string_view recogniser_sha256);
// Errors: kFailedPrecondition when the template was made by another
// recogniser (enrol the person again); kDataLoss when the bytes are damaged.
Result<std::vector<float>> DecodeFaceTemplate(std::string_view bytes, std::string_view recogniser_sha256);

// ---- Liveness: the server's random challenge -------------------------------

enum class LivenessAction { kBlink, kOpenMouth, kTurnLeft, kTurnRight };
// "blink", "open_mouth", "turn_left", "turn_right".
std::string_view LivenessActionName(LivenessAction a);
// Errors: kInvalidArgument naming the actions.
Result<LivenessAction> ParseLivenessAction(std::string_view name);
std::string_view LivenessActionZh(LivenessAction a);  // "请眨眼", "请张嘴", "请向左转头", "请向右转头"

// `count` actions drawn by a CSPRNG from `allowed` (the policy's
// face_liveness_actions): never the same action twice in a row, and at least
// one turn when a turn is allowed (a turn is what a photo cannot do).
// REQUIRES: 2 <= count <= 6, allowed has at least two actions.
std::vector<LivenessAction> DrawLivenessActions(int count, std::span<const LivenessAction> allowed);

// Thresholds of the liveness check (policy face_liveness_* parameters).
struct LivenessRules {
  double match_threshold = 0.92;     // the best frontal frame must reach it (else review or no match)
  double review_band = 0.02;
  double frame_min_similarity = 0.88;  // every frame: still the enrolled person
  double track_min_similarity = 0.90;  // consecutive frames: the same face
  double track_max_shift = 0.5;        // consecutive frames: box centre moves ≤ this × face width
  // Head pose is measured against the first frame (the person's own frontal
  // pose: faces and cameras differ): a turn moves yaw by at least turn_yaw,
  // a frontal frame is within frontal_yaw of the start.
  double turn_yaw = 0.18;
  double frontal_yaw = 0.10;
  // A real head turn also foreshortens the far eye: the two eyes' widths
  // must differ by at least this fraction, the right way, on the frame that
  // completes a turn (a photo warped around the nose does not do this).
  double turn_eye_asymmetry = 0.02;
  // Frames this similar to the enrolled template are the enrolment photo
  // itself (or a copy of it), not a new capture: more than
  // max_photo_like_frames of them fail the challenge.
  double max_similarity = 0.995;
  int max_photo_like_frames = 2;
  // A turn counts when this many frames in a row show it.
  int turn_frames = 2;
  double mouth_open_delta = 0.15;      // mouth open: openness this much above its closed baseline
  double mouth_closed_delta = 0.08;    // closed again: within this of the baseline
  double blink_closed_ratio = 0.70;    // eyes closed: openness below this × the open baseline
  double blink_open_ratio = 0.88;      // eyes open again: above this × the baseline
  int max_frames = 150;                // frames a challenge accepts
  int max_lost_frames = 3;             // frames in a row without a usable face
  int min_frames = 6;
};

enum class LivenessOutcome { kPending, kPassed, kFailed };
std::string_view LivenessOutcomeName(LivenessOutcome o);  // "pending", "passed", "failed"

// Why a challenge failed.
enum class LivenessFailure {
  kNone,
  kExpired,         // the deadline passed before the actions were done
  kTooManyFrames,   // more frames than the challenge accepts
  kFaceLost,        // no usable face for several frames in a row
  kSeveralFaces,    // another face came into the picture
  kNotSamePerson,   // a frame does not match the enrolled person
  kTrackingBroken,  // the face jumped between frames: not one continuous face
  kNoMatch,         // the actions were done but a frontal frame did not match well enough
  kEnrolmentPhoto,  // a frame is the enrolment photo itself, not a live capture
  kAbandoned,       // another challenge was started for the person before this one finished
};
std::string_view LivenessFailureName(LivenessFailure f);  // "expired", "too_many_frames", ...
std::string_view LivenessFailureZh(LivenessFailure f);    // for the person: what went wrong, plainly

// The state of one challenge, kept between frames (the server stores it
// sealed: it holds an embedding).
struct LivenessState {
  std::vector<LivenessAction> actions;
  int64_t issued_ms = 0, deadline_ms = 0;
  LivenessOutcome outcome = LivenessOutcome::kPending;
  LivenessFailure failure = LivenessFailure::kNone;
  size_t next_action = 0;   // index into actions of the action awaited
  bool eyes_closed = false; // within a blink: the eyes were seen closed
  double open_baseline = 0; // the highest eye openness seen on a frontal frame
  bool mouth_opened = false;     // within open_mouth: the mouth was seen open
  double mouth_baseline = 1;     // the lowest mouth openness seen on a frontal frame
  bool have_start = false;
  double start_yaw = 0;          // the first face's yaw: the person's frontal pose
  int frames = 0, lost_in_row = 0;
  double min_similarity = 1;       // lowest similarity to the reference over the frames with a face
  double best_frontal_similarity = -1;
  // The identity decision: the lowest similarity of a frontal frame (every
  // frontal frame must reach the threshold, not just one of them).
  double min_frontal_similarity = 2;
  double start_asymmetry = 0;    // the first face's eye-width asymmetry
  int turn_streak = 0;           // frames in a row that show the awaited turn
  int photo_like_frames = 0;     // frames as similar to the template as the enrolment photo
  double max_left_yaw = 0, max_right_yaw = 0;
  bool have_last = false;
  FaceBox last_box;
  std::vector<float> last_embedding;
  FaceDecision decision = FaceDecision::kNoMatch;  // when passed: kMatch or kReview
};

LivenessState NewLivenessState(std::vector<LivenessAction> actions, int64_t issued_ms, int64_t deadline_ms);

// Advances `state` by one frame analysed at server time `now_ms` against the
// enrolled `reference`. A finished state (passed or failed) is left as it is.
// The challenge passes when every action was seen in the order drawn, on at
// least rules.min_frames frames, every frame with a face matched the reference
// at frame_min_similarity (and none at max_similarity: the enrolment photo)
// and continued the previous one (box and embedding), a turn foreshortened the
// far eye on turn_frames frames in a row, and every neutral frontal frame (mouth
// closed, eyes open) reached the review band at least (the decision is the
// lowest of them); it fails on the first frame that
// breaks a rule, or at the deadline. A frame with non-finite measures is lost.
void AdvanceLiveness(LivenessState& state, const FaceObservation& frame, std::span<const float> reference,
                     int64_t now_ms, const LivenessRules& rules);
// Fails a pending state whose deadline has passed (a client that stopped sending).
void ExpireLiveness(LivenessState& state, int64_t now_ms);
// Fails a pending state because another challenge replaced it.
void AbandonLiveness(LivenessState& state);

// The state as JSON text and back (for sealing in the store).
std::string LivenessStateToJson(const LivenessState& state);
// Errors: kDataLoss for text that is not a state.
Result<LivenessState> LivenessStateFromJson(std::string_view text);

// Where the face models are: `flag` when given, else $TACIT_MODEL_DIR, else
// models/face beside the running executable, where the build puts them.
std::string ResolveFaceModelDir(std::string_view flag);

}  // namespace tacit

#endif  // TACIT_FACE_H_
