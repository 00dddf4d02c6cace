#include "tacit/face.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tacit/secrets.h"

namespace tacit {

std::string_view FaceProblemName(FaceProblem p) {
  switch (p) {
    case FaceProblem::kNone: return "none";
    case FaceProblem::kUndecodable: return "undecodable";
    case FaceProblem::kTooLarge: return "too_large";
    case FaceProblem::kNoFace: return "no_face";
    case FaceProblem::kSeveralFaces: return "several_faces";
    case FaceProblem::kTooSmall: return "too_small";
    case FaceProblem::kTooDark: return "too_dark";
    case FaceProblem::kTooBright: return "too_bright";
    case FaceProblem::kBlurred: return "blurred";
    case FaceProblem::kNotFrontal: return "not_frontal";
  }
  return "";
}

std::string_view FaceProblemAdviceZh(FaceProblem p) {
  switch (p) {
    case FaceProblem::kNone: return "照片可用";
    case FaceProblem::kUndecodable: return "照片无法读取，请重新拍摄（JPEG 或 PNG 格式）";
    case FaceProblem::kTooLarge: return "照片过大，请重新拍摄";
    case FaceProblem::kNoFace: return "未检测到人脸，请正对镜头，露出整张脸";
    case FaceProblem::kSeveralFaces: return "画面中有多张人脸，请只让本人入镜";
    case FaceProblem::kTooSmall: return "人脸太小，请靠近镜头";
    case FaceProblem::kTooDark: return "光线太暗，请到明亮处拍摄";
    case FaceProblem::kTooBright: return "光线太强，请避开强光";
    case FaceProblem::kBlurred: return "画面模糊，请保持手机稳定";
    case FaceProblem::kNotFrontal: return "请正对镜头，不要侧脸或低头";
  }
  return "";
}

double FaceSimilarity(std::span<const float> a, std::span<const float> b) {
  if (a.empty() || a.size() != b.size()) return 0;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  if (na <= 0 || nb <= 0) return 0;
  return dot / std::sqrt(na * nb);
}

std::string_view FaceDecisionName(FaceDecision d) {
  switch (d) {
    case FaceDecision::kMatch: return "match";
    case FaceDecision::kReview: return "review";
    case FaceDecision::kNoMatch: return "no_match";
  }
  return "";
}

FaceDecision DecideFace(double similarity, double threshold, double review_band) {
  if (similarity >= threshold) return FaceDecision::kMatch;
  if (similarity >= threshold - review_band) return FaceDecision::kReview;
  return FaceDecision::kNoMatch;
}

namespace {
constexpr char kTemplateVersion = 1;
constexpr size_t kModelTagLen = 16;
}  // namespace

std::string EncodeFaceTemplate(std::span<const float> embedding, std::string_view recogniser_sha256) {
  std::string out;
  out.push_back(kTemplateVersion);
  out.append(recogniser_sha256.substr(0, kModelTagLen));
  out.append(kModelTagLen + 1 - out.size(), '0');
  for (float v : embedding) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return out;
}

Result<std::vector<float>> DecodeFaceTemplate(std::string_view bytes, std::string_view recogniser_sha256) {
  if (bytes.size() < 1 + kModelTagLen || bytes[0] != kTemplateVersion || (bytes.size() - 1 - kModelTagLen) % 4 != 0) {
    return DataLoss("人脸模板已损坏 (the face template is damaged)");
  }
  if (bytes.substr(1, kModelTagLen) != recogniser_sha256.substr(0, kModelTagLen)) {
    return FailedPrecondition("人脸模板由另一识别模型生成，请重新采集 (the template was made by another recognition "
                              "model: enrol the person again)");
  }
  std::vector<float> out((bytes.size() - 1 - kModelTagLen) / 4);
  for (size_t k = 0; k < out.size(); ++k) {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= uint32_t(static_cast<unsigned char>(bytes[1 + kModelTagLen + 4 * k + i])) << (8 * i);
    std::memcpy(&out[k], &bits, 4);
    if (!std::isfinite(out[k])) return DataLoss("人脸模板已损坏 (the face template is damaged)");
  }
  return out;
}

// ---- Liveness -----------------------------------------------------------

namespace {
constexpr LivenessAction kAllActions[] = {LivenessAction::kBlink, LivenessAction::kOpenMouth, LivenessAction::kTurnLeft,
                                          LivenessAction::kTurnRight};
bool IsTurn(LivenessAction a) { return a == LivenessAction::kTurnLeft || a == LivenessAction::kTurnRight; }
}  // namespace

std::string_view LivenessActionName(LivenessAction a) {
  switch (a) {
    case LivenessAction::kBlink: return "blink";
    case LivenessAction::kOpenMouth: return "open_mouth";
    case LivenessAction::kTurnLeft: return "turn_left";
    case LivenessAction::kTurnRight: return "turn_right";
  }
  return "";
}

Result<LivenessAction> ParseLivenessAction(std::string_view name) {
  for (auto a : kAllActions) {
    if (LivenessActionName(a) == name) return a;
  }
  return InvalidArgument("活体动作应为 blink、open_mouth、turn_left 或 turn_right (unknown liveness action)");
}

std::string_view LivenessActionZh(LivenessAction a) {
  switch (a) {
    case LivenessAction::kBlink: return "请眨眼";
    case LivenessAction::kOpenMouth: return "请张嘴";
    case LivenessAction::kTurnLeft: return "请向左转头";
    case LivenessAction::kTurnRight: return "请向右转头";
  }
  return "";
}

std::vector<LivenessAction> DrawLivenessActions(int count, std::span<const LivenessAction> allowed) {
  count = std::clamp(count, 2, 6);
  std::vector<LivenessAction> pool(allowed.begin(), allowed.end());
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  if (pool.size() < 2) pool.assign(std::begin(kAllActions) + 1, std::end(kAllActions));
  // Unbiased draws from a CSPRNG: one byte per choice, rejection above a multiple.
  auto draw = [](int n) {
    for (;;) {
      const int v = std::stoi(RandomHex(1), nullptr, 16);
      if (v < 256 - 256 % n) return v % n;
    }
  };
  const bool turn_allowed = std::any_of(pool.begin(), pool.end(), IsTurn);
  for (;;) {
    std::vector<LivenessAction> out;
    while (static_cast<int>(out.size()) < count) {
      const LivenessAction a = pool[draw(static_cast<int>(pool.size()))];
      if (!out.empty() && out.back() == a) continue;
      out.push_back(a);
    }
    if (!turn_allowed || std::any_of(out.begin(), out.end(), IsTurn)) return out;
  }
}

std::string_view LivenessOutcomeName(LivenessOutcome o) {
  switch (o) {
    case LivenessOutcome::kPending: return "pending";
    case LivenessOutcome::kPassed: return "passed";
    case LivenessOutcome::kFailed: return "failed";
  }
  return "";
}

std::string_view LivenessFailureName(LivenessFailure f) {
  switch (f) {
    case LivenessFailure::kNone: return "none";
    case LivenessFailure::kExpired: return "expired";
    case LivenessFailure::kTooManyFrames: return "too_many_frames";
    case LivenessFailure::kFaceLost: return "face_lost";
    case LivenessFailure::kSeveralFaces: return "several_faces";
    case LivenessFailure::kNotSamePerson: return "not_same_person";
    case LivenessFailure::kTrackingBroken: return "tracking_broken";
    case LivenessFailure::kNoMatch: return "no_match";
    case LivenessFailure::kEnrolmentPhoto: return "enrolment_photo";
    case LivenessFailure::kAbandoned: return "abandoned";
  }
  return "";
}

std::string_view LivenessFailureZh(LivenessFailure f) {
  switch (f) {
    case LivenessFailure::kNone: return "";
    case LivenessFailure::kExpired: return "未在规定时间内完成动作，请重新开始";
    case LivenessFailure::kTooManyFrames: return "认证时间过长，请重新开始";
    case LivenessFailure::kFaceLost: return "人脸离开了画面，请重新开始并保持正对镜头";
    case LivenessFailure::kSeveralFaces: return "画面中出现了其他人，请只让本人入镜";
    case LivenessFailure::kNotSamePerson: return "与登记照片不符";
    case LivenessFailure::kTrackingBroken: return "画面不连续，请重新开始";
    case LivenessFailure::kNoMatch: return "与登记照片比对未通过";
    case LivenessFailure::kEnrolmentPhoto: return "请本人对着镜头认证，不能使用照片";
    case LivenessFailure::kAbandoned: return "本次认证未完成，已重新开始";
  }
  return "";
}

LivenessState NewLivenessState(std::vector<LivenessAction> actions, int64_t issued_ms, int64_t deadline_ms) {
  LivenessState s;
  s.actions = std::move(actions);
  s.issued_ms = issued_ms;
  s.deadline_ms = deadline_ms;
  return s;
}

namespace {

// (right eye width - left eye width) / their sum, eyes as seen in the image
// (points 36-39 and 42-45).
double EyeWidthAsymmetry(const FaceObservation& f) {
  const auto& q = f.landmarks;
  const double left = std::hypot(q[39].x - q[36].x, q[39].y - q[36].y);
  const double right = std::hypot(q[45].x - q[42].x, q[45].y - q[42].y);
  return left + right > 0 ? (right - left) / (left + right) : 0;
}

void Fail(LivenessState& s, LivenessFailure f) {
  s.outcome = LivenessOutcome::kFailed;
  s.failure = f;
  s.last_embedding.clear();  // nothing biometric is kept once the challenge is over
}

}  // namespace

void ExpireLiveness(LivenessState& s, int64_t now_ms) {
  if (s.outcome == LivenessOutcome::kPending && now_ms > s.deadline_ms) Fail(s, LivenessFailure::kExpired);
}

void AbandonLiveness(LivenessState& s) {
  if (s.outcome == LivenessOutcome::kPending) Fail(s, LivenessFailure::kAbandoned);
}

void AdvanceLiveness(LivenessState& s, const FaceObservation& f, std::span<const float> reference, int64_t now_ms,
                     const LivenessRules& rules) {
  if (s.outcome != LivenessOutcome::kPending) return;
  ExpireLiveness(s, now_ms);
  if (s.outcome != LivenessOutcome::kPending) return;
  if (++s.frames > rules.max_frames) return Fail(s, LivenessFailure::kTooManyFrames);
  if (f.problem == FaceProblem::kSeveralFaces) return Fail(s, LivenessFailure::kSeveralFaces);
  // A frame without a usable face (none, too dark, blurred...) is lost; a few
  // in a row are forgiven (a hand passing, a hiccup), and tracking resumes
  // only where the face was.
  const bool finite = std::isfinite(f.yaw) && std::isfinite(f.eye_openness) && std::isfinite(f.mouth_openness) &&
                      std::all_of(f.embedding.begin(), f.embedding.end(), [](float v) { return std::isfinite(v); }) &&
                      std::all_of(f.landmarks.begin(), f.landmarks.end(),
                                  [](const FacePoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }) &&
                      std::isfinite(f.box.x) && std::isfinite(f.box.y) && std::isfinite(f.box.width) &&
                      std::isfinite(f.box.height);
  if (f.problem != FaceProblem::kNone || f.embedding.empty() || !finite) {
    if (++s.lost_in_row > rules.max_lost_frames) Fail(s, LivenessFailure::kFaceLost);
    return;
  }
  s.lost_in_row = 0;
  const double similarity = FaceSimilarity(reference, f.embedding);
  s.min_similarity = std::min(s.min_similarity, similarity);
  if (!(similarity >= rules.frame_min_similarity)) return Fail(s, LivenessFailure::kNotSamePerson);
  // One frame that close may be an honest still moment; several are the
  // enrolment photo shown again.
  if (similarity >= rules.max_similarity && ++s.photo_like_frames > rules.max_photo_like_frames) {
    return Fail(s, LivenessFailure::kEnrolmentPhoto);
  }
  if (s.have_last) {
    const double cx = f.box.x + f.box.width / 2, cy = f.box.y + f.box.height / 2;
    const double lx = s.last_box.x + s.last_box.width / 2, ly = s.last_box.y + s.last_box.height / 2;
    const double shift = std::hypot(cx - lx, cy - ly) / std::max(1.0f, s.last_box.width);
    const double scale = f.box.width / std::max(1.0f, s.last_box.width);
    if (shift > rules.track_max_shift || scale < 0.67 || scale > 1.5 ||
        !(FaceSimilarity(s.last_embedding, f.embedding) >= rules.track_min_similarity)) {
      return Fail(s, LivenessFailure::kTrackingBroken);
    }
  }
  s.have_last = true;
  s.last_box = f.box;
  s.last_embedding = f.embedding;

  const double asymmetry = EyeWidthAsymmetry(f);
  if (!s.have_start) {
    s.have_start = true;
    s.start_yaw = f.yaw;
    s.start_asymmetry = asymmetry;
  }
  const double yaw = f.yaw - s.start_yaw;  // against the person's own frontal pose
  // In the image, the eye on the side the nose moves towards narrows.
  const double foreshortening = -(asymmetry - s.start_asymmetry);
  const bool frontal = std::abs(yaw) <= rules.frontal_yaw;
  if (frontal) {
    if (!s.eyes_closed) s.open_baseline = std::max(s.open_baseline, f.eye_openness);
    if (!s.mouth_opened) s.mouth_baseline = std::min(s.mouth_baseline, f.mouth_openness);
    // The identity decision rests on the neutral face: an open mouth or closed
    // eyes lower the similarity of an honest person by a few hundredths.
    const bool neutral = f.mouth_openness <= s.mouth_baseline + rules.mouth_closed_delta &&
                         !(s.open_baseline > 0 && f.eye_openness < rules.blink_open_ratio * s.open_baseline);
    if (neutral) {
      s.best_frontal_similarity = std::max(s.best_frontal_similarity, similarity);
      s.min_frontal_similarity = std::min(s.min_frontal_similarity, similarity);
    }
  }
  if (yaw > 0) s.max_left_yaw = std::max(s.max_left_yaw, yaw);
  if (yaw < 0) s.max_right_yaw = std::max(s.max_right_yaw, -yaw);

  if (s.next_action < s.actions.size()) {
    switch (s.actions[s.next_action]) {
      case LivenessAction::kBlink:
        // Closed, then open again, both on frontal frames measured against
        // the eyes' own open baseline (eyes differ from person to person).
        if (frontal && s.open_baseline > 0) {
          if (!s.eyes_closed && f.eye_openness < rules.blink_closed_ratio * s.open_baseline) {
            s.eyes_closed = true;
          } else if (s.eyes_closed && f.eye_openness > rules.blink_open_ratio * s.open_baseline) {
            s.eyes_closed = false;
            ++s.next_action;
          }
        }
        break;
      case LivenessAction::kOpenMouth:
        if (frontal || s.mouth_opened) {
          if (!s.mouth_opened && f.mouth_openness >= s.mouth_baseline + rules.mouth_open_delta) {
            s.mouth_opened = true;
          } else if (s.mouth_opened && f.mouth_openness <= s.mouth_baseline + rules.mouth_closed_delta) {
            s.mouth_opened = false;
            ++s.next_action;
          }
        }
        break;
      case LivenessAction::kTurnLeft:
      case LivenessAction::kTurnRight: {
        // The turn, with the far eye foreshortened, on frames in a row: one
        // frame's landmark noise is not a turn.
        const double sign = s.actions[s.next_action] == LivenessAction::kTurnLeft ? 1 : -1;
        const bool turned = sign * yaw >= rules.turn_yaw && sign * foreshortening >= rules.turn_eye_asymmetry;
        s.turn_streak = turned ? s.turn_streak + 1 : 0;
        if (s.turn_streak >= rules.turn_frames) {
          s.turn_streak = 0;
          ++s.next_action;
        }
        break;
      }
    }
  }
  // Done once every action was seen and the face is frontal again (the
  // identity decision rests on frontal frames).
  if (s.next_action == s.actions.size() && frontal && s.frames >= rules.min_frames) {
    const FaceDecision d = DecideFace(s.min_frontal_similarity, rules.match_threshold, rules.review_band);
    if (d == FaceDecision::kNoMatch) return Fail(s, LivenessFailure::kNoMatch);
    s.decision = d;
    s.outcome = LivenessOutcome::kPassed;
    s.last_embedding.clear();
  }
}

std::string LivenessStateToJson(const LivenessState& s) {
  nlohmann::json j;
  nlohmann::json actions = nlohmann::json::array();
  for (auto a : s.actions) actions.push_back(std::string(LivenessActionName(a)));
  j["actions"] = actions;
  j["issued_ms"] = s.issued_ms;
  j["deadline_ms"] = s.deadline_ms;
  j["outcome"] = std::string(LivenessOutcomeName(s.outcome));
  j["failure"] = std::string(LivenessFailureName(s.failure));
  j["next_action"] = s.next_action;
  j["eyes_closed"] = s.eyes_closed;
  j["open_baseline"] = s.open_baseline;
  j["mouth_opened"] = s.mouth_opened;
  j["mouth_baseline"] = s.mouth_baseline;
  j["have_start"] = s.have_start;
  j["start_yaw"] = s.start_yaw;
  j["frames"] = s.frames;
  j["lost_in_row"] = s.lost_in_row;
  j["min_similarity"] = s.min_similarity;
  j["best_frontal_similarity"] = s.best_frontal_similarity;
  j["min_frontal_similarity"] = s.min_frontal_similarity;
  j["start_asymmetry"] = s.start_asymmetry;
  j["turn_streak"] = s.turn_streak;
  j["photo_like_frames"] = s.photo_like_frames;
  j["max_left_yaw"] = s.max_left_yaw;
  j["max_right_yaw"] = s.max_right_yaw;
  j["have_last"] = s.have_last;
  j["last_box"] = {s.last_box.x, s.last_box.y, s.last_box.width, s.last_box.height};
  j["last_embedding"] = s.last_embedding;
  j["decision"] = std::string(FaceDecisionName(s.decision));
  return j.dump();
}

Result<LivenessState> LivenessStateFromJson(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return DataLoss("活体检测状态已损坏 (the liveness state is damaged)");
  try {
    LivenessState s;
    for (const auto& a : j.at("actions")) {
      const std::string name = a.get<std::string>();
      auto action = ParseLivenessAction(name);
      if (!action) return DataLoss("活体检测状态已损坏 (unknown action)");
      s.actions.push_back(*action);
    }
    s.issued_ms = j.at("issued_ms").get<int64_t>();
    s.deadline_ms = j.at("deadline_ms").get<int64_t>();
    const std::string outcome = j.at("outcome").get<std::string>();
    s.outcome = outcome == "passed" ? LivenessOutcome::kPassed
                : outcome == "failed" ? LivenessOutcome::kFailed
                                      : LivenessOutcome::kPending;
    const std::string failure = j.at("failure").get<std::string>();
    for (int k = 0; k <= static_cast<int>(LivenessFailure::kAbandoned); ++k) {
      if (LivenessFailureName(static_cast<LivenessFailure>(k)) == failure) s.failure = static_cast<LivenessFailure>(k);
    }
    s.next_action = j.at("next_action").get<size_t>();
    if (s.next_action > s.actions.size()) return DataLoss("活体检测状态已损坏 (action index)");
    s.eyes_closed = j.at("eyes_closed").get<bool>();
    s.open_baseline = j.at("open_baseline").get<double>();
    s.mouth_opened = j.at("mouth_opened").get<bool>();
    s.mouth_baseline = j.at("mouth_baseline").get<double>();
    s.have_start = j.at("have_start").get<bool>();
    s.start_yaw = j.at("start_yaw").get<double>();
    s.frames = j.at("frames").get<int>();
    s.lost_in_row = j.at("lost_in_row").get<int>();
    s.min_similarity = j.at("min_similarity").get<double>();
    s.best_frontal_similarity = j.at("best_frontal_similarity").get<double>();
    // Fields added after states were first stored: their defaults, so a
    // challenge stored by an earlier version still loads.
    s.min_frontal_similarity = j.value("min_frontal_similarity", 2.0);
    s.start_asymmetry = j.value("start_asymmetry", 0.0);
    s.turn_streak = j.value("turn_streak", 0);
    s.photo_like_frames = j.value("photo_like_frames", 0);
    s.max_left_yaw = j.at("max_left_yaw").get<double>();
    s.max_right_yaw = j.at("max_right_yaw").get<double>();
    s.have_last = j.at("have_last").get<bool>();
    const auto box = j.at("last_box").get<std::vector<float>>();
    if (box.size() != 4) return DataLoss("活体检测状态已损坏 (box)");
    s.last_box = {box[0], box[1], box[2], box[3]};
    s.last_embedding = j.at("last_embedding").get<std::vector<float>>();
    const std::string decision = j.at("decision").get<std::string>();
    s.decision = decision == "match" ? FaceDecision::kMatch
                 : decision == "review" ? FaceDecision::kReview
                                        : FaceDecision::kNoMatch;
    return s;
  } catch (const nlohmann::json::exception&) {
    return DataLoss("活体检测状态已损坏 (the liveness state is damaged)");
  }
}

std::string ResolveFaceModelDir(std::string_view flag) {
  namespace fs = std::filesystem;
  if (!flag.empty()) return std::string(flag);
  if (const char* env = std::getenv("TACIT_MODEL_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "models/face";
  return (exe.parent_path() / "models" / "face").string();
}

}  // namespace tacit
