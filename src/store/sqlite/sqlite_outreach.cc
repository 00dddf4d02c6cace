#include "store/sqlite/sqlite_outreach.h"

#include <fmt/format.h>

#include "store/record_rows.h"

namespace tacit::sqlite {

using namespace store_rows;  // the readers and column lists both stores share


// Runs an insert whose conflict on the key reopens a cancelled row: the row's
// id when it was inserted or reopened, else 0.
static Result<int64_t> InsertOrReopen(Db& db, Stmt& insert, Stmt& id_of, std::string_view key) {
  RETURN_IF_ERROR(insert.Run());
  if (db.Changes() != 1) return int64_t{0};
  id_of.Reset();
  id_of.Bind(1, key);
  ASSIGN_OR_RETURN(bool row, id_of.Step());
  return row ? id_of.Int(0) : int64_t{0};
}

// ---- The outbox --------------------------------------------------------------

Result<int64_t> SqliteOutreach::EnqueueMessages(std::vector<OutreachMessageRecord>& messages) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT INTO outreach_message (idem_key, person_key, recipient, region, channel, template, params, reason, "
      "deadline, created_ms, not_before_ms, expires_ms, status, attempts, next_attempt_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO UPDATE SET "
      "channel = excluded.channel, template = excluded.template, params = excluded.params, "
      "created_ms = excluded.created_ms, not_before_ms = excluded.not_before_ms, expires_ms = excluded.expires_ms, "
      "status = 'queued', attempts = 0, next_attempt_ms = excluded.next_attempt_ms, lease_until_ms = 0, "
      "claimed_ms = 0, provider_ref = '', provider_code = '', failure = '' WHERE outreach_message.status = 'cancelled'"));
  ASSIGN_OR_RETURN(Stmt id_of, db_.Prepare("SELECT id FROM outreach_message WHERE idem_key = ?"));
  int64_t added = 0;
  for (OutreachMessageRecord& m : messages) {
    if (m.idem_key.empty()) return InvalidArgument("an outreach message has no idempotency key");
    s.Reset();
    s.Bind(1, m.idem_key).Bind(2, static_cast<int64_t>(m.person)).Bind(3, m.recipient).Bind(4, m.region);
    s.Bind(5, m.channel).Bind(6, m.template_name).Bind(7, m.params).Bind(8, m.reason).Bind(9, m.deadline);
    s.Bind(10, m.created_ms).Bind(11, m.not_before_ms).Bind(12, m.expires_ms).Bind(13, m.status);
    s.Bind(14, m.attempts).Bind(15, m.next_attempt_ms);
    ASSIGN_OR_RETURN(m.id, InsertOrReopen(db_, s, id_of, m.idem_key));  // inserted, or a cancelled one queued again
    if (m.id != 0) ++added;
  }
  RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<std::optional<OutreachMessageRecord>> SqliteOutreach::FindMessage(int64_t id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM outreach_message WHERE id = ?", kMessageColumns)));
  s.Bind(1, id);
  return FirstRow<OutreachMessageRecord>(s, ReadMessage<Stmt>);
}

Result<std::vector<OutreachMessageRecord>> SqliteOutreach::DueMessages(std::string_view status,
                                                                       std::string_view channel, int64_t now_ms,
                                                                       int limit) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM outreach_message WHERE status = ? AND next_attempt_ms <= ? AND (? = '' OR channel = ?) "
      "ORDER BY next_attempt_ms, id LIMIT ?", kMessageColumns)));
  s.Bind(1, status).Bind(2, now_ms).Bind(3, channel).Bind(4, channel).Bind(5, limit);
  return CollectRows<OutreachMessageRecord>(s, ReadMessage<Stmt>);
}

Result<std::vector<OutreachMessageRecord>> SqliteOutreach::MessagesInStatus(std::string_view status,
                                                                            int64_t lease_before_ms,
                                                                            int64_t created_since_ms, int limit) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM outreach_message WHERE status = ? AND (? = 0 OR lease_until_ms < ?) AND created_ms >= ? "
      "ORDER BY id LIMIT ?", kMessageColumns)));
  s.Bind(1, status).Bind(2, lease_before_ms).Bind(3, lease_before_ms).Bind(4, created_since_ms).Bind(5, limit);
  return CollectRows<OutreachMessageRecord>(s, ReadMessage<Stmt>);
}

Result<std::map<std::string, int64_t>> SqliteOutreach::CountByStatus() {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT status, count(*) FROM outreach_message GROUP BY status"));
  std::map<std::string, int64_t> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out[s.Text(0)] = s.Int(1);
  }
}

Result<bool> SqliteOutreach::ClaimMessage(int64_t id, std::string_view from_status, int attempts, int64_t now_ms,
                                          int64_t lease_until_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "UPDATE outreach_message SET status = 'sending', claimed_ms = ?, lease_until_ms = ?, attempts = attempts + 1 "
      "WHERE id = ? AND status = ? AND attempts = ?"));
  s.Bind(1, now_ms).Bind(2, lease_until_ms).Bind(3, id).Bind(4, from_status).Bind(5, attempts);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes() == 1;
}

namespace {
constexpr std::string_view kMessageUpdate =
    "UPDATE outreach_message SET status = ?, attempts = ?, next_attempt_ms = ?, lease_until_ms = ?, "
    "provider_ref = ?, provider_code = ?, failure = ?, sent_ms = ?, delivered_ms = ?, channel = ?, "
    "template = ?, not_before_ms = ? WHERE id = ?";

void BindMessageUpdate(Stmt& s, const OutreachMessageRecord& m) {
  s.Bind(1, m.status).Bind(2, m.attempts).Bind(3, m.next_attempt_ms).Bind(4, m.lease_until_ms);
  s.Bind(5, m.provider_ref).Bind(6, m.provider_code).Bind(7, m.failure).Bind(8, m.sent_ms).Bind(9, m.delivered_ms);
  s.Bind(10, m.channel).Bind(11, m.template_name).Bind(12, m.not_before_ms).Bind(13, m.id);
}
}  // namespace

Result<bool> SqliteOutreach::TransitionMessage(const OutreachMessageRecord& m, std::string_view from_status,
                                               int64_t from_lease_until_ms, int from_attempts) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("{} AND status = ? AND lease_until_ms = ? AND attempts = ?",
                                                   kMessageUpdate)));
  BindMessageUpdate(s, m);
  s.Bind(14, from_status).Bind(15, from_lease_until_ms).Bind(16, from_attempts);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes() == 1;
}

Status SqliteOutreach::UpdateMessage(const OutreachMessageRecord& m) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(kMessageUpdate));
  BindMessageUpdate(s, m);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() != 1) return NotFound(fmt::format("no outreach message {}", m.id));
  return {};
}

Status SqliteOutreach::AddAttempt(OutreachAttemptRecord& a) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT INTO outreach_attempt (message_id, at_ms, channel, outcome, http_status, provider_code, failure, "
      "duration_ms, person_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, a.message_id).Bind(2, a.at_ms).Bind(3, a.channel).Bind(4, a.outcome).Bind(5, a.http_status);
  s.Bind(6, a.provider_code).Bind(7, a.failure).Bind(8, a.duration_ms).Bind(9, static_cast<int64_t>(a.person));
  RETURN_IF_ERROR(s.Run());
  a.id = db_.LastInsertId();
  return {};
}

Result<std::vector<OutreachAttemptRecord>> SqliteOutreach::AttemptsOf(int64_t message_id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT id, message_id, at_ms, channel, outcome, http_status, provider_code, failure, duration_ms, "
      "person_key FROM outreach_attempt WHERE message_id = ? ORDER BY id"));
  s.Bind(1, message_id);
  return CollectRows<OutreachAttemptRecord>(s, [](const Stmt& r) {
    return OutreachAttemptRecord{r.Int(0),  r.Int(1),  r.Int(2),  r.Text(3), r.Text(4), static_cast<int>(r.Int(5)),
                                 r.Text(6), r.Text(7), r.Int(8), static_cast<PersonKey>(r.Int(9))};
  });
}

Result<std::vector<OutreachMessageRecord>> SqliteOutreach::MessagesOf(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM outreach_message WHERE person_key = ? ORDER BY created_ms DESC, id DESC", kMessageColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return CollectRows<OutreachMessageRecord>(s, ReadMessage<Stmt>);
}

Result<std::vector<OutreachMessageRecord>> SqliteOutreach::OpenMessagesOf(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM outreach_message WHERE person_key = ? AND status IN ('queued', 'unknown') ORDER BY id",
      kMessageColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return CollectRows<OutreachMessageRecord>(s, ReadMessage<Stmt>);
}

Status SqliteOutreach::ForEachMessage(const std::string& prefix, int64_t from_ms, int64_t to_ms,
                                      const std::function<Status(const OutreachMessageRecord&)>& fn) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM outreach_message WHERE created_ms >= ? AND created_ms < ? AND region >= ? AND region < ? "
      "ORDER BY id", kMessageColumns)));
  s.Bind(1, from_ms).Bind(2, to_ms).Bind(3, prefix).Bind(4, PrefixEnd(prefix));
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return {};
    RETURN_IF_ERROR(fn(ReadMessage(s)));
  }
}

Result<std::vector<OutreachCountRow>> SqliteOutreach::CountMessages(const std::string& prefix, int64_t from_ms,
                                                                   int64_t to_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT region, channel, status, count(*) FROM outreach_message WHERE created_ms >= ? AND created_ms < ? "
      "AND region >= ? AND region < ? GROUP BY region, channel, status ORDER BY region, channel, status"));
  s.Bind(1, from_ms).Bind(2, to_ms).Bind(3, prefix).Bind(4, PrefixEnd(prefix));
  return CollectRows<OutreachCountRow>(s, [](const Stmt& r) {
    return OutreachCountRow{r.Text(0), r.Text(1), r.Text(2), r.Int(3)};
  });
}

Result<bool> SqliteOutreach::TakeDailySlot(PersonKey person, std::string_view day, int cap) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT INTO outreach_daily (person_key, day, taken) VALUES (?, ?, 1) "
      "ON CONFLICT (person_key, day) DO UPDATE SET taken = taken + 1 WHERE taken < ?"));
  s.Bind(1, static_cast<int64_t>(person)).Bind(2, day).Bind(3, cap);
  RETURN_IF_ERROR(s.Run());
  const bool taken = db_.Changes() == 1 && cap > 0;
  if (!taken) {
    RETURN_IF_ERROR(tx.Rollback());
    return false;
  }
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

Status SqliteOutreach::ReleaseDailySlot(PersonKey person, std::string_view day) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "UPDATE outreach_daily SET taken = taken - 1 WHERE person_key = ? AND day = ? AND taken > 0"));
  s.Bind(1, static_cast<int64_t>(person)).Bind(2, day);
  return s.Run();
}

// ---- Channels ----------------------------------------------------------------

Status SqliteOutreach::PutChannelConfig(const ChannelConfigRecord& c) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT OR REPLACE INTO channel_config (channel, config, sealed_secret, paused_reason, paused_ms, updated_by, "
      "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, c.channel).Bind(2, c.config).Bind(3, c.sealed_secret).Bind(4, c.paused_reason).Bind(5, c.paused_ms);
  s.Bind(6, c.updated_by).Bind(7, c.updated_ms);
  return s.Run();
}

Result<std::optional<ChannelConfigRecord>> SqliteOutreach::FindChannelConfig(std::string_view channel) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM channel_config WHERE channel = ?",
                                                   kChannelConfigColumns)));
  s.Bind(1, channel);
  return FirstRow<ChannelConfigRecord>(s, ReadChannelConfig<Stmt>);
}

Result<std::vector<ChannelConfigRecord>> SqliteOutreach::ListChannelConfigs() {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM channel_config ORDER BY channel",
                                                   kChannelConfigColumns)));
  return CollectRows<ChannelConfigRecord>(s, ReadChannelConfig<Stmt>);
}

Status SqliteOutreach::SetChannelPaused(std::string_view channel, std::string_view reason, int64_t at_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE channel_config SET paused_reason = ?, paused_ms = ? WHERE channel = ?"));
  s.Bind(1, reason).Bind(2, reason.empty() ? int64_t{0} : at_ms).Bind(3, channel);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() != 1) return NotFound(fmt::format("渠道 {} 未配置 (the channel is not configured)", channel));
  return {};
}

Status SqliteOutreach::PutChannelBinding(const ChannelBindingRecord& b) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT OR REPLACE INTO channel_binding (person_key, channel, sealed_address, source, bound_ms, active) "
      "VALUES (?, ?, ?, ?, ?, ?)"));
  s.Bind(1, static_cast<int64_t>(b.person)).Bind(2, b.channel).Bind(3, b.sealed_address).Bind(4, b.source);
  s.Bind(5, b.bound_ms).Bind(6, b.active ? 1 : 0);
  return s.Run();
}

Result<std::optional<ChannelBindingRecord>> SqliteOutreach::FindChannelBinding(PersonKey person,
                                                                               std::string_view channel) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT person_key, channel, sealed_address, source, bound_ms, active FROM "
                                       "channel_binding WHERE person_key = ? AND channel = ?"));
  s.Bind(1, static_cast<int64_t>(person)).Bind(2, channel);
  return FirstRow<ChannelBindingRecord>(s, [](const Stmt& r) {
    return ChannelBindingRecord{static_cast<PersonKey>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3), r.Int(4),
                                r.Int(5) != 0};
  });
}

Result<std::vector<PersonKey>> SqliteOutreach::BoundPersons(std::string_view channel) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT person_key FROM channel_binding WHERE channel = ? AND active = 1 ORDER BY person_key"));
  s.Bind(1, channel);
  return CollectRows<PersonKey>(s, [](const Stmt& r) { return static_cast<PersonKey>(r.Int(0)); });
}

// ---- Special persons and visits ------------------------------------------------

Status SqliteOutreach::PutSpecialPerson(const SpecialPersonRecord& p) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT OR REPLACE INTO special_person (person_key, reason, contact_name, contact_phone, address, notes, "
      "source, set_by, set_ms, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, static_cast<int64_t>(p.person)).Bind(2, p.reason).Bind(3, p.contact_name).Bind(4, p.contact_phone);
  s.Bind(5, p.address).Bind(6, p.notes).Bind(7, p.source).Bind(8, p.set_by).Bind(9, p.set_ms).Bind(10, p.active ? 1 : 0);
  return s.Run();
}

Result<std::optional<SpecialPersonRecord>> SqliteOutreach::FindSpecialPerson(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM special_person s WHERE s.person_key = ?",
                                                   kSpecialColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return FirstRow<SpecialPersonRecord>(s, ReadSpecial<Stmt>);
}

Result<std::vector<SpecialPersonRecord>> SqliteOutreach::ListSpecialPersons(const std::string& prefix,
                                                                          bool include_ended) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM special_person s JOIN person p ON p.person_key = s.person_key WHERE (? OR s.active = 1) AND "
      "p.region_code >= ? AND p.region_code < ? ORDER BY s.person_key", kSpecialColumns)));
  s.Bind(1, include_ended ? 1 : 0).Bind(2, prefix).Bind(3, PrefixEnd(prefix));
  return CollectRows<SpecialPersonRecord>(s, ReadSpecial<Stmt>);
}

Result<int64_t> SqliteOutreach::OpenVisitTasks(std::vector<VisitTaskRecord>& tasks) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT INTO visit_task (person_key, region, reason, idem_key, due_on, status, assigned_to, created_ms, note) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO UPDATE SET reason = excluded.reason, "
      "due_on = excluded.due_on, status = 'open', assigned_to = '', created_ms = excluded.created_ms, note = '', "
      "done_ms = 0 WHERE visit_task.status = 'cancelled'"));
  ASSIGN_OR_RETURN(Stmt id_of, db_.Prepare("SELECT id FROM visit_task WHERE idem_key = ?"));
  int64_t added = 0;
  for (VisitTaskRecord& t : tasks) {
    if (t.idem_key.empty() || t.person == 0) return InvalidArgument("a visit task has no person or key");
    s.Reset();
    s.Bind(1, static_cast<int64_t>(t.person)).Bind(2, t.region).Bind(3, t.reason).Bind(4, t.idem_key);
    s.Bind(5, static_cast<int64_t>(t.due_on.days())).Bind(6, t.status).Bind(7, t.assigned_to).Bind(8, t.created_ms);
    s.Bind(9, t.note);
    ASSIGN_OR_RETURN(t.id, InsertOrReopen(db_, s, id_of, t.idem_key));  // inserted, or a cancelled one opened again
    if (t.id != 0) ++added;
  }
  RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<std::optional<VisitTaskRecord>> SqliteOutreach::FindVisitTask(int64_t id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM visit_task WHERE id = ?", kVisitColumns)));
  s.Bind(1, id);
  return FirstRow<VisitTaskRecord>(s, ReadVisit<Stmt>);
}

Result<std::vector<VisitTaskRecord>> SqliteOutreach::ListVisitTasks(const std::string& prefix,
                                                                    std::string_view status) {
  std::string where = "region >= ? AND region < ?";
  if (status == "active") {
    where += " AND status IN ('open', 'assigned')";
  } else if (!status.empty()) {
    where += " AND status = ?";
  }
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM visit_task WHERE {} ORDER BY id", kVisitColumns,
                                                   where)));
  s.Bind(1, prefix).Bind(2, PrefixEnd(prefix));
  if (!status.empty() && status != "active") s.Bind(3, status);
  return CollectRows<VisitTaskRecord>(s, ReadVisit<Stmt>);
}

Result<std::vector<VisitTaskRecord>> SqliteOutreach::VisitTasksOf(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM visit_task WHERE person_key = ? ORDER BY id",
                                                   kVisitColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return CollectRows<VisitTaskRecord>(s, ReadVisit<Stmt>);
}

Status SqliteOutreach::UpdateVisitTask(const VisitTaskRecord& t) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "UPDATE visit_task SET status = ?, assigned_to = ?, outcome = ?, outcome_on = ?, done_by = ?, done_ms = ?, "
      "evidence_id = ?, case_id = ?, note = ? WHERE id = ?"));
  s.Bind(1, t.status).Bind(2, t.assigned_to).Bind(3, t.outcome);
  s.BindOptional(4, t.outcome_on ? std::optional<int64_t>(t.outcome_on->days()) : std::nullopt);
  s.Bind(5, t.done_by).Bind(6, t.done_ms).Bind(7, t.evidence_id).Bind(8, t.case_id).Bind(9, t.note).Bind(10, t.id);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() != 1) return NotFound(fmt::format("上门任务 {} 不存在 (no such visit task)", t.id));
  return {};
}

Result<bool> SqliteOutreach::CancelVisitTask(int64_t id, std::string_view note, int64_t at_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE visit_task SET status = 'cancelled', note = ?, done_ms = ? "
                                       "WHERE id = ? AND status IN ('open', 'assigned')"));
  s.Bind(1, note).Bind(2, at_ms).Bind(3, id);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes() == 1;
}

// ---- Certification points --------------------------------------------------------

Status SqliteOutreach::PutCertPoint(const CertPointRecord& p) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT OR REPLACE INTO cert_point (code, attestor, kind, name, short_name, region, address, hours, active) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, p.code).Bind(2, p.attestor).Bind(3, p.kind).Bind(4, p.name).Bind(5, p.short_name).Bind(6, p.region);
  s.Bind(7, p.address).Bind(8, p.hours).Bind(9, p.active ? 1 : 0);
  return s.Run();
}

Result<std::vector<CertPointRecord>> SqliteOutreach::ListCertPoints(const std::string& prefix, bool all) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT code, attestor, kind, name, short_name, region, address, hours, active FROM cert_point "
      "WHERE region >= ? AND region < ? AND (? OR active = 1) ORDER BY code"));
  s.Bind(1, prefix).Bind(2, PrefixEnd(prefix)).Bind(3, all ? 1 : 0);
  return CollectRows<CertPointRecord>(s, [](const Stmt& r) {
    return CertPointRecord{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                           r.Text(5), r.Text(6), r.Text(7), r.Int(8) != 0};
  });
}

// ---- The zero report ---------------------------------------------------------------

Status SqliteOutreach::PutDeathReturn(const DeathReturnRecord& d) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "INSERT OR REPLACE INTO death_return (committee, month, deaths, submitted_ms, submitted_by, batch_id) "
      "VALUES (?, ?, ?, ?, ?, ?)"));
  s.Bind(1, d.committee).Bind(2, static_cast<int64_t>(d.month.index())).Bind(3, d.deaths).Bind(4, d.submitted_ms);
  s.Bind(5, d.submitted_by).Bind(6, d.batch_id);
  return s.Run();
}

Result<std::vector<DeathReturnRecord>> SqliteOutreach::DeathReturns(Month month, const std::string& prefix) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT committee, month, deaths, submitted_ms, submitted_by, batch_id FROM death_return WHERE month = ? AND "
      "committee >= ? AND committee < ? ORDER BY committee"));
  s.Bind(1, static_cast<int64_t>(month.index())).Bind(2, prefix).Bind(3, PrefixEnd(prefix));
  return CollectRows<DeathReturnRecord>(s, [](const Stmt& r) {
    return DeathReturnRecord{r.Text(0), Month::FromIndex(static_cast<int32_t>(r.Int(1))), r.Int(2), r.Int(3),
                             r.Text(4), r.Int(5)};
  });
}

Status SqliteOutreach::PutCommitteeContact(const CommitteeContactRecord& c) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT OR REPLACE INTO committee_contact (region, name, phone) VALUES (?, ?, ?)"));
  s.Bind(1, c.region).Bind(2, c.name).Bind(3, c.phone);
  return s.Run();
}

Result<std::optional<CommitteeContactRecord>> SqliteOutreach::FindCommitteeContact(std::string_view region) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT region, name, phone FROM committee_contact WHERE region = ?"));
  s.Bind(1, region);
  return FirstRow<CommitteeContactRecord>(s, [](const Stmt& r) {
    return CommitteeContactRecord{r.Text(0), r.Text(1), r.Text(2)};
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteOutreach::ResidenceRegions(const std::string& prefix) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(
      "SELECT region_code, count(*) FROM person WHERE region_code >= ? AND region_code < ? "
      "GROUP BY region_code ORDER BY region_code"));
  s.Bind(1, prefix).Bind(2, PrefixEnd(prefix));
  return CollectRows<std::pair<std::string, int64_t>>(s, [](const Stmt& r) { return std::make_pair(r.Text(0), r.Int(1)); });
}

// ---- Former employers -------------------------------------------------------------

Status SqliteOutreach::PutEmployer(const EmployerRecord& e) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT OR REPLACE INTO employer (code, name, contact_phone) VALUES (?, ?, ?)"));
  s.Bind(1, e.code).Bind(2, e.name).Bind(3, e.contact_phone);
  return s.Run();
}

Result<std::optional<EmployerRecord>> SqliteOutreach::FindEmployer(std::string_view code) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT code, name, contact_phone FROM employer WHERE code = ?"));
  s.Bind(1, code);
  return FirstRow<EmployerRecord>(s, [](const Stmt& r) { return EmployerRecord{r.Text(0), r.Text(1), r.Text(2)}; });
}

Status SqliteOutreach::SetEmployerOf(PersonKey person, std::string_view code) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(code.empty() ? "DELETE FROM employer_member WHERE person_key = ?1"
                                                    : "INSERT OR REPLACE INTO employer_member (person_key, "
                                                      "employer_code) VALUES (?1, ?2)"));
  s.Bind(1, static_cast<int64_t>(person));
  if (!code.empty()) s.Bind(2, code);
  return s.Run();
}

Status SqliteOutreach::ForEachEmployerMember(const std::function<Status(PersonKey, std::string_view)>& fn) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT person_key, employer_code FROM employer_member ORDER BY person_key"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return {};
    RETURN_IF_ERROR(fn(static_cast<PersonKey>(s.Int(0)), s.TextView(1)));
  }
}

}  // namespace tacit::sqlite
