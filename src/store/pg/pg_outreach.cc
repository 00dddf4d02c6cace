#include "store/pg/pg_outreach.h"

#include <fmt/format.h>

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "store/record_rows.h"

namespace tacit::pg {

using namespace store_rows;  // the readers and column lists both stores share

namespace {

// SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one, and
// reads LIMIT NULL as none.
std::optional<int64_t> LimitParam(int limit) {
  return limit < 0 ? std::nullopt : std::optional<int64_t>(limit);
}

// Batches of at least this many new keys are copied into a staging table and
// upserted by one statement; smaller ones go row by row, as on SQLite.
constexpr size_t kBulkRows = 64;

// The first occurrence of each key of a batch, and the later ones. A later
// occurrence always meets the row the first one left (a key's rows do not
// touch other keys), so upserting the firsts at once and then the repeats in
// order ends as SQLite's one-by-one loop does; it also keeps two proposals of
// one key out of a single ON CONFLICT DO UPDATE, which PostgreSQL refuses.
struct KeyedBatch {
  std::vector<size_t> firsts, repeats;
};

template <typename T>
KeyedBatch SplitRepeats(const std::vector<T>& items) {
  KeyedBatch b;
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    (seen.insert(items[i].idem_key).second ? b.firsts : b.repeats).push_back(i);
  }
  return b;
}

// Runs an INSERT … SELECT … RETURNING id, idem_key over a staging table and
// sets the id of each item returned (inserted or reopened), 0 for the others.
// Returns how many were returned.
template <typename T>
Result<int64_t> SetReturnedIds(PgConn& conn, std::string_view insert, std::vector<T>& items,
                               const std::vector<size_t>& which) {
  std::unordered_map<std::string_view, size_t> at;
  at.reserve(which.size());
  for (size_t i : which) {
    items[i].id = 0;
    at.emplace(items[i].idem_key, i);
  }
  ASSIGN_OR_RETURN(PgRows rows, conn.Query(insert));
  for (int r = 0; r < rows.size(); ++r) {
    auto it = at.find(rows.TextView(r, 1));
    if (it != at.end()) items[it->second].id = rows.Int(r, 0);
  }
  return static_cast<int64_t>(rows.size());
}

// The id a single-row upsert returned (inserted, or a cancelled row opened
// again), else 0: ON CONFLICT … DO UPDATE … WHERE returns no row when the
// condition leaves the existing row alone.
int64_t ReturnedId(const PgRows& rows) { return rows.size() == 1 ? rows.Int(0, 0) : 0; }

// ---- The outbox's statements ---------------------------------------------------

// A new key is inserted; a cancelled (never sent) message of the key is queued
// again with the new values; any other existing message is left alone.
constexpr std::string_view kMessageReopen =
    "ON CONFLICT (idem_key, person_key) DO UPDATE SET channel = EXCLUDED.channel, template = EXCLUDED.template, "
    "params = EXCLUDED.params, created_ms = EXCLUDED.created_ms, not_before_ms = EXCLUDED.not_before_ms, "
    "expires_ms = EXCLUDED.expires_ms, status = 'queued', attempts = 0, next_attempt_ms = EXCLUDED.next_attempt_ms, "
    "lease_until_ms = 0, claimed_ms = 0, provider_ref = '', provider_code = '', failure = '' "
    "WHERE m.status = 'cancelled'";

constexpr std::string_view kMessageInsertColumns =
    "idem_key, person_key, recipient, region, channel, template, params, reason, deadline, created_ms, "
    "not_before_ms, expires_ms, status, attempts, next_attempt_ms";

// The staging table of a bulk enqueue (StageTable: dropped at commit, and
// replaced when the plan enqueues a second batch in the same unit).
constexpr std::string_view kMessageStage =
    "ord BIGINT, idem_key TEXT, person_key BIGINT, recipient TEXT, region TEXT, channel TEXT, template TEXT, "
    "params TEXT, reason TEXT, deadline TEXT, created_ms BIGINT, not_before_ms BIGINT, expires_ms BIGINT, "
    "status TEXT, attempts BIGINT, next_attempt_ms BIGINT";

// One message as a row of outreach_message_stage.
Status CopyMessage(PgCopy& copy, int64_t ord, const OutreachMessageRecord& m) {
  copy.Int(ord).Text(m.idem_key).Int(static_cast<int64_t>(m.person)).Text(m.recipient).Text(m.region);
  copy.Text(m.channel).Text(m.template_name).Text(m.params).Text(m.reason).Text(m.deadline);
  copy.Int(m.created_ms).Int(m.not_before_ms).Int(m.expires_ms).Text(m.status).Int(m.attempts);
  copy.Int(m.next_attempt_ms);
  return copy.EndRow();
}

constexpr std::string_view kMessageUpdate =
    "UPDATE outreach_message SET status = $1, attempts = $2, next_attempt_ms = $3, lease_until_ms = $4, "
    "provider_ref = $5, provider_code = $6, failure = $7, sent_ms = $8, delivered_ms = $9, channel = $10, "
    "template = $11, not_before_ms = $12 WHERE id = $13";

PgParams MessageUpdateParams(const OutreachMessageRecord& m) {
  return PgParams{m.status,        m.attempts, m.next_attempt_ms, m.lease_until_ms, m.provider_ref,
                  m.provider_code, m.failure,  m.sent_ms,         m.delivered_ms,   m.channel,
                  m.template_name, m.not_before_ms, m.id};
}

// ---- Visits' statements ----------------------------------------------------------

// A new key is inserted; a cancelled task of the key is opened again.
constexpr std::string_view kVisitReopen =
    "ON CONFLICT (idem_key, person_key) DO UPDATE SET reason = EXCLUDED.reason, due_on = EXCLUDED.due_on, status = 'open', "
    "assigned_to = '', created_ms = EXCLUDED.created_ms, note = '', done_ms = 0 WHERE v.status = 'cancelled'";

constexpr std::string_view kVisitInsertColumns =
    "person_key, region, reason, idem_key, due_on, status, assigned_to, created_ms, note";

constexpr std::string_view kVisitStage =
    "ord BIGINT, person_key BIGINT, region TEXT, reason TEXT, idem_key TEXT, due_on BIGINT, status TEXT, "
    "assigned_to TEXT, created_ms BIGINT, note TEXT";

Status CopyVisit(PgCopy& copy, int64_t ord, const VisitTaskRecord& t) {
  copy.Int(ord).Int(static_cast<int64_t>(t.person)).Text(t.region).Text(t.reason).Text(t.idem_key);
  copy.Int(t.due_on.days()).Text(t.status).Text(t.assigned_to).Int(t.created_ms).Text(t.note);
  return copy.EndRow();
}

}  // namespace

// ---- The outbox --------------------------------------------------------------

Result<int64_t> PgOutreach::EnqueueMessages(std::vector<OutreachMessageRecord>& messages) {
  // Checked before anything is written (SQLite stops at the first such
  // message and rolls its savepoint back: nothing is written either).
  for (const OutreachMessageRecord& m : messages) {
    if (m.idem_key.empty()) return InvalidArgument("an outreach message has no idempotency key");
  }
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  static const std::string kInsertOne = fmt::format(
      "INSERT INTO outreach_message AS m ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
      "$15) {} RETURNING m.id",
      kMessageInsertColumns, kMessageReopen);
  auto insert_one = [&](OutreachMessageRecord& m) -> Status {
    ASSIGN_OR_RETURN(PgRows r, conn_.Query(kInsertOne, {m.idem_key, static_cast<int64_t>(m.person), m.recipient,
                                                        m.region, m.channel, m.template_name, m.params, m.reason,
                                                        m.deadline, m.created_ms, m.not_before_ms, m.expires_ms,
                                                        m.status, m.attempts, m.next_attempt_ms}));
    m.id = ReturnedId(r);  // inserted, or a cancelled one queued again
    return {};
  };
  int64_t added = 0;
  const KeyedBatch batch = SplitRepeats(messages);
  std::vector<size_t> one_by_one;
  if (batch.firsts.size() >= kBulkRows) {
    // COPY into the staging table, then one upsert in input order (ids are
    // drawn in that order, as SQLite's rowids are); repeated keys after it.
    RETURN_IF_ERROR(StageTable(conn_, "outreach_message_stage", kMessageStage));
    PgCopy copy(conn_, "COPY outreach_message_stage FROM STDIN");
    for (size_t i : batch.firsts) RETURN_IF_ERROR(CopyMessage(copy, static_cast<int64_t>(i), messages[i]));
    RETURN_IF_ERROR(copy.Flush());
    static const std::string kInsertAll = fmt::format(
        "INSERT INTO outreach_message AS m ({0}) SELECT {0} FROM outreach_message_stage ORDER BY ord {1} "
        "RETURNING m.id, m.idem_key",
        kMessageInsertColumns, kMessageReopen);
    ASSIGN_OR_RETURN(added, SetReturnedIds(conn_, kInsertAll, messages, batch.firsts));
    one_by_one = batch.repeats;
  } else {
    for (size_t i = 0; i < messages.size(); ++i) one_by_one.push_back(i);
  }
  for (size_t i : one_by_one) {
    RETURN_IF_ERROR(insert_one(messages[i]));
    if (messages[i].id != 0) ++added;
  }
  RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<std::optional<OutreachMessageRecord>> PgOutreach::FindMessage(int64_t id) {
  static const std::string kSql = fmt::format("SELECT {} FROM outreach_message WHERE id = $1", kMessageColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {id}));
  return FirstRow<OutreachMessageRecord>(r, ReadMessage<PgRow>);
}

Result<std::vector<OutreachMessageRecord>> PgOutreach::DueMessages(std::string_view status, std::string_view channel,
                                                                   int64_t now_ms, int limit) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM outreach_message WHERE status = $1 AND next_attempt_ms <= $2 AND ($3 = '' OR channel = $3) "
      "ORDER BY next_attempt_ms, id LIMIT $4",
      kMessageColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {status, now_ms, channel, LimitParam(limit)}));
  return CollectRows<OutreachMessageRecord>(r, ReadMessage<PgRow>);
}

Result<std::vector<OutreachMessageRecord>> PgOutreach::MessagesInStatus(std::string_view status,
                                                                        int64_t lease_before_ms,
                                                                        int64_t created_since_ms, int limit) {
  // $2::bigint: compared with the literal 0 first, $2 would be typed integer.
  static const std::string kSql = fmt::format(
      "SELECT {} FROM outreach_message WHERE status = $1 AND ($2::bigint = 0 OR lease_until_ms < $2) "
      "AND created_ms >= $3 ORDER BY id LIMIT $4",
      kMessageColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {status, lease_before_ms, created_since_ms, LimitParam(limit)}));
  return CollectRows<OutreachMessageRecord>(r, ReadMessage<PgRow>);
}

Result<std::map<std::string, int64_t>> PgOutreach::CountByStatus() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT status, count(*) FROM outreach_message GROUP BY status"));
  std::map<std::string, int64_t> out;
  for (int i = 0; i < r.size(); ++i) out[r.Text(i, 0)] = r.Int(i, 1);
  return out;
}

// One conditional UPDATE: at READ COMMITTED a second claimer waits for the
// first's row lock, re-checks the WHERE on the new row and updates nothing.
Result<bool> PgOutreach::ClaimMessage(int64_t id, std::string_view from_status, int attempts, int64_t now_ms,
                                      int64_t lease_until_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "UPDATE outreach_message SET status = 'sending', claimed_ms = $1, lease_until_ms = $2, attempts = attempts + 1 "
      "WHERE id = $3 AND status = $4 AND attempts = $5",
      {now_ms, lease_until_ms, id, from_status, attempts}));
  return r.affected() == 1;
}

// The same compare-and-set: one UPDATE whose WHERE holds the state as read.
Result<bool> PgOutreach::TransitionMessage(const OutreachMessageRecord& m, std::string_view from_status,
                                           int64_t from_lease_until_ms, int from_attempts) {
  static const std::string kSql =
      fmt::format("{} AND status = $14 AND lease_until_ms = $15 AND attempts = $16", kMessageUpdate);
  PgParams params = MessageUpdateParams(m);
  params.Add(from_status).Add(from_lease_until_ms).Add(from_attempts);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, params));
  return r.affected() == 1;
}

Status PgOutreach::UpdateMessage(const OutreachMessageRecord& m) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kMessageUpdate, MessageUpdateParams(m)));
  if (r.affected() != 1) return NotFound(fmt::format("no outreach message {}", m.id));
  return {};
}

Status PgOutreach::AddAttempt(OutreachAttemptRecord& a) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "INSERT INTO outreach_attempt (message_id, at_ms, channel, outcome, http_status, provider_code, failure, "
      "duration_ms, person_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {a.message_id, a.at_ms, a.channel, a.outcome, a.http_status, a.provider_code, a.failure, a.duration_ms,
       static_cast<int64_t>(a.person)}));
  a.id = r.Int(0, 0);
  return {};
}

Result<std::vector<OutreachAttemptRecord>> PgOutreach::AttemptsOf(int64_t message_id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT id, message_id, at_ms, channel, outcome, http_status, provider_code, failure, duration_ms, "
      "person_key FROM outreach_attempt WHERE message_id = $1 ORDER BY id",
      {message_id}));
  return CollectRows<OutreachAttemptRecord>(r, [](const PgRow& row) {
    return OutreachAttemptRecord{row.Int(0),  row.Int(1),  row.Int(2), row.Text(3), row.Text(4),
                                 static_cast<int>(row.Int(5)), row.Text(6), row.Text(7), row.Int(8),
                                 static_cast<PersonKey>(row.Int(9))};
  });
}

Result<std::vector<OutreachMessageRecord>> PgOutreach::MessagesOf(PersonKey person) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM outreach_message WHERE person_key = $1 ORDER BY created_ms DESC, id DESC", kMessageColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {static_cast<int64_t>(person)}));
  return CollectRows<OutreachMessageRecord>(r, ReadMessage<PgRow>);
}

Result<std::vector<OutreachMessageRecord>> PgOutreach::OpenMessagesOf(PersonKey person) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM outreach_message WHERE person_key = $1 AND status IN ('queued', 'unknown') ORDER BY id",
      kMessageColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {static_cast<int64_t>(person)}));
  return CollectRows<OutreachMessageRecord>(r, ReadMessage<PgRow>);
}

// Streamed through a cursor: a province's month of messages is large.
Status PgOutreach::ForEachMessage(const std::string& prefix, int64_t from_ms, int64_t to_ms,
                                  const std::function<Status(const OutreachMessageRecord&)>& fn) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM outreach_message WHERE created_ms >= $1 AND created_ms < $2 AND region >= $3 AND region < $4 "
      "ORDER BY id",
      kMessageColumns);
  return conn_.ForEachRow(kSql, {from_ms, to_ms, prefix, PrefixEnd(prefix)},
                          [&](const PgRow& row) { return fn(ReadMessage(row)); });
}

Result<std::vector<OutreachCountRow>> PgOutreach::CountMessages(const std::string& prefix, int64_t from_ms,
                                                               int64_t to_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT region, channel, status, count(*) FROM outreach_message WHERE created_ms >= $1 AND created_ms < $2 "
      "AND region >= $3 AND region < $4 GROUP BY region, channel, status ORDER BY region, channel, status",
      {from_ms, to_ms, prefix, PrefixEnd(prefix)}));
  return CollectRows<OutreachCountRow>(r, [](const PgRow& row) {
    return OutreachCountRow{row.Text(0), row.Text(1), row.Text(2), row.Int(3)};
  });
}

// One statement instead of SQLite's insert-then-roll-back-if-over: with no
// slot at all (cap <= 0) nothing is proposed, so nothing is written either.
// The slot row is the primary key: two dispatchers cannot both take the last.
Result<bool> PgOutreach::TakeDailySlot(PersonKey person, std::string_view day, int cap) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "INSERT INTO outreach_daily AS d (person_key, day, taken) SELECT $1::bigint, $2::text, 1 WHERE $3::bigint > 0 "
      "ON CONFLICT (person_key, day) DO UPDATE SET taken = d.taken + 1 WHERE d.taken < $3",
      {static_cast<int64_t>(person), day, cap}));
  return r.affected() == 1;
}

Status PgOutreach::ReleaseDailySlot(PersonKey person, std::string_view day) {
  RETURN_IF_ERROR(conn_.Query(
      "UPDATE outreach_daily SET taken = taken - 1 WHERE person_key = $1 AND day = $2 AND taken > 0",
      {static_cast<int64_t>(person), day}));
  return {};
}

// ---- Channels ----------------------------------------------------------------

// SQLite's INSERT OR REPLACE gives every column: an upsert of all of them.
Status PgOutreach::PutChannelConfig(const ChannelConfigRecord& c) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO channel_config (channel, config, sealed_secret, paused_reason, paused_ms, updated_by, updated_ms) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (channel) DO UPDATE SET config = EXCLUDED.config, "
      "sealed_secret = EXCLUDED.sealed_secret, paused_reason = EXCLUDED.paused_reason, "
      "paused_ms = EXCLUDED.paused_ms, updated_by = EXCLUDED.updated_by, updated_ms = EXCLUDED.updated_ms",
      {c.channel, c.config, c.sealed_secret, c.paused_reason, c.paused_ms, c.updated_by, c.updated_ms}));
  return {};
}

Result<std::optional<ChannelConfigRecord>> PgOutreach::FindChannelConfig(std::string_view channel) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM channel_config WHERE channel = $1",
                                                     kChannelConfigColumns),
                                         {channel}));
  return FirstRow<ChannelConfigRecord>(r, ReadChannelConfig<PgRow>);
}

Result<std::vector<ChannelConfigRecord>> PgOutreach::ListChannelConfigs() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM channel_config ORDER BY channel",
                                                     kChannelConfigColumns)));
  return CollectRows<ChannelConfigRecord>(r, ReadChannelConfig<PgRow>);
}

Status PgOutreach::SetChannelPaused(std::string_view channel, std::string_view reason, int64_t at_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "UPDATE channel_config SET paused_reason = $1, paused_ms = $2 WHERE channel = $3",
      {reason, reason.empty() ? int64_t{0} : at_ms, channel}));
  if (r.affected() != 1) return NotFound(fmt::format("渠道 {} 未配置 (the channel is not configured)", channel));
  return {};
}

Status PgOutreach::PutChannelBinding(const ChannelBindingRecord& b) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO channel_binding (person_key, channel, sealed_address, source, bound_ms, active) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_key, channel) DO UPDATE SET "
      "sealed_address = EXCLUDED.sealed_address, source = EXCLUDED.source, bound_ms = EXCLUDED.bound_ms, "
      "active = EXCLUDED.active",
      {static_cast<int64_t>(b.person), b.channel, b.sealed_address, b.source, b.bound_ms, b.active ? 1 : 0}));
  return {};
}

Result<std::optional<ChannelBindingRecord>> PgOutreach::FindChannelBinding(PersonKey person,
                                                                           std::string_view channel) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT person_key, channel, sealed_address, source, bound_ms, active FROM "
                                         "channel_binding WHERE person_key = $1 AND channel = $2",
                                         {static_cast<int64_t>(person), channel}));
  return FirstRow<ChannelBindingRecord>(r, [](const PgRow& row) {
    return ChannelBindingRecord{static_cast<PersonKey>(row.Int(0)), row.Text(1), row.Text(2), row.Text(3),
                                row.Int(4), row.Int(5) != 0};
  });
}

Result<std::vector<PersonKey>> PgOutreach::BoundPersons(std::string_view channel) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT person_key FROM channel_binding WHERE channel = $1 AND active = 1 ORDER BY person_key", {channel}));
  return CollectRows<PersonKey>(r, [](const PgRow& row) { return static_cast<PersonKey>(row.Int(0)); });
}

// ---- Special persons and visits ------------------------------------------------

Status PgOutreach::PutSpecialPerson(const SpecialPersonRecord& p) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO special_person (person_key, reason, contact_name, contact_phone, address, notes, source, set_by, "
      "set_ms, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (person_key) DO UPDATE SET "
      "reason = EXCLUDED.reason, contact_name = EXCLUDED.contact_name, contact_phone = EXCLUDED.contact_phone, "
      "address = EXCLUDED.address, notes = EXCLUDED.notes, source = EXCLUDED.source, set_by = EXCLUDED.set_by, "
      "set_ms = EXCLUDED.set_ms, active = EXCLUDED.active",
      {static_cast<int64_t>(p.person), p.reason, p.contact_name, p.contact_phone, p.address, p.notes, p.source,
       p.set_by, p.set_ms, p.active ? 1 : 0}));
  return {};
}

Result<std::optional<SpecialPersonRecord>> PgOutreach::FindSpecialPerson(PersonKey person) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM special_person s WHERE s.person_key = $1", kSpecialColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {static_cast<int64_t>(person)}));
  return FirstRow<SpecialPersonRecord>(r, ReadSpecial<PgRow>);
}

Result<std::vector<SpecialPersonRecord>> PgOutreach::ListSpecialPersons(const std::string& prefix,
                                                                      bool include_ended) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM special_person s JOIN person p ON p.person_key = s.person_key WHERE ($1::bigint <> 0 OR "
      "s.active = 1) AND p.region_code >= $2 AND p.region_code < $3 ORDER BY s.person_key",
      kSpecialColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {include_ended ? 1 : 0, prefix, PrefixEnd(prefix)}));
  return CollectRows<SpecialPersonRecord>(r, ReadSpecial<PgRow>);
}

Result<int64_t> PgOutreach::OpenVisitTasks(std::vector<VisitTaskRecord>& tasks) {
  for (const VisitTaskRecord& t : tasks) {  // before anything is written, as in EnqueueMessages
    if (t.idem_key.empty() || t.person == 0) return InvalidArgument("a visit task has no person or key");
  }
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  static const std::string kInsertOne =
      fmt::format("INSERT INTO visit_task AS v ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {} RETURNING v.id",
                  kVisitInsertColumns, kVisitReopen);
  auto insert_one = [&](VisitTaskRecord& t) -> Status {
    ASSIGN_OR_RETURN(PgRows r, conn_.Query(kInsertOne, {static_cast<int64_t>(t.person), t.region, t.reason,
                                                        t.idem_key, static_cast<int64_t>(t.due_on.days()), t.status,
                                                        t.assigned_to, t.created_ms, t.note}));
    t.id = ReturnedId(r);  // inserted, or a cancelled one opened again
    return {};
  };
  int64_t added = 0;
  const KeyedBatch batch = SplitRepeats(tasks);
  std::vector<size_t> one_by_one;
  if (batch.firsts.size() >= kBulkRows) {  // as in EnqueueMessages
    RETURN_IF_ERROR(StageTable(conn_, "visit_task_stage", kVisitStage));
    PgCopy copy(conn_, "COPY visit_task_stage FROM STDIN");
    for (size_t i : batch.firsts) RETURN_IF_ERROR(CopyVisit(copy, static_cast<int64_t>(i), tasks[i]));
    RETURN_IF_ERROR(copy.Flush());
    static const std::string kInsertAll = fmt::format(
        "INSERT INTO visit_task AS v ({0}) SELECT {0} FROM visit_task_stage ORDER BY ord {1} "
        "RETURNING v.id, v.idem_key",
        kVisitInsertColumns, kVisitReopen);
    ASSIGN_OR_RETURN(added, SetReturnedIds(conn_, kInsertAll, tasks, batch.firsts));
    one_by_one = batch.repeats;
  } else {
    for (size_t i = 0; i < tasks.size(); ++i) one_by_one.push_back(i);
  }
  for (size_t i : one_by_one) {
    RETURN_IF_ERROR(insert_one(tasks[i]));
    if (tasks[i].id != 0) ++added;
  }
  RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<std::optional<VisitTaskRecord>> PgOutreach::FindVisitTask(int64_t id) {
  static const std::string kSql = fmt::format("SELECT {} FROM visit_task WHERE id = $1", kVisitColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {id}));
  return FirstRow<VisitTaskRecord>(r, ReadVisit<PgRow>);
}

Result<std::vector<VisitTaskRecord>> PgOutreach::ListVisitTasks(const std::string& prefix, std::string_view status) {
  std::string where = "region >= $1 AND region < $2";
  PgParams params{prefix, PrefixEnd(prefix)};
  if (status == "active") {
    where += " AND status IN ('open', 'assigned')";
  } else if (!status.empty()) {
    where += " AND status = $3";
    params.Add(status);
  }
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM visit_task WHERE {} ORDER BY id", kVisitColumns,
                                                     where),
                                         params));
  return CollectRows<VisitTaskRecord>(r, ReadVisit<PgRow>);
}

Result<std::vector<VisitTaskRecord>> PgOutreach::VisitTasksOf(PersonKey person) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM visit_task WHERE person_key = $1 ORDER BY id", kVisitColumns);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(kSql, {static_cast<int64_t>(person)}));
  return CollectRows<VisitTaskRecord>(r, ReadVisit<PgRow>);
}

Status PgOutreach::UpdateVisitTask(const VisitTaskRecord& t) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "UPDATE visit_task SET status = $1, assigned_to = $2, outcome = $3, outcome_on = $4, done_by = $5, "
      "done_ms = $6, evidence_id = $7, case_id = $8, note = $9 WHERE id = $10",
      {t.status, t.assigned_to, t.outcome,
       t.outcome_on ? std::optional<int64_t>(t.outcome_on->days()) : std::nullopt, t.done_by, t.done_ms,
       t.evidence_id, t.case_id, t.note, t.id}));
  if (r.affected() != 1) return NotFound(fmt::format("上门任务 {} 不存在 (no such visit task)", t.id));
  return {};
}

// A compare-and-set like ClaimMessage: completed or cancelled meanwhile, no row.
Result<bool> PgOutreach::CancelVisitTask(int64_t id, std::string_view note, int64_t at_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE visit_task SET status = 'cancelled', note = $1, done_ms = $2 "
                                         "WHERE id = $3 AND status IN ('open', 'assigned')",
                                         {note, at_ms, id}));
  return r.affected() == 1;
}

// ---- Certification points --------------------------------------------------------

Status PgOutreach::PutCertPoint(const CertPointRecord& p) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO cert_point (code, attestor, kind, name, short_name, region, address, hours, active) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code) DO UPDATE SET attestor = EXCLUDED.attestor, "
      "kind = EXCLUDED.kind, name = EXCLUDED.name, short_name = EXCLUDED.short_name, region = EXCLUDED.region, "
      "address = EXCLUDED.address, hours = EXCLUDED.hours, active = EXCLUDED.active",
      {p.code, p.attestor, p.kind, p.name, p.short_name, p.region, p.address, p.hours, p.active ? 1 : 0}));
  return {};
}

Result<std::vector<CertPointRecord>> PgOutreach::ListCertPoints(const std::string& prefix, bool all) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT code, attestor, kind, name, short_name, region, address, hours, active FROM cert_point "
      "WHERE region >= $1 AND region < $2 AND ($3::bigint <> 0 OR active = 1) ORDER BY code",
      {prefix, PrefixEnd(prefix), all ? 1 : 0}));
  return CollectRows<CertPointRecord>(r, [](const PgRow& row) {
    return CertPointRecord{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4),
                           row.Text(5), row.Text(6), row.Text(7), row.Int(8) != 0};
  });
}

// ---- The zero report ---------------------------------------------------------------

Status PgOutreach::PutDeathReturn(const DeathReturnRecord& d) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO death_return (committee, month, deaths, submitted_ms, submitted_by, batch_id) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (committee, month) DO UPDATE SET deaths = EXCLUDED.deaths, "
      "submitted_ms = EXCLUDED.submitted_ms, submitted_by = EXCLUDED.submitted_by, batch_id = EXCLUDED.batch_id",
      {d.committee, static_cast<int64_t>(d.month.index()), d.deaths, d.submitted_ms, d.submitted_by, d.batch_id}));
  return {};
}

Result<std::vector<DeathReturnRecord>> PgOutreach::DeathReturns(Month month, const std::string& prefix) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT committee, month, deaths, submitted_ms, submitted_by, batch_id FROM death_return WHERE month = $1 AND "
      "committee >= $2 AND committee < $3 ORDER BY committee",
      {static_cast<int64_t>(month.index()), prefix, PrefixEnd(prefix)}));
  return CollectRows<DeathReturnRecord>(r, [](const PgRow& row) {
    return DeathReturnRecord{row.Text(0), Month::FromIndex(static_cast<int32_t>(row.Int(1))), row.Int(2), row.Int(3),
                             row.Text(4), row.Int(5)};
  });
}

Status PgOutreach::PutCommitteeContact(const CommitteeContactRecord& c) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO committee_contact (region, name, phone) VALUES ($1, $2, $3) ON CONFLICT (region) DO UPDATE SET "
      "name = EXCLUDED.name, phone = EXCLUDED.phone",
      {c.region, c.name, c.phone}));
  return {};
}

Result<std::optional<CommitteeContactRecord>> PgOutreach::FindCommitteeContact(std::string_view region) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT region, name, phone FROM committee_contact WHERE region = $1",
                                         {region}));
  return FirstRow<CommitteeContactRecord>(r, [](const PgRow& row) {
    return CommitteeContactRecord{row.Text(0), row.Text(1), row.Text(2)};
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> PgOutreach::ResidenceRegions(const std::string& prefix) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT region_code, count(*) FROM person WHERE region_code >= $1 AND region_code < $2 "
      "GROUP BY region_code ORDER BY region_code",
      {prefix, PrefixEnd(prefix)}));
  return CollectRows<std::pair<std::string, int64_t>>(
      r, [](const PgRow& row) { return std::make_pair(row.Text(0), row.Int(1)); });
}

// ---- Former employers -------------------------------------------------------------

Status PgOutreach::PutEmployer(const EmployerRecord& e) {
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO employer (code, name, contact_phone) VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET "
      "name = EXCLUDED.name, contact_phone = EXCLUDED.contact_phone",
      {e.code, e.name, e.contact_phone}));
  return {};
}

Result<std::optional<EmployerRecord>> PgOutreach::FindEmployer(std::string_view code) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT code, name, contact_phone FROM employer WHERE code = $1", {code}));
  return FirstRow<EmployerRecord>(
      r, [](const PgRow& row) { return EmployerRecord{row.Text(0), row.Text(1), row.Text(2)}; });
}

Status PgOutreach::SetEmployerOf(PersonKey person, std::string_view code) {
  const int64_t key = static_cast<int64_t>(person);
  if (code.empty()) {
    RETURN_IF_ERROR(conn_.Query("DELETE FROM employer_member WHERE person_key = $1", {key}));
    return {};
  }
  RETURN_IF_ERROR(conn_.Query("INSERT INTO employer_member (person_key, employer_code) VALUES ($1, $2) "
                              "ON CONFLICT (person_key) DO UPDATE SET employer_code = EXCLUDED.employer_code",
                              {key, code}));
  return {};
}

// Streamed: a province has millions of members; `fn` may run other statements.
Status PgOutreach::ForEachEmployerMember(const std::function<Status(PersonKey, std::string_view)>& fn) {
  return conn_.ForEachRow("SELECT person_key, employer_code FROM employer_member ORDER BY person_key", {},
                          [&](const PgRow& row) { return fn(static_cast<PersonKey>(row.Int(0)), row.TextView(1)); });
}

}  // namespace tacit::pg
