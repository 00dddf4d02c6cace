// The policy file (TOML, src/policy): ParsePolicy checks every parameter,
// kind, source, rule label and the holiday calendar; a policy it accepts is
// then read the way the derivation and the outreach planner read it.
#include "fuzz_util.h"
#include "tacit/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto policy = tacit::ParsePolicy(tacit::fuzz::AsText(data, size), "fuzz.toml");
  if (!policy) {
    FUZZ_CHECK(!policy.error().message.empty());
    return 0;
  }
  const tacit::Date today = tacit::fuzz::FuzzToday();
  const tacit::Date later = tacit::Date::FromDays(today.days() + 400);
  (void)policy->HasStepBetween(today, later);
  for (const auto& rule : tacit::KnownRules()) FUZZ_CHECK(policy->FindRule(rule) != nullptr);
  for (const auto& kind : policy->kinds) FUZZ_CHECK(policy->FindKind(kind.kind) != nullptr);
  // Working days: a month of them from today lands after today.
  FUZZ_CHECK(policy->calendar.AddWorkingDays(today, 20) > today);
  for (tacit::Date d : {today, later}) {
    for (std::string_view item : tacit::Policy::ListItems(policy->outreach_remind_days.At(d))) {
      FUZZ_CHECK(!item.empty());
    }
    (void)tacit::ParseClockMinutes(policy->outreach_quiet_start.At(d));
    (void)tacit::Policy::ListItems(policy->face_liveness_actions.At(d));
  }
  return 0;
}
