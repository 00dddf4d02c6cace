#include "tacit/attestation.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "tacit/casework.h"

namespace tacit {
namespace {

constexpr size_t kMaxFieldBytes = 128;

tl::unexpected<Error> Denied(std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}

bool AllOf(std::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsNonceChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}
bool IsRefChar(char c) { return IsNonceChar(c) || c == '.' || c == ':'; }

// Digits at s[pos, pos + n) as a number, or -1.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// An instant in ISO 8601 with a zone: YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM).
struct Instant {
  int64_t unix_s = 0;
  Date local_date;  // the date in the zone given
};

std::optional<Instant> ParseInstant(std::string_view s) {
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  if (year < 0 || month < 0 || day < 0 || s[4] != '-' || s[7] != '-' || s.size() < 16) return std::nullopt;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  if (!IsValidCivilDate(year, month, day)) return std::nullopt;
  const int hour = Digits(s, 11, 2), minute = Digits(s, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || s[13] != ':') return std::nullopt;
  size_t pos = 16;
  int second = 0;
  if (pos < s.size() && s[pos] == ':') {
    second = Digits(s, pos + 1, 2);
    if (second < 0 || second > 59) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      const size_t start = ++pos;
      while (pos < s.size() && IsDigit(s[pos])) ++pos;
      if (pos == start || pos - start > 9) return std::nullopt;
    }
  }
  int offset_s = 0;
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_s = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const int oh = Digits(zone, 1, 2), om = Digits(zone, 4, 2);
    if (oh < 0 || oh > 14 || om < 0 || om > 59) return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;  // no zone: the instant would be ambiguous
  }
  const Date date = Date::FromCivil(year, month, day);
  Instant out;
  out.local_date = date;
  out.unix_s = static_cast<int64_t>(date.days()) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return out;
}

AttestationOutcome Refuse(AttestationRefusal refusal, std::string field, std::string message) {
  AttestationOutcome o;
  o.refusal = refusal;
  o.field = std::move(field);
  o.message = std::move(message);
  return o;
}

bool IsPrintableText(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string_view ModalityOf(AttestMethod m) {
  switch (m) {
    case AttestMethod::kFingerprint: return "fingerprint";
    case AttestMethod::kFingerVein: return "finger_vein";
    case AttestMethod::kPalmVein: return "palm_vein";
    default: return "";
  }
}

// A score as the body gives it: absent, or a number from 0 to 1.
std::optional<AttestationOutcome> CheckScore(const std::optional<double>& v, const char* field) {
  if (v && !(std::isfinite(*v) && *v >= 0 && *v <= 1)) {
    return Refuse(AttestationRefusal::kInvalidField, field,
                  fmt::format("{} 应为 0 到 1 之间的数 (expected a number from 0 to 1)", field));
  }
  return std::nullopt;
}

}  // namespace

std::string CanonicalRequest(const SignedRequest& r) {
  return fmt::format("{}\n{}\n{}\n{}\n{}", r.method, r.path, r.timestamp, r.nonce, Sha256Hex(r.body));
}

std::string Sign(std::string_view secret, const SignedRequest& request) {
  return HmacSha256Hex(secret, CanonicalRequest(request));
}

Result<Principal> VerifySignedRequest(Store& store, const Secrets& secrets, std::string_view key_id,
                                      std::string_view signature, const SignedRequest& r, int64_t now_s,
                                      int64_t window_seconds) {
  if (r.timestamp.empty() || r.timestamp.size() > 12 || !AllOf(r.timestamp, IsDigit)) {
    return Denied("X-Tacit-Timestamp 应为 Unix 秒数 (X-Tacit-Timestamp must be Unix seconds, digits only)");
  }
  int64_t ts = 0;
  std::from_chars(r.timestamp.data(), r.timestamp.data() + r.timestamp.size(), ts);
  if (ts < now_s - window_seconds || ts > now_s + window_seconds) {
    return Denied(fmt::format("请求时间超出允许范围 (X-Tacit-Timestamp is more than {} seconds away from the server's "
                              "clock, {}: check the attestor's clock)",
                              window_seconds, now_s));
  }
  if (r.nonce.size() < 16 || r.nonce.size() > 64 || !AllOf(r.nonce, IsNonceChar)) {
    return Denied("X-Tacit-Nonce 应为 16-64 个字母、数字、_ 或 - (X-Tacit-Nonce must be 16-64 of A-Z a-z 0-9 _ -)");
  }
  if (signature.size() != 64 || !AllOf(signature, IsHex)) {
    return Denied("X-Tacit-Signature 应为 64 位十六进制 (X-Tacit-Signature must be 64 hex digits)");
  }
  std::string given(signature);
  std::transform(given.begin(), given.end(), given.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c); });
  ASSIGN_OR_RETURN(auto attestor, AttestorSecret(store, secrets, key_id));
  if (!ConstantTimeEquals(Sign(attestor.second, r), given)) {
    return Denied("签名不符 (the signature does not match the request: check the canonical string, the body as "
                  "sent and the secret)");
  }
  // Kept as long as its timestamp could pass the window: forgotten once it
  // is older than the window, when the timestamp check refuses it anyway.
  ASSIGN_OR_RETURN(bool fresh, store.RememberNonce(key_id, r.nonce, ts, now_s - window_seconds));
  if (!fresh) return Denied("该 nonce 已使用过，请求被拒绝 (X-Tacit-Nonce was used before: a replayed request)");
  return std::move(attestor.first);
}

std::string_view AttestMethodName(AttestMethod method) {
  return kAttestationMethodNames[static_cast<int>(method)];
}

Result<AttestMethod> ParseAttestMethod(std::string_view text) {
  for (size_t i = 0; i < std::size(kAttestationMethodNames); ++i) {
    if (kAttestationMethodNames[i] == text) return static_cast<AttestMethod>(i);
  }
  return InvalidArgument("method 应为 face、fingerprint、finger_vein、palm_vein、bank_terminal 或 home_visit "
                         "(unknown method)");
}

std::string_view AttestKindOf(AttestMethod method) {
  switch (method) {
    case AttestMethod::kFace: return "face_auth";
    case AttestMethod::kFingerprint:
    case AttestMethod::kFingerVein:
    case AttestMethod::kPalmVein: return "biometric_auth";
    case AttestMethod::kBankTerminal: return "bank_terminal";
    case AttestMethod::kHomeVisit: return "home_visit";
  }
  return "";
}

std::string_view AttestationRefusalName(AttestationRefusal refusal) {
  switch (refusal) {
    case AttestationRefusal::kNone: return "none";
    case AttestationRefusal::kInvalidField: return "invalid_field";
    case AttestationRefusal::kMethodNotRegistered: return "method_not_registered";
    case AttestationRefusal::kBelowThreshold: return "below_threshold";
    case AttestationRefusal::kUnknownPerson: return "unknown_person";
    case AttestationRefusal::kRefReused: return "ref_reused";
  }
  return "";
}

Result<AttestationOutcome> RecordAttestation(Store& store, const Policy& policy, const Principal& attestor,
                                             const Attestation& a, int64_t now_ms, int64_t clock_skew_seconds) {
  using R = AttestationRefusal;
  auto method = ParseAttestMethod(a.method);
  if (!method) return Refuse(R::kInvalidField, "method", method.error().message);
  const std::string kind(AttestKindOf(*method));
  // The registration names kinds: an attestor registered for face_auth only
  // cannot certify anyone by a home visit.
  if (std::find(attestor.kinds.begin(), attestor.kinds.end(), kind) == attestor.kinds.end()) {
    return Refuse(R::kMethodNotRegistered, "method",
                  fmt::format("该认证方未登记 {} 认证 (the attestor is not registered for kind {})", a.method, kind));
  }
  if (a.ref.empty() || a.ref.size() > kMaxFieldBytes || !AllOf(a.ref, IsRefChar)) {
    return Refuse(R::kInvalidField, "ref", "ref 应为 1-128 个字母、数字或 . _ : - (ref must be 1-128 of A-Z a-z 0-9 . _ : -)");
  }
  if (a.site.empty() || a.site.size() > kMaxFieldBytes || !IsPrintableText(a.site)) {
    return Refuse(R::kInvalidField, "site", "site 应为 1-128 字节的设备或网点编号 (site must be 1-128 bytes, no control characters)");
  }
  const std::optional<Instant> at = ParseInstant(a.certified_at);
  if (!at) {
    return Refuse(R::kInvalidField, "certified_at",
                  "certified_at 应为带时区的 ISO 8601 时间，如 2026-11-20T09:30:00+08:00 (expected ISO 8601 with a zone)");
  }
  if (at->unix_s > now_ms / 1000 + clock_skew_seconds) {
    return Refuse(R::kInvalidField, "certified_at", "certified_at 晚于当前时间 (certified_at is in the future)");
  }
  if (auto bad = CheckScore(a.score, "score")) return *bad;
  if (auto bad = CheckScore(a.liveness, "liveness")) return *bad;
  const Date on = at->local_date;
  if (!a.score && *method != AttestMethod::kHomeVisit) {
    return Refuse(R::kInvalidField, "score", "缺少 score (a match score is required for this method)");
  }
  const Date today = Date::FromDays(static_cast<int32_t>(now_ms / 86'400'000));
  IdParse id = ParseIdNumber(a.id_number, today);
  if (!id.ok()) {
    return Refuse(R::kInvalidField, "id_number",
                  fmt::format("身份证号码无效 (not a valid identity number: {})", IdProblemName(id.problem)));
  }
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(id.id.key()));
  if (!person) {
    // Nothing about someone outside the registry is kept, not even masked.
    return Refuse(R::kUnknownPerson, "id_number", "登记的待遇领取人员中没有该人员 (no such person in the registry)");
  }
  const std::string masked = MaskIdNumber(person->id_number);
  // ref and site are kept in the evidence and the audit trail: the number
  // must not ride along in them.
  const std::string_view digits17 = std::string_view(person->id_number).substr(0, 17);
  for (const auto& [field, text] : {std::pair{"ref", &a.ref}, std::pair{"site", &a.site}}) {
    if (text->find(digits17) != std::string::npos) {
      AttestationOutcome o = Refuse(R::kInvalidField, field,
                                    fmt::format("{} 不得包含身份证号码 ({} must not contain the identity number)",
                                                field, field));
      o.masked_id = masked;
      return o;
    }
  }
  // From here on a refusal names the person (masked) for the audit trail: a
  // run of failed liveness checks on one pensioner is what an auditor looks for.
  const auto refuse = [&](R refusal, std::string field, std::string message) {
    AttestationOutcome o = Refuse(refusal, std::move(field), std::move(message));
    o.masked_id = masked;
    return o;
  };
  if (!a.liveness && Policy::ListHas(policy.attestation_liveness_methods.At(on), a.method)) {
    return refuse(R::kInvalidField, "liveness",
                  fmt::format("{} 认证须报告活体检测分数 (liveness is required for {}: policy "
                              "attestation_liveness_methods)", a.method, a.method));
  }
  const double min_score = policy.attestation_min_score.At(on);
  const double min_liveness = policy.attestation_min_liveness.At(on);
  if (a.score && *a.score < min_score) {
    return refuse(R::kBelowThreshold, "score",
                  fmt::format("比对分数低于 {}，不能作为认证 (the score is below the policy's attestation_min_score, {}: "
                              "nothing was recorded; certify the person again)", min_score, min_score));
  }
  if (a.liveness && *a.liveness < min_liveness) {
    return refuse(R::kBelowThreshold, "liveness",
                  fmt::format("活体检测分数低于 {}，不能作为认证 (the liveness is below the policy's "
                              "attestation_min_liveness, {}: nothing was recorded)", min_liveness, min_liveness));
  }
  const std::string ref = attestor.name + "/" + a.ref;
  ASSIGN_OR_RETURN(std::optional<EvidenceRecord> earlier, store.FindEvidenceByRef(attestor.source, ref));
  if (earlier) {
    const nlohmann::json before = nlohmann::json::parse(earlier->detail, nullptr, false);
    const bool same = earlier->person == person->key && earlier->kind == kind && earlier->occurred_on == on &&
                      before.is_object() && before.value("method", "") == a.method;
    if (!same) {
      return refuse(R::kRefReused, "ref", "该 ref 已用于另一条认证结果 (this ref names an earlier, different result)");
    }
    AttestationOutcome o;
    o.evidence_id = earlier->id;
    o.created = false;
    o.kind = kind;
    o.certified_on = on;
    o.masked_id = masked;
    return o;
  }

  nlohmann::json detail = {{"attestor", attestor.name}, {"method", a.method}};
  if (!ModalityOf(*method).empty()) detail["modality"] = std::string(ModalityOf(*method));
  detail["site"] = a.site;
  detail["certified_at"] = a.certified_at;
  if (a.score) detail["score"] = *a.score;
  if (a.liveness) detail["liveness"] = *a.liveness;
  detail["ref"] = a.ref;
  EvidenceRecord e;
  e.source = attestor.source;
  e.ref = ref;
  e.kind = kind;
  e.person = person->key;
  e.occurred_on = on;
  // The server's day is UTC; a result certified early in the morning east of
  // it would otherwise seem received the day before it happened.
  e.received_on = std::max(today, on);
  e.link_method = std::string(a.id_number == id.id.text() ? kLinkExact : kLinkExactNormalised);
  e.link_score = 1.0;
  e.detail = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  RETURN_IF_ERROR(store.AddEvidence(e));
  if (auto signal = SignalOf(policy, e.kind, e.occurred_on, e.person)) {
    RETURN_IF_ERROR(store.UpdatePersonSummary({*signal}));
  }
  AttestationOutcome o;
  o.evidence_id = e.id;
  o.created = true;
  o.kind = kind;
  o.certified_on = on;
  o.masked_id = masked;
  return o;
}

}  // namespace tacit
