#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "tacit/face.h"

namespace tacit {
namespace {

using A = LivenessAction;

// Eye corners as a real head turn leaves them: the eye on the side the nose
// moves towards narrows (asymmetry -0.2 × yaw).
void SetEyeWidths(FaceObservation& o, double yaw) {
  const float l = static_cast<float>(20 * (1 + 0.2 * yaw)), r = static_cast<float>(20 * (1 - 0.2 * yaw));
  o.landmarks[36] = {260, 200};
  o.landmarks[39] = {260 + l, 200};
  o.landmarks[42] = {340, 200};
  o.landmarks[45] = {340 + r, 200};
}

// A frame as the engine would report it: the enrolled face (embedding e1),
// frontal, eyes open, mouth closed, in the middle of a 640×480 frame.
FaceObservation Frame(double yaw = 0, double eyes = 0.30, double mouth = 0.05,
                      std::vector<float> emb = {0.98f, 0.19900f, 0}) {
  FaceObservation o;
  o.width = 640;
  o.height = 480;
  o.faces = 1;
  o.box = {220, 140, 200, 200};
  o.face_px = 200;
  o.yaw = yaw;
  o.eye_openness = eyes;
  o.mouth_openness = mouth;
  o.embedding = emb;
  SetEyeWidths(o, yaw);
  return o;
}
const std::vector<float> kReference = {1, 0, 0};

struct Challenge {
  LivenessState state;
  LivenessRules rules;
  int64_t now = 1000;
  // One frame per turn keeps the sequences short; TurnsNeedFramesInARow checks the default.
  explicit Challenge(std::vector<A> actions) : state(NewLivenessState(std::move(actions), 1000, 61'000)) {
    rules.turn_frames = 1;
  }
  Challenge& Feed(const FaceObservation& f, int64_t step_ms = 100) {
    now += step_ms;
    AdvanceLiveness(state, f, kReference, now, rules);
    return *this;
  }
  Challenge& Frontal(int n) {
    for (int i = 0; i < n; ++i) Feed(Frame());
    return *this;
  }
};

TEST(Liveness, TheActionsInOrderPass) {
  Challenge r({A::kTurnLeft, A::kOpenMouth, A::kTurnRight, A::kBlink});
  r.Frontal(3);
  r.Feed(Frame(0.1)).Feed(Frame(0.2)).Feed(Frame(0.05));              // left
  r.Feed(Frame(0, 0.3, 0.3)).Feed(Frame(0, 0.3, 0.06));              // mouth open, closed
  r.Feed(Frame(-0.1)).Feed(Frame(-0.25));                            // right
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPending);
  r.Feed(Frame(0, 0.15)).Feed(Frame(0, 0.29));                       // blink
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPassed) << LivenessFailureName(r.state.failure);
  EXPECT_EQ(r.state.decision, FaceDecision::kMatch);
  EXPECT_TRUE(r.state.last_embedding.empty()) << "nothing biometric kept after the challenge";
}

TEST(Liveness, AStillPhotoNeverPassesAndExpires) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  for (int i = 0; i < 70; ++i) r.Feed(Frame(), 1000);
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kFailed);
  EXPECT_EQ(r.state.failure, LivenessFailure::kExpired);
}

TEST(Liveness, ActionsOutOfOrderDoNotCount) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  r.Frontal(6);
  r.Feed(Frame(-0.3)).Feed(Frame(0));  // right first: waits for left
  EXPECT_EQ(r.state.next_action, 0u);
  r.Feed(Frame(0.3)).Feed(Frame(0));
  EXPECT_EQ(r.state.next_action, 1u);
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPending);
  r.Feed(Frame(-0.3)).Feed(Frame(0));
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPassed);
}

TEST(Liveness, PoseIsMeasuredFromThePersonsOwnStart) {
  // A face that looks slightly aside at rest: its start is its frontal pose.
  Challenge r({A::kTurnLeft, A::kTurnRight});
  for (int i = 0; i < 6; ++i) r.Feed(Frame(0.2));
  r.Feed(Frame(0.3));  // only 0.1 from the start: not a turn
  EXPECT_EQ(r.state.next_action, 0u);
  r.Feed(Frame(0.4)).Feed(Frame(0.2)).Feed(Frame(0.0)).Feed(Frame(0.2));
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPassed);
}

TEST(Liveness, AnotherPersonFailsAtOnce) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  r.Frontal(2).Feed(Frame(0, 0.3, 0.05, {0.8f, 0.6f, 0}));  // cosine 0.8
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kFailed);
  EXPECT_EQ(r.state.failure, LivenessFailure::kNotSamePerson);
}

TEST(Liveness, ASecondFaceFails) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  FaceObservation two = Frame();
  two.problem = FaceProblem::kSeveralFaces;
  two.faces = 2;
  r.Frontal(2).Feed(two);
  EXPECT_EQ(r.state.failure, LivenessFailure::kSeveralFaces);
}

TEST(Liveness, AFaceThatJumpsIsNotTracked) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  FaceObservation moved = Frame();
  moved.box.x += 180;  // 0.9 face widths in one frame
  r.Frontal(2).Feed(moved);
  EXPECT_EQ(r.state.failure, LivenessFailure::kTrackingBroken);
}

TEST(Liveness, ASwappedFaceOfTheSamePersonBreaksTheTrack) {
  // Both match the reference at the frame minimum, but not each other:
  // one photo swapped for another.
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  r.rules.frame_min_similarity = 0.85;
  r.Feed(Frame(0, 0.3, 0.05, {0.9f, 0.43589f, 0}));
  r.Feed(Frame(0, 0.3, 0.05, {0.9f, -0.43589f, 0}));
  EXPECT_EQ(r.state.failure, LivenessFailure::kTrackingBroken);
}

TEST(Liveness, AFewLostFramesAreForgivenManyAreNot) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  FaceObservation none;
  none.problem = FaceProblem::kNoFace;
  r.Frontal(2).Feed(none).Feed(none).Feed(none).Feed(Frame());
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPending);
  r.Feed(none).Feed(none).Feed(none).Feed(none);
  EXPECT_EQ(r.state.failure, LivenessFailure::kFaceLost);
}

TEST(Liveness, AWeakMatchPassesForReviewOnly) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  const std::vector<float> weak = {0.91f, 0.41461f, 0};  // cosine 0.91: in the review band below 0.92
  for (int i = 0; i < 6; ++i) r.Feed(Frame(0, 0.3, 0.05, weak));
  r.Feed(Frame(0.3, 0.3, 0.05, weak)).Feed(Frame(-0.3, 0.3, 0.05, weak)).Feed(Frame(0, 0.3, 0.05, weak));
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPassed);
  EXPECT_EQ(r.state.decision, FaceDecision::kReview);
}

TEST(Liveness, ATurnWithoutTheFarEyeForeshortenedDoesNotCount) {
  // A photo warped around the nose: the yaw measure moves, the eyes do not.
  Challenge r({A::kTurnLeft, A::kTurnRight});
  r.Frontal(6);
  FaceObservation warped = Frame(0.3);
  SetEyeWidths(warped, 0);
  r.Feed(warped).Feed(Frame(0));
  EXPECT_EQ(r.state.next_action, 0u);
  r.Feed(Frame(0.3)).Feed(Frame(0));
  EXPECT_EQ(r.state.next_action, 1u);
}

TEST(Liveness, TheEnrolmentPhotoItselfFails) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  const FaceObservation photo = Frame(0, 0.3, 0.05, {0.9999f, 0.01f, 0});
  r.Feed(photo).Feed(photo);
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPending) << "a still moment or two is forgiven";
  r.Feed(photo);
  EXPECT_EQ(r.state.failure, LivenessFailure::kEnrolmentPhoto);
}

TEST(Liveness, TurnsNeedFramesInARow) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  r.rules = LivenessRules{};
  r.Frontal(6).Feed(Frame(0.3)).Feed(Frame(0));
  EXPECT_EQ(r.state.next_action, 0u) << "one frame's noise is not a turn";
  r.Feed(Frame(0.3)).Feed(Frame(0.32));
  EXPECT_EQ(r.state.next_action, 1u);
}

TEST(Liveness, AnOpenMouthDoesNotCountAgainstTheIdentityDecision) {
  Challenge r({A::kOpenMouth, A::kTurnLeft});
  const std::vector<float> open_mouth = {0.905f, 0.42544f, 0};  // 0.905: in the review band
  r.Frontal(6).Feed(Frame(0, 0.3, 0.4, open_mouth)).Feed(Frame()).Feed(Frame(0.3)).Feed(Frame(0));
  ASSERT_EQ(r.state.outcome, LivenessOutcome::kPassed) << LivenessFailureName(r.state.failure);
  EXPECT_EQ(r.state.decision, FaceDecision::kMatch);
}

TEST(Liveness, AStateStoredBeforeNewFieldsStillLoads) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  r.Frontal(2);
  nlohmann::json j = nlohmann::json::parse(LivenessStateToJson(r.state));
  for (const char* added : {"min_frontal_similarity", "start_asymmetry", "turn_streak", "photo_like_frames"}) {
    j.erase(added);
  }
  auto back = LivenessStateFromJson(j.dump());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->frames, 2);
}

TEST(Liveness, EveryFrontalFrameMustMatchNotJustTheBest) {
  // A good first frame, then frontal frames in the review band: review, not match.
  Challenge r({A::kTurnLeft, A::kTurnRight});
  r.rules.track_min_similarity = 0.8;
  const std::vector<float> good = {0.98f, 0.19900f, 0}, weak = {0.91f, 0.41461f, 0};
  r.Feed(Frame(0, 0.3, 0.05, good));
  for (int i = 0; i < 5; ++i) r.Feed(Frame(0, 0.3, 0.05, weak));
  r.Feed(Frame(0.3, 0.3, 0.05, weak)).Feed(Frame(-0.3, 0.3, 0.05, weak)).Feed(Frame(0, 0.3, 0.05, weak));
  ASSERT_EQ(r.state.outcome, LivenessOutcome::kPassed);
  EXPECT_EQ(r.state.decision, FaceDecision::kReview);
}

TEST(Liveness, NonFiniteMeasuresAreLostFramesNotDecisions) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  FaceObservation nan = Frame(std::nan(""));
  r.Frontal(2).Feed(nan);
  EXPECT_EQ(r.state.lost_in_row, 1);
  FaceObservation nan_embedding = Frame(0, 0.3, 0.05, {std::nanf(""), 0, 0});
  r.Feed(nan_embedding).Feed(nan_embedding).Feed(nan_embedding);
  EXPECT_EQ(r.state.failure, LivenessFailure::kFaceLost);
  EXPECT_TRUE(LivenessStateFromJson(LivenessStateToJson(r.state)));
}

TEST(Liveness, TooManyFramesFail) {
  Challenge r({A::kTurnLeft, A::kOpenMouth});
  r.rules.max_frames = 10;
  r.Frontal(11);
  EXPECT_EQ(r.state.failure, LivenessFailure::kTooManyFrames);
}

TEST(Liveness, AFinishedChallengeIgnoresMoreFrames) {
  Challenge r({A::kTurnLeft, A::kTurnRight});
  r.Frontal(6).Feed(Frame(0.3)).Feed(Frame(-0.3)).Feed(Frame(0));
  ASSERT_EQ(r.state.outcome, LivenessOutcome::kPassed);
  r.Feed(Frame(0, 0.3, 0.05, {0, 1, 0}));
  EXPECT_EQ(r.state.outcome, LivenessOutcome::kPassed);
}

TEST(Liveness, StateRoundTripsThroughJson) {
  Challenge r({A::kOpenMouth, A::kTurnLeft, A::kBlink});
  r.Frontal(3).Feed(Frame(0, 0.3, 0.4));
  auto back = LivenessStateFromJson(LivenessStateToJson(r.state));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->actions, r.state.actions);
  EXPECT_EQ(back->mouth_opened, true);
  EXPECT_EQ(back->frames, r.state.frames);
  EXPECT_EQ(back->last_embedding, r.state.last_embedding);
  EXPECT_EQ(LivenessStateToJson(*back), LivenessStateToJson(r.state));
  EXPECT_FALSE(LivenessStateFromJson("{}"));
  EXPECT_FALSE(LivenessStateFromJson("not json"));
  EXPECT_FALSE(LivenessStateFromJson(R"({"actions":["fly"]})"));
}

TEST(Liveness, DrawsFromTheAllowedActionsWithATurnAndNoRepeats) {
  const std::vector<A> allowed = {A::kOpenMouth, A::kTurnLeft, A::kTurnRight};
  std::map<A, int> seen;
  for (int i = 0; i < 300; ++i) {
    const auto actions = DrawLivenessActions(3, allowed);
    ASSERT_EQ(actions.size(), 3u);
    bool turn = false;
    for (size_t k = 0; k < actions.size(); ++k) {
      ++seen[actions[k]];
      EXPECT_NE(actions[k], A::kBlink);
      if (k > 0) {
        EXPECT_NE(actions[k], actions[k - 1]);
      }
      turn = turn || actions[k] == A::kTurnLeft || actions[k] == A::kTurnRight;
    }
    EXPECT_TRUE(turn);
  }
  EXPECT_GT(seen[A::kOpenMouth], 100);
  EXPECT_GT(seen[A::kTurnLeft], 100);
  EXPECT_GT(seen[A::kTurnRight], 100);
}

}  // namespace
}  // namespace tacit
