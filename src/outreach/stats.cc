// Outreach statistics: messages by channel and status, the delivery rate,
// certifications that answered a reminder, visits open and overdue.
#include <map>

#include "tacit/outreach.h"

namespace tacit {

Result<OutreachStats> ComputeOutreachStats(Store& store, const Policy& policy, const std::string& region, Date from,
                                           Date through) {
  OutreachStats st;
  OutreachStore& out = store.outreach();
  // Per person: the earliest day a reminder reached them in the window.
  std::map<PersonKey, Date> first_reached;
  RETURN_IF_ERROR(out.ForEachMessage(region, BeijingInstant(from), BeijingInstant(through + 1),
                                     [&](const OutreachMessageRecord& m) -> Status {
    ++st.by_channel_status[m.channel][m.status];
    const bool reached_provider = m.status == kMsgSent || m.status == kMsgDelivered ||
                                  (m.status == kMsgFailed && m.failure == "undelivered");
    if (reached_provider) ++st.sent;
    if (reached_provider && m.channel == "sms") ++st.sms_sent;
    if (m.status == kMsgDelivered) ++st.delivered;
    if ((m.status == kMsgSent || m.status == kMsgDelivered) && m.person != 0 && m.recipient == "person") {
      const Date day = BeijingDate(m.sent_ms);
      auto [it, fresh] = first_reached.emplace(m.person, day);
      if (!fresh && day < it->second) it->second = day;
    }
    return {};
  }));
  // Receipts come for SMS only (WeChat reports no delivery here): the rate is over SMS.
  st.delivery_rate = st.sms_sent > 0 ? static_cast<double>(st.delivered) / static_cast<double>(st.sms_sent) : 0.0;
  st.reminded_persons = static_cast<int64_t>(first_reached.size());
  for (const auto& [person, day] : first_reached) {
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(person));
    if (!p) continue;
    PersonFacts facts;
    facts.baseline_certified = p->baseline_certified;
    ASSIGN_OR_RETURN(facts.facts, store.FactsOf(person));
    const int window = policy.outreach_response_days.At(day);
    for (const Certification& c : DeriveCertifications(policy, facts, through)) {
      if (c.evidence_id != 0 && c.on >= day && c.on <= day + window) {
        ++st.certified_after;
        break;
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> active, out.ListVisitTasks(region, "active"));
  for (const VisitTaskRecord& v : active) {
    ++st.visits_open;
    if (v.due_on < through) ++st.visits_overdue;
  }
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> done, out.ListVisitTasks(region, kVisitDone));
  st.visits_done = static_cast<int64_t>(done.size());
  return st;
}

}  // namespace tacit
