#include "store/pg/pg_outreach.h"

#include <fmt/format.h>

namespace tacit::pg {

Result<int64_t> PgOutreach::EnqueueMessages(std::vector<OutreachMessageRecord>& messages) { return Internal("PgStore::EnqueueMessages: not built yet"); }
Result<std::optional<OutreachMessageRecord>> PgOutreach::FindMessage(int64_t id) { return Internal("PgStore::FindMessage: not built yet"); }
Result<std::vector<OutreachMessageRecord>> PgOutreach::DueMessages(std::string_view status, std::string_view channel, int64_t now_ms, int limit) { return Internal("PgStore::DueMessages: not built yet"); }
Result<std::vector<OutreachMessageRecord>> PgOutreach::MessagesInStatus(std::string_view status, int64_t lease_before_ms, int64_t created_since_ms, int limit) { return Internal("PgStore::MessagesInStatus: not built yet"); }
Result<std::map<std::string, int64_t>> PgOutreach::CountByStatus() { return Internal("PgStore::CountByStatus: not built yet"); }
Result<bool> PgOutreach::ClaimMessage(int64_t id, std::string_view from_status, int attempts, int64_t now_ms, int64_t lease_until_ms) { return Internal("PgStore::ClaimMessage: not built yet"); }
Result<bool> PgOutreach::TransitionMessage(const OutreachMessageRecord& message, std::string_view from_status, int64_t from_lease_until_ms, int from_attempts) { return Internal("PgStore::TransitionMessage: not built yet"); }
Status PgOutreach::UpdateMessage(const OutreachMessageRecord& message) { return Internal("PgStore::UpdateMessage: not built yet"); }
Status PgOutreach::AddAttempt(OutreachAttemptRecord& attempt) { return Internal("PgStore::AddAttempt: not built yet"); }
Result<std::vector<OutreachAttemptRecord>> PgOutreach::AttemptsOf(int64_t message_id) { return Internal("PgStore::AttemptsOf: not built yet"); }
Result<std::vector<OutreachMessageRecord>> PgOutreach::MessagesOf(PersonKey person) { return Internal("PgStore::MessagesOf: not built yet"); }
Result<std::vector<OutreachMessageRecord>> PgOutreach::OpenMessagesOf(PersonKey person) { return Internal("PgStore::OpenMessagesOf: not built yet"); }
Status PgOutreach::ForEachMessage(const std::string& prefix, int64_t from_ms, int64_t to_ms, const std::function<Status(const OutreachMessageRecord&)>& fn) { return Internal("PgStore::ForEachMessage: not built yet"); }
Result<std::vector<OutreachCountRow>> PgOutreach::CountMessages(const std::string& prefix, int64_t from_ms, int64_t to_ms) { return Internal("PgStore::CountMessages: not built yet"); }
Result<bool> PgOutreach::TakeDailySlot(PersonKey person, std::string_view day, int cap) { return Internal("PgStore::TakeDailySlot: not built yet"); }
Status PgOutreach::ReleaseDailySlot(PersonKey person, std::string_view day) { return Internal("PgStore::ReleaseDailySlot: not built yet"); }
Status PgOutreach::PutChannelConfig(const ChannelConfigRecord& config) { return Internal("PgStore::PutChannelConfig: not built yet"); }
Result<std::optional<ChannelConfigRecord>> PgOutreach::FindChannelConfig(std::string_view channel) { return Internal("PgStore::FindChannelConfig: not built yet"); }
Result<std::vector<ChannelConfigRecord>> PgOutreach::ListChannelConfigs() { return Internal("PgStore::ListChannelConfigs: not built yet"); }
Status PgOutreach::SetChannelPaused(std::string_view channel, std::string_view reason, int64_t at_ms) { return Internal("PgStore::SetChannelPaused: not built yet"); }
Status PgOutreach::PutChannelBinding(const ChannelBindingRecord& binding) { return Internal("PgStore::PutChannelBinding: not built yet"); }
Result<std::optional<ChannelBindingRecord>> PgOutreach::FindChannelBinding(PersonKey person, std::string_view channel) { return Internal("PgStore::FindChannelBinding: not built yet"); }
Result<std::vector<PersonKey>> PgOutreach::BoundPersons(std::string_view channel) { return Internal("PgStore::BoundPersons: not built yet"); }
Status PgOutreach::PutSpecialPerson(const SpecialPersonRecord& record) { return Internal("PgStore::PutSpecialPerson: not built yet"); }
Result<std::optional<SpecialPersonRecord>> PgOutreach::FindSpecialPerson(PersonKey person) { return Internal("PgStore::FindSpecialPerson: not built yet"); }
Result<std::vector<SpecialPersonRecord>> PgOutreach::ListSpecialPersons(const std::string& prefix, bool include_ended) { return Internal("PgStore::ListSpecialPersons: not built yet"); }
Result<int64_t> PgOutreach::OpenVisitTasks(std::vector<VisitTaskRecord>& tasks) { return Internal("PgStore::OpenVisitTasks: not built yet"); }
Result<std::optional<VisitTaskRecord>> PgOutreach::FindVisitTask(int64_t id) { return Internal("PgStore::FindVisitTask: not built yet"); }
Result<std::vector<VisitTaskRecord>> PgOutreach::ListVisitTasks(const std::string& prefix, std::string_view status) { return Internal("PgStore::ListVisitTasks: not built yet"); }
Result<std::vector<VisitTaskRecord>> PgOutreach::VisitTasksOf(PersonKey person) { return Internal("PgStore::VisitTasksOf: not built yet"); }
Status PgOutreach::UpdateVisitTask(const VisitTaskRecord& task) { return Internal("PgStore::UpdateVisitTask: not built yet"); }
Result<bool> PgOutreach::CancelVisitTask(int64_t id, std::string_view note, int64_t at_ms) { return Internal("PgStore::CancelVisitTask: not built yet"); }
Status PgOutreach::PutCertPoint(const CertPointRecord& point) { return Internal("PgStore::PutCertPoint: not built yet"); }
Result<std::vector<CertPointRecord>> PgOutreach::ListCertPoints(const std::string& prefix, bool all) { return Internal("PgStore::ListCertPoints: not built yet"); }
Status PgOutreach::PutDeathReturn(const DeathReturnRecord& record) { return Internal("PgStore::PutDeathReturn: not built yet"); }
Result<std::vector<DeathReturnRecord>> PgOutreach::DeathReturns(Month month, const std::string& prefix) { return Internal("PgStore::DeathReturns: not built yet"); }
Status PgOutreach::PutCommitteeContact(const CommitteeContactRecord& contact) { return Internal("PgStore::PutCommitteeContact: not built yet"); }
Result<std::optional<CommitteeContactRecord>> PgOutreach::FindCommitteeContact(std::string_view region) { return Internal("PgStore::FindCommitteeContact: not built yet"); }
Status PgOutreach::PutEmployer(const EmployerRecord& employer) { return Internal("PgStore::PutEmployer: not built yet"); }
Result<std::optional<EmployerRecord>> PgOutreach::FindEmployer(std::string_view code) { return Internal("PgStore::FindEmployer: not built yet"); }
Status PgOutreach::SetEmployerOf(PersonKey person, std::string_view code) { return Internal("PgStore::SetEmployerOf: not built yet"); }
Status PgOutreach::ForEachEmployerMember(const std::function<Status(PersonKey, std::string_view)>& fn) { return Internal("PgStore::ForEachEmployerMember: not built yet"); }
Result<std::vector<std::pair<std::string, int64_t>>> PgOutreach::ResidenceRegions(const std::string& prefix) { return Internal("PgStore::ResidenceRegions: not built yet"); }

}  // namespace tacit::pg
