// The outreach tables of the PostgreSQL store (tacit/outreach_store.h), on
// the store's own connection so that a message joins the unit of work of the
// decision that causes it. Behaves as SqliteOutreach does.
#ifndef TACIT_SRC_STORE_PG_PG_OUTREACH_H_
#define TACIT_SRC_STORE_PG_PG_OUTREACH_H_

#include "store/pg/pg_conn.h"
#include "tacit/outreach_store.h"

namespace tacit::pg {

class PgOutreach final : public OutreachStore {
 public:
  explicit PgOutreach(PgConn& conn) : conn_(conn) {}

  Result<int64_t> EnqueueMessages(std::vector<OutreachMessageRecord>& messages) override;
  Result<std::optional<OutreachMessageRecord>> FindMessage(int64_t id) override;
  Result<std::vector<OutreachMessageRecord>> DueMessages(std::string_view status, std::string_view channel, int64_t now_ms, int limit) override;
  Result<std::vector<OutreachMessageRecord>> MessagesInStatus(std::string_view status, int64_t lease_before_ms, int64_t created_since_ms, int limit) override;
  Result<std::map<std::string, int64_t>> CountByStatus() override;
  Result<bool> ClaimMessage(int64_t id, std::string_view from_status, int attempts, int64_t now_ms, int64_t lease_until_ms) override;
  Result<bool> TransitionMessage(const OutreachMessageRecord& message, std::string_view from_status, int64_t from_lease_until_ms, int from_attempts) override;
  Status UpdateMessage(const OutreachMessageRecord& message) override;
  Status AddAttempt(OutreachAttemptRecord& attempt) override;
  Result<std::vector<OutreachAttemptRecord>> AttemptsOf(int64_t message_id) override;
  Result<std::vector<OutreachMessageRecord>> MessagesOf(PersonKey person) override;
  Result<std::vector<OutreachMessageRecord>> OpenMessagesOf(PersonKey person) override;
  Status ForEachMessage(const std::string& prefix, int64_t from_ms, int64_t to_ms, const std::function<Status(const OutreachMessageRecord&)>& fn) override;
  Result<std::vector<OutreachCountRow>> CountMessages(const std::string& prefix, int64_t from_ms, int64_t to_ms) override;
  Result<bool> TakeDailySlot(PersonKey person, std::string_view day, int cap) override;
  Status ReleaseDailySlot(PersonKey person, std::string_view day) override;
  Status PutChannelConfig(const ChannelConfigRecord& config) override;
  Result<std::optional<ChannelConfigRecord>> FindChannelConfig(std::string_view channel) override;
  Result<std::vector<ChannelConfigRecord>> ListChannelConfigs() override;
  Status SetChannelPaused(std::string_view channel, std::string_view reason, int64_t at_ms) override;
  Status PutChannelBinding(const ChannelBindingRecord& binding) override;
  Result<std::optional<ChannelBindingRecord>> FindChannelBinding(PersonKey person, std::string_view channel) override;
  Result<std::vector<PersonKey>> BoundPersons(std::string_view channel) override;
  Status PutSpecialPerson(const SpecialPersonRecord& record) override;
  Result<std::optional<SpecialPersonRecord>> FindSpecialPerson(PersonKey person) override;
  Result<std::vector<SpecialPersonRecord>> ListSpecialPersons(const std::string& prefix, bool include_ended = false) override;
  Result<int64_t> OpenVisitTasks(std::vector<VisitTaskRecord>& tasks) override;
  Result<std::optional<VisitTaskRecord>> FindVisitTask(int64_t id) override;
  Result<std::vector<VisitTaskRecord>> ListVisitTasks(const std::string& prefix, std::string_view status) override;
  Result<std::vector<VisitTaskRecord>> VisitTasksOf(PersonKey person) override;
  Status UpdateVisitTask(const VisitTaskRecord& task) override;
  Result<bool> CancelVisitTask(int64_t id, std::string_view note, int64_t at_ms) override;
  Status PutCertPoint(const CertPointRecord& point) override;
  Result<std::vector<CertPointRecord>> ListCertPoints(const std::string& prefix, bool all) override;
  Status PutDeathReturn(const DeathReturnRecord& record) override;
  Result<std::vector<DeathReturnRecord>> DeathReturns(Month month, const std::string& prefix) override;
  Status PutCommitteeContact(const CommitteeContactRecord& contact) override;
  Result<std::optional<CommitteeContactRecord>> FindCommitteeContact(std::string_view region) override;
  Status PutEmployer(const EmployerRecord& employer) override;
  Result<std::optional<EmployerRecord>> FindEmployer(std::string_view code) override;
  Status SetEmployerOf(PersonKey person, std::string_view code) override;
  Status ForEachEmployerMember(const std::function<Status(PersonKey, std::string_view)>& fn) override;
  Result<std::vector<std::pair<std::string, int64_t>>> ResidenceRegions(const std::string& prefix) override;

 private:
  PgConn& conn_;
};

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_OUTREACH_H_
