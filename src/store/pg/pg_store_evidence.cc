// PgStore: batches, evidence, the person summary and probabilistic linkage.
// The PostgreSQL text of the same methods of src/store/sqlite/sqlite_store.cc,
// which is the contract: same results, order, errors and units of work.
//
// Where PostgreSQL differs on purpose:
// * (source, ref) is kept unique by the claims table evidence_claim (schema
//   v14; its primary key), not by SQLite's hash slots in evidence_ref (which
//   stays empty here): a record's claim goes in with ON CONFLICT DO NOTHING and
//   only the records whose claim went in are stored. The claims are a table of
//   their own because on a distributed database (Citus) evidence is spread by
//   person and a unique key must hold the distribution column.
// * A distributed table's person_key is never updated (Citus refuses it; a
//   guard trigger refuses it here too): linking a record moves its row, a
//   delete and an insert in one statement, and marks the person as SQLite's
//   update trigger does.
// * Bulk writes COPY into a temporary staging table (dropped at commit), then
//   one INSERT … SELECT moves the rows, where SQLite reads the records through
//   its tacit_rows virtual table.
// * No statement is let fail on purpose inside a unit of work (PostgreSQL
//   would abort the whole transaction): conflicts are looked for first or
//   absorbed with ON CONFLICT.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/pg/pg_outreach.h"
#include "store/pg/pg_store.h"
#include "store/record_rows.h"
#include "tacit/civil.h"

namespace tacit::pg {

using namespace store_rows;  // the readers and column lists both stores share

namespace {

// ---- Linking: a record moves to its person ------------------------------------------

// The unlinked record's own columns, carried by `moved` (a DELETE … RETURNING
// of evidence e that also names person_key, id and link_score), then inserted
// under the person with the link method of the parameter MoveInto names, and
// the person marked: the mark SQLite's update trigger writes. A statement
// ending in MoveInto may add RETURNING to the mark's insert.
constexpr std::string_view kMovedColumns =
    "e.source_id, e.ref, e.kind, e.occurred_on, e.received_on, e.batch_id, e.detail";
std::string MoveInto(std::string_view method_param) {
  return fmt::format(
      ", stored AS (INSERT INTO evidence(person_key, id, source_id, ref, kind, occurred_on, received_on, batch_id, "
      "link_method, link_score, detail) SELECT person_key, id, source_id, ref, kind, occurred_on, received_on, "
      "batch_id, {}::text, link_score, detail FROM moved RETURNING person_key) "
      "INSERT INTO person_dirty(person_key) SELECT person_key FROM stored WHERE person_key > 0",
      method_param);
}

// ---- Bulk loading -------------------------------------------------------------

// Allocates `n` consecutive evidence ids from the sequence table, as SQLite
// does (read, then write next = first + n), in one statement: the row lock
// orders two units that allocate at once.
Result<int64_t> AllocateEvidenceIds(PgConn& conn, int64_t n) {
  ASSIGN_OR_RETURN(PgRows r, conn.Query("INSERT INTO sequence(name, next) VALUES('evidence', 1 + $1::bigint) "
                                        "ON CONFLICT (name) DO UPDATE SET next = sequence.next + $1::bigint "
                                        "RETURNING next - $1::bigint",
                                        {n}));
  if (r.size() != 1) return Internal("the evidence sequence returned no row");
  return r.Int(0, 0);
}

// (source id, ref) of one record of a batch: the in-batch duplicate check.
struct RefKey {
  int64_t source;
  std::string_view ref;
  bool operator==(const RefKey&) const = default;
};
struct RefKeyHash {
  size_t operator()(const RefKey& k) const {
    return std::hash<std::string_view>{}(k.ref) ^ (static_cast<size_t>(k.source) * 0x9e3779b97f4a7c15ULL);
  }
};

}  // namespace

// ---- Batches ------------------------------------------------------------------

Result<std::optional<BatchRecord>> PgStore::FindBatch(const std::string& sha256, const std::string& file_name) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM batch WHERE sha256 = $1 AND file_name = $2",
                                                     kBatchColumns),
                                         {sha256, file_name}));
  return FirstRow<BatchRecord>(r, ReadBatch<PgRow>);
}

Result<std::vector<BatchRecord>> PgStore::ListBatches() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM batch ORDER BY id", kBatchColumns)));
  return CollectRows<BatchRecord>(r, ReadBatch<PgRow>);
}

Result<std::optional<BatchRecord>> PgStore::FindBatchById(int64_t id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM batch WHERE id = $1", kBatchColumns), {id}));
  return FirstRow<BatchRecord>(r, ReadBatch<PgRow>);
}

Result<std::vector<BatchRecord>> PgStore::ListBatchesNewestFirst(const std::string& source, int64_t before_id,
                                                                 int limit) {
  // A negative limit is no limit on SQLite; PostgreSQL refuses one, LIMIT NULL is none.
  const std::optional<int64_t> lim = limit < 0 ? std::nullopt : std::optional<int64_t>(limit);
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM batch WHERE ($1::bigint = 0 OR id < $1::bigint) "
                                                     "AND ($2::text = '' OR source = $2::text) "
                                                     "ORDER BY id DESC LIMIT $3::bigint",
                                                     kBatchColumns),
                                         {before_id, source, lim}));
  return CollectRows<BatchRecord>(r, ReadBatch<PgRow>);
}

// The id of a partner source, creating it. Looked up first so that identity
// values are not used up by ON CONFLICT (source ids then follow SQLite's).
// Not cached across calls: a rolled back unit would leave a cached id
// pointing nowhere.
Result<int64_t> PgStore::SourceId(const std::string& name) {
  ASSIGN_OR_RETURN(PgRows found, conn_.Query("SELECT id FROM source WHERE name = $1", {name}));
  if (found.size() == 1) return found.Int(0, 0);
  ASSIGN_OR_RETURN(PgRows added, conn_.Query(
      "INSERT INTO source(name) VALUES($1) ON CONFLICT (name) DO NOTHING RETURNING id", {name}));
  if (added.size() == 1) return added.Int(0, 0);
  // Added meanwhile by a unit that does not hold the writer lock.
  ASSIGN_OR_RETURN(PgRows again, conn_.Query("SELECT id FROM source WHERE name = $1", {name}));
  if (again.size() != 1) return Internal("source id missing after insert");
  return again.Int(0, 0);
}

Result<BatchRecord> PgStore::ApplyBatch(BatchRecord batch, std::vector<EvidenceRecord>& evidence) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  // The batch's identity, checked inside the unit (under the writer lock): a
  // second instance that applied the same file meanwhile is found here, and a
  // failing INSERT, which would abort an enclosing unit, is never tried.
  ASSIGN_OR_RETURN(PgRows known, conn_.Query("SELECT id FROM batch WHERE sha256 = $1 AND file_name = $2",
                                             {batch.sha256, batch.file_name}));
  const auto ingested_before = [&batch] {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("文件已导入 (the file {} with SHA-256 {} is ingested already)", batch.file_name,
                                 batch.sha256));
  };
  if (known.size() > 0) return ingested_before();
  batch.ingested_at = NowUtcText();
  ASSIGN_OR_RETURN(PgRows added, conn_.Query(
      "INSERT INTO batch(sha256, file_name, source, mapping, received_on, ingested_at, rows, accepted, linked, "
      "unlinked, dropped, rejected, duplicates, quarantine_path) "
      "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) "
      "ON CONFLICT (sha256, file_name) DO NOTHING RETURNING id",
      {batch.sha256, batch.file_name, batch.source, batch.mapping, static_cast<int64_t>(batch.received_on.days()),
       batch.ingested_at, batch.rows, batch.accepted, batch.linked, batch.unlinked, batch.dropped, batch.rejected,
       int64_t{0}, batch.quarantine_path}));
  if (added.size() != 1) return ingested_before();
  batch.id = added.Int(0, 0);

  // Ids follow person order, as on SQLite, so rows append to the table and
  // the person index grows in one forward run per batch. Records are not
  // moved: evidence[order[k]] gets id first_id + k.
  const size_t n = evidence.size();
  const store_rows::PersonOrder by_person = OrderByPerson(evidence);
  const std::vector<uint32_t>& order = by_person.order;
  ASSIGN_OR_RETURN(const int64_t first_id, AllocateEvidenceIds(conn_, static_cast<int64_t>(n)));
  ASSIGN_OR_RETURN(const std::vector<int64_t> source_of,
                   AssignIdsAndSources(evidence, by_person, first_id, batch.id,
                                       [this](const std::string& s) { return SourceId(s); }));

  // A (source, ref) twice in the file: the first in file order is kept, as on
  // SQLite. The stored ones are left to the claims below.
  std::vector<bool> skip(n, false);
  {
    std::unordered_set<RefKey, RefKeyHash> seen;
    seen.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (!seen.insert(RefKey{source_of[i], evidence[i].ref}).second) skip[i] = true;
    }
  }

  // The candidates, in id order, through a staging table; the INSERT keeps
  // those whose (source, ref) is not stored yet and names them.
  std::vector<bool> stored(n, false);  // by k (id - first_id)
  if (n > 0) {
    RETURN_IF_ERROR(StageTable(conn_, "evidence_stage",
                               "id BIGINT, person_key BIGINT, source_id BIGINT, ref TEXT COLLATE \"C\", "
                               "kind TEXT COLLATE \"C\", occurred_on BIGINT, received_on BIGINT, "
                               "link_method TEXT COLLATE \"C\", link_score DOUBLE PRECISION, "
                               "detail TEXT COLLATE \"C\""));
    PgCopy copy(conn_, "COPY evidence_stage FROM STDIN");
    for (size_t k = 0; k < n; ++k) {
      const uint32_t i = order[k];
      if (skip[i]) continue;
      const EvidenceRecord& e = evidence[i];
      copy.Int(e.id);
      copy.Int(static_cast<int64_t>(e.person));
      copy.Int(source_of[i]);
      copy.Text(e.ref);
      copy.Text(e.kind);
      copy.Int(e.occurred_on.days());
      copy.Int(e.received_on.days());
      copy.Text(e.link_method);
      copy.Double(e.link_score);
      copy.TextOrNull(e.detail);
      RETURN_IF_ERROR(copy.EndRow());
    }
    RETURN_IF_ERROR(copy.Flush());
    // The claims first, in (source, ref) order so that the key's pages fill in
    // order; the records whose claim went in are stored, in id order.
    ASSIGN_OR_RETURN(PgRows ids, conn_.Query(
        "WITH claimed AS (INSERT INTO evidence_claim(source_id, ref, evidence_id) "
        "SELECT source_id, ref, id FROM evidence_stage ORDER BY source_id, ref "
        "ON CONFLICT DO NOTHING RETURNING evidence_id) "
        "INSERT INTO evidence(person_key, id, source_id, ref, kind, occurred_on, received_on, batch_id, "
        "link_method, link_score, detail) "
        "SELECT s.person_key, s.id, s.source_id, s.ref, s.kind, s.occurred_on, s.received_on, $1::bigint, "
        "s.link_method, s.link_score, s.detail FROM evidence_stage s JOIN claimed c ON c.evidence_id = s.id "
        "ORDER BY s.id RETURNING id",
        {batch.id}));
    for (int r = 0; r < ids.size(); ++r) {
      const int64_t k = ids.Int(r, 0) - first_id;
      if (k < 0 || k >= static_cast<int64_t>(n)) return Internal("an evidence id outside its batch came back");
      stored[static_cast<size_t>(k)] = true;
    }
  }

  // Duplicates get id 0; the partner's fields of the unlinked ones kept go
  // straight into `unlinked` (their ids are new: nothing to conflict with).
  int64_t duplicates = 0, linked = 0, unlinked = 0;
  PgCopy copy_unlinked(
      conn_, "COPY unlinked(evidence_id, id_text, id_problem, name, sex, birth_date, region_code) FROM STDIN");
  for (size_t k = 0; k < n; ++k) {
    EvidenceRecord& e = evidence[order[k]];
    if (!stored[k]) {
      e.id = 0;
      ++duplicates;
      continue;
    }
    if (e.person != 0) {
      ++linked;
      continue;
    }
    ++unlinked;
    copy_unlinked.Int(e.id);
    copy_unlinked.TextOrNull(e.id_text);
    copy_unlinked.Text(e.id_problem);
    copy_unlinked.TextOrNull(e.name);
    copy_unlinked.TextOrNull(e.sex);
    copy_unlinked.OptInt(e.birth_date ? std::optional<int64_t>(e.birth_date->days()) : std::nullopt);
    copy_unlinked.TextOrNull(e.region_code);
    RETURN_IF_ERROR(copy_unlinked.EndRow());
  }
  RETURN_IF_ERROR(copy_unlinked.Flush());
  // The batch's counts as stored: duplicates are neither linked nor unlinked.
  batch.duplicates = duplicates;
  batch.linked = linked;
  batch.unlinked = unlinked;
  RETURN_IF_ERROR(conn_.Query("UPDATE batch SET duplicates = $1, linked = $2, unlinked = $3 WHERE id = $4",
                              {duplicates, linked, unlinked, batch.id}));
  RETURN_IF_ERROR(tx.Commit());
  return batch;
}

// ---- The person summary ---------------------------------------------------------

Status PgStore::UpdatePersonSummary(const std::vector<PersonSignal>& signals) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  if (!signals.empty()) {
    RETURN_IF_ERROR(
        StageTable(conn_, "person_summary_stage", "person_key BIGINT, last_alive_on BIGINT, death_on BIGINT"));
    PgCopy copy(conn_, "COPY person_summary_stage FROM STDIN");
    for (const PersonSignal& s : signals) {
      copy.Int(static_cast<int64_t>(s.person));
      copy.OptInt(s.last_alive ? std::optional<int64_t>(s.last_alive->days()) : std::nullopt);
      copy.OptInt(s.death ? std::optional<int64_t>(s.death->days()) : std::nullopt);
      RETURN_IF_ERROR(copy.EndRow());
    }
    RETURN_IF_ERROR(copy.Flush());
    // Latest alive date, earliest death; a NULL keeps what is stored
    // (greatest/least skip NULLs). A person twice in the input is merged
    // first: ON CONFLICT DO UPDATE may not touch one row twice, where SQLite's
    // row-by-row upsert merged them one after the other to the same result.
    RETURN_IF_ERROR(conn_.Query(
        "INSERT INTO person_summary(person_key, last_alive_on, death_on) "
        "SELECT person_key, max(last_alive_on), min(death_on) FROM person_summary_stage GROUP BY person_key "
        "ON CONFLICT (person_key) DO UPDATE SET "
        "last_alive_on = greatest(person_summary.last_alive_on, excluded.last_alive_on), "
        "death_on = least(person_summary.death_on, excluded.death_on)"));
  }
  return tx.Commit();
}

Result<std::optional<PersonSignal>> PgStore::PersonSummary(PersonKey key) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT last_alive_on, death_on FROM person_summary WHERE person_key = $1",
                                         {static_cast<int64_t>(key)}));
  if (r.size() == 0) return std::optional<PersonSignal>();
  PersonSignal sig;
  sig.person = key;
  if (!r.IsNull(0, 0)) sig.last_alive = Date::FromDays(static_cast<int32_t>(r.Int(0, 0)));
  if (!r.IsNull(0, 1)) sig.death = Date::FromDays(static_cast<int32_t>(r.Int(0, 1)));
  return std::optional<PersonSignal>(sig);
}

// ---- Evidence -----------------------------------------------------------------

Result<std::vector<EvidenceRecord>> PgStore::EvidenceOf(PersonKey key) {
  if (key == 0) return std::vector<EvidenceRecord>();  // 0 holds the unlinked records
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("{} WHERE e.person_key = $1 ORDER BY e.occurred_on, e.id",
                                                     kEvidenceQuery),
                                         {static_cast<int64_t>(key)}));
  return CollectRows<EvidenceRecord>(r, ReadEvidence<PgRow>);
}

// Millions of rows: streamed through a cursor, a block at a time.
Status PgStore::ForEachEvidence(const std::function<Status(const EvidenceRecord&)>& fn) {
  return conn_.ForEachRow(fmt::format("{} ORDER BY e.id", kEvidenceQuery), {},
                          [&fn](const PgRow& r) { return fn(ReadEvidence(r)); });
}

Result<std::optional<EvidenceRecord>> PgStore::FindEvidence(int64_t id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("{} WHERE e.id = $1", kEvidenceQuery), {id}));
  return FirstRow<EvidenceRecord>(r, ReadEvidence<PgRow>);
}

// One probe of the claims' key (source_id, ref); SQLite follows its hash slots.
Result<std::optional<EvidenceRecord>> PgStore::FindEvidenceByRef(const std::string& source, const std::string& ref) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("{} WHERE e.id = (SELECT c.evidence_id FROM evidence_claim c "
                                                     "WHERE c.source_id = (SELECT id FROM source WHERE name = $1) "
                                                     "AND c.ref = $2)",
                                                     kEvidenceQuery),
                                         {source, ref}));
  return FirstRow<EvidenceRecord>(r, ReadEvidence<PgRow>);
}

Status PgStore::AddEvidence(EvidenceRecord& e) {
  if (e.person == 0) return InvalidArgument("AddEvidence stores linked records only");
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  RETURN_IF_ERROR(AddSingleEvidence(e));
  return tx.Commit();
}

// Stores one linked record outside any batch (batch_id 0), with the same
// (source, ref) uniqueness as ApplyBatch. Sets e.id. Runs in the caller's
// unit of work, which a kAlreadyExists rolls back (the id drawn with it).
Status PgStore::AddSingleEvidence(EvidenceRecord& e) {
  ASSIGN_OR_RETURN(const int64_t source_id, SourceId(e.source));
  ASSIGN_OR_RETURN(e.id, AllocateEvidenceIds(conn_, 1));
  e.batch_id = 0;
  ASSIGN_OR_RETURN(PgRows added, conn_.Query(
      "WITH claimed AS (INSERT INTO evidence_claim(source_id, ref, evidence_id) VALUES($3,$4,$2) "
      "ON CONFLICT DO NOTHING RETURNING evidence_id) "
      "INSERT INTO evidence(person_key, id, source_id, ref, kind, occurred_on, received_on, batch_id, "
      "link_method, link_score, detail) SELECT $1,$2,$3,$4,$5,$6,$7,0,$8,$9,$10 FROM claimed",
      {static_cast<int64_t>(e.person), e.id, source_id, e.ref, e.kind, static_cast<int64_t>(e.occurred_on.days()),
       static_cast<int64_t>(e.received_on.days()), e.link_method, e.link_score, NullIfEmpty(e.detail)}));
  if (added.affected() != 1) {
    return MakeError(ErrorCode::kAlreadyExists, fmt::format("a record ({}, {}) is stored already", e.source, e.ref));
  }
  return {};
}

// ---- Probabilistic linkage ------------------------------------------------------

Result<std::vector<EvidenceRecord>> PgStore::UnlinkedToTry(bool retry) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format(
      "{} LEFT JOIN link_attempt a ON a.evidence_id = e.id WHERE e.person_key = 0 AND (a.evidence_id IS NULL{}) "
      "ORDER BY e.id",
      kEvidenceQuery, retry ? " OR a.status = 'none'" : "")));
  return CollectRows<EvidenceRecord>(r, ReadEvidence<PgRow>);
}

Status PgStore::SaveLinkAttempts(std::vector<LinkModelRecord>& models, const std::vector<LinkAttempt>& attempts) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  for (LinkModelRecord& m : models) {
    ASSIGN_OR_RETURN(PgRows r, conn_.Query(
        "INSERT INTO link_model(source, trained_at, records, comparisons, model_json) VALUES($1,$2,$3,$4,$5) "
        "RETURNING id",
        {m.source, m.trained_at, m.records, m.comparisons, m.model_json}));
    m.id = r.Int(0, 0);
  }
  // SQLite goes row by row: an attempt is stored unless the record is linked
  // or its stored attempt is settled (status other than 'none'); a 'none'
  // attempt is replaced. Here set-based: of several attempts of one record in
  // the list, the one the row-by-row walk would leave is chosen first (the
  // first that is not 'none', else the last), then the stored state decides.
  std::vector<size_t> chosen;  // indexes into `attempts`, in first-seen order
  {
    std::unordered_map<int64_t, size_t> slot;  // evidence id -> index into `chosen`
    for (size_t i = 0; i < attempts.size(); ++i) {
      const LinkAttempt& a = attempts[i];
      if (a.model_id < 0 || static_cast<size_t>(a.model_id) >= models.size()) {
        return Internal("a link attempt names no model of its run");
      }
      auto [it, fresh] = slot.emplace(a.evidence_id, chosen.size());
      if (fresh) {
        chosen.push_back(i);
      } else if (attempts[chosen[it->second]].status == "none") {
        chosen[it->second] = i;
      }
    }
  }
  if (!chosen.empty()) {
    RETURN_IF_ERROR(StageTable(conn_, "link_attempt_stage",
                               "evidence_id BIGINT, model_id BIGINT, outcome TEXT COLLATE \"C\", "
                               "reason TEXT COLLATE \"C\", candidate_key BIGINT, probability DOUBLE PRECISION, "
                               "weight_bits DOUBLE PRECISION, second_key BIGINT, second_bits DOUBLE PRECISION, "
                               "contributions TEXT COLLATE \"C\", status TEXT COLLATE \"C\""));
    PgCopy copy(conn_, "COPY link_attempt_stage FROM STDIN");
    for (size_t i : chosen) {
      const LinkAttempt& a = attempts[i];
      copy.Int(a.evidence_id);
      copy.Int(models[static_cast<size_t>(a.model_id)].id);
      copy.Text(a.outcome);
      copy.Text(a.reason);
      copy.Int(static_cast<int64_t>(a.candidate));
      copy.Double(a.probability);
      copy.Double(a.weight_bits);
      copy.Int(static_cast<int64_t>(a.second));
      copy.Double(a.second_bits);
      copy.Text(a.contributions_json);
      copy.Text(a.status);
      RETURN_IF_ERROR(copy.EndRow());
    }
    RETURN_IF_ERROR(copy.Flush());
    // What another job or a reviewer did meanwhile stands: only a record still
    // unlinked whose earlier attempt found nobody is tried again.
    RETURN_IF_ERROR(conn_.Query(
        "DELETE FROM link_attempt_stage s WHERE "
        "EXISTS (SELECT 1 FROM link_attempt a WHERE a.evidence_id = s.evidence_id AND a.status <> 'none') "
        "OR EXISTS (SELECT 1 FROM evidence e WHERE e.id = s.evidence_id AND e.person_key <> 0)"));
    RETURN_IF_ERROR(
        conn_.Query("DELETE FROM link_attempt a USING link_attempt_stage s WHERE a.evidence_id = s.evidence_id"));
    RETURN_IF_ERROR(conn_.Query(
        "INSERT INTO link_attempt(evidence_id, model_id, outcome, reason, candidate_key, probability, "
        "weight_bits, second_key, second_bits, contributions, status) "
        "SELECT evidence_id, model_id, outcome, reason, candidate_key, probability, weight_bits, second_key, "
        "second_bits, contributions, status FROM link_attempt_stage ORDER BY evidence_id"));
  }
  // The automatic links of this run, in one statement. Only a record still
  // unlinked is linked: a record linked meanwhile keeps its link.
  if (!models.empty()) {
    RETURN_IF_ERROR(conn_.Query(
        fmt::format("WITH moved AS (DELETE FROM evidence e USING link_attempt a WHERE a.evidence_id = e.id "
                    "AND a.status = 'linked' AND a.model_id >= $2 AND e.person_key = 0 "
                    "RETURNING a.candidate_key AS person_key, e.id, a.probability AS link_score, {}) {}",
                    kMovedColumns, MoveInto("$1")),
        {kLinkProbabilistic, models.front().id}));
  }
  return tx.Commit();
}

Result<std::vector<LinkAttempt>> PgStore::LinkAttempts(std::string_view status) {
  if (status.empty()) {
    ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM link_attempt ORDER BY evidence_id",
                                                       kAttemptColumns)));
    return CollectRows<LinkAttempt>(r, ReadAttempt<PgRow>);
  }
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM link_attempt WHERE status = $1 "
                                                     "ORDER BY evidence_id",
                                                     kAttemptColumns),
                                         {status}));
  return CollectRows<LinkAttempt>(r, ReadAttempt<PgRow>);
}

Result<std::optional<LinkAttempt>> PgStore::FindLinkAttempt(int64_t evidence_id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM link_attempt WHERE evidence_id = $1",
                                                     kAttemptColumns),
                                         {evidence_id}));
  return FirstRow<LinkAttempt>(r, ReadAttempt<PgRow>);
}

Result<std::optional<LinkModelRecord>> PgStore::FindLinkModel(int64_t id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(
      "SELECT id, source, trained_at, records, comparisons, model_json FROM link_model WHERE id = $1", {id}));
  return FirstRow<LinkModelRecord>(r, [](const PgRow& row) {
    return LinkModelRecord{row.Int(0), row.Text(1), row.Text(2), row.Int(3), row.Int(4), row.Text(5)};
  });
}

Status PgStore::DecideLinkAttempt(int64_t evidence_id, bool accept, const std::string& by, const std::string& note) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  // The attempt decided about is locked until the unit ends (the design's
  // FOR UPDATE on the row decided about), besides the writer lock.
  ASSIGN_OR_RETURN(PgRows found, conn_.Query(fmt::format("SELECT {} FROM link_attempt WHERE evidence_id = $1 "
                                                         "FOR UPDATE",
                                                         kAttemptColumns),
                                             {evidence_id}));
  std::optional<LinkAttempt> a = FirstRow<LinkAttempt>(found, ReadAttempt<PgRow>);
  if (!a) return NotFound(fmt::format("no proposed link for record {}", evidence_id));
  if (a->status != "open") {
    return FailedPrecondition(fmt::format("record {} is not awaiting review (status {})", evidence_id, a->status));
  }
  RETURN_IF_ERROR(conn_.Query(
      "UPDATE link_attempt SET status = $1, decided_by = $2, decided_at = $3, note = $4 WHERE evidence_id = $5",
      {accept ? "accepted" : "rejected", by, NowUtcText(), note, evidence_id}));
  if (accept) {
    ASSIGN_OR_RETURN(PgRows linked, conn_.Query(
        fmt::format("WITH moved AS (DELETE FROM evidence e WHERE e.id = $4 AND e.person_key = 0 "
                    "RETURNING $1::bigint AS person_key, e.id, $3::double precision AS link_score, {}) {} "
                    "RETURNING 1",
                    kMovedColumns, MoveInto("$2")),
        {static_cast<int64_t>(a->candidate), kLinkReviewed, a->probability, evidence_id}));
    if (linked.size() != 1) return FailedPrecondition(fmt::format("record {} is linked already", evidence_id));
  }
  return tx.Commit();
}

}  // namespace tacit::pg
