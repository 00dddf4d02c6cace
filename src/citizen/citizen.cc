// The citizen page's sign-in, the person's own status, and the visit request.
#include "tacit/citizen.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "tacit/linkage.h"
#include "tacit/outreach.h"
#include "tacit/report.h"

namespace tacit {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr std::string_view kPending = "pending";
constexpr std::string_view kUsed = "used";
constexpr std::string_view kDead = "dead";

// Six decimal digits, uniform: 32 random bits, redrawn above the largest
// multiple of 10^6 (a redraw is needed once in about a thousand draws).
Result<std::string> NewCode() {
  constexpr uint64_t kLimit = (uint64_t{1} << 32) / 1'000'000 * 1'000'000;
  for (int i = 0; i < 64; ++i) {
    const std::string hex = RandomHex(4);
    if (hex.size() != 8) break;
    const uint64_t v = std::strtoull(hex.c_str(), nullptr, 16);
    if (v < kLimit) return fmt::format("{:06}", v % 1'000'000);
  }
  return Internal("no random bytes for a sign-in code");
}

std::string CodeHash(const Secrets& secrets, std::string_view challenge, std::string_view code) {
  return secrets.Pseudonym(fmt::format("citizen-code:{}", challenge), code);
}

// The phone hint shows the last four digits only ("尾号1234"): a prefix
// would tell a real number from a decoy. For a request that matched nobody
// with a mobile phone, four digits drawn from a keyed hash of the number and
// the name: the same pair always gets the same hint, another name for the
// same number another, so trying names shows nothing.
std::string PhoneHint(std::string_view phone) {
  return fmt::format("尾号{}", phone.size() >= 4 ? phone.substr(phone.size() - 4) : std::string_view("****"));
}

std::string DecoyPhone(const Secrets& secrets, std::string_view id18, std::string_view normalized_name) {
  const std::string h = secrets.Pseudonym("citizen-phone-decoy", fmt::format("{}\n{}", id18, normalized_name));
  const uint64_t b = std::strtoull(h.substr(8, 8).c_str(), nullptr, 16);
  return PhoneHint(fmt::format("{:04}", b % 10'000));
}

bool SixDigits(std::string_view code) {
  return code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string DateZh(Date d) { return fmt::format("{}年{}月{}日", d.year(), d.month(), d.day()); }

// The other ways to certify, in plain words.
std::string WaysZh(bool face_enrolled, bool has_point) {
  std::string out = face_enrolled ? "您可以在本页刷脸认证。"
                                  : "您还没有采集人脸，不能在本页刷脸认证。";
  out += has_point ? "也可以带上身份证，到下面列出的认证点或银行网点的社保自助机办理。"
                   : "也可以带上身份证，到社保经办机构或银行网点的社保自助机办理。";
  out += "行动不便的，可以在本页申请上门认证。";
  return out;
}

std::string AdviceZh(const CitizenStatus& s) {
  const bool point = !s.points.empty();
  if (s.status == "deceased") {
    return "系统记录显示此人已去世，待遇已停止发放。如果记录有误，请带身份证到社保经办机构办理。";
  }
  if (s.status == "certified") {
    return fmt::format("您的认证有效，{}前不用再办。快到期时我们会发短信提醒您。", DateZh(*s.deadline));
  }
  if (s.status == "due") {
    return fmt::format("您的认证将在{}到期，请在到期前完成认证。{}", DateZh(*s.deadline),
                       WaysZh(s.face_enrolled, point));
  }
  if (s.status == "lapsed") {
    return fmt::format("您的认证已在{}到期，养老金暂停发放。认证以后会按规定恢复发放，暂停期间的钱会补发。{}",
                       DateZh(*s.deadline), WaysZh(s.face_enrolled, point));
  }
  return "系统里还没有您的认证记录，请尽快认证。" + WaysZh(s.face_enrolled, point);
}

std::string StatusName(CertStatus s) {
  return s == CertStatus::kNone ? std::string("uncertified") : std::string(CertStatusName(s));
}

size_t SharedPrefix(std::string_view a, std::string_view b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

bool PhoneText(std::string_view phone) {
  size_t digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  return digits >= 5 && digits <= 20 && phone.size() <= 24;
}

// The answer for a code that another request used or killed meanwhile.
Result<CitizenCodeCheck> NoLongerPending(Store& store, std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<CitizenCodeRecord> now, store.FindCitizenCode(id));
  CitizenCodeCheck out;
  out.failure = now && now->status == kDead ? "dead" : "expired";
  return out;
}

}  // namespace

Result<CitizenCodeRequest> RequestCitizenCode(Store& store, const Secrets& secrets, std::string_view id_number,
                                              std::string_view name, int64_t now_ms, const CitizenOptions& options) {
  const Date today = BeijingDate(now_ms);
  const IdParse id = ParseIdNumber(id_number, today);
  if (!id.ok()) {
    return InvalidArgument(fmt::format("id_number: 身份证号码有误，请核对 (not a valid identity number: {})",
                                       IdProblemName(id.problem)));
  }
  const std::string normalized = linkage::NormalizeName(name);
  if (normalized.empty() || normalized.size() > 96) {
    return InvalidArgument("name: 请填写姓名 (the name is empty or too long)");
  }
  const std::string subject = secrets.Pseudonym("citizen-id", id.id.text());
  ASSIGN_OR_RETURN(std::vector<int64_t> times, store.CitizenCodeTimes(subject, now_ms - kDayMs + 1));
  CitizenCodeRequest out;
  if (!times.empty() && now_ms - times.back() < options.code_interval_ms) {
    out.retry_after_ms = times.back() + options.code_interval_ms - now_ms;
    return out;
  }
  if (options.codes_per_day > 0 && static_cast<int>(times.size()) >= options.codes_per_day) {
    out.retry_after_ms = times[times.size() - static_cast<size_t>(options.codes_per_day)] + kDayMs - now_ms;
    return out;
  }
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(id.id.key()));
  const bool matched = p && linkage::NormalizeName(p->name) == normalized && IsMobileNumber(p->phone);
  CitizenCodeRecord row;
  row.id = RandomHex(16);
  if (row.id.size() != 32) return Internal("no random bytes for a challenge");
  row.subject = subject;
  row.created_ms = now_ms;
  row.expires_ms = now_ms + options.code_lifetime_ms;
  row.status = std::string(kPending);
  // The same work either way: a code is drawn and hashed for everyone.
  ASSIGN_OR_RETURN(std::string code, NewCode());
  if (matched) {
    row.person = p->key;
    row.code_hash = CodeHash(secrets, row.id, code);
    out.person = p->key;
    out.phone = p->phone;
    out.code = std::move(code);
    out.masked_phone = PhoneHint(p->phone);
  } else {
    row.code_hash = CodeHash(secrets, row.id, RandomHex(16));
    out.masked_phone = DecoyPhone(secrets, id.id.text(), normalized);
  }
  RETURN_IF_ERROR(store.InsertCitizenCode(row));
  out.challenge = row.id;
  out.expires_ms = row.expires_ms;
  return out;
}

Result<bool> CitizenCodesAvailable(Store& store) {
  ASSIGN_OR_RETURN(std::optional<ChannelConfigRecord> rec, store.outreach().FindChannelConfig("sms"));
  if (!rec || !rec->paused_reason.empty()) return false;
  auto config = ParseChannelConfig(rec->config, "channel_config.sms");
  return config && config->enabled && config->templates.contains(std::string(kTemplateLoginCode));
}

Result<SendResult> SendCitizenCode(Store& store, const Secrets& secrets, ChannelFactory& factory,
                                   std::string_view challenge, std::string_view phone, std::string_view code) {
  SendResult r;
  r.outcome = SendOutcome::kFailed;
  r.failure = std::string(kFailTemplate);
  ASSIGN_OR_RETURN(std::optional<ChannelConfigRecord> rec, store.outreach().FindChannelConfig("sms"));
  if (rec && rec->paused_reason.empty()) {
    auto config = ParseChannelConfig(rec->config, "channel_config.sms");
    auto secret = config ? secrets.Open(rec->sealed_secret, "channel:sms") : Result<std::string>(std::string());
    if (config && secret && config->enabled) {
      config->secret = std::move(*secret);
      if (auto channel = factory.Make(*config); channel) {
        r = (*channel)->Send({.out_id = fmt::format("c{}", challenge.substr(0, 16)),
                              .address = std::string(phone),
                              .template_name = std::string(kTemplateLoginCode),
                              .params = {{"code", std::string(code)}}});
      }
    }
  }
  // Only the sms column: the citizen may be typing the code already.
  RETURN_IF_ERROR(store.SetCitizenCodeSms(challenge, r.outcome == SendOutcome::kAccepted
                                                         ? std::string("accepted")
                                                         : fmt::format("{}: {}", SendOutcomeName(r.outcome), r.failure)));
  return r;
}

Result<CitizenCodeCheck> CheckCitizenCode(Store& store, const Secrets& secrets, std::string_view challenge,
                                          std::string_view code, int64_t now_ms, const CitizenOptions& options) {
  CitizenCodeCheck out;
  std::optional<CitizenCodeRecord> row;
  if (challenge.size() == 32) {
    ASSIGN_OR_RETURN(row, store.FindCitizenCode(challenge));
  }
  if (!row || row->status == kUsed || row->expires_ms <= now_ms) {
    out.failure = "expired";
    return out;
  }
  if (row->status == kDead) {
    out.failure = "dead";
    return out;
  }
  // A non-match's hash is of a random value: no code gets through, and the
  // tries count the same.
  const bool right = SixDigits(code) && row->person != 0 &&
                     ConstantTimeEquals(CodeHash(secrets, row->id, code), row->code_hash);
  // The count and the status change in one statement each: concurrent tries
  // are all counted, and one code opens one session.
  if (!right) {
    ASSIGN_OR_RETURN(std::optional<int> tries, store.CountCitizenCodeTry(row->id, options.code_tries));
    if (!tries) return NoLongerPending(store, row->id);
    out.tries_left = std::max(0, options.code_tries - *tries);
    out.failure = out.tries_left == 0 ? "dead" : "wrong_code";
    return out;
  }
  ASSIGN_OR_RETURN(bool used, store.UseCitizenCode(row->id));
  if (!used) return NoLongerPending(store, row->id);
  out.token = RandomHex(32);
  out.csrf_token = RandomHex(32);
  if (out.token.size() != 64 || out.csrf_token.size() != 64) return Internal("no random bytes for a session token");
  CitizenSessionRecord s;
  s.token_hash = Sha256Hex(out.token);
  s.person = row->person;
  s.csrf_hash = Sha256Hex(out.csrf_token);
  s.created_ms = now_ms;
  s.expires_ms = now_ms + options.session_ms;
  // Expired sessions and day-old codes go while we are here.
  RETURN_IF_ERROR(store.DeleteCitizenSessions("", now_ms, now_ms - kDayMs));
  RETURN_IF_ERROR(store.InsertCitizenSession(s));
  out.person = row->person;
  out.expires_ms = s.expires_ms;
  return out;
}

Principal CitizenPrincipal(const Secrets& secrets, PersonKey person) {
  Principal p;
  p.kind = Principal::Kind::kCitizen;
  p.role = Role::kCitizen;
  p.person = person;
  p.name = secrets.PersonHandle(person);
  return p;
}

Result<CitizenSession> CheckCitizenSession(Store& store, const Secrets& secrets, std::string_view token,
                                           int64_t now_ms) {
  const auto expired =
      MakeError(ErrorCode::kPermissionDenied, "未登录或登录已过期，请重新登录 (not signed in, or the session expired)");
  if (token.size() != 64) return expired;
  std::string hash = Sha256Hex(token);
  ASSIGN_OR_RETURN(std::optional<CitizenSessionRecord> s, store.FindCitizenSession(hash));
  if (!s || s->expires_ms <= now_ms) return expired;
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(s->person));
  if (!p) return expired;
  CitizenSession out;
  out.principal = CitizenPrincipal(secrets, s->person);
  out.token_hash = std::move(hash);
  out.csrf_hash = s->csrf_hash;
  out.expires_ms = s->expires_ms;
  return out;
}

bool CitizenCsrfMatches(const CitizenSession& session, std::string_view token) {
  return !token.empty() && ConstantTimeEquals(Sha256Hex(token), session.csrf_hash);
}

Status EndCitizenSession(Store& store, std::string_view token_hash, int64_t now_ms) {
  return store.DeleteCitizenSessions(token_hash, now_ms, now_ms - kDayMs);
}

Result<CitizenStatus> CitizenStatusOf(Store& store, const Policy& policy, PersonKey person, Date today) {
  ASSIGN_OR_RETURN(PersonView view, BuildPersonView(store, policy, person, today, 1));
  CitizenStatus s;
  s.person = view.person;
  s.certification = view.certification;
  s.status = StatusName(view.certification.status);
  if (view.certification.valid_through) s.deadline = CertificationDeadline(*view.certification.valid_through);
  s.face_enrolled = view.face.has_value();
  const std::string& home = view.person.region_code;
  ASSIGN_OR_RETURN(std::vector<CertPointRecord> points,
                   store.outreach().ListCertPoints(home.substr(0, std::min<size_t>(6, home.size())), false));
  // Nearest first as NearestPoint ranks them: the longest shared region
  // prefix, then the code (the list is by code; the sort is stable).
  std::stable_sort(points.begin(), points.end(), [&](const CertPointRecord& a, const CertPointRecord& b) {
    return SharedPrefix(a.region, home) > SharedPrefix(b.region, home);
  });
  if (points.size() > 3) points.resize(3);
  s.points = std::move(points);
  for (const VisitTaskRecord& v : view.visits) {
    if (v.status == kVisitOpen || v.status == kVisitAssigned) s.open_visit = v;
  }
  s.advice = AdviceZh(s);
  return s;
}

Result<CitizenVisitRequest> RequestHomeVisit(Store& store, const Policy& policy, PersonKey person,
                                             std::string_view reason, std::string_view phone, Date today,
                                             int64_t now_ms) {
  if (!phone.empty() && !PhoneText(phone)) {
    return InvalidArgument("phone: 电话号码有误，请核对 (a phone number is 5-20 digits)");
  }
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(person));
  if (!p) return NotFound("没有该人员 (no such person)");
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> tasks, store.outreach().VisitTasksOf(person));
  for (const VisitTaskRecord& t : tasks) {
    if (t.status == kVisitOpen || t.status == kVisitAssigned) return CitizenVisitRequest{t, false};
  }
  VisitTaskRecord t;
  t.person = person;
  t.region = p->region_code;
  t.reason = "requested";
  t.idem_key = fmt::format("visit/{}/requested/{}", person, today.ToString());
  t.due_on = today + policy.visit_due_days.At(today);
  t.created_ms = now_ms;
  t.note = "本人在自助认证页面申请上门认证";
  if (!reason.empty()) t.note += fmt::format("。原因：{}", reason);
  if (!phone.empty()) t.note += fmt::format("。联系电话：{}", phone);
  std::vector<VisitTaskRecord> open{t};
  ASSIGN_OR_RETURN(int64_t created, store.outreach().OpenVisitTasks(open));
  // An existing key (asked for today, then done or cancelled) is read back.
  ASSIGN_OR_RETURN(tasks, store.outreach().VisitTasksOf(person));
  for (const VisitTaskRecord& existing : tasks) {
    if (existing.idem_key == t.idem_key) return CitizenVisitRequest{existing, created > 0};
  }
  return Internal("the visit task was not stored");
}

}  // namespace tacit
