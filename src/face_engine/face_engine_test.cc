#include "tacit/face_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "face_engine/face_video.h"
#include "face_engine/test_faces.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using testing::InFrame;
using testing::Jpeg;

// The policy's defaults (policy/default.toml face_*), which these photos
// must be decided correctly at.
constexpr double kThreshold = 0.92, kBand = 0.02;

class FaceEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    engine_ = testing::SharedEngine(&error);
    photos_ = &testing::SharedJohns();
    ASSERT_NE(engine_, nullptr) << error;
    ASSERT_EQ(photos_->size(), 55u) << "install libdlib19.1 (scripts/setup.sh) for the test photos";
  }
  static FaceObservation See(const cv::Mat& bgr, FaceQualityLimits limits = {}) {
    return engine_->Analyse(Jpeg(bgr), limits);
  }
  static const testing::TestPhoto& Photo(size_t i) { return (*photos_)[i]; }
  static const FaceEngine* engine_;
  static const std::vector<testing::TestPhoto>* photos_;
};
const FaceEngine* FaceEngineTest::engine_ = nullptr;
const std::vector<testing::TestPhoto>* FaceEngineTest::photos_ = nullptr;

TEST(FaceEngineLoad, RefusesAMissingDirectoryOrManifest) {
  auto none = FaceEngine::Load("/nonexistent/models");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("manifest.json"), std::string::npos);
}

TEST(FaceEngineLoad, RefusesAModelWhoseHashDiffers) {
  const fs::path dir = fs::temp_directory_path() / ("tacit_face_models_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(testing::TestModelDir(), dir);
  {
    std::fstream f(dir / "landmarks68.onnx", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x5a');
  }
  auto loaded = FaceEngine::Load(dir.string());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(loaded.error().message.find("landmarks68.onnx"), std::string::npos) << loaded.error().message;
  // A manifest may not send the loader outside its directory.
  std::string manifest;
  {
    std::ifstream in(dir / "manifest.json");
    manifest.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = manifest.find("\"landmarks68.onnx\"");
  ASSERT_NE(at, std::string::npos);
  manifest.replace(at, 18, "\"../etc/passwd\"");
  std::ofstream(dir / "manifest.json") << manifest;
  auto escaped = FaceEngine::Load(dir.string());
  ASSERT_FALSE(escaped);
  EXPECT_EQ(escaped.error().code, ErrorCode::kInvalidArgument);
  fs::remove_all(dir);
}

TEST_F(FaceEngineTest, ModelsComeFromTheManifest) {
  ASSERT_EQ(engine_->models().size(), 3u);
  for (const auto& m : engine_->models()) {
    EXPECT_EQ(m.sha256.size(), 64u) << m.role;
    EXPECT_FALSE(m.licence.empty()) << m.role;
  }
  EXPECT_EQ(engine_->recogniser_sha256(), engine_->models()[2].sha256);
}

// Golden outputs: what the converted models compute on a fixed photo. The
// model files' bytes depend on the onnx version that wrote them; what they
// compute must not. A change here means the conversion changed behaviour.
TEST_F(FaceEngineTest, TheModelsComputeWhatTheyComputedWhenConverted) {
  const FaceObservation o = See(InFrame(Photo(0).bgr, 200));
  ASSERT_EQ(o.problem, FaceProblem::kNone);
  const float golden[] = {-0.06806f, 0.05970f, 0.01317f, -0.00286f, 0.03773f, -0.04596f};
  for (size_t i = 0; i < std::size(golden); ++i) EXPECT_NEAR(o.embedding[i], golden[i], 2e-3) << "embedding[" << i << "]";
  EXPECT_NEAR(o.landmarks[30].x, 316.12, 1.0) << "nose tip x";
  EXPECT_NEAR(o.landmarks[30].y, 240.61, 1.0) << "nose tip y";
  EXPECT_NEAR(o.box.width, 226.99, 2.0) << "face box width";
}

// Every photo of dlib's johns set is usable in a camera frame, every pair of
// photos of one person matches, and every pair of two people is refused.
TEST_F(FaceEngineTest, SamePersonMatchesDifferentPeopleDoNot) {
  std::vector<std::vector<float>> embeddings;
  for (const auto& p : *photos_) {
    const FaceObservation o = See(InFrame(p.bgr, 200));
    ASSERT_EQ(o.problem, FaceProblem::kNone) << p.path << ": " << FaceProblemName(o.problem);
    ASSERT_EQ(o.embedding.size(), 128u);
    double norm = 0;
    for (float v : o.embedding) norm += v * v;
    EXPECT_NEAR(norm, 1.0, 1e-4);
    embeddings.push_back(o.embedding);
  }
  int same = 0, different = 0;
  for (size_t i = 0; i < embeddings.size(); ++i) {
    for (size_t j = i + 1; j < embeddings.size(); ++j) {
      const double s = FaceSimilarity(embeddings[i], embeddings[j]);
      const FaceDecision d = DecideFace(s, kThreshold, kBand);
      if (Photo(i).person == Photo(j).person) {
        ++same;
        EXPECT_EQ(d, FaceDecision::kMatch) << Photo(i).path << " vs " << Photo(j).path << ": " << s;
      } else {
        ++different;
        EXPECT_EQ(d, FaceDecision::kNoMatch) << Photo(i).path << " vs " << Photo(j).path << ": " << s;
      }
    }
  }
  EXPECT_EQ(same, 5 * 55);
  EXPECT_EQ(different, 55 * 54 / 2 - 5 * 55);
}

TEST_F(FaceEngineTest, BadImagesSayWhatIsWrong) {
  EXPECT_EQ(engine_->Analyse("not an image", {}).problem, FaceProblem::kUndecodable);
  EXPECT_EQ(engine_->Analyse("", {}).problem, FaceProblem::kUndecodable);
  const std::string jpeg = Jpeg(InFrame(Photo(0).bgr, 200));
  EXPECT_EQ(engine_->Analyse(jpeg.substr(0, 200), {}).problem, FaceProblem::kUndecodable);
  // A PNG that claims to be 100,000 pixels square is refused before decoding.
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\x01\x86\xa0\0\x01\x86\xa0\x08\x02\0\0\0", 29);
  EXPECT_EQ(engine_->Analyse(png, {}).problem, FaceProblem::kTooLarge);
  // A long strip (padded to a square it would take gigabytes) and sides whose
  // product overflows are refused from the header too.
  std::string strip("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x3e\x80\0\0\x03\xe8\x08\x02\0\0\0", 29);  // 16000×1000
  EXPECT_EQ(engine_->Analyse(strip, {}).problem, FaceProblem::kTooLarge);
  std::string huge("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\xff\xff\xff\xff\xff\xff\xff\xff\x08\x02\0\0\0", 29);
  EXPECT_EQ(engine_->Analyse(huge, {}).problem, FaceProblem::kTooLarge);
  // Progressive JPEG (whose repeated scans can make decoding take seconds) is
  // not what a camera or a browser sends.
  std::vector<uchar> progressive;
  cv::imencode(".jpg", InFrame(Photo(0).bgr, 200), progressive, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  EXPECT_EQ(engine_->Analyse(std::string(progressive.begin(), progressive.end()), {}).problem,
            FaceProblem::kUndecodable);
  // A large camera frame is worked on scaled down; the face keeps its size in the image's pixels.
  cv::Mat big;
  cv::resize(InFrame(Photo(0).bgr, 200), big, {2560, 1920});
  const FaceObservation scaled = See(big);
  ASSERT_EQ(scaled.problem, FaceProblem::kNone);
  EXPECT_NEAR(scaled.face_px, 4 * See(InFrame(Photo(0).bgr, 200)).face_px, 30);
  // A GIF or BMP is not a photo tacit takes, even where OpenCV could read it.
  std::vector<uchar> bmp;
  cv::imencode(".bmp", InFrame(Photo(0).bgr, 200), bmp);
  EXPECT_EQ(engine_->Analyse(std::string(bmp.begin(), bmp.end()), {}).problem, FaceProblem::kUndecodable);

  const cv::Mat empty(480, 640, CV_8UC3, cv::Scalar(120, 120, 120));
  EXPECT_EQ(See(empty).problem, FaceProblem::kNoFace);
  cv::Mat two(480, 640, CV_8UC3, cv::Scalar(110, 120, 130));
  cv::Mat a, b;
  cv::resize(Photo(0).bgr, a, {200, 200});
  cv::resize(Photo(20).bgr, b, {200, 200});
  a.copyTo(two(cv::Rect(60, 140, 200, 200)));
  b.copyTo(two(cv::Rect(380, 140, 200, 200)));
  EXPECT_EQ(See(two).problem, FaceProblem::kSeveralFaces);
  FaceQualityLimits strict;
  strict.min_face_px = 150;
  const FaceObservation small = See(InFrame(Photo(0).bgr, 120), strict);
  EXPECT_EQ(small.problem, FaceProblem::kTooSmall) << FaceProblemName(small.problem);
  EXPECT_TRUE(small.embedding.empty());
  const FaceObservation dark = See(testing::Dark(InFrame(Photo(0).bgr, 200), 0.12));
  EXPECT_TRUE(dark.problem == FaceProblem::kTooDark || dark.problem == FaceProblem::kNoFace)
      << FaceProblemName(dark.problem);
  cv::Mat blurred;
  cv::GaussianBlur(InFrame(Photo(0).bgr, 200), blurred, {0, 0}, 4);
  const FaceObservation soft = See(blurred);
  EXPECT_TRUE(soft.problem == FaceProblem::kBlurred || soft.problem == FaceProblem::kNoFace)
      << FaceProblemName(soft.problem) << " sharpness " << soft.sharpness;
}

TEST_F(FaceEngineTest, PoseAndMouthAreMeasured) {
  const cv::Mat frame = InFrame(Photo(11).bgr, 250);
  const FaceObservation o = See(frame);
  ASSERT_EQ(o.problem, FaceProblem::kNone);
  const FaceObservation left = See(testing::HeadTurned(frame, o, 35));
  const FaceObservation right = See(testing::HeadTurned(frame, o, -35));
  const FaceObservation mouth = See(testing::MouthOpened(frame, o, 0.45));
  ASSERT_EQ(left.problem, FaceProblem::kNone);
  ASSERT_EQ(right.problem, FaceProblem::kNone);
  ASSERT_EQ(mouth.problem, FaceProblem::kNone);
  EXPECT_GT(left.yaw - o.yaw, 0.18);
  EXPECT_LT(right.yaw - o.yaw, -0.18);
  EXPECT_GT(mouth.mouth_openness - o.mouth_openness, 0.2);
  // A flat photo tilted by hand hardly moves the nose against the face's edges.
  const FaceObservation tilted = See(InFrame(testing::Tilted(Photo(11).bgr, 0.45), 250));
  EXPECT_LT(std::abs(tilted.yaw - o.yaw), 0.1);
}

// Frames of a challenge, analysed and fed as the server does.
LivenessOutcome RunChallenge(const FaceEngine& engine, std::vector<LivenessAction> actions,
                             const std::vector<cv::Mat>& frames, std::span<const float> reference,
                             LivenessState* out = nullptr) {
  LivenessState s = NewLivenessState(std::move(actions), 0, 60'000);
  LivenessRules rules;
  int64_t now = 0;
  for (const auto& f : frames) {
    now += 200;
    AdvanceLiveness(s, engine.Analyse(Jpeg(f), {}), reference, now, rules);
  }
  ExpireLiveness(s, 61'000);
  if (out) *out = s;
  return s.outcome;
}

TEST_F(FaceEngineTest, ASequenceThatPerformsTheChallengePasses) {
  // Enrolled from one photo; the challenge performed in front of the camera
  // from another photo of the same person.
  const std::vector<float> reference = See(InFrame(Photo(0).bgr, 200)).embedding;
  const cv::Mat start = InFrame(Photo(1).bgr, 200);
  const FaceObservation o = See(start);
  ASSERT_EQ(o.problem, FaceProblem::kNone);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 4; ++i) frames.push_back(start);
  for (double deg : {10, 20, 30, 38, 42, 38, 30, 15, 0}) frames.push_back(testing::HeadTurned(start, o, deg));
  for (double g : {0.15, 0.3, 0.45, 0.3, 0.1, 0.0}) frames.push_back(g > 0 ? testing::MouthOpened(start, o, g) : start);
  for (double deg : {-10, -20, -30, -38, -42, -38, -30, -15, 0}) frames.push_back(testing::HeadTurned(start, o, deg));
  LivenessState s;
  EXPECT_EQ(RunChallenge(*engine_, {LivenessAction::kTurnLeft, LivenessAction::kOpenMouth, LivenessAction::kTurnRight},
                         frames, reference, &s),
            LivenessOutcome::kPassed)
      << LivenessFailureName(s.failure) << " after " << s.frames << " frames, action " << s.next_action;
  EXPECT_EQ(s.decision, FaceDecision::kMatch) << s.best_frontal_similarity;
}

TEST_F(FaceEngineTest, AStillPhotoShownToTheCameraIsRefused) {
  const std::vector<float> reference = See(InFrame(Photo(0).bgr, 200)).embedding;
  const cv::Mat still = InFrame(Photo(1).bgr, 200);
  std::vector<cv::Mat> frames(40, still);
  LivenessState s;
  EXPECT_EQ(RunChallenge(*engine_, {LivenessAction::kTurnLeft, LivenessAction::kOpenMouth}, frames, reference, &s),
            LivenessOutcome::kFailed);
  EXPECT_EQ(s.failure, LivenessFailure::kExpired);
  EXPECT_EQ(s.next_action, 0u);
  // Tilting the printed photo left and right does not make a head turn.
  std::vector<cv::Mat> tilted;
  for (double a : {0.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.45, 0.3, 0.1, 0.0, -0.1, -0.2, -0.3, -0.45, -0.3, 0.0}) {
    tilted.push_back(InFrame(testing::Tilted(Photo(1).bgr, a), 200));
  }
  EXPECT_EQ(RunChallenge(*engine_, {LivenessAction::kTurnLeft, LivenessAction::kTurnRight}, tilted, reference, &s),
            LivenessOutcome::kFailed);
}

TEST_F(FaceEngineTest, SomeoneElsePerformingTheChallengeIsRefused) {
  const std::vector<float> reference = See(InFrame(Photo(0).bgr, 200)).embedding;
  const cv::Mat start = InFrame(Photo(30).bgr, 250);  // another John
  const FaceObservation o = See(start);
  std::vector<cv::Mat> frames(4, start);
  for (double deg : {10, 20, 30, 38, 0}) frames.push_back(testing::HeadTurned(start, o, deg));
  LivenessState s;
  EXPECT_EQ(RunChallenge(*engine_, {LivenessAction::kTurnLeft, LivenessAction::kOpenMouth}, frames, reference, &s),
            LivenessOutcome::kFailed);
  EXPECT_EQ(s.failure, LivenessFailure::kNotSamePerson);
}

// The synthetic camera video for browser tests: written as Y4M and read back,
// it passes whatever challenge the server draws; held still, it never does.
TEST_F(FaceEngineTest, TheSyntheticVideoPassesAnyChallengeAndItsStillTwinNone) {
  const std::vector<float> reference = See(InFrame(Photo(0).bgr, 200)).embedding;
  const fs::path dir = fs::temp_directory_path() / ("tacit_face_video_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto acting = testing::ActingFrames(*engine_, Photo(1).bgr, 3, false);
  ASSERT_TRUE(acting) << acting.error().ToString();
  ASSERT_TRUE(testing::WriteY4m((dir / "acting.y4m").string(), *acting, 10));
  auto back = testing::ReadY4m((dir / "acting.y4m").string());
  ASSERT_TRUE(back) << back.error().ToString();
  ASSERT_EQ(back->size(), acting->size());
  const std::vector<LivenessAction> allowed = {LivenessAction::kOpenMouth, LivenessAction::kTurnLeft,
                                               LivenessAction::kTurnRight};
  for (int draw = 0; draw < 2; ++draw) {
    const auto actions = DrawLivenessActions(3, allowed);
    LivenessState s;
    EXPECT_EQ(RunChallenge(*engine_, actions, *back, reference, &s), LivenessOutcome::kPassed)
        << LivenessFailureName(s.failure) << " at action " << s.next_action;
  }
  auto still = testing::ActingFrames(*engine_, Photo(1).bgr, 1, true);
  ASSERT_TRUE(still);
  LivenessState s;
  EXPECT_EQ(RunChallenge(*engine_, {LivenessAction::kTurnLeft, LivenessAction::kOpenMouth}, *still, reference, &s),
            LivenessOutcome::kFailed);
  EXPECT_FALSE(testing::ReadY4m("/nonexistent.y4m"));
  std::ofstream(dir / "bad.y4m") << "YUV4MPEG2 W640 H480 F10:1 C420jpeg\nFRAME\nshort";
  EXPECT_FALSE(testing::ReadY4m((dir / "bad.y4m").string()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tacit
