// /api/v1/face through the real server, with the real models and dlib's
// photos: enrolment, the scope of a region's operator, a challenge performed
// in front of the "camera" (frames built from a photo by real head turns and
// an opened mouth), a still photo that never passes, and bad input.
#include <opencv2/imgcodecs.hpp>

#include "face_engine/test_faces.h"
#include "server/test_server.h"
#include "tacit/face_engine.h"

namespace tacit {
namespace {

using testing::InFrame;
using testing::Jpeg;

class FaceServerTest : public ServerTest {
 protected:
  const FaceAnalyser* Face() override { return engine_; }
  void SetUp() override {
    std::string error;
    engine_ = testing::SharedEngine(&error);
    photos_ = &testing::SharedJohns();
    ASSERT_NE(engine_, nullptr) << error;
    ServerTest::SetUp();
    ASSERT_EQ(photos_->size(), 55u) << "install libdlib19.1 (scripts/setup.sh) for the test photos";
    admin_ = SignIn("admin");
    handle_ = HandleOf(admin_, persons_[0].id);
    ASSERT_FALSE(handle_.empty());
  }

  static std::string B64(const cv::Mat& frame) { return Base64Encode(Jpeg(frame)); }
  std::string TodayString() const {
    return Date::FromDays(static_cast<int32_t>(now_ms_.load() / 86'400'000)).ToString();
  }

  httplib::Result EnrolPhoto(const Login& who, const std::string& handle, const cv::Mat& photo) {
    return Post(who, "/api/v1/persons/" + handle + "/face/enrolment", {{"image", B64(photo)}});
  }

  // Frames that perform `actions` with photo `k` of the johns set.
  static std::vector<cv::Mat> Performing(const json& actions, size_t k) {
    const cv::Mat start = InFrame((*photos_)[k].bgr, 200);
    const FaceObservation o = engine_->Analyse(Jpeg(start), {});
    std::vector<cv::Mat> frames(4, start);
    for (const auto& a : actions) {
      const std::string name = a["action"];
      if (name == "turn_left" || name == "turn_right") {
        const double sign = name == "turn_left" ? 1 : -1;
        for (double deg : {12, 24, 32, 38, 42, 38, 24, 10, 0}) frames.push_back(testing::HeadTurned(start, o, sign * deg));
      } else if (name == "open_mouth") {
        for (double g : {0.2, 0.45, 0.2}) frames.push_back(testing::MouthOpened(start, o, g));
        frames.push_back(start);
      }
    }
    frames.push_back(start);
    return frames;
  }

  json SendAll(const Login& who, const std::string& id, const std::vector<cv::Mat>& frames,
              const std::string& challenges = "/api/v1/face/challenges/") {
    json last;
    for (size_t i = 0; i < frames.size(); i += 8) {
      json batch = json::array();
      for (size_t k = i; k < std::min(frames.size(), i + 8); ++k) batch.push_back(B64(frames[k]));
      auto res = Post(who, challenges + id + "/frames", {{"frames", batch}});
      EXPECT_TRUE(res);
      if (!res) return last;
      EXPECT_EQ(res->status, 200) << res->body;
      last = json::parse(res->body);
      if (last["status"] != "pending") break;
      now_ms_ += 1000;
    }
    return last;
  }

  static const FaceEngine* engine_;
  static const std::vector<testing::TestPhoto>* photos_;
  Login admin_;
  std::string handle_;
};
const FaceEngine* FaceServerTest::engine_ = nullptr;
const std::vector<testing::TestPhoto>* FaceServerTest::photos_ = nullptr;

TEST_F(FaceServerTest, EnrolThenPassAChallengeAndTheCertificationIsOnTheRecord) {
  auto enrolled = EnrolPhoto(admin_, handle_, InFrame((*photos_)[0].bgr, 200));
  ASSERT_TRUE(enrolled);
  ASSERT_EQ(enrolled->status, 201) << enrolled->body;
  auto face = Get(admin_, "/api/v1/persons/" + handle_ + "/face");
  ASSERT_EQ(face->status, 200);
  EXPECT_TRUE(json::parse(face->body)["enrolled"].get<bool>());
  EXPECT_EQ(face->body.find(persons_[0].id), std::string::npos);

  auto started = Post(admin_, "/api/v1/face/challenges", {{"person", handle_}});
  ASSERT_EQ(started->status, 201) << started->body;
  const json c = json::parse(started->body);
  ASSERT_EQ(c["id"].get<std::string>().size(), 32u);
  ASSERT_GE(c["actions"].size(), 2u);
  EXPECT_FALSE(c["actions"][0]["prompt"].get<std::string>().empty());

  const json done = SendAll(admin_, c["id"], Performing(c["actions"], 1));
  ASSERT_EQ(done["status"], "passed") << done.dump();
  EXPECT_EQ(done["decision"], "match");
  EXPECT_TRUE(done["certified"].get<bool>());
  EXPECT_GE(done["similarity"].get<double>(), 0.92);

  auto timeline = Get(admin_, "/api/v1/persons/" + handle_ + "/evidence");
  ASSERT_TRUE(timeline);
  EXPECT_NE(timeline->body.find("face_auth"), std::string::npos) << timeline->body.substr(0, 400);
  bool audited = false;
  for (const auto& e : AuditEntries()) {
    if (e.action == "face.challenge.finish") {
      audited = e.outcome == "passed";
      EXPECT_EQ(e.target.find(persons_[0].id), std::string::npos);
    }
  }
  EXPECT_TRUE(audited);
  // The same challenge takes no more frames.
  auto again = Post(admin_, "/api/v1/face/challenges/" + c["id"].get<std::string>() + "/frames",
                    {{"frames", {B64(InFrame((*photos_)[1].bgr, 200))}}});
  EXPECT_EQ(again->status, 409) << again->body;
}

TEST_F(FaceServerTest, AStillPhotoWaitsForActionsAndFailsAtTheDeadline) {
  ASSERT_EQ(EnrolPhoto(admin_, handle_, InFrame((*photos_)[0].bgr, 200))->status, 201);
  auto started = Post(admin_, "/api/v1/face/challenges", {{"person", handle_}});
  const json c = json::parse(started->body);
  const std::vector<cv::Mat> still(12, InFrame((*photos_)[1].bgr, 200));
  const json pending = SendAll(admin_, c["id"], still);
  EXPECT_EQ(pending["status"], "pending");
  EXPECT_EQ(pending["done"], 0);
  EXPECT_EQ(pending["next_action"], c["actions"][0]);
  now_ms_ += 120'000;
  auto status = Get(admin_, "/api/v1/face/challenges/" + c["id"].get<std::string>());
  ASSERT_EQ(status->status, 200);
  const json s = json::parse(status->body);
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["failure"], "expired");
  EXPECT_FALSE(s["certified"].get<bool>());
  EXPECT_FALSE(s["next_step"].get<std::string>().empty());
}

TEST_F(FaceServerTest, OperatorsReachOnlyTheirRegionAndReviewersNotAtAll) {
  const Login datong = SignIn("op-datong");  // persons_[0] lives in Taiyuan
  auto other = EnrolPhoto(datong, handle_, InFrame((*photos_)[0].bgr, 200));
  EXPECT_EQ(other->status, 404) << other->body;
  auto challenge = Post(datong, "/api/v1/face/challenges", {{"person", handle_}});
  EXPECT_EQ(challenge->status, 404);
  const Login reviewer = SignIn("rev-datong");
  EXPECT_EQ(Post(reviewer, "/api/v1/face/challenges", {{"person", handle_}})->status, 403);
  const Login taiyuan = SignIn("op-taiyuan");
  EXPECT_EQ(EnrolPhoto(taiyuan, handle_, InFrame((*photos_)[0].bgr, 200))->status, 201);
  // A challenge of a Taiyuan person is not Datong's to feed or read.
  const json c = json::parse(Post(taiyuan, "/api/v1/face/challenges", {{"person", handle_}})->body);
  EXPECT_EQ(Get(datong, "/api/v1/face/challenges/" + c["id"].get<std::string>())->status, 404);
}

TEST_F(FaceServerTest, BadImagesAndBadRequestsSayWhatIsWrong) {
  auto not_base64 = Post(admin_, "/api/v1/persons/" + handle_ + "/face/enrolment", {{"image", "***"}});
  EXPECT_EQ(not_base64->status, 400);
  EXPECT_EQ(json::parse(not_base64->body)["error"]["field"], "image") << not_base64->body;
  auto no_face = EnrolPhoto(admin_, handle_, cv::Mat(480, 640, CV_8UC3, cv::Scalar(128, 128, 128)));
  EXPECT_EQ(no_face->status, 422);
  EXPECT_EQ(json::parse(no_face->body)["error"]["code"], "no_face") << no_face->body;
  auto not_enrolled = Post(admin_, "/api/v1/face/challenges", {{"person", handle_}});
  EXPECT_EQ(not_enrolled->status, 409);
  EXPECT_EQ(json::parse(not_enrolled->body)["error"]["code"], "not_enrolled");
  ASSERT_EQ(EnrolPhoto(admin_, handle_, InFrame((*photos_)[0].bgr, 200))->status, 201);
  const json c = json::parse(Post(admin_, "/api/v1/face/challenges", {{"person", handle_}})->body);
  const std::string frames = "/api/v1/face/challenges/" + c["id"].get<std::string>() + "/frames";
  EXPECT_EQ(Post(admin_, frames, {{"frames", json::array()}})->status, 400);
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back("AAAA");
  EXPECT_EQ(Post(admin_, frames, {{"frames", eleven}})->status, 400);
  auto bad = Post(admin_, frames, {{"frames", {B64(InFrame((*photos_)[0].bgr, 200)), "%%%%"}}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "frames[1]");
  // A batch resent after a lost answer is applied once; a gap is refused.
  const json one = {{"frames", {B64(InFrame((*photos_)[1].bgr, 200)), B64(InFrame((*photos_)[1].bgr, 200))}},
                    {"first_frame", 0}};
  auto sent = Post(admin_, frames, one);
  ASSERT_EQ(sent->status, 200) << sent->body;
  auto resent = Post(admin_, frames, one);
  ASSERT_EQ(resent->status, 200) << resent->body;
  EXPECT_EQ(json::parse(resent->body)["frames"], 2);
  json gap = one;
  gap["first_frame"] = 7;
  auto gapped = Post(admin_, frames, gap);
  EXPECT_EQ(gapped->status, 409);
  EXPECT_EQ(json::parse(gapped->body)["error"]["code"], "frames_out_of_order");
  // Only an administrator may put a different face in place of an enrolled one.
  const Login taiyuan = SignIn("op-taiyuan");
  auto forced = Post(taiyuan, "/api/v1/persons/" + handle_ + "/face/enrolment",
                     {{"image", B64(InFrame((*photos_)[30].bgr, 200))}, {"replace_different", true}});
  EXPECT_EQ(forced->status, 403) << forced->body;
  auto swapped = EnrolPhoto(taiyuan, handle_, InFrame((*photos_)[30].bgr, 200));
  EXPECT_EQ(swapped->status, 409);
  EXPECT_EQ(json::parse(swapped->body)["error"]["code"], "face_mismatch") << swapped->body;
  EXPECT_EQ(Post(admin_, "/api/v1/face/challenges/0123456789abcdef0123456789abcdef/frames",
                 {{"frames", {B64(InFrame((*photos_)[0].bgr, 200))}}})
                ->status,
            404);
}

TEST_F(FaceServerTest, ACitizenCertifiesThemselfThroughTheCitizenRoutes) {
  ASSERT_EQ(EnrolPhoto(admin_, handle_, InFrame((*photos_)[0].bgr, 200))->status, 201);
  const Login citizen = CitizenSignIn(0);
  ASSERT_FALSE(citizen.cookie.empty());
  auto me = Get(citizen, "/api/v1/citizen/me");
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_TRUE(json::parse(me->body)["face"]["available"].get<bool>());

  auto started = Post(citizen, "/api/v1/citizen/face/challenges", json::object());
  ASSERT_EQ(started->status, 201) << started->body;
  const json c = json::parse(started->body);
  ASSERT_GE(c["actions"].size(), 2u);
  const json done = SendAll(citizen, c["id"], Performing(c["actions"], 1), "/api/v1/citizen/face/challenges/");
  ASSERT_EQ(done["status"], "passed") << done.dump();
  EXPECT_TRUE(done["certified"].get<bool>());
  auto status = Get(citizen, "/api/v1/citizen/face/challenges/" + c["id"].get<std::string>());
  ASSERT_EQ(status->status, 200);
  EXPECT_EQ(json::parse(status->body)["status"], "passed");

  // The same evidence as a staff-assisted challenge, and the status shows it.
  auto timeline = Get(admin_, "/api/v1/persons/" + handle_ + "/evidence");
  EXPECT_NE(timeline->body.find("face_auth"), std::string::npos);
  const json after = json::parse(Get(citizen, "/api/v1/citizen/me")->body);
  EXPECT_EQ(after["certification"]["method"], "face");
  EXPECT_EQ(after["certification"]["last_certified_on"], TodayString());
  bool audited = false;
  for (const auto& e : AuditEntries()) {
    if (e.action == "face.challenge.finish" && e.outcome == "passed") {
      audited = e.actor == "citizen:" + handle_;
    }
  }
  EXPECT_TRUE(audited);
  // Staff do not reach the citizen's routes, nor the citizen the staff's.
  EXPECT_EQ(Get(admin_, "/api/v1/citizen/face/challenges/" + c["id"].get<std::string>())->status, 401);
  EXPECT_EQ(Get(citizen, "/api/v1/face/challenges/" + c["id"].get<std::string>())->status, 401);
}

}  // namespace
}  // namespace tacit
