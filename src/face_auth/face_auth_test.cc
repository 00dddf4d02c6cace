#include "tacit/face_auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/test_store.h"
#include "tacit/casework.h"

namespace tacit {
namespace {

constexpr char kModel[] = "d7eeaa8b2fe63422bd0fa3e186e7d7af849691a4f21178843818a33d83a26e03";

FaceObservation Seen(std::vector<float> emb, double yaw = 0, double mouth = 0.05) {
  FaceObservation o;
  o.width = 640;
  o.height = 480;
  o.faces = 1;
  o.box = {220, 140, 200, 200};
  o.face_px = 200;
  o.brightness = 120;
  o.sharpness = 200;
  o.yaw = yaw;
  o.eye_openness = 0.3;
  o.mouth_openness = mouth;
  o.embedding = std::move(emb);
  // Eye corners as a real turn leaves them: the eye the nose moves towards narrows.
  const float l = static_cast<float>(20 * (1 + 0.2 * yaw)), r = static_cast<float>(20 * (1 - 0.2 * yaw));
  o.landmarks[36] = {260, 200};
  o.landmarks[39] = {260 + l, 200};
  o.landmarks[42] = {340, 200};
  o.landmarks[45] = {340 + r, 200};
  return o;
}
const std::vector<float> kMe = {0.98f, 0.19900f, 0};  // a live capture: 0.98 to the enrolled template
const std::vector<float> kEnrolled = {1, 0, 0};
const std::vector<float> kStranger = {0.6f, 0.8f, 0};

// A store with one enrollable person and the default policy.
class FaceAuthTest : public OnePersonStoreTest {
 protected:
  void SetUp() override {
    OnePersonStoreTest::SetUp();
    if (HasFatalFailure()) return;
    person_ = row_.person.key;
    ctx_ = std::make_unique<FaceAuthContext>(FaceAuthContext{*store_, policy_, secrets_, kModel});
  }
  void TearDown() override {
    ctx_.reset();
    OnePersonStoreTest::TearDown();
  }
  void Enrol() {
    auto e = EnrolFace(*ctx_, person_, Seen(kEnrolled), "jpeg bytes", "王经办", now_);
    ASSERT_TRUE(e) << e.error().ToString();
    ASSERT_TRUE(e->enrolled) << e->message;
  }
  // Runs a challenge with frames that perform whatever it asks.
  FaceChallengeStatus Perform(const std::vector<float>& who, const std::string& device = "10.0.0.1") {
    auto start = StartFaceChallenge(*ctx_, person_, device, "citizen", now_);
    EXPECT_TRUE(start) << start.error().ToString();
    EXPECT_EQ(start->refusal, FaceRefusal::kNone) << start->message;
    std::vector<FaceObservation> frames(6, Seen(who));
    for (auto a : start->actions) {
      switch (a) {
        case LivenessAction::kTurnLeft: frames.insert(frames.end(), 2, Seen(who, 0.3)); break;
        case LivenessAction::kTurnRight: frames.insert(frames.end(), 2, Seen(who, -0.3)); break;
        case LivenessAction::kOpenMouth: frames.push_back(Seen(who, 0, 0.4)); break;
        case LivenessAction::kBlink: {
          FaceObservation closed = Seen(who);
          closed.eye_openness = 0.1;
          frames.push_back(closed);
          break;
        }
      }
      frames.push_back(Seen(who));
    }
    now_ += 5000;
    auto s = AdvanceFaceChallenge(*ctx_, start->id, frames, now_);
    EXPECT_TRUE(s) << s.error().ToString();
    return *s;
  }

  Secrets secrets_ = Secrets::FromBytesForTest(std::string(32, 's'));
  int64_t now_ = static_cast<int64_t>(today_.days()) * 86'400'000 + 9 * 3'600'000;
  PersonKey person_ = 0;
  std::unique_ptr<FaceAuthContext> ctx_;
};

TEST_F(FaceAuthTest, EnrolmentSealsTheTemplateAndKeepsNoPhotoByDefault) {
  Enrol();
  auto t = store_->FindFaceTemplate(person_);
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->recogniser, kModel);
  EXPECT_TRUE((*t)->sealed_photo.empty());
  EXPECT_EQ((*t)->enrolled_by, "王经办");
  // Sealed: the bytes of the embedding are not in the row, and the template
  // cannot be moved to another person.
  EXPECT_EQ((*t)->sealed_template.find(EncodeFaceTemplate(kEnrolled, kModel).substr(17)), std::string::npos);
  EXPECT_FALSE(secrets_.Open((*t)->sealed_template, "face-template:1"));
  auto again = EnrolFace(*ctx_, person_, Seen(kMe), "", "王经办", now_);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replaced);
}

TEST_F(FaceAuthTest, APoorPhotoIsNotEnrolled) {
  FaceObservation turned = Seen(kMe, 0.6);
  auto e = EnrolFace(*ctx_, person_, turned, "", "王经办", now_);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->enrolled);
  EXPECT_EQ(e->problem, FaceProblem::kNotFrontal);
  FaceObservation none;
  none.problem = FaceProblem::kNoFace;
  EXPECT_EQ(EnrolFace(*ctx_, person_, none, "", "x", now_)->problem, FaceProblem::kNoFace);
  EXPECT_FALSE(*store_->FindFaceTemplate(person_));
}

TEST_F(FaceAuthTest, APassedChallengeCertifiesAtOnce) {
  Enrol();
  const FaceChallengeStatus s = Perform(kMe);
  ASSERT_EQ(s.outcome, LivenessOutcome::kPassed) << LivenessFailureName(s.failure);
  EXPECT_EQ(s.decision, FaceDecision::kMatch);
  ASSERT_GT(s.evidence_id, 0);
  EXPECT_EQ(s.case_id, 0);
  auto e = store_->FindEvidenceByRef("agency", "face/" + s.id);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->kind, "face_auth");
  EXPECT_EQ((*e)->person, person_);
  const auto detail = nlohmann::json::parse((*e)->detail);
  EXPECT_EQ(detail["liveness"], "challenge");
  EXPECT_NEAR(detail["min_frontal_similarity"].get<double>(), 0.98, 1e-3);
  auto summary = store_->PersonSummary(person_);
  ASSERT_TRUE(summary && *summary);
  EXPECT_EQ((*summary)->last_alive, today_);
  // The attempt is recorded with its scores and nothing of the frames.
  auto attempts = store_->FaceAttemptsOf(person_, 0);
  ASSERT_TRUE(attempts);
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].result, "match");
  EXPECT_EQ((*attempts)[0].device.size(), 64u) << "a pseudonym, not the address";
  // Frames sent after the end are refused; the status is still readable.
  auto after = AdvanceFaceChallenge(*ctx_, s.id, std::vector<FaceObservation>{Seen(kMe)}, now_);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->refusal, FaceRefusal::kChallengeFinished);
  auto status = AdvanceFaceChallenge(*ctx_, s.id, {}, now_);
  EXPECT_EQ(status->outcome, LivenessOutcome::kPassed);
  EXPECT_EQ(status->evidence_id, s.evidence_id);
}

TEST_F(FaceAuthTest, NobodyEnrolledNothingToCompare) {
  auto start = StartFaceChallenge(*ctx_, person_, "10.0.0.1", "citizen", now_);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->refusal, FaceRefusal::kNotEnrolled);
  EXPECT_TRUE(start->id.empty());
}

TEST_F(FaceAuthTest, ATemplateFromAnotherModelMustBeEnrolledAgain) {
  Enrol();
  FaceAuthContext other{*store_, policy_, secrets_, std::string(64, 'a')};
  auto start = StartFaceChallenge(other, person_, "10.0.0.1", "citizen", now_);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->refusal, FaceRefusal::kTemplateStale);
}

TEST_F(FaceAuthTest, SomeoneElseFailsAndRepeatedFailuresCoolDownThenOpenACase) {
  Enrol();
  const int cooldown = policy_.face_cooldown_failures.At(today_);
  for (int i = 0; i < cooldown; ++i) {
    const FaceChallengeStatus s = Perform(kStranger);
    EXPECT_EQ(s.outcome, LivenessOutcome::kFailed);
    EXPECT_EQ(s.failure, LivenessFailure::kNotSamePerson);
    EXPECT_EQ(s.evidence_id, 0);
  }
  auto refused = StartFaceChallenge(*ctx_, person_, "10.0.0.1", "citizen", now_);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->refusal, FaceRefusal::kCoolingDown);
  EXPECT_GT(refused->retry_after_ms, now_);
  // After the cool-down, more failures until the policy sends staff instead.
  int64_t case_id = 0;
  for (int i = cooldown; i < policy_.face_failures_before_case.At(today_); ++i) {
    now_ += policy_.face_cooldown_minutes.At(today_) * 60'000 + 1;
    const FaceChallengeStatus s = Perform(kStranger, "10.0.0." + std::to_string(i));
    case_id = s.case_id;
    now_ += 24 * 3'600'000;  // a day later: the daily limit does not interfere
  }
  ASSERT_GT(case_id, 0);
  auto c = store_->FindCase(case_id);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->type, "face_failures");
  EXPECT_NE((*c)->suggestion.find("home visit"), std::string::npos);
}

TEST_F(FaceAuthTest, TheDailyAndDeviceLimitsHold) {
  Enrol();
  const int per_day = policy_.face_max_attempts_per_day.At(today_);
  for (int i = 0; i < per_day; ++i) {
    EXPECT_EQ(Perform(kMe, "10.0.1." + std::to_string(i)).outcome, LivenessOutcome::kPassed);
  }
  auto refused = StartFaceChallenge(*ctx_, person_, "10.0.2.1", "citizen", now_);
  EXPECT_EQ(refused->refusal, FaceRefusal::kDailyLimit);
  EXPECT_NE(refused->message.find("face_max_attempts_per_day"), std::string::npos);
}

TEST_F(FaceAuthTest, AReviewBandMatchOpensAReviewCaseAndCertifiesNobody) {
  Enrol();
  const std::vector<float> weak = {0.91f, 0.41461f, 0};  // 0.91: in [0.90, 0.92)
  policy_.face_frame_min_similarity.steps.front().value = 0.85;
  const FaceChallengeStatus s = Perform(weak);
  ASSERT_EQ(s.outcome, LivenessOutcome::kPassed) << LivenessFailureName(s.failure);
  EXPECT_EQ(s.decision, FaceDecision::kReview);
  EXPECT_EQ(s.evidence_id, 0);
  ASSERT_GT(s.case_id, 0);
  EXPECT_EQ((*store_->FindCase(s.case_id))->type, "face_review");
  EXPECT_FALSE((*store_->PersonSummary(person_)) && (*store_->PersonSummary(person_))->last_alive == today_);
  // A reviewer who checked the person confirms: certified from the day of the attempt.
  CaseResolution confirm{CaseDecision::kConfirmFace, "视频回访核实为本人", "rev", 0, std::nullopt, today_ + 2};
  auto resolved = ResolveCaseWith(*store_, policy_, s.case_id, confirm);
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  auto summary = store_->PersonSummary(person_);
  ASSERT_TRUE(summary && *summary);
  EXPECT_EQ((*summary)->last_alive, today_);
}

TEST_F(FaceAuthTest, ADeadPersonPassingOpensAFraudSuspicionCase) {
  Enrol();
  ASSERT_TRUE(store_->UpdatePersonSummary({PersonSignal{person_, std::nullopt, today_ - 40}}));
  const FaceChallengeStatus s = Perform(kMe);
  ASSERT_EQ(s.outcome, LivenessOutcome::kPassed);
  ASSERT_GT(s.case_id, 0);
  auto c = store_->FindCase(s.case_id);
  EXPECT_EQ((*c)->type, "face_after_death");
  EXPECT_EQ((*c)->evidence_ids, std::vector<int64_t>{s.evidence_id});
}

TEST_F(FaceAuthTest, AStaffCheckCertifiesOnlyInPerson) {
  Enrol();
  auto check = VerifyFacePhotos(*ctx_, person_, std::vector<FaceObservation>{Seen(kMe)}, "counter-3", "王经办", false, now_);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->decision, FaceDecision::kMatch);
  EXPECT_EQ(check->evidence_id, 0);
  auto in_person =
      VerifyFacePhotos(*ctx_, person_, std::vector<FaceObservation>{Seen(kStranger), Seen(kMe)}, "counter-3", "王经办", true, now_);
  ASSERT_TRUE(in_person);
  EXPECT_EQ(in_person->usable, 2);
  EXPECT_GT(in_person->evidence_id, 0);
  const auto e = store_->FindEvidenceByRef("agency", "face/attempt-" + std::to_string(in_person->attempt_id));
  ASSERT_TRUE(e && *e);
  EXPECT_EQ(nlohmann::json::parse((*e)->detail)["liveness"], "in_person");
  auto none = VerifyFacePhotos(*ctx_, person_, std::vector<FaceObservation>{FaceObservation{}}, "c", "x", true, now_);
  EXPECT_EQ(none->usable, 0);  // no embedding: nothing to compare
  EXPECT_EQ(none->evidence_id, 0);
}

TEST_F(FaceAuthTest, StartingAgainAbandonsThePendingChallengeAsAFailure) {
  Enrol();
  // Drawing until the actions suit costs attempts: each abandoned one fails.
  std::string first;
  for (int i = 0; i < policy_.face_cooldown_failures.At(today_); ++i) {
    auto c = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->refusal, FaceRefusal::kNone) << c->message;
    if (first.empty()) first = c->id;
  }
  auto cooled = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  ASSERT_TRUE(cooled);
  EXPECT_EQ(cooled->refusal, FaceRefusal::kCoolingDown);
  auto abandoned = AdvanceFaceChallenge(*ctx_, first, {}, now_);
  EXPECT_EQ(abandoned->outcome, LivenessOutcome::kFailed);
  EXPECT_EQ(abandoned->failure, LivenessFailure::kAbandoned);
  // The refused start abandoned the last pending one first: every challenge drawn counts.
  EXPECT_EQ(store_->FaceAttemptsOf(person_, 0)->size(), static_cast<size_t>(policy_.face_cooldown_failures.At(today_)));
}

TEST_F(FaceAuthTest, AChallengeThatCannotBeReadNeverBlocksThePerson) {
  Enrol();
  auto c = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  ASSERT_TRUE(c);
  auto stored = store_->FindFaceChallenge(c->id);
  FaceChallengeRecord damaged = **stored;
  damaged.sealed_state = secrets_.Seal(R"({"actions":["turn_left"]})", "face-challenge:" + c->id);
  ASSERT_TRUE(store_->PutFaceChallenge(damaged));
  auto again = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->refusal, FaceRefusal::kNone);
  ASSERT_EQ(again->abandoned.size(), 1u);
  EXPECT_EQ(again->abandoned[0].id, c->id);
  EXPECT_EQ((*store_->FindFaceChallenge(c->id))->status, "failed");
  EXPECT_TRUE(store_->FaceAttemptsOf(person_, 0)->empty()) << "closed without counting against the person";
}

TEST_F(FaceAuthTest, AnAbandonedChallengeCountsWhenItsTimeRanOut) {
  Enrol();
  auto c = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  now_ += 3 * 86'400'000;  // days later
  auto again = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  ASSERT_EQ(again->abandoned.size(), 1u);
  EXPECT_EQ(again->abandoned[0].failure, LivenessFailure::kExpired);
  auto attempts = store_->FaceAttemptsOf(person_, 0);
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].at_ms, c->deadline_ms) << "dated when it expired, not today";
}

TEST_F(FaceAuthTest, AResentBatchIsAppliedOnceAndAGapIsRefused) {
  Enrol();
  auto c = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  const std::vector<FaceObservation> batch(4, Seen(kMe));
  auto once = AdvanceFaceChallenge(*ctx_, c->id, batch, now_, 0);
  ASSERT_TRUE(once);
  EXPECT_EQ(once->frames, 4);
  auto again = AdvanceFaceChallenge(*ctx_, c->id, batch, now_, 0);  // the answer was lost; the client resends
  ASSERT_TRUE(again);
  EXPECT_EQ(again->refusal, FaceRefusal::kNone);
  EXPECT_EQ(again->frames, 4);
  EXPECT_EQ(again->outcome, LivenessOutcome::kPending);
  auto gap = AdvanceFaceChallenge(*ctx_, c->id, batch, now_, 9);
  EXPECT_EQ(gap->refusal, FaceRefusal::kFramesOutOfOrder);
  auto overlap = AdvanceFaceChallenge(*ctx_, c->id, batch, now_, 2);  // two old, two new
  EXPECT_EQ(overlap->frames, 6);
}

TEST_F(FaceAuthTest, ADifferentFaceIsNotSwappedInWithoutAnAdministrator) {
  Enrol();
  auto swap = EnrolFace(*ctx_, person_, Seen(kStranger), "", "op", now_);
  ASSERT_TRUE(swap);
  EXPECT_FALSE(swap->enrolled);
  EXPECT_TRUE(swap->mismatch);
  ASSERT_GT(swap->case_id, 0);
  EXPECT_EQ((*store_->FindCase(swap->case_id))->type, "face_reenrol");
  EXPECT_EQ(Perform(kMe).outcome, LivenessOutcome::kPassed) << "the enrolled face is kept";
  auto forced = EnrolFace(*ctx_, person_, Seen(kStranger), "", "admin", now_, true);
  EXPECT_TRUE(forced->enrolled);
  EXPECT_TRUE(forced->replaced);
}

TEST_F(FaceAuthTest, ATemplateFromAnotherModelIsReplacedOnlyByAnAdministrator) {
  Enrol();
  FaceAuthContext upgraded{*store_, policy_, secrets_, std::string(64, 'b')};
  auto plain = EnrolFace(upgraded, person_, Seen(kMe), "", "op", now_);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->enrolled);
  EXPECT_TRUE(plain->mismatch);
  auto admin = EnrolFace(upgraded, person_, Seen(kMe), "", "admin", now_, true);
  EXPECT_TRUE(admin->enrolled);
}

TEST_F(FaceAuthTest, StaffChecksDoNotUseUpThePersonsOwnAttempts) {
  Enrol();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(VerifyFacePhotos(*ctx_, person_, std::vector<FaceObservation>{Seen(kStranger)}, "counter-3", "王经办",
                                 false, now_));
  }
  auto start = StartFaceChallenge(*ctx_, person_, "user:op", "citizen", now_);
  EXPECT_EQ(start->refusal, FaceRefusal::kNone) << start->message;
}

TEST_F(FaceAuthTest, AStaffCheckIsNotHeldBackByRemoteLimits) {
  Enrol();
  for (int i = 0; i < policy_.face_cooldown_failures.At(today_); ++i) Perform(kStranger);
  ASSERT_EQ(StartFaceChallenge(*ctx_, person_, "x", "citizen", now_)->refusal, FaceRefusal::kCoolingDown);
  auto at_counter =
      VerifyFacePhotos(*ctx_, person_, std::vector<FaceObservation>{Seen(kMe)}, "counter-3", "王经办", true, now_);
  ASSERT_TRUE(at_counter);
  EXPECT_EQ(at_counter->refusal, FaceRefusal::kNone);
  EXPECT_GT(at_counter->evidence_id, 0);
}

TEST_F(FaceAuthTest, AnExpiredChallengeFailsWhenAskedAbout) {
  Enrol();
  auto start = StartFaceChallenge(*ctx_, person_, "10.0.0.1", "citizen", now_);
  ASSERT_TRUE(start);
  auto s = AdvanceFaceChallenge(*ctx_, start->id, {}, start->deadline_ms + 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, LivenessOutcome::kFailed);
  EXPECT_EQ(s->failure, LivenessFailure::kExpired);
  auto unknown = AdvanceFaceChallenge(*ctx_, "00000000000000000000000000000000", {}, now_);
  EXPECT_EQ(unknown->refusal, FaceRefusal::kUnknownChallenge);
}

}  // namespace
}  // namespace tacit
