#include "tacit/face_auth.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tacit/casework.h"

namespace tacit {
namespace {

constexpr int64_t kMinuteMs = 60'000, kHourMs = 3'600'000, kDayMs = 86'400'000;
constexpr int64_t kCaseWindowMs = 30 * kDayMs;  // failures counted towards a case

Date DayOf(int64_t now_ms) { return Date::FromDays(static_cast<int32_t>(now_ms / kDayMs)); }

std::string TemplateContext(PersonKey person) { return fmt::format("face-template:{}", person); }
std::string PhotoContext(PersonKey person) { return fmt::format("face-photo:{}", person); }
std::string ChallengeContext(std::string_view id) { return fmt::format("face-challenge:{}", id); }

bool IsFailure(const FaceAttemptRecord& a) { return a.result == "no_match" || a.result == "failed"; }

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The person's enrolled template, opened; or a refusal.
struct Reference {
  FaceRefusal refusal = FaceRefusal::kNone;
  std::vector<float> embedding;
};

Result<Reference> ReferenceOf(const FaceAuthContext& ctx, PersonKey person) {
  ASSIGN_OR_RETURN(std::optional<FaceTemplateRecord> t, ctx.store.FindFaceTemplate(person));
  if (!t) return Reference{FaceRefusal::kNotEnrolled, {}};
  if (t->recogniser != ctx.recogniser_sha256) return Reference{FaceRefusal::kTemplateStale, {}};
  ASSIGN_OR_RETURN(std::string bytes, ctx.secrets.Open(t->sealed_template, TemplateContext(person)));
  auto embedding = DecodeFaceTemplate(bytes, ctx.recogniser_sha256);
  if (!embedding) {
    if (embedding.error().code == ErrorCode::kFailedPrecondition) return Reference{FaceRefusal::kTemplateStale, {}};
    return tl::unexpected(embedding.error());
  }
  return Reference{FaceRefusal::kNone, std::move(*embedding)};
}

std::string RefusalMessage(FaceRefusal r, const Policy& policy, Date on) {
  switch (r) {
    case FaceRefusal::kNone: return "";
    case FaceRefusal::kNotEnrolled:
      return "尚未采集人脸信息，请到社保经办窗口或银行网点采集 (no face is enrolled for this person)";
    case FaceRefusal::kTemplateStale:
      return "人脸信息需要重新采集 (the face was enrolled under another recognition model: enrol again)";
    case FaceRefusal::kDailyLimit:
      return fmt::format("今日认证次数已达上限（{} 次），请明天再试或到银行网点认证 (the daily limit of attempts "
                         "is reached: face_max_attempts_per_day)", policy.face_max_attempts_per_day.At(on));
    case FaceRefusal::kDeviceLimit:
      return "该设备认证次数过多，请稍后再试 (this device has made too many attempts in the last hour)";
    case FaceRefusal::kCoolingDown:
      return fmt::format("连续认证未通过，请 {} 分钟后再试 (failed attempts in a row: wait before trying again)",
                         policy.face_cooldown_minutes.At(on));
    case FaceRefusal::kUnknownChallenge: return "认证已失效，请重新开始 (no such challenge)";
    case FaceRefusal::kChallengeFinished: return "本次认证已结束 (the challenge has finished)";
    case FaceRefusal::kFramesOutOfOrder:
      return "部分画面未送达，请重新开始 (first_frame is beyond the frames received: frames were lost)";
  }
  return "";
}

// Sets `out`'s refusal and its message; true when there is one.
template <typename Out>
bool Refuse(Out& out, FaceRefusal r, const Policy& policy, Date on) {
  if (r == FaceRefusal::kNone) return false;
  out.refusal = r;
  out.message = RefusalMessage(r, policy, on);
  return true;
}

// Checks the attempt limits before a new attempt. Sets retry_after_ms for a
// cool-down.
Result<FaceRefusal> CheckLimits(const FaceAuthContext& ctx, PersonKey person, std::string_view device_pseudonym,
                                int64_t now_ms, int64_t* retry_after_ms) {
  const Date on = DayOf(now_ms);
  ASSIGN_OR_RETURN(std::vector<FaceAttemptRecord> all, ctx.store.FaceAttemptsOf(person, now_ms - kDayMs));
  // Remote challenges only: a member of staff's checks at a counter do not use
  // up the person's own attempts.
  std::vector<FaceAttemptRecord> recent;
  for (FaceAttemptRecord& a : all) {
    if (a.method == "challenge") recent.push_back(std::move(a));
  }
  if (static_cast<int64_t>(recent.size()) >= ctx.policy.face_max_attempts_per_day.At(on)) {
    return FaceRefusal::kDailyLimit;
  }
  ASSIGN_OR_RETURN(int64_t by_device, ctx.store.CountFaceAttemptsByDevice(device_pseudonym, now_ms - kHourMs));
  if (by_device >= ctx.policy.face_device_max_attempts_per_hour.At(on)) return FaceRefusal::kDeviceLimit;
  // Failures in a row, the newest first.
  const int needed = ctx.policy.face_cooldown_failures.At(on);
  int in_row = 0;
  for (auto it = recent.rbegin(); it != recent.rend() && IsFailure(*it); ++it) ++in_row;
  if (in_row >= needed) {
    const int64_t until = recent.back().at_ms + ctx.policy.face_cooldown_minutes.At(on) * kMinuteMs;
    if (now_ms < until) {
      if (retry_after_ms) *retry_after_ms = until;
      return FaceRefusal::kCoolingDown;
    }
  }
  return FaceRefusal::kNone;
}

CaseRecord NewCase(PersonKey person, std::string type, std::string key, std::string summary, std::string suggestion,
                   std::vector<int64_t> evidence, int64_t now_ms) {
  CaseRecord c;
  c.person = person;
  c.type = std::move(type);
  c.key = std::move(key);
  c.summary = std::move(summary);
  c.suggestion = std::move(suggestion);
  c.evidence_ids = std::move(evidence);
  c.opened_in = MonthOf(DayOf(now_ms));
  return c;
}

Result<int64_t> OpenCase(const FaceAuthContext& ctx, CaseRecord c) {
  std::vector<CaseRecord> cases{std::move(c)};
  RETURN_IF_ERROR(ctx.store.OpenCases(cases));
  return cases.front().id;
}

// Records a face certification as evidence and updates the summary index;
// opens a fraud-suspicion case when the person is recorded as dead.
struct Certified {
  int64_t evidence_id = 0;
  int64_t case_id = 0;
};
Result<Certified> RecordCertification(const FaceAuthContext& ctx, PersonKey person, std::string ref,
                                      nlohmann::json detail, int64_t now_ms) {
  const Date today = DayOf(now_ms);
  Certified out;
  ASSIGN_OR_RETURN(std::optional<EvidenceRecord> earlier, ctx.store.FindEvidenceByRef("agency", ref));
  if (earlier) {
    out.evidence_id = earlier->id;
    return out;
  }
  EvidenceRecord e;
  e.source = "agency";
  e.ref = std::move(ref);
  e.kind = "face_auth";
  e.person = person;
  e.occurred_on = today;
  e.received_on = today;
  e.link_method = std::string(kLinkExact);
  e.link_score = 1.0;
  e.detail = Dump(detail);
  RETURN_IF_ERROR(ctx.store.AddEvidence(e));
  out.evidence_id = e.id;
  if (auto signal = SignalOf(ctx.policy, e.kind, e.occurred_on, person)) {
    RETURN_IF_ERROR(ctx.store.UpdatePersonSummary({*signal}));
  }
  ASSIGN_OR_RETURN(std::optional<PersonSignal> summary, ctx.store.PersonSummary(person));
  if (summary && summary->death) {
    ASSIGN_OR_RETURN(out.case_id,
                     OpenCase(ctx, NewCase(person, "face_after_death", fmt::format("face_after_death:{}", e.id),
                                           fmt::format("已登记死亡（{}）的人员通过人脸识别认证，疑似冒领",
                                                       summary->death->ToString()),
                                           "核查是否冒用身份骗取待遇 (fraud)", {e.id}, now_ms)));
  }
  return out;
}

// After a failed attempt: a case once the failures in 30 days reach the
// policy's face_failures_before_case (one per person and month).
Result<int64_t> MaybeOpenFailuresCase(const FaceAuthContext& ctx, PersonKey person, int64_t now_ms) {
  const Date on = DayOf(now_ms);
  ASSIGN_OR_RETURN(std::vector<FaceAttemptRecord> recent, ctx.store.FaceAttemptsOf(person, now_ms - kCaseWindowMs));
  const auto failures = std::count_if(recent.begin(), recent.end(), IsFailure);
  if (failures < ctx.policy.face_failures_before_case.At(on)) return int64_t{0};
  return OpenCase(ctx, NewCase(person, "face_failures",
                               fmt::format("face_failures:{}:{}", person, MonthOf(on).ToString()),
                               fmt::format("30 日内人脸识别认证 {} 次未通过", failures),
                               "联系本人，安排银行网点认证终端或上门认证 (bank terminal or home visit)", {}, now_ms));
}

constexpr std::string_view kOtherWaysZh =
    "也可以携带身份证到就近的银行网点认证终端认证，行动不便的可以申请社区工作人员上门认证。";

void FillStatus(FaceChallengeStatus& out, const LivenessState& s) {
  out.outcome = s.outcome;
  out.failure = s.failure;
  out.actions = s.actions;
  out.next_action = s.next_action;
  out.frames = s.frames;
  out.decision = s.decision;
  out.similarity = s.min_frontal_similarity <= 1 ? std::max(0.0, s.min_frontal_similarity) : 0.0;
}

// A challenge that has just finished (passed, failed, expired, abandoned):
// the attempt, and the evidence or case it leads to. Updates `c` (status,
// evidence, case) and `out`; the caller stores `c`.
Status Conclude(const FaceAuthContext& ctx, FaceChallengeRecord& c, const LivenessState& state, int64_t now_ms,
                FaceChallengeStatus& out) {
  const LivenessRules rules = LivenessRulesOf(ctx.policy, DayOf(now_ms));
  FaceAttemptRecord a;
  a.person = c.person;
  a.device = c.device;
  // An expired or abandoned challenge failed when its time ran out, not when
  // someone next looked at it.
  a.at_ms = state.outcome == LivenessOutcome::kFailed ? std::min(now_ms, std::max(c.deadline_ms, c.created_ms)) : now_ms;
  a.method = "challenge";
  a.result = state.outcome == LivenessOutcome::kPassed ? std::string(FaceDecisionName(state.decision)) : "failed";
  a.similarity = out.similarity;
  nlohmann::json actions = nlohmann::json::array();
  for (auto act : state.actions) actions.push_back(std::string(LivenessActionName(act)));
  const nlohmann::json scores = {{"challenge", c.id},
                                 {"actions", actions},
                                 {"frames", state.frames},
                                 {"failure", std::string(LivenessFailureName(state.failure))},
                                 {"min_frontal_similarity", out.similarity},
                                 {"best_frontal_similarity", std::max(0.0, state.best_frontal_similarity)},
                                 {"min_similarity", state.min_similarity},
                                 {"max_left_yaw", state.max_left_yaw},
                                 {"max_right_yaw", state.max_right_yaw}};
  a.detail = Dump(scores);
  RETURN_IF_ERROR(ctx.store.AddFaceAttempt(a));
  if (state.outcome == LivenessOutcome::kPassed && state.decision == FaceDecision::kMatch) {
    nlohmann::json detail = scores;
    detail["method"] = "face";
    detail["liveness"] = "challenge";
    detail["threshold"] = rules.match_threshold;
    detail["actor"] = c.actor;
    ASSIGN_OR_RETURN(Certified cert, RecordCertification(ctx, c.person, "face/" + c.id, detail, now_ms));
    c.evidence_id = cert.evidence_id;
    c.case_id = cert.case_id;
    out.next_step_zh = "认证成功。本次认证已记录，无需再做其他操作。";
  } else if (state.outcome == LivenessOutcome::kPassed) {
    ASSIGN_OR_RETURN(c.case_id,
                     OpenCase(ctx, NewCase(c.person, "face_review",
                                           fmt::format("face_review:{}:{}", DayOf(now_ms).ToString(), c.id),
                                           fmt::format("人脸识别认证比对分数 {:.3f} 处于复核区间，需人工核对",
                                                       out.similarity),
                                           "核对本人后以上门或窗口方式认证，或维持未认证 (dismiss)", {}, now_ms)));
    out.next_step_zh = "认证结果需要工作人员复核，复核后会通知您。" + std::string(kOtherWaysZh);
  } else {
    ASSIGN_OR_RETURN(c.case_id, MaybeOpenFailuresCase(ctx, c.person, now_ms));
    out.next_step_zh = std::string(LivenessFailureZh(state.failure)) + "。" +
                       (c.case_id != 0 ? "多次认证未通过，工作人员会与您联系。" : "可以重新开始认证。") +
                       std::string(kOtherWaysZh);
  }
  out.evidence_id = c.evidence_id;
  out.case_id = c.case_id;
  out.finished_now = true;
  c.status = std::string(LivenessOutcomeName(state.outcome));
  return {};
}

}  // namespace

std::string_view FaceRefusalName(FaceRefusal r) {
  switch (r) {
    case FaceRefusal::kNone: return "none";
    case FaceRefusal::kNotEnrolled: return "not_enrolled";
    case FaceRefusal::kTemplateStale: return "template_stale";
    case FaceRefusal::kDailyLimit: return "daily_limit";
    case FaceRefusal::kDeviceLimit: return "device_limit";
    case FaceRefusal::kCoolingDown: return "cooling_down";
    case FaceRefusal::kUnknownChallenge: return "unknown_challenge";
    case FaceRefusal::kChallengeFinished: return "challenge_finished";
    case FaceRefusal::kFramesOutOfOrder: return "frames_out_of_order";
  }
  return "";
}

FaceQualityLimits FrameLimits(const Policy& policy, Date on) {
  FaceQualityLimits l;
  l.min_face_px = policy.face_min_face_px.At(on);
  l.min_brightness = policy.face_min_brightness.At(on);
  l.max_brightness = policy.face_max_brightness.At(on);
  l.min_sharpness = policy.face_min_sharpness.At(on);
  return l;
}

FaceQualityLimits EnrolLimits(const Policy& policy, Date on) {
  FaceQualityLimits l = FrameLimits(policy, on);
  l.min_face_px = policy.face_enrol_min_face_px.At(on);
  l.max_yaw = policy.face_enrol_max_yaw.At(on);
  l.max_pitch = policy.face_enrol_max_pitch.At(on);
  return l;
}

LivenessRules LivenessRulesOf(const Policy& policy, Date on) {
  LivenessRules r;
  r.match_threshold = policy.face_match_threshold.At(on);
  r.review_band = policy.face_review_band.At(on);
  r.frame_min_similarity = policy.face_frame_min_similarity.At(on);
  return r;
}

std::string FaceDevicePseudonym(const Secrets& secrets, std::string_view device) {
  return secrets.Pseudonym("face-device", device);
}

Result<FaceEnrolment> EnrolFace(const FaceAuthContext& ctx, PersonKey person, const FaceObservation& o,
                                std::string_view photo, std::string_view by, int64_t now_ms,
                                bool replace_different) {
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(person));
  if (!p) return NotFound("登记的待遇领取人员中没有该人员 (no such person in the registry)");
  const Date on = DayOf(now_ms);
  const FaceQualityLimits limits = EnrolLimits(ctx.policy, on);
  FaceEnrolment out;
  out.problem = o.problem;
  // The engine checked the limits it was given; an observation made under
  // looser ones is checked again here.
  if (out.problem == FaceProblem::kNone) {
    if (o.embedding.empty()) out.problem = FaceProblem::kNoFace;
    else if (!(o.face_px >= limits.min_face_px)) out.problem = FaceProblem::kTooSmall;
    else if (!(o.brightness >= limits.min_brightness)) out.problem = FaceProblem::kTooDark;
    else if (!(o.brightness <= limits.max_brightness)) out.problem = FaceProblem::kTooBright;
    else if (!(o.sharpness >= limits.min_sharpness)) out.problem = FaceProblem::kBlurred;
    else if (!(std::abs(o.yaw) <= limits.max_yaw) || !(std::abs(o.pitch) <= limits.max_pitch)) {
      out.problem = FaceProblem::kNotFrontal;
    }
  }
  if (out.problem != FaceProblem::kNone) {
    out.message = fmt::format("照片不符合采集要求：{} (the photo cannot be enrolled: {})", FaceProblemAdviceZh(out.problem),
                              FaceProblemName(out.problem));
    return out;
  }
  ASSIGN_OR_RETURN(std::optional<FaceTemplateRecord> before, ctx.store.FindFaceTemplate(person));
  // Another face in place of the enrolled one is how a template would be
  // swapped for an accomplice's: it waits for a reviewer.
  if (before && !replace_different) {
    // A template from another model cannot be compared: replacing it needs
    // an administrator too (after a model change everyone is enrolled again,
    // which is when a swap would go unnoticed).
    ASSIGN_OR_RETURN(Reference old, ReferenceOf(ctx, person));
    const double similarity = old.refusal == FaceRefusal::kNone ? FaceSimilarity(old.embedding, o.embedding) : 0;
    const double lower = ctx.policy.face_match_threshold.At(on) - ctx.policy.face_review_band.At(on);
    if (!(similarity >= lower)) {
      out.mismatch = true;
      ASSIGN_OR_RETURN(out.case_id,
                       OpenCase(ctx, NewCase(person, "face_reenrol",
                                             fmt::format("face_reenrol:{}:{}", person, on.ToString()),
                                             old.refusal == FaceRefusal::kNone
                                                 ? fmt::format("重新采集的人脸与已登记人脸不一致（比对 {:.3f}），未替换",
                                                               similarity)
                                                 : std::string("已登记人脸由旧识别模型生成，无法比对，未替换"),
                                             "核实本人后由管理员确认替换，或维持原登记 (dismiss)", {}, now_ms)));
      out.message = "照片与已登记的人脸不一致，未替换；已转人工核查 (the photo does not match the enrolled face: "
                    "the template is kept and a reviewer decides)";
      return out;
    }
  }
  FaceTemplateRecord t;
  t.person = person;
  t.sealed_template = ctx.secrets.Seal(EncodeFaceTemplate(o.embedding, ctx.recogniser_sha256), TemplateContext(person));
  if (ctx.policy.face_keep_enrolment_photo.At(on)) t.sealed_photo = ctx.secrets.Seal(photo, PhotoContext(person));
  t.recogniser = ctx.recogniser_sha256;
  t.quality = Dump({{"face_px", o.face_px},
                    {"brightness", o.brightness},
                    {"sharpness", o.sharpness},
                    {"yaw", o.yaw},
                    {"pitch", o.pitch},
                    {"detection_score", o.detection_score},
                    {"image", {o.width, o.height}}});
  t.enrolled_by = std::string(by);
  t.enrolled_at_ms = now_ms;
  RETURN_IF_ERROR(ctx.store.PutFaceTemplate(t));
  out.enrolled = true;
  out.replaced = before.has_value();
  out.message = out.replaced ? "已重新采集人脸信息 (the face was enrolled again; the earlier template is replaced)"
                             : "人脸信息采集成功 (the face is enrolled)";
  return out;
}

Result<FaceAttemptOutcome> VerifyFacePhotos(const FaceAuthContext& ctx, PersonKey person,
                                            std::span<const FaceObservation> photos, std::string_view device,
                                            std::string_view by, bool in_person, int64_t now_ms) {
  const Date on = DayOf(now_ms);
  FaceAttemptOutcome out;
  ASSIGN_OR_RETURN(Reference ref, ReferenceOf(ctx, person));
  if (Refuse(out, ref.refusal, ctx.policy, on)) return out;
  const std::string device_key = FaceDevicePseudonym(ctx.secrets, device);
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& o : photos) {
    if (o.problem != FaceProblem::kNone || o.embedding.empty()) {
      problems.push_back(std::string(FaceProblemName(o.problem)));
      continue;
    }
    ++out.usable;
    out.similarity = std::max(out.similarity, FaceSimilarity(ref.embedding, o.embedding));
  }
  out.decision = out.usable > 0 ? DecideFace(out.similarity, ctx.policy.face_match_threshold.At(on),
                                             ctx.policy.face_review_band.At(on))
                                : FaceDecision::kNoMatch;
  FaceAttemptRecord a;
  a.person = person;
  a.device = device_key;
  a.at_ms = now_ms;
  a.method = "photo";
  a.result = out.usable == 0 ? "refused" : std::string(FaceDecisionName(out.decision));
  a.similarity = out.similarity;
  a.detail = Dump({{"photos", photos.size()}, {"usable", out.usable}, {"problems", problems},
                   {"in_person", in_person}, {"by", by}});
  RETURN_IF_ERROR(ctx.store.AddFaceAttempt(a));
  out.attempt_id = a.id;
  if (out.usable == 0) {
    out.message = "照片中没有可用的人脸 (no photo shows a usable face)";
    return out;
  }
  if (out.decision == FaceDecision::kMatch && in_person) {
    ASSIGN_OR_RETURN(Certified c, RecordCertification(ctx, person, fmt::format("face/attempt-{}", a.id),
                                                      {{"method", "face"},
                                                       {"liveness", "in_person"},
                                                       {"by", by},
                                                       {"similarity", out.similarity},
                                                       {"threshold", ctx.policy.face_match_threshold.At(on)},
                                                       {"attempt", a.id}},
                                                      now_ms));
    out.evidence_id = c.evidence_id;
    out.case_id = c.case_id;
    out.message = "比对通过，已记录为本人到场认证 (matched: recorded as an in-person certification)";
  } else if (out.decision == FaceDecision::kMatch) {
    out.message = "比对通过；照片本身不能证明本人在场，未记录为认证 (matched; a photo alone does not certify: "
                  "use --in-person when the person is present)";
  } else if (out.decision == FaceDecision::kReview) {
    out.message = "比对结果需人工复核 (the similarity is in the review band: a reviewer decides)";
  } else {
    out.message = "比对未通过 (no match)";
    if (out.usable > 0) {
      ASSIGN_OR_RETURN(out.case_id, MaybeOpenFailuresCase(ctx, person, now_ms));
    }
  }
  return out;
}

Result<FaceChallengeStart> StartFaceChallenge(const FaceAuthContext& ctx, PersonKey person, std::string_view device,
                                              std::string_view actor, int64_t now_ms) {
  const Date on = DayOf(now_ms);
  FaceChallengeStart out;
  ASSIGN_OR_RETURN(Reference ref, ReferenceOf(ctx, person));
  if (Refuse(out, ref.refusal, ctx.policy, on)) return out;
  const std::string device_key = FaceDevicePseudonym(ctx.secrets, device);
  // One challenge at a time: the one still pending is abandoned, a failed
  // attempt. Older pending ones (left by an earlier version, which allowed
  // several) and any whose state cannot be read are closed without counting:
  // nothing a person did should keep them from certifying.
  ASSIGN_OR_RETURN(std::vector<FaceChallengeRecord> pending, ctx.store.PendingFaceChallenges(person));
  for (size_t i = 0; i < pending.size(); ++i) {
    FaceChallengeRecord& p = pending[i];
    auto text = ctx.secrets.Open(p.sealed_state, ChallengeContext(p.id));
    auto state = text ? LivenessStateFromJson(*text) : tl::unexpected(text.error());
    if (state && i + 1 == pending.size()) {
      ExpireLiveness(*state, now_ms);
      AbandonLiveness(*state);
      FaceChallengeStatus ended;
      FillStatus(ended, *state);
      RETURN_IF_ERROR(Conclude(ctx, p, *state, now_ms, ended));
      out.abandoned.push_back({p.id, ended.failure, ended.case_id});
      p.sealed_state = ctx.secrets.Seal(LivenessStateToJson(*state), ChallengeContext(p.id));
    } else {
      p.status = "failed";
      out.abandoned.push_back({p.id, LivenessFailure::kAbandoned, 0});
    }
    RETURN_IF_ERROR(ctx.store.PutFaceChallenge(p));
  }
  ASSIGN_OR_RETURN(FaceRefusal limit, CheckLimits(ctx, person, device_key, now_ms, &out.retry_after_ms));
  if (Refuse(out, limit, ctx.policy, on)) return out;
  std::vector<LivenessAction> allowed;
  for (std::string_view name : Policy::ListItems(ctx.policy.face_liveness_actions.At(on))) {
    if (auto a = ParseLivenessAction(name)) allowed.push_back(*a);
  }
  out.actions = DrawLivenessActions(ctx.policy.face_liveness_action_count.At(on), allowed);
  out.id = RandomHex(16);
  out.deadline_ms = now_ms + int64_t{ctx.policy.face_challenge_seconds.At(on)} * 1000;
  const LivenessState state = NewLivenessState(out.actions, now_ms, out.deadline_ms);
  FaceChallengeRecord c;
  c.id = out.id;
  c.person = person;
  c.device = device_key;
  c.actor = std::string(actor);
  c.created_ms = now_ms;
  c.deadline_ms = out.deadline_ms;
  c.status = "pending";
  c.sealed_state = ctx.secrets.Seal(LivenessStateToJson(state), ChallengeContext(out.id));
  RETURN_IF_ERROR(ctx.store.PutFaceChallenge(c));
  std::string steps;
  for (auto a : out.actions) steps += std::string(steps.empty() ? "" : "，") + std::string(LivenessActionZh(a));
  out.message = fmt::format("请正对镜头，按提示完成动作：{}", steps);
  return out;
}

Result<FaceChallengeStatus> AdvanceFaceChallenge(const FaceAuthContext& ctx, std::string_view id,
                                                 std::span<const FaceObservation> frames, int64_t now_ms,
                                                 std::optional<int> first_frame) {
  const Date on = DayOf(now_ms);
  FaceChallengeStatus out;
  out.id = std::string(id);
  ASSIGN_OR_RETURN(std::optional<FaceChallengeRecord> c, ctx.store.FindFaceChallenge(id));
  if (!c) {
    Refuse(out, FaceRefusal::kUnknownChallenge, ctx.policy, on);
    return out;
  }
  out.person = c->person;
  out.deadline_ms = c->deadline_ms;
  out.evidence_id = c->evidence_id;
  out.case_id = c->case_id;
  ASSIGN_OR_RETURN(std::string text, ctx.secrets.Open(c->sealed_state, ChallengeContext(id)));
  ASSIGN_OR_RETURN(LivenessState state, LivenessStateFromJson(text));
  // A resent batch: skip what was received; a gap: refuse.
  if (first_frame && state.outcome == LivenessOutcome::kPending) {
    if (*first_frame < 0 || *first_frame > state.frames) {
      FillStatus(out, state);
      Refuse(out, FaceRefusal::kFramesOutOfOrder, ctx.policy, on);
      return out;
    }
    const size_t seen = static_cast<size_t>(state.frames - *first_frame);
    frames = frames.subspan(std::min(seen, frames.size()));
  }
  if (state.outcome != LivenessOutcome::kPending) {
    FillStatus(out, state);
    if (!frames.empty() && !first_frame) Refuse(out, FaceRefusal::kChallengeFinished, ctx.policy, on);
    return out;
  }
  ASSIGN_OR_RETURN(Reference ref, ReferenceOf(ctx, c->person));
  if (Refuse(out, ref.refusal, ctx.policy, on)) return out;
  const LivenessRules rules = LivenessRulesOf(ctx.policy, on);
  for (const auto& f : frames) {
    AdvanceLiveness(state, f, ref.embedding, now_ms, rules);
    out.last_problem = f.problem;
    if (state.outcome != LivenessOutcome::kPending) break;
  }
  ExpireLiveness(state, now_ms);
  FillStatus(out, state);
  if (state.outcome != LivenessOutcome::kPending) {
    RETURN_IF_ERROR(Conclude(ctx, *c, state, now_ms, out));
  } else if (state.next_action < state.actions.size()) {
    out.next_step_zh = out.last_problem != FaceProblem::kNone && out.last_problem != FaceProblem::kNotFrontal
                           ? std::string(FaceProblemAdviceZh(out.last_problem))
                           : std::string(LivenessActionZh(state.actions[state.next_action]));
  } else {
    out.next_step_zh = "请正对镜头";
  }
  c->sealed_state = ctx.secrets.Seal(LivenessStateToJson(state), ChallengeContext(id));
  RETURN_IF_ERROR(ctx.store.PutFaceChallenge(*c));
  return out;
}

}  // namespace tacit
