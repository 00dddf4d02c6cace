// Face self-certification over HTTP (tacit/face_auth.h): enrolment by staff,
// a person's enrolment and attempts, and the liveness challenge (start, send
// frames, read the result). Images arrive base64 in JSON, are analysed
// before any unit of work opens (the store is not held while the models run)
// and are never stored, logged or echoed.
#include <fmt/format.h>

#include "server/routes.h"
#include "tacit/face_auth.h"

namespace tacit::server {
namespace {

constexpr size_t kMaxImageBytes = 2 << 20;  // one JPEG or PNG, decoded
constexpr size_t kMaxFramesPerRequest = 10;
constexpr int64_t kAttemptsShownDays = 30;

HttpResult<const FaceAnalyser*> Analyser(const Context& ctx) {
  if (ctx.svc.face == nullptr) {
    return tl::unexpected(HttpError(ErrorCode::kUnavailable,
                                    "人脸识别服务未启用 (the face pipeline is not loaded on this server: build it with "
                                    "OpenCV and give tacit serve its models)"));
  }
  return ctx.svc.face;
}

FaceAuthContext AuthContext(Context& ctx, const FaceAnalyser& face) {
  return FaceAuthContext{ctx.store, ctx.svc.policy, ctx.svc.secrets, face.RecogniserSha256()};
}

// One base64 image from a JSON string; the field names the error.
HttpResult<std::string> Image(const json& value, const std::string& field) {
  if (!value.is_string()) return BadField(field, "应为 base64 编码的 JPEG 或 PNG 图像 (expected a base64 JPEG or PNG)");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > (kMaxImageBytes / 3 + 1) * 4) {
    return BadField(field, fmt::format("图像超过 {} MB (the image is larger than {} MiB)", kMaxImageBytes >> 20,
                                       kMaxImageBytes >> 20));
  }
  auto bytes = Base64Decode(text);
  if (!bytes) return BadField(field, bytes.error().message);
  return std::move(*bytes);
}

// The device for attempt limits: the authenticated caller (a staff account
// assisting; the citizen's own session when the citizen page signs people
// in), never something the client asserts. Only the keyed pseudonym is stored.
std::string DeviceOf(const Context& ctx) { return ctx.principal.Actor(); }

HttpError Refusal(FaceRefusal r, const std::string& message, int64_t retry_after_ms, int64_t now_ms) {
  HttpError e(ErrorCode::kFailedPrecondition, message);
  e.code_name = std::string(FaceRefusalName(r));
  switch (r) {
    case FaceRefusal::kDailyLimit:
    case FaceRefusal::kDeviceLimit:
    case FaceRefusal::kCoolingDown:
      e.status = 429;
      e.retry_after = retry_after_ms > now_ms ? static_cast<int>((retry_after_ms - now_ms + 999) / 1000) : 3600;
      break;
    case FaceRefusal::kUnknownChallenge:
      e.code = ErrorCode::kNotFound;
      break;
    case FaceRefusal::kFramesOutOfOrder:
      e.status = 409;
      e.field = "first_frame";
      break;
    default:
      e.status = 409;
      break;
  }
  return e;
}

json ActionJson(LivenessAction a) {
  return {{"action", std::string(LivenessActionName(a))}, {"prompt", std::string(LivenessActionZh(a))}};
}

json StatusJson(const FaceChallengeStatus& s) {
  json actions = json::array();
  for (auto a : s.actions) actions.push_back(ActionJson(a));
  json out = {{"id", s.id},
              {"status", std::string(LivenessOutcomeName(s.outcome))},
              {"actions", actions},
              {"done", s.next_action},
              {"frames", s.frames},
              {"deadline_ms", s.deadline_ms},
              {"next_step", s.next_step_zh}};
  out["next_action"] = s.next_action < s.actions.size() && s.outcome == LivenessOutcome::kPending
                           ? ActionJson(s.actions[s.next_action])
                           : json(nullptr);
  if (s.last_problem != FaceProblem::kNone) {
    out["last_frame"] = {{"problem", std::string(FaceProblemName(s.last_problem))},
                         {"advice", std::string(FaceProblemAdviceZh(s.last_problem))}};
  }
  if (s.outcome != LivenessOutcome::kPending) {
    out["failure"] = s.outcome == LivenessOutcome::kFailed ? json(std::string(LivenessFailureName(s.failure)))
                                                           : json(nullptr);
    out["decision"] = s.outcome == LivenessOutcome::kPassed ? json(std::string(FaceDecisionName(s.decision)))
                                                            : json(nullptr);
    out["similarity"] = s.similarity;
    out["certified"] = s.evidence_id > 0;
    if (s.evidence_id > 0) out["evidence_id"] = s.evidence_id;
    if (s.case_id > 0) out["case_id"] = s.case_id;
  }
  return out;
}

HttpResult<Reply> Enrol(Context& ctx) {
  ASSIGN_OR_RETURN(const FaceAnalyser* face, Analyser(ctx));
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kFaceEnrol));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  if (!body->contains("image")) return BadField("image", "缺少 image (a base64 JPEG or PNG photo is required)");
  ASSIGN_OR_RETURN(std::string photo, Image(body->at("image"), "image"));
  bool replace_different = false;
  if (auto it = body->find("replace_different"); it != body->end()) {
    if (!it->is_boolean()) return BadField("replace_different", "应为 true 或 false (expected a boolean)");
    replace_different = it->get<bool>();
    if (replace_different && ctx.principal.role != Role::kAdmin) {
      return tl::unexpected(HttpError(ErrorCode::kPermissionDenied,
                                      "只有管理员可以替换不一致的人脸 (only an administrator may replace an enrolled "
                                      "face with a different one)",
                                      "replace_different"));
    }
  }
  const Date today = TodayOf(ctx);
  const FaceObservation o = face->AnalyseImage(photo, EnrolLimits(ctx.svc.policy, today), 416);
  const FaceAuthContext fctx = AuthContext(ctx, *face);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  ASSIGN_OR_RETURN(FaceEnrolment e, EnrolFace(fctx, p.key, o, photo, ctx.principal.Actor(), ctx.svc.NowMs(),
                                              replace_different));
  const json detail = {{"enrolled", e.enrolled}, {"replaced", e.replaced}, {"mismatch", e.mismatch},
                       {"replace_different", replace_different}, {"case_id", e.case_id},
                       {"problem", std::string(FaceProblemName(e.problem))}};
  RETURN_IF_ERROR(ctx.Audit("face.enrol", "person " + MaskIdNumber(p.id_number), detail.dump(),
                            e.enrolled    ? "ok"
                            : e.mismatch ? std::string("refused: mismatch")
                                          : fmt::format("refused: {}", FaceProblemName(e.problem))));
  RETURN_IF_ERROR(unit->Commit());
  if (e.mismatch) {
    HttpError err(ErrorCode::kFailedPrecondition, e.message, "image");
    err.status = 409;
    err.code_name = "face_mismatch";
    return tl::unexpected(err);
  }
  if (!e.enrolled) {
    HttpError err(ErrorCode::kInvalidArgument, e.message, "image");
    err.status = 422;
    err.code_name = std::string(FaceProblemName(e.problem));
    return tl::unexpected(err);
  }
  return Reply::Json({{"enrolled", true}, {"replaced", e.replaced}, {"message", e.message}}, e.replaced ? 200 : 201);
}

HttpResult<Reply> FaceOfPerson(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kPersonRead));
  ASSIGN_OR_RETURN(std::optional<FaceTemplateRecord> t, ctx.store.FindFaceTemplate(p.key));
  const int64_t since = ctx.svc.NowMs() - kAttemptsShownDays * 86'400'000;
  ASSIGN_OR_RETURN(std::vector<FaceAttemptRecord> attempts, ctx.store.FaceAttemptsOf(p.key, since));
  json list = json::array();
  for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
    list.push_back({{"at_ms", it->at_ms},
                    {"method", it->method},
                    {"result", it->result},
                    {"similarity", it->similarity},
                    {"detail", json::parse(it->detail, nullptr, false)}});
  }
  json out = {{"handle", ctx.params["handle"]}, {"enrolled", t.has_value()}, {"attempts", list}};
  if (t) {
    out["enrolment"] = {{"enrolled_at_ms", t->enrolled_at_ms},
                        {"enrolled_by", t->enrolled_by},
                        {"quality", json::parse(t->quality, nullptr, false)},
                        {"photo_kept", !t->sealed_photo.empty()},
                        {"current_model", ctx.svc.face == nullptr || t->recogniser == ctx.svc.face->RecogniserSha256()}};
  }
  return Reply::Json(out);
}

HttpResult<Reply> StartChallenge(Context& ctx) {
  if (auto face = Analyser(ctx); !face) return tl::unexpected(face.error());
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string handle, RequiredString(*body, "person", 64));
  ctx.params["handle"] = handle;
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kFaceVerify));
  return StartFaceChallengeReply(ctx, p);
}

// The challenge the path names, if its person is within the caller's scope.
HttpResult<FaceChallengeRecord> TargetChallenge(Context& ctx) {
  ASSIGN_OR_RETURN(FaceChallengeRecord c, PathFaceChallenge(ctx));
  const HttpError not_found(ErrorCode::kNotFound, "认证已失效，请重新开始 (no such challenge)", "id");
  ASSIGN_OR_RETURN(PersonRecord p, ScopedPerson(ctx, c.person, Action::kFaceVerify, not_found));
  (void)p;
  return c;
}

// Advances a challenge by `frames` and, when it finished with this call,
// audits its outcome in the same unit of work.
HttpResult<Reply> Advance(Context& ctx, const FaceAnalyser& face, const FaceChallengeRecord& before,
                          std::span<const FaceObservation> frames, std::optional<int> first_frame) {
  const FaceAuthContext fctx = AuthContext(ctx, face);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  ASSIGN_OR_RETURN(FaceChallengeStatus s,
                   AdvanceFaceChallenge(fctx, before.id, frames, ctx.svc.NowMs(), first_frame));
  if (s.refusal != FaceRefusal::kNone) {
    RETURN_IF_ERROR(unit->Commit());
    return tl::unexpected(Refusal(s.refusal, s.message, 0, ctx.svc.NowMs()));
  }
  if (s.finished_now) {
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(before.person));
    const json detail = {{"challenge", s.id},
                         {"status", std::string(LivenessOutcomeName(s.outcome))},
                         {"failure", std::string(LivenessFailureName(s.failure))},
                         {"decision", std::string(FaceDecisionName(s.decision))},
                         {"similarity", s.similarity},
                         {"frames", s.frames},
                         {"evidence_id", s.evidence_id},
                         {"case_id", s.case_id}};
    RETURN_IF_ERROR(ctx.Audit("face.challenge.finish", "person " + (p ? MaskIdNumber(p->id_number) : "?"),
                              detail.dump(), std::string(LivenessOutcomeName(s.outcome))));
    ctx.svc.metrics.Add("tacit_face_challenges_total", "Face liveness challenges finished, by outcome.",
                        fmt::format("outcome=\"{}\"", s.outcome == LivenessOutcome::kPassed
                                                          ? FaceDecisionName(s.decision)
                                                          : LivenessFailureName(s.failure)),
                        1);
  }
  RETURN_IF_ERROR(unit->Commit());
  return Reply::Json(StatusJson(s));
}

HttpResult<Reply> SendFrames(Context& ctx) {
  if (auto face = Analyser(ctx); !face) return tl::unexpected(face.error());
  ASSIGN_OR_RETURN(FaceChallengeRecord c, TargetChallenge(ctx));
  return FaceFramesReply(ctx, c);
}

HttpResult<Reply> ChallengeStatusRoute(Context& ctx) {
  if (auto face = Analyser(ctx); !face) return tl::unexpected(face.error());
  ASSIGN_OR_RETURN(FaceChallengeRecord c, TargetChallenge(ctx));
  return FaceChallengeStatusReply(ctx, c);
}

}  // namespace

HttpResult<Reply> StartFaceChallengeReply(Context& ctx, const PersonRecord& p) {
  ASSIGN_OR_RETURN(const FaceAnalyser* face, Analyser(ctx));
  const FaceAuthContext fctx = AuthContext(ctx, *face);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  ASSIGN_OR_RETURN(FaceChallengeStart c,
                   StartFaceChallenge(fctx, p.key, DeviceOf(ctx), ctx.principal.Actor(), ctx.svc.NowMs()));
  const bool refused = c.refusal != FaceRefusal::kNone;
  for (const AbandonedChallenge& a : c.abandoned) {
    RETURN_IF_ERROR(ctx.Audit("face.challenge.finish", "person " + MaskIdNumber(p.id_number),
                              json{{"challenge", a.id},
                                   {"status", "failed"},
                                   {"failure", std::string(LivenessFailureName(a.failure))},
                                   {"case_id", a.case_id}}
                                  .dump(),
                              "failed"));
  }
  RETURN_IF_ERROR(ctx.Audit("face.challenge.start", "person " + MaskIdNumber(p.id_number),
                            refused ? "" : json{{"challenge", c.id}}.dump(),
                            refused ? fmt::format("refused: {}", FaceRefusalName(c.refusal)) : "ok"));
  RETURN_IF_ERROR(unit->Commit());
  if (refused) return tl::unexpected(Refusal(c.refusal, c.message, c.retry_after_ms, ctx.svc.NowMs()));
  json actions = json::array();
  for (auto a : c.actions) actions.push_back(ActionJson(a));
  return Reply::Json({{"id", c.id},
                      {"actions", actions},
                      {"deadline_ms", c.deadline_ms},
                      {"expires_in", (c.deadline_ms - ctx.svc.NowMs()) / 1000},
                      {"message", c.message},
                      {"max_frames_per_request", kMaxFramesPerRequest}},
                     201);
}

HttpResult<FaceChallengeRecord> PathFaceChallenge(Context& ctx) {
  const HttpError not_found(ErrorCode::kNotFound, "认证已失效，请重新开始 (no such challenge)", "id");
  const std::string& id = ctx.params["id"];
  if (id.size() != 32) return tl::unexpected(not_found);
  ASSIGN_OR_RETURN(std::optional<FaceChallengeRecord> c, ctx.store.FindFaceChallenge(id));
  if (!c) return tl::unexpected(not_found);
  return std::move(*c);
}

HttpResult<Reply> FaceFramesReply(Context& ctx, const FaceChallengeRecord& c) {
  ASSIGN_OR_RETURN(const FaceAnalyser* face, Analyser(ctx));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  auto it = body->find("frames");
  if (it == body->end() || !it->is_array() || it->empty() || it->size() > kMaxFramesPerRequest) {
    return BadField("frames", fmt::format("frames 应为 1-{} 帧 base64 图像的数组 (expected an array of 1-{} base64 "
                                          "JPEG or PNG frames, in the order taken)",
                                          kMaxFramesPerRequest, kMaxFramesPerRequest));
  }
  std::optional<int> first_frame;
  if (auto ff = body->find("first_frame"); ff != body->end()) {
    if (!ff->is_number_integer() || ff->get<int64_t>() < 0 || ff->get<int64_t>() > 100000) {
      return BadField("first_frame", "first_frame 应为此前已发送的帧数 (expected the number of frames sent before)");
    }
    first_frame = static_cast<int>(ff->get<int64_t>());
  }
  const FaceQualityLimits limits = FrameLimits(ctx.svc.policy, TodayOf(ctx));
  std::vector<FaceObservation> seen;
  seen.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    ASSIGN_OR_RETURN(std::string bytes, Image((*it)[i], fmt::format("frames[{}]", i)));
    seen.push_back(face->AnalyseImage(bytes, limits, 320));
  }
  return Advance(ctx, *face, c, seen, first_frame);
}

HttpResult<Reply> FaceChallengeStatusReply(Context& ctx, const FaceChallengeRecord& c) {
  ASSIGN_OR_RETURN(const FaceAnalyser* face, Analyser(ctx));
  return Advance(ctx, *face, c, {}, std::nullopt);
}

void AddFaceRoutes(std::vector<Route>& routes) {
  const json image = {{"type", "string"}, {"contentEncoding", "base64"}, {"contentMediaType", "image/jpeg"}};
  routes.push_back({.method = "POST",
                    .path = "/api/v1/persons/{handle}/face/enrolment",
                    .tag = "face",
                    .summary = "人脸采集 (enrol a person's face from a photo: one face, frontal, sharp, well lit); 201 "
                               "enrolled, 200 enrolled again, 422 the photo cannot be used (code names the problem)",
                    .action = Action::kFaceEnrol,
                    .request_schema = {{"type", "object"},
                                       {"required", {"image"}},
                                       {"properties", {{"image", image},
                                                       {"replace_different", {{"type", "boolean"},
                                                                              {"description", "admin only: replace "
                                                                               "an enrolled face by a different one"}}}}}},
                    .handler = Enrol,
                    .max_body = 3 << 20});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/face",
                    .tag = "face",
                    .summary = "人脸认证记录 (whether the person is enrolled, and their attempts of the last 30 days: "
                               "results and scores, never images)",
                    .action = Action::kPersonRead,
                    .handler = FaceOfPerson});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/face/challenges",
                    .tag = "face",
                    .summary = "开始活体检测 (start a liveness challenge for a person: the actions to perform, in "
                               "order, and the deadline); 429 when a limit or the cool-down applies",
                    .action = Action::kFaceVerify,
                    .request_schema = {{"type", "object"},
                                       {"required", {"person"}},
                                       {"properties", {{"person", {{"type", "string"},
                                                                   {"description", "the person's handle"}}}}}},
                    .handler = StartChallenge});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/face/challenges/{id}/frames",
       .tag = "face",
       .summary = "发送视频帧 (camera frames in the order taken, 1-10 per request, base64 JPEG; the answer says "
                  "which action is awaited, or the result)",
       .action = Action::kFaceVerify,
       .request_schema = {{"type", "object"},
                          {"required", {"frames"}},
                          {"properties", {{"frames", {{"type", "array"}, {"minItems", 1},
                                                      {"maxItems", kMaxFramesPerRequest}, {"items", image}}},
                                          {"first_frame", {{"type", "integer"}, {"minimum", 0},
                                                           {"description", "frames sent before this batch: a resent "
                                                            "batch is then applied once"}}}}}},
       .handler = SendFrames,
       .max_body = 12 << 20});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/face/challenges/{id}",
                    .tag = "face",
                    .summary = "活体检测状态 (a challenge's status or result; an expired one fails when asked)",
                    .action = Action::kFaceVerify,
                    .handler = ChallengeStatusRoute});
}

}  // namespace tacit::server
