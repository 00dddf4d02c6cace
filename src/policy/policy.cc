#include "tacit/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <toml++/toml.h>

namespace tacit {

int ParseClockMinutes(std::string_view t) {
  if (t.size() != 5 || t[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4}) {
    if (t[i] < '0' || t[i] > '9') return -1;
  }
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}
namespace {

std::string Where(std::string_view origin, const toml::source_region& r) {
  if (r.begin.line == 0) return std::string(origin);
  return fmt::format("{}:{}", origin, r.begin.line);
}

template <typename T>
bool ReadValue(const toml::node& node, T& out);

template <>
bool ReadValue<int>(const toml::node& node, int& out) {
  auto v = node.value<int64_t>();
  if (!v) return false;
  out = static_cast<int>(*v);
  return true;
}
template <>
bool ReadValue<double>(const toml::node& node, double& out) {
  auto v = node.value<double>();  // an integer reads as a number too
  if (!v) return false;
  out = *v;
  return true;
}
template <>
bool ReadValue<bool>(const toml::node& node, bool& out) {
  auto v = node.value<bool>();
  if (!v) return false;
  out = *v;
  return true;
}
template <>
bool ReadValue<std::string>(const toml::node& node, std::string& out) {
  auto v = node.value<std::string>();
  if (!v) return false;
  out = *v;
  return true;
}

template <typename T>
std::string_view TypeName();
template <> std::string_view TypeName<int>() { return "an integer"; }
template <> std::string_view TypeName<bool>() { return "true or false"; }
template <> std::string_view TypeName<double>() { return "a number"; }
template <> std::string_view TypeName<std::string>() { return "a string"; }

// Reads [parameters.<name>] with description, reference and values = [{since, value}].
template <typename T>
Status ReadDated(const toml::table& root, std::string_view origin, std::string_view name,
                 Dated<T>& out) {
  out.name = std::string(name);
  const toml::table* params = root["parameters"].as_table();
  const toml::table* t = params ? (*params)[name].as_table() : nullptr;
  if (t == nullptr) {
    return InvalidArgument(fmt::format("{}: missing [parameters.{}]", origin, name));
  }
  out.description = (*t)["description"].value_or(std::string{});
  out.reference = (*t)["reference"].value_or(std::string{});
  if (out.reference.empty()) {
    return InvalidArgument(fmt::format("{}: parameters.{}: expected a reference (legal basis)",
                                       Where(origin, t->source()), name));
  }
  const toml::array* values = (*t)["values"].as_array();
  if (values == nullptr || values->empty()) {
    return InvalidArgument(fmt::format("{}: parameters.{}: expected values = [{{ since = \"YYYY-MM-DD\", value = ... }}]",
                                       Where(origin, t->source()), name));
  }
  out.steps.clear();
  for (const toml::node& n : *values) {
    const toml::table* step = n.as_table();
    if (step == nullptr) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: expected inline tables",
                                         Where(origin, n.source()), name));
    }
    auto since_text = (*step)["since"].value<std::string>();
    if (!since_text) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: expected since = \"YYYY-MM-DD\"",
                                         Where(origin, n.source()), name));
    }
    auto since = ParseDate(*since_text);
    if (!since) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values.since: {}",
                                         Where(origin, n.source()), name, since.error().message));
    }
    T value{};
    const toml::node* vn = step->get("value");
    if (vn == nullptr || !ReadValue<T>(*vn, value)) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values.value: expected {}",
                                         Where(origin, n.source()), name, TypeName<T>()));
    }
    if (!out.steps.empty() && !(out.steps.back().since < *since)) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: dates must increase",
                                         Where(origin, n.source()), name));
    }
    out.steps.push_back({*since, std::move(value)});
  }
  return {};
}

constexpr EvidenceClass kAllClasses[] = {
    EvidenceClass::kAlive,     EvidenceClass::kDeath,          EvidenceClass::kNeutral,
    EvidenceClass::kMissing,   EvidenceClass::kDeclaredDead,   EvidenceClass::kDeclarationRevoked,
    EvidenceClass::kReappeared, EvidenceClass::kCustody,       EvidenceClass::kSentence,
    EvidenceClass::kAcquitted, EvidenceClass::kRelease,        EvidenceClass::kParole,
    EvidenceClass::kParoleRevoked, EvidenceClass::kAbroad,     EvidenceClass::kFraud,
    EvidenceClass::kEvidenceVoided};

Result<EvidenceClass> ParseClass(std::string_view s) {
  std::string names;
  for (EvidenceClass c : kAllClasses) {
    if (EvidenceClassName(c) == s) return c;
    names += names.empty() ? "" : ", ";
    names += EvidenceClassName(c);
  }
  return InvalidArgument(fmt::format("expected class = one of {}", names));
}

Result<std::vector<Date>> ReadDates(const toml::table& t, std::string_view origin, std::string_view key) {
  std::vector<Date> out;
  const toml::array* a = t[key].as_array();
  if (a == nullptr) return out;
  for (const toml::node& n : *a) {
    auto text = n.value<std::string>();
    auto d = text ? ParseDate(*text) : Result<Date>(InvalidArgument("expected \"YYYY-MM-DD\""));
    if (!d) {
      return InvalidArgument(fmt::format("{}: calendar.{}: {}", Where(origin, n.source()), key, d.error().message));
    }
    out.push_back(*d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool IsKnownMethod(std::string_view m) {
  return m == "data" || m == "face" || m == "biometric" || m == "visit" || m == "bank_terminal" ||
         m == "overseas" || m == "legacy";
}

}  // namespace

std::string_view EvidenceClassName(EvidenceClass c) {
  switch (c) {
    case EvidenceClass::kAlive: return "alive";
    case EvidenceClass::kDeath: return "death";
    case EvidenceClass::kNeutral: return "neutral";
    case EvidenceClass::kMissing: return "missing";
    case EvidenceClass::kDeclaredDead: return "declared_dead";
    case EvidenceClass::kDeclarationRevoked: return "declaration_revoked";
    case EvidenceClass::kReappeared: return "reappeared";
    case EvidenceClass::kCustody: return "custody";
    case EvidenceClass::kSentence: return "sentence";
    case EvidenceClass::kAcquitted: return "acquitted";
    case EvidenceClass::kRelease: return "release";
    case EvidenceClass::kParole: return "parole";
    case EvidenceClass::kParoleRevoked: return "parole_revoked";
    case EvidenceClass::kAbroad: return "abroad";
    case EvidenceClass::kFraud: return "fraud";
    case EvidenceClass::kEvidenceVoided: return "evidence_voided";
  }
  return "neutral";
}

const std::vector<std::string_view>& KnownRules() {
  static const std::vector<std::string_view> rules = {
      "pay.certified",          "pay.legacy",
      "pay.back_pay",           "pay.arrears_heirs",
      "pay.back_pay_custody",   "pay.back_pay_reappeared",
      "pay.back_pay_declaration_revoked",
      "suspend.certification_lapsed", "suspend.custody",
      "suspend.missing",        "stop.sentence",
      "stop.parole_revoked",    "stop.declared_dead",
      "terminate.death",        "terminate.declared_dead",
      "terminate.duplicate",    "terminate.fraud",
      "adjust.withheld_in_sentence", "recover.duplicate_basic", "recover.offset",
      "oneoff.funeral_grant",   "oneoff.survivor_pension",
      "oneoff.account_refund"};
  return rules;
}

bool HolidayCalendar::IsWorkingDay(Date d) const {
  if (std::binary_search(workdays.begin(), workdays.end(), d)) return true;
  if (std::binary_search(holidays.begin(), holidays.end(), d)) return false;
  // 1970-01-01 was a Thursday; 0 = Sunday.
  const int weekday = ((d.days() % 7) + 7 + 4) % 7;
  return weekday != 0 && weekday != 6;
}

Date HolidayCalendar::AddWorkingDays(Date d, int n) const {
  while (n > 0) {
    d = d + 1;
    if (IsWorkingDay(d)) --n;
  }
  return d;
}

bool Policy::LinksAutomatically(EvidenceClass cls, Date on) const {
  return ListHas(link_automatic_classes.At(on), EvidenceClassName(cls));
}

bool Policy::HasStepBetween(Date after, Date through) const {
  bool found = false;
  auto check = [&](const auto& param) {
    for (const auto& step : param.steps) found = found || (after < step.since && step.since <= through);
  };
  check(certification_cycle_months);
  check(certify_weight);
  check(alive_window_days);
  check(back_pay_on_resume);
  check(default_last_certified);
  check(ledger_lookback_months);
  check(due_soon_days);
  check(payroll_lock_day);
  check(custody_month_paid);
  check(missing_paid_months);
  check(lapse_arrears_to_heirs);
  check(withhold_adjustments_in_sentence);
  check(custodial_sentence_types);
  check(abroad_methods);
  check(duplicate_recover_basic_only);
  check(offset_overpayments);
  check(fraud_fine_min_multiple);
  check(fraud_fine_max_multiple);
  check(death_report_days_family);
  check(death_report_days_unit);
  check(death_report_day_count);
  check(survivor_income_base_yearly_fen);
  check(survivor_funeral_grant_months);
  check(survivor_pension_min_months);
  check(survivor_pension_threshold_years);
  check(survivor_pension_max_months);
  return found;
}

const RuleSpec* Policy::FindRule(std::string_view rule) const {
  for (const RuleSpec& r : rules) {
    if (r.rule == rule) return &r;
  }
  return nullptr;
}

std::vector<std::string_view> Policy::ListItems(std::string_view list) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view part = list.substr(pos, comma - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.push_back(part);
    pos = comma + 1;
  }
  return out;
}

bool Policy::ListHas(std::string_view list, std::string_view item) {
  for (std::string_view part : ListItems(list)) {
    if (part == item) return true;
  }
  return false;
}

const EvidenceKindSpec* Policy::FindKind(std::string_view kind) const {
  for (const EvidenceKindSpec& k : kinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

std::string_view Policy::KindLabelZh(std::string_view kind) const {
  const EvidenceKindSpec* spec = FindKind(kind);
  if (spec == nullptr) return kind;
  const std::string_view label = spec->label_zh;
  const size_t paren = label.find(" (");
  return paren == std::string_view::npos ? label : label.substr(0, paren);
}

const SourceSpec* Policy::FindSource(std::string_view source) const {
  for (const SourceSpec& s : sources) {
    if (s.source == source) return &s;
  }
  return nullptr;
}

bool Policy::IsTrustedSource(std::string_view source) const {
  const SourceSpec* s = FindSource(source);
  return s != nullptr && s->trusted;
}

Result<Policy> ParsePolicy(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string(origin));
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
  Policy p;
  p.text = std::string(toml_text);
  p.name = root["meta"]["name"].value_or(std::string("unnamed policy"));
  p.version = root["meta"]["version"].value_or(std::string("0"));
  RETURN_IF_ERROR(ReadDated(root, origin, "certification_cycle_months", p.certification_cycle_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "certify_weight", p.certify_weight));
  RETURN_IF_ERROR(ReadDated(root, origin, "alive_window_days", p.alive_window_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "back_pay_on_resume", p.back_pay_on_resume));
  RETURN_IF_ERROR(ReadDated(root, origin, "default_last_certified", p.default_last_certified));
  RETURN_IF_ERROR(ReadDated(root, origin, "ledger_lookback_months", p.ledger_lookback_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "due_soon_days", p.due_soon_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "payroll_lock_day", p.payroll_lock_day));
  RETURN_IF_ERROR(ReadDated(root, origin, "custody_month_paid", p.custody_month_paid));
  RETURN_IF_ERROR(ReadDated(root, origin, "missing_paid_months", p.missing_paid_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "lapse_arrears_to_heirs", p.lapse_arrears_to_heirs));
  RETURN_IF_ERROR(ReadDated(root, origin, "withhold_adjustments_in_sentence", p.withhold_adjustments_in_sentence));
  RETURN_IF_ERROR(ReadDated(root, origin, "custodial_sentence_types", p.custodial_sentence_types));
  RETURN_IF_ERROR(ReadDated(root, origin, "abroad_methods", p.abroad_methods));
  RETURN_IF_ERROR(ReadDated(root, origin, "duplicate_recover_basic_only", p.duplicate_recover_basic_only));
  RETURN_IF_ERROR(ReadDated(root, origin, "offset_overpayments", p.offset_overpayments));
  RETURN_IF_ERROR(ReadDated(root, origin, "fraud_fine_min_multiple", p.fraud_fine_min_multiple));
  RETURN_IF_ERROR(ReadDated(root, origin, "fraud_fine_max_multiple", p.fraud_fine_max_multiple));
  RETURN_IF_ERROR(ReadDated(root, origin, "death_report_days_family", p.death_report_days_family));
  RETURN_IF_ERROR(ReadDated(root, origin, "death_report_days_unit", p.death_report_days_unit));
  RETURN_IF_ERROR(ReadDated(root, origin, "death_report_day_count", p.death_report_day_count));
  RETURN_IF_ERROR(ReadDated(root, origin, "survivor_income_base_yearly_fen", p.survivor_income_base_yearly_fen));
  RETURN_IF_ERROR(ReadDated(root, origin, "survivor_funeral_grant_months", p.survivor_funeral_grant_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "survivor_pension_min_months", p.survivor_pension_min_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "survivor_pension_threshold_years", p.survivor_pension_threshold_years));
  RETURN_IF_ERROR(ReadDated(root, origin, "survivor_pension_max_months", p.survivor_pension_max_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "link_upper_probability", p.link_upper_probability));
  RETURN_IF_ERROR(ReadDated(root, origin, "link_lower_probability", p.link_lower_probability));
  RETURN_IF_ERROR(ReadDated(root, origin, "link_margin_bits", p.link_margin_bits));
  RETURN_IF_ERROR(ReadDated(root, origin, "link_automatic_classes", p.link_automatic_classes));
  RETURN_IF_ERROR(ReadDated(root, origin, "link_automatic_regions", p.link_automatic_regions));
  RETURN_IF_ERROR(ReadDated(root, origin, "attestation_min_score", p.attestation_min_score));
  RETURN_IF_ERROR(ReadDated(root, origin, "attestation_min_liveness", p.attestation_min_liveness));
  RETURN_IF_ERROR(ReadDated(root, origin, "attestation_liveness_methods", p.attestation_liveness_methods));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_match_threshold", p.face_match_threshold));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_review_band", p.face_review_band));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_frame_min_similarity", p.face_frame_min_similarity));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_min_face_px", p.face_min_face_px));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_enrol_min_face_px", p.face_enrol_min_face_px));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_enrol_max_yaw", p.face_enrol_max_yaw));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_enrol_max_pitch", p.face_enrol_max_pitch));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_min_brightness", p.face_min_brightness));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_max_brightness", p.face_max_brightness));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_min_sharpness", p.face_min_sharpness));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_liveness_actions", p.face_liveness_actions));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_liveness_action_count", p.face_liveness_action_count));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_challenge_seconds", p.face_challenge_seconds));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_max_attempts_per_day", p.face_max_attempts_per_day));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_device_max_attempts_per_hour", p.face_device_max_attempts_per_hour));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_cooldown_failures", p.face_cooldown_failures));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_cooldown_minutes", p.face_cooldown_minutes));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_failures_before_case", p.face_failures_before_case));
  RETURN_IF_ERROR(ReadDated(root, origin, "face_keep_enrolment_photo", p.face_keep_enrolment_photo));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_remind_days", p.outreach_remind_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_channel_order", p.outreach_channel_order));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_notice_days", p.outreach_notice_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_visit_days", p.outreach_visit_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_special_visit_days", p.outreach_special_visit_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_quiet_start", p.outreach_quiet_start));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_quiet_end", p.outreach_quiet_end));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_daily_cap", p.outreach_daily_cap));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_retry_max", p.outreach_retry_max));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_retry_base_s", p.outreach_retry_base_s));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_retry_cap_s", p.outreach_retry_cap_s));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_message_ttl_days", p.outreach_message_ttl_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "outreach_response_days", p.outreach_response_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "visit_due_days", p.visit_due_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "zero_report_day", p.zero_report_day));
  for (const auto& step : p.outreach_remind_days.steps) {
    for (std::string_view d : Policy::ListItems(step.value)) {
      int v = 0;
      const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
      if (ec != std::errc() || end != d.data() + d.size() || v < 0 || v > 366) {
        return InvalidArgument(fmt::format("{}: parameters.outreach_remind_days: \"{}\" is not a number of days "
                                           "from 0 to 366", origin, d));
      }
    }
  }
  for (const auto& step : p.outreach_channel_order.steps) {
    const auto items = Policy::ListItems(step.value);
    for (std::string_view c : items) {
      if (c != "wechat" && c != "sms") {
        return InvalidArgument(fmt::format("{}: parameters.outreach_channel_order: unknown channel \"{}\" (expected "
                                           "wechat or sms)", origin, c));
      }
    }
    if (items.empty()) return InvalidArgument(fmt::format("{}: parameters.outreach_channel_order: name a channel", origin));
  }
  for (const Dated<std::string>* clock : {&p.outreach_quiet_start, &p.outreach_quiet_end}) {
    for (const auto& step : clock->steps) {
      if (ParseClockMinutes(step.value) < 0) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected a time of day HH:MM", origin, clock->name));
      }
    }
  }
  for (const Dated<int>* positive : {&p.outreach_retry_max, &p.outreach_retry_base_s, &p.outreach_retry_cap_s,
                                     &p.outreach_message_ttl_days, &p.outreach_response_days, &p.visit_due_days}) {
    for (const auto& step : positive->steps) {
      if (step.value < 1) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected a number above 0", origin, positive->name));
      }
    }
  }
  for (const Dated<int>* days : {&p.outreach_notice_days, &p.outreach_visit_days, &p.outreach_special_visit_days, &p.outreach_daily_cap}) {
    for (const auto& step : days->steps) {
      if (step.value < 0 || step.value > 366) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected 0 to 366", origin, days->name));
      }
    }
  }
  for (const auto& step : p.zero_report_day.steps) {
    if (step.value < 1 || step.value > 28) {
      return InvalidArgument(fmt::format("{}: parameters.zero_report_day: expected a day from 1 to 28", origin));
    }
  }
  for (const Dated<double>* score : {&p.face_match_threshold, &p.face_review_band, &p.face_frame_min_similarity}) {
    for (const auto& step : score->steps) {
      if (!(step.value >= 0 && step.value <= 1)) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected a similarity from 0 to 1", origin, score->name));
      }
    }
  }
  for (const auto& step : p.face_liveness_actions.steps) {
    const auto items = Policy::ListItems(step.value);
    for (std::string_view name : items) {
      if (name != "blink" && name != "open_mouth" && name != "turn_left" && name != "turn_right") {
        return InvalidArgument(fmt::format("{}: parameters.face_liveness_actions: unknown action \"{}\" (expected "
                                           "blink, open_mouth, turn_left or turn_right)", origin, name));
      }
    }
    if (items.size() < 2) {
      return InvalidArgument(fmt::format("{}: parameters.face_liveness_actions: name at least two actions", origin));
    }
  }
  for (const auto& step : p.face_liveness_action_count.steps) {
    if (step.value < 2 || step.value > 6) {
      return InvalidArgument(fmt::format("{}: parameters.face_liveness_action_count: expected 2 to 6", origin));
    }
  }
  for (const Dated<int>* positive : {&p.face_min_face_px, &p.face_enrol_min_face_px, &p.face_challenge_seconds,
                                     &p.face_max_attempts_per_day, &p.face_device_max_attempts_per_hour,
                                     &p.face_cooldown_failures, &p.face_failures_before_case}) {
    for (const auto& step : positive->steps) {
      if (step.value < 1) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected a number above 0", origin, positive->name));
      }
    }
  }
  for (const Dated<double>* score : {&p.attestation_min_score, &p.attestation_min_liveness}) {
    for (const auto& step : score->steps) {
      if (!(step.value >= 0 && step.value <= 1)) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected a score from 0 to 1", origin, score->name));
      }
    }
  }
  for (const auto& step : p.attestation_liveness_methods.steps) {
    for (std::string_view name : Policy::ListItems(step.value)) {
      if (std::find(std::begin(kAttestationMethodNames), std::end(kAttestationMethodNames), name) ==
          std::end(kAttestationMethodNames)) {
        return InvalidArgument(fmt::format(
            "{}: parameters.attestation_liveness_methods: unknown method \"{}\" (expected face, fingerprint, "
            "finger_vein, palm_vein, bank_terminal or home_visit)", origin, name));
      }
    }
  }
  // The region levels of the linker's comparison (linkage.h, RegionLevel).
  constexpr std::string_view kRegionLevels[] = {"same_village", "same_township", "same_county",   "other_township",
                                                "same_city",    "same_province", "different",     "missing"};
  for (const auto& step : p.link_automatic_regions.steps) {
    for (std::string_view name : Policy::ListItems(step.value)) {
      if (std::find(std::begin(kRegionLevels), std::end(kRegionLevels), name) == std::end(kRegionLevels)) {
        return InvalidArgument(fmt::format(
            "{}: parameters.link_automatic_regions: unknown level \"{}\" (expected same_village, same_township, "
            "same_county, other_township, same_city, same_province, different or missing)", origin, name));
      }
    }
  }
  for (size_t i = 0; i < p.link_upper_probability.steps.size(); ++i) {
    const Date since = p.link_upper_probability.steps[i].since;
    const double upper = p.link_upper_probability.At(since), lower = p.link_lower_probability.At(since);
    if (!(lower > 0 && lower <= upper && upper < 1)) {
      return InvalidArgument(fmt::format(
          "{}: parameters.link_upper_probability / link_lower_probability: expected 0 < lower <= upper < 1", origin));
    }
  }
  for (const auto& step : p.link_margin_bits.steps) {
    if (step.value < 0) {
      return InvalidArgument(fmt::format("{}: parameters.link_margin_bits: expected a number of bits (at least 0)",
                                         origin));
    }
  }
  for (const auto& step : p.link_automatic_classes.steps) {
    for (std::string_view name : Policy::ListItems(step.value)) {
      auto cls = ParseClass(name);
      if (!cls) {
        return InvalidArgument(fmt::format("{}: parameters.link_automatic_classes: {}", origin, cls.error().message));
      }
    }
  }
  for (const auto& step : p.certification_cycle_months.steps) {
    if (step.value < 1 || step.value > 60) {
      return InvalidArgument(fmt::format("{}: parameters.certification_cycle_months: expected 1 to 60 months", origin));
    }
  }
  auto at_least = [&](const Dated<int>& param, int min, std::string_view what) -> Status {
    for (const auto& step : param.steps) {
      if (step.value < min) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected {} (at least {})", origin, param.name, what, min));
      }
    }
    return {};
  };
  RETURN_IF_ERROR(at_least(p.certify_weight, 1, "a positive weight"));
  RETURN_IF_ERROR(at_least(p.alive_window_days, 1, "a number of days"));
  RETURN_IF_ERROR(at_least(p.ledger_lookback_months, 0, "a number of months"));
  RETURN_IF_ERROR(at_least(p.due_soon_days, 0, "a number of days"));
  RETURN_IF_ERROR(at_least(p.payroll_lock_day, 1, "a day of the month"));
  for (const auto& step : p.payroll_lock_day.steps) {
    if (step.value > 28) {
      return InvalidArgument(fmt::format("{}: parameters.payroll_lock_day: expected a day from 1 to 28", origin));
    }
  }
  RETURN_IF_ERROR(at_least(p.missing_paid_months, 0, "a number of months"));
  RETURN_IF_ERROR(at_least(p.fraud_fine_min_multiple, 0, "a multiple"));
  RETURN_IF_ERROR(at_least(p.fraud_fine_max_multiple, 0, "a multiple"));
  RETURN_IF_ERROR(at_least(p.death_report_days_family, 1, "a number of days"));
  RETURN_IF_ERROR(at_least(p.death_report_days_unit, 1, "a number of days"));
  RETURN_IF_ERROR(at_least(p.survivor_income_base_yearly_fen, 0, "an amount in fen"));
  RETURN_IF_ERROR(at_least(p.survivor_funeral_grant_months, 0, "a number of months"));
  RETURN_IF_ERROR(at_least(p.survivor_pension_min_months, 0, "a number of months"));
  RETURN_IF_ERROR(at_least(p.survivor_pension_threshold_years, 0, "a number of years"));
  RETURN_IF_ERROR(at_least(p.survivor_pension_max_months, 0, "a number of months"));
  for (size_t i = 0; i < p.fraud_fine_min_multiple.steps.size(); ++i) {
    const Date since = p.fraud_fine_min_multiple.steps[i].since;
    if (p.fraud_fine_min_multiple.At(since) > p.fraud_fine_max_multiple.At(since)) {
      return InvalidArgument(fmt::format("{}: parameters.fraud_fine_min_multiple: expected at most fraud_fine_max_multiple", origin));
    }
  }
  for (const auto& step : p.death_report_day_count.steps) {
    if (step.value != "calendar" && step.value != "working") {
      return InvalidArgument(fmt::format("{}: parameters.death_report_day_count: expected \"calendar\" or \"working\"", origin));
    }
  }
  if (const toml::table* cal = root["calendar"].as_table()) {
    ASSIGN_OR_RETURN(p.calendar.holidays, ReadDates(*cal, origin, "holidays"));
    ASSIGN_OR_RETURN(p.calendar.workdays, ReadDates(*cal, origin, "workdays"));
  }
  const toml::table* rules = root["rules"].as_table();
  for (std::string_view rule : KnownRules()) {
    const toml::table* t = rules ? (*rules)[rule].as_table() : nullptr;
    RuleSpec r{std::string(rule), t ? (*t)["label"].value_or(std::string(rule)) : std::string(rule),
               t ? (*t)["reference"].value_or(std::string{}) : std::string{}};
    if (r.reference.empty()) {
      return InvalidArgument(fmt::format("{}: rules.\"{}\": expected a table with label and reference (legal basis)",
                                         origin, rule));
    }
    p.rules.push_back(std::move(r));
  }
  for (const auto& step : p.default_last_certified.steps) {
    if (step.value != "import_date" && step.value != "none") {
      return InvalidArgument(fmt::format("{}: parameters.default_last_certified: expected \"import_date\" or \"none\"", origin));
    }
  }

  const toml::table* kinds = root["kinds"].as_table();
  if (kinds == nullptr || kinds->empty()) {
    return InvalidArgument(fmt::format("{}: expected [kinds.<name>] tables declaring evidence kinds", origin));
  }
  for (const auto& [key, node] : *kinds) {
    const toml::table* t = node.as_table();
    const std::string name(key.str());
    if (t == nullptr) {
      return InvalidArgument(fmt::format("{}: kinds.{}: expected a table", origin, name));
    }
    EvidenceKindSpec k;
    k.kind = name;
    k.label_zh = (*t)["label"].value_or(name);
    auto cls = ParseClass((*t)["class"].value_or(std::string{}));
    if (!cls) {
      return InvalidArgument(fmt::format("{}: kinds.{}: {}", Where(origin, t->source()), name, cls.error().message));
    }
    k.cls = *cls;
    k.weight = static_cast<int>((*t)["weight"].value_or(int64_t{0}));
    k.method = (*t)["method"].value_or(std::string("data"));
    k.reference = (*t)["reference"].value_or(std::string{});
    if (!IsKnownMethod(k.method)) {
      return InvalidArgument(fmt::format("{}: kinds.{}.method: expected data, face, biometric, visit, bank_terminal or overseas",
                                         Where(origin, t->source()), name));
    }
    if (k.weight < 0 || (k.weight > 0 && k.cls == EvidenceClass::kDeath)) {
      return InvalidArgument(fmt::format("{}: kinds.{}.weight: expected 0 or more, and 0 for a death record",
                                         Where(origin, t->source()), name));
    }
    if (k.cls == EvidenceClass::kAlive && k.weight <= 0) {
      return InvalidArgument(fmt::format("{}: kinds.{}.weight: an alive signal needs a weight above 0",
                                         Where(origin, t->source()), name));
    }
    if (k.reference.empty()) {
      return InvalidArgument(fmt::format("{}: kinds.{}: expected a reference (legal basis)", Where(origin, t->source()), name));
    }
    p.kinds.push_back(std::move(k));
  }
  if (const toml::table* sources = root["sources"].as_table()) {
    for (const auto& [key, node] : *sources) {
      const toml::table* t = node.as_table();
      if (t == nullptr) continue;
      p.sources.push_back(SourceSpec{std::string(key.str()), (*t)["label"].value_or(std::string(key.str())),
                                     (*t)["trusted"].value_or(true)});
    }
  }
  return p;
}

}  // namespace tacit
