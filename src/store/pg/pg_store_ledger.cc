// The PostgreSQL store: monthly runs, decisions, payments, receivables, the
// run's carry-over (forecasts, person marks), cases and recoveries. A port of
// the SQLite store's (src/store/sqlite/sqlite_store.cc) with the same results,
// order and errors; the differences are PostgreSQL's and commented where made:
// a run's rows go in by COPY, rows decided about are locked FOR UPDATE, and
// the person marks a run consumed are deleted by the ids it read.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "store/pg/pg_outreach.h"
#include "store/pg/pg_store.h"
#include "store/record_rows.h"
#include "tacit/civil.h"
#include "tacit/id_number.h"

namespace tacit::pg {

using namespace store_rows;  // the readers and column lists both stores share

namespace {

// ---- Reading rows ---------------------------------------------------------------

// The rows of a query that may be large (a month's decisions), read through a
// cursor so that the text of all rows is never held besides the records.
template <typename T, typename Read>
Result<std::vector<T>> StreamRows(PgConn& conn, std::string_view sql, const PgParams& params, Read read) {
  std::vector<T> out;
  RETURN_IF_ERROR(conn.ForEachRow(sql, params, [&](const PgRow& r) -> Status {
    out.push_back(read(r));
    return {};
  }));
  return out;
}

PersonKey ReadPersonKey(const PgRow& s) { return static_cast<PersonKey>(s.Int(0)); }

// ---- Recoveries ----------------------------------------------------------------------

// The receivables of one (entitlement, month) and the net still owed on them.
struct OwedMonth {
  int64_t entitlement_id = 0;
  Month month;
  Fen net = 0;  // sum(amount) - sum(recovered); below 0 when a recovered claim was reversed
  std::vector<ReceivableRecord> rows;  // in id order
};

// A person's receivables grouped by (entitlement, month), oldest month first.
// `lock`: the rows are locked FOR UPDATE in the open unit, so that a recovery
// decides on balances no other unit changes before it commits.
Result<std::vector<OwedMonth>> OwedMonths(PgConn& conn, PersonKey person, bool lock) {
  // Joined on the person too: co-located on a distributed database.
  constexpr std::string_view kSql =
      "SELECT r.id, r.entitlement_id, r.month, r.amount_fen, r.run_month, r.reason, r.evidence_id, r.recovered_fen, "
      "r.person_key FROM receivable r JOIN entitlement e ON e.id = r.entitlement_id AND e.person_key = r.person_key "
      "WHERE e.person_key = $1 ORDER BY r.month, r.entitlement_id, r.id";
  constexpr std::string_view kLockedSql =
      "SELECT r.id, r.entitlement_id, r.month, r.amount_fen, r.run_month, r.reason, r.evidence_id, r.recovered_fen, "
      "r.person_key FROM receivable r JOIN entitlement e ON e.id = r.entitlement_id AND e.person_key = r.person_key "
      "WHERE e.person_key = $1 ORDER BY r.month, r.entitlement_id, r.id FOR UPDATE OF r";
  ASSIGN_OR_RETURN(PgRows rows, conn.Query(lock ? kLockedSql : kSql, {static_cast<int64_t>(person)}));
  std::vector<OwedMonth> out;
  for (ReceivableRecord& r : CollectRows<ReceivableRecord>(rows, ReadReceivable<PgRow>)) {
    if (out.empty() || out.back().entitlement_id != r.entitlement_id || out.back().month != r.month) {
      out.push_back(OwedMonth{r.entitlement_id, r.month, 0, {}});
    }
    out.back().net += r.amount - r.recovered;
    out.back().rows.push_back(std::move(r));
  }
  return out;
}

Fen Recoverable(const std::vector<OwedMonth>& months) {
  Fen total = 0;
  for (const OwedMonth& m : months) total += std::max<Fen>(m.net, 0);
  return total;
}

// ---- Person marks ----------------------------------------------------------------------
//
// A run reads the highest person mark (person_dirty.id) before it decides and,
// when recorded, deletes the marks it read: the next run derives again only
// the persons marked after. SQLite deletes `id <= high water`: ids there are
// given out and made visible in one order by its single writer. PostgreSQL's
// identity ids are taken when a row is inserted and seen when its unit
// commits, so a unit that took id 5 may commit after another took 6 and
// committed: a run that read 6 as its high water never saw 5, and a range
// delete would drop a mark nobody acted on. So the read remembers which ids it
// saw (as ranges of consecutive ids, a few rows even after a registry import
// marked millions of persons, in one snapshot with the high water) in a
// temporary table of the session, and SaveCycleRun on the same session deletes
// exactly those ids, and only when the run's high water is the one read. When
// the marks were read elsewhere (another session, another instance) nothing is
// deleted: a mark left costs the next run one more person derived, never a
// change missed.

constexpr std::string_view kCreateMarksRead =
    "CREATE TEMP TABLE IF NOT EXISTS tacit_marks_read (lo BIGINT NOT NULL, hi BIGINT NOT NULL)";

// Deletes the marks read by ReadChangeMarks on this session when they are the
// ones behind `high_water`, then forgets them (in the open unit: a unit rolled
// back keeps both).
Status DeleteMarksRead(PgConn& conn, int64_t high_water) {
  RETURN_IF_ERROR(conn.Exec(kCreateMarksRead));
  ASSIGN_OR_RETURN(PgRows read, conn.Query("SELECT coalesce(max(hi), 0) FROM tacit_marks_read"));
  if (read.Int(0, 0) == high_water) {
    RETURN_IF_ERROR(conn.Query(
        "DELETE FROM person_dirty d USING tacit_marks_read r WHERE d.id BETWEEN r.lo AND r.hi AND d.id <= $1",
        {high_water}));
  }
  RETURN_IF_ERROR(conn.Query("DELETE FROM tacit_marks_read"));
  return {};
}

}  // namespace

Result<ChangeMarks> ReadChangeMarks(PgConn& conn) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn, PgTx::Mode::kRead));
  RETURN_IF_ERROR(conn.Exec(kCreateMarksRead));
  RETURN_IF_ERROR(conn.Query("DELETE FROM tacit_marks_read"));
  // One statement, one snapshot: the ranges remembered are exactly the marks
  // below the high water returned (islands of consecutive ids: id minus its
  // rank is constant along a run of consecutive ids).
  ASSIGN_OR_RETURN(PgRows marks, conn.Query(
      "WITH ranges AS (SELECT min(id) AS lo, max(id) AS hi FROM "
      "(SELECT id, id - row_number() OVER (ORDER BY id) AS island FROM person_dirty) m GROUP BY island), "
      "kept AS (INSERT INTO tacit_marks_read(lo, hi) SELECT lo, hi FROM ranges RETURNING hi) "
      "SELECT (SELECT coalesce(max(id), 0) FROM evidence), (SELECT coalesce(max(hi), 0) FROM kept)"));
  if (marks.size() != 1) return Internal("no change marks");
  const ChangeMarks out{marks.Int(0, 0), marks.Int(0, 1)};
  RETURN_IF_ERROR(tx.Commit());
  return out;
}

// ---- Monthly runs -------------------------------------------------------------------------

Result<std::optional<CycleRunRecord>> PgStore::FindCycleRun(Month month) {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(fmt::format("SELECT {} FROM cycle_run WHERE month = $1", kRunColumns),
                                            {static_cast<int64_t>(month.index())}));
  return FirstRow<CycleRunRecord>(rows, ReadRun<PgRow>);
}

Result<std::vector<CycleRunRecord>> PgStore::ListCycleRuns() {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(fmt::format("SELECT {} FROM cycle_run ORDER BY month", kRunColumns)));
  return CollectRows<CycleRunRecord>(rows, ReadRun<PgRow>);
}

Status PgStore::ForEachLedger(Month from, const std::function<Status(int64_t, const EntitlementLedger&)>& fn) {
  // SQLite steps two statements side by side; here one cursor over both
  // tables, payments (part 0) before receivables (part 1) of each entitlement,
  // each in its own order: payments by month, run_month (and kind, the rest of
  // the key), receivables by month, id. Columns 2… are the record's own.
  constexpr std::string_view kSql =
      "SELECT entitlement_id, 0 AS part, month, run_month AS seq, kind AS tag, amount_fen, 0::bigint AS evidence_id, "
      "0::bigint AS recovered_fen, run_month, person_key FROM payment WHERE month >= $1 "
      "UNION ALL "
      "SELECT entitlement_id, 1, month, id, reason, amount_fen, evidence_id, recovered_fen, run_month, person_key "
      "FROM receivable WHERE month >= $1 "
      "ORDER BY 1, 2, 3, 4, 5";
  EntitlementLedger ledger;
  std::optional<int64_t> current;
  auto take = [&](const PgRow& r) -> Status {
    const int64_t id = r.Int(0);
    if (current && *current != id) {
      RETURN_IF_ERROR(fn(*current, ledger));
      ledger.payments.clear();
      ledger.receivables.clear();
    }
    current = id;
    if (r.Int(1) == 0) {
      ledger.payments.push_back(
          PaymentRecord{id, MonthAt(r, 2), r.Int(5), r.Text(4), MonthAt(r, 8), static_cast<PersonKey>(r.Int(9))});
    } else {
      ReceivableRecord rec;
      rec.id = r.Int(3);
      rec.entitlement_id = id;
      rec.month = MonthAt(r, 2);
      rec.amount = r.Int(5);
      rec.run_month = MonthAt(r, 8);
      rec.reason = r.Text(4);
      rec.evidence_id = r.Int(6);
      rec.recovered = r.Int(7);
      rec.person = static_cast<PersonKey>(r.Int(9));
      ledger.receivables.push_back(std::move(rec));
    }
    return {};
  };
  RETURN_IF_ERROR(conn_.ForEachRow(kSql, {static_cast<int64_t>(from.index())}, take));
  if (current) RETURN_IF_ERROR(fn(*current, ledger));
  return {};
}

Result<EntitlementLedger> PgStore::LedgerOf(int64_t entitlement_id) {
  EntitlementLedger ledger;
  // SQLite's payment order (month, run_month) is its primary key's, which
  // ends with kind; PostgreSQL is told the whole key so that ties come out
  // the same.
  ASSIGN_OR_RETURN(PgRows pay, conn_.Query(fmt::format("SELECT {} FROM payment WHERE entitlement_id = $1 "
                                                       "ORDER BY month, run_month, kind",
                                                       kPaymentColumns),
                                           {entitlement_id}));
  ledger.payments = CollectRows<PaymentRecord>(pay, ReadPayment<PgRow>);
  ASSIGN_OR_RETURN(PgRows rec, conn_.Query(fmt::format("SELECT {} FROM receivable WHERE entitlement_id = $1 "
                                                       "ORDER BY month, id",
                                                       kReceivableColumns),
                                           {entitlement_id}));
  ledger.receivables = CollectRows<ReceivableRecord>(rec, ReadReceivable<PgRow>);
  return ledger;
}

Result<std::optional<DecisionRecord>> PgStore::DecisionOf(Month month, int64_t entitlement_id) {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(
      fmt::format("SELECT {} FROM decision WHERE run_month = $1 AND entitlement_id = $2", kDecisionColumns),
      {static_cast<int64_t>(month.index()), entitlement_id}));
  return FirstRow<DecisionRecord>(rows, ReadDecision<PgRow>);
}

Result<std::vector<DecisionRecord>> PgStore::DecisionsOf(Month month) {
  return StreamRows<DecisionRecord>(
      conn_,
      fmt::format("SELECT {} FROM decision WHERE run_month = $1 ORDER BY entitlement_id", kDecisionColumns),
      {static_cast<int64_t>(month.index())}, ReadDecision<PgRow>);
}

Result<std::vector<ReceivableRecord>> PgStore::OpenReceivables() {
  return StreamRows<ReceivableRecord>(
      conn_,
      fmt::format("SELECT {} FROM receivable WHERE amount_fen <> recovered_fen ORDER BY entitlement_id, month, id",
                  kReceivableColumns),
      {}, ReadReceivable<PgRow>);
}

Result<std::vector<ReceivableRecord>> PgStore::OpenOrRecoveredReceivables(const std::string& region) {
  if (region.empty()) {
    return StreamRows<ReceivableRecord>(
        conn_,
        fmt::format("SELECT {} FROM receivable WHERE amount_fen <> recovered_fen OR recovered_fen <> 0 "
                    "ORDER BY entitlement_id, month, id",
                    kReceivableColumns),
        {}, ReadReceivable<PgRow>);
  }
  // The region's persons by the residence index (codes under a prefix sort
  // between the prefix and the prefix followed by ':' in the "C" collation),
  // then their entitlements' receivables: a county's dashboard reads its own.
  return StreamRows<ReceivableRecord>(
      conn_,
      fmt::format("SELECT {} FROM receivable WHERE entitlement_id IN (SELECT e.id FROM person p JOIN entitlement e "
                  "ON e.person_key = p.person_key WHERE p.region_code >= $1 AND p.region_code < $2) "
                  "AND (amount_fen <> recovered_fen OR recovered_fen <> 0) ORDER BY entitlement_id, month, id",
                  kReceivableColumns),
      {region, PrefixUpperBound(region)}, ReadReceivable<PgRow>);
}

Result<std::vector<PersonKey>> PgStore::PersonsWithOpenReceivables() {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(
      "SELECT DISTINCT e.person_key FROM receivable r JOIN entitlement e ON e.id = r.entitlement_id "
      "WHERE r.amount_fen <> r.recovered_fen ORDER BY e.person_key"));
  return CollectRows<PersonKey>(rows, ReadPersonKey);
}

Result<std::vector<PaymentRecord>> PgStore::PaymentsOfRun(Month run_month) {
  return StreamRows<PaymentRecord>(
      conn_,
      fmt::format("SELECT {} FROM payment WHERE run_month = $1 ORDER BY entitlement_id, month, kind",
                  kPaymentColumns),
      {static_cast<int64_t>(run_month.index())}, ReadPayment<PgRow>);
}

Status PgStore::SaveCycleRun(const CycleRunRecord& run, const std::vector<DecisionRecord>& decisions,
                             const std::vector<PaymentRecord>& payments,
                             const std::vector<ReceivableRecord>& receivables, const CycleCarryOver& carry_over) {
  RETURN_IF_ERROR(CheckRunRowsHavePersons(decisions, payments, receivables, carry_over.forecasts));
  // The writer lock taken by Begin makes a second instance recording the same
  // month wait here, then find the run below; the primary key on month is the
  // last guard.
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  const int64_t month = run.month.index();
  ASSIGN_OR_RETURN(PgRows exists, conn_.Query("SELECT 1 FROM cycle_run WHERE month = $1", {month}));
  if (exists.size() != 0) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("the monthly run for {} is recorded already", run.month.ToString()));
  }
  RETURN_IF_ERROR(conn_.Query(
      fmt::format("INSERT INTO cycle_run({}) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
                  kRunColumns),
      {month, static_cast<int64_t>(run.as_of.days()), run.started_at, run.finished_at, run.policy_version,
       run.entitlements, run.paid, run.suspended, run.terminated, run.paid_amount, run.back_pay_amount,
       run.overpaid_amount, run.payroll_path, run.evidence_high_water, run.dirty_high_water}));

  // Decisions and payments go in in key order, so each index page is written
  // once (as on SQLite); all rows by COPY.
  std::vector<const DecisionRecord*> decision_order;
  decision_order.reserve(decisions.size());
  for (const DecisionRecord& d : decisions) decision_order.push_back(&d);
  std::sort(decision_order.begin(), decision_order.end(),
            [](const DecisionRecord* a, const DecisionRecord* b) { return a->entitlement_id < b->entitlement_id; });
  PgCopy dec(conn_,
             "COPY decision(run_month, entitlement_id, status, due_fen, rule, evidence_id, person_key) FROM STDIN");
  for (const DecisionRecord* d : decision_order) {
    dec.Int(month).Int(d->entitlement_id).Int(static_cast<int64_t>(d->status)).Int(d->due).Text(d->rule)
        .Int(d->evidence_id).Int(static_cast<int64_t>(d->person));
    RETURN_IF_ERROR(dec.EndRow());
  }
  RETURN_IF_ERROR(dec.Flush());

  // The first run that decides an entitlement fixes what the previous system
  // paid, so that fact is stored and auditable rather than implied.
  // (Joined on the person too: on a distributed database the two tables meet
  // shard by shard.)
  RETURN_IF_ERROR(conn_.Query(
      "UPDATE entitlement e SET paid_through = $1 FROM decision d WHERE e.paid_through IS NULL "
      "AND d.run_month = $2 AND d.person_key = e.person_key AND d.entitlement_id = e.id",
      {static_cast<int64_t>((run.month - 1).index()), month}));

  std::vector<const PaymentRecord*> payment_order;
  payment_order.reserve(payments.size());
  for (const PaymentRecord& p : payments) payment_order.push_back(&p);
  std::sort(payment_order.begin(), payment_order.end(), [](const PaymentRecord* a, const PaymentRecord* b) {
    if (a->entitlement_id != b->entitlement_id) return a->entitlement_id < b->entitlement_id;
    if (a->month != b->month) return a->month < b->month;
    return a->kind < b->kind;
  });
  PgCopy pay(conn_, fmt::format("COPY payment({}) FROM STDIN", kPaymentColumns));
  for (const PaymentRecord* p : payment_order) {
    pay.Int(p->entitlement_id).Int(p->month.index()).Int(month).Text(p->kind).Int(p->amount)
        .Int(static_cast<int64_t>(p->person));
    RETURN_IF_ERROR(pay.EndRow());
  }
  RETURN_IF_ERROR(pay.Flush());

  // Receivables in the order given: their ids are assigned in it, as SQLite's
  // rowids are.
  PgCopy rec(conn_,
               "COPY receivable(entitlement_id, month, amount_fen, run_month, reason, evidence_id, recovered_fen, "
               "person_key) FROM STDIN");
  for (const ReceivableRecord& r : receivables) {
    rec.Int(r.entitlement_id).Int(r.month.index()).Int(r.amount).Int(month).Text(r.reason).Int(r.evidence_id).Int(0)
        .Int(static_cast<int64_t>(r.person));
    RETURN_IF_ERROR(rec.EndRow());
  }
  RETURN_IF_ERROR(rec.Flush());

  // ---- The carry-over: forecasts replace those of their entitlements (in key
  // order); the person marks the run read give way to the persons it could not
  // settle.
  if (!carry_over.forecasts.empty()) {
    // SQLite's INSERT OR REPLACE lets a later row of one entitlement replace an
    // earlier one; ON CONFLICT DO UPDATE refuses to touch a row twice in one
    // statement, so the last of each entitlement is kept here.
    std::vector<const ForecastRecord*> order;
    order.reserve(carry_over.forecasts.size());
    for (const ForecastRecord& f : carry_over.forecasts) order.push_back(&f);
    std::stable_sort(order.begin(), order.end(), [](const ForecastRecord* a, const ForecastRecord* b) {
      return a->entitlement_id < b->entitlement_id;
    });
    // A staging table of this unit (dropped below, so that another run saved
    // in the same outer unit can make it again), then one upsert.
    RETURN_IF_ERROR(conn_.Exec("CREATE TEMP TABLE tacit_forecast_in (LIKE forecast) ON COMMIT DROP"));
    PgCopy fc(conn_,
                "COPY tacit_forecast_in(entitlement_id, through_month, status, due_fen, rule, evidence_id, person_key) "
                "FROM STDIN");
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() && order[i + 1]->entitlement_id == order[i]->entitlement_id) continue;
      const ForecastRecord& f = *order[i];
      fc.Int(f.entitlement_id).Int(f.through.index()).Int(static_cast<int64_t>(f.status)).Int(f.due).Text(f.rule)
          .Int(f.evidence_id).Int(static_cast<int64_t>(f.person));
      RETURN_IF_ERROR(fc.EndRow());
    }
    RETURN_IF_ERROR(fc.Flush());
    RETURN_IF_ERROR(conn_.Exec(
        "INSERT INTO forecast(entitlement_id, through_month, status, due_fen, rule, evidence_id, person_key) "
        "SELECT entitlement_id, through_month, status, due_fen, rule, evidence_id, person_key FROM tacit_forecast_in "
        "ORDER BY entitlement_id ON CONFLICT (entitlement_id, person_key) DO UPDATE SET "
        "through_month = EXCLUDED.through_month, "
        "status = EXCLUDED.status, due_fen = EXCLUDED.due_fen, rule = EXCLUDED.rule, "
        "evidence_id = EXCLUDED.evidence_id"));
    RETURN_IF_ERROR(conn_.Exec("DROP TABLE tacit_forecast_in"));
  }
  if (run.dirty_high_water) RETURN_IF_ERROR(DeleteMarksRead(conn_, *run.dirty_high_water));
  if (!carry_over.pending.empty()) {
    PgCopy mark(conn_, "COPY person_dirty(person_key) FROM STDIN");
    for (PersonKey p : carry_over.pending) {
      mark.Int(static_cast<int64_t>(p));
      RETURN_IF_ERROR(mark.EndRow());
    }
    RETURN_IF_ERROR(mark.Flush());
  }
  RETURN_IF_ERROR(conn_.Query(
      "INSERT INTO meta(key, value) VALUES('first_cycle_month', $1) ON CONFLICT (key) DO NOTHING",
      {run.month.ToString()}));
  return tx.Commit();
}

// ---- Cases and recoveries ----------------------------------------------------------------

Result<int64_t> PgStore::OpenCases(std::vector<CaseRecord>& cases) {
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseRecord& c = cases[i];
    if (c.person == 0 || c.type.empty() || c.key.empty()) {
      return InvalidArgument(fmt::format("case {} of {}: a case needs a person, a type and a key", i + 1,
                                         cases.size()));
    }
  }
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  const std::string now = NowUtcText();
  // A run may find thousands: COPY into a staging table of this unit, then one
  // INSERT … ON CONFLICT DO NOTHING in the given order (ids are assigned in
  // it, as SQLite's one INSERT per case does). A key given twice is added
  // once, at its first place.
  RETURN_IF_ERROR(conn_.Exec(
      "CREATE TEMP TABLE tacit_case_in (ord BIGINT NOT NULL, person_key BIGINT NOT NULL, type TEXT COLLATE \"C\", "
      "dedup_key TEXT COLLATE \"C\", summary TEXT COLLATE \"C\", suggestion TEXT COLLATE \"C\", "
      "evidence_ids TEXT COLLATE \"C\", at_stake_fen BIGINT, opened_at TEXT COLLATE \"C\", opened_in BIGINT) "
      "ON COMMIT DROP"));
  PgCopy in(conn_,
              "COPY tacit_case_in(ord, person_key, type, dedup_key, summary, suggestion, evidence_ids, at_stake_fen, "
              "opened_at, opened_in) FROM STDIN");
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseRecord& c = cases[i];
    in.Int(static_cast<int64_t>(i)).Int(static_cast<int64_t>(c.person)).Text(c.type).Text(c.key).Text(c.summary)
        .Text(c.suggestion).Text(JoinIds(c.evidence_ids)).Int(c.at_stake).Text(now).Int(c.opened_in.index());
    RETURN_IF_ERROR(in.EndRow());
  }
  RETURN_IF_ERROR(in.Flush());
  ASSIGN_OR_RETURN(PgRows added_rows, conn_.Query(
      "INSERT INTO case_file(person_key, type, dedup_key, summary, suggestion, evidence_ids, at_stake_fen, status, "
      "opened_at, opened_in) SELECT person_key, type, dedup_key, summary, suggestion, evidence_ids, at_stake_fen, "
      "'open', opened_at, opened_in FROM tacit_case_in ORDER BY ord ON CONFLICT (dedup_key, person_key) DO NOTHING "
      "RETURNING dedup_key"));
  std::unordered_set<std::string> fresh;
  for (int i = 0; i < added_rows.size(); ++i) fresh.insert(added_rows.Text(i, 0));
  ASSIGN_OR_RETURN(PgRows ids, conn_.Query(
      "SELECT s.ord, c.id FROM tacit_case_in s JOIN case_file c ON c.dedup_key = s.dedup_key"));
  RETURN_IF_ERROR(conn_.Exec("DROP TABLE tacit_case_in"));
  if (ids.size() != static_cast<int>(cases.size())) return Internal("a case key conflicted but is not stored");
  for (int i = 0; i < ids.size(); ++i) cases[static_cast<size_t>(ids.Int(i, 0))].id = ids.Int(i, 1);
  int64_t added = 0;
  for (CaseRecord& c : cases) {
    if (fresh.erase(c.key) == 0) continue;  // stored before, or given earlier in this list
    c.status = "open";
    c.opened_at = now;
    ++added;
  }
  RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<std::vector<CaseRecord>> PgStore::ListCases(std::string_view status, PersonKey person) {
  if (!status.empty() && status != "open" && status != "resolved") {
    return InvalidArgument("case status: expected open, resolved or empty (all)");
  }
  // One statement text per filter, each numbering its own parameters.
  std::string where;
  PgParams params;
  if (!status.empty()) {
    params.Add(status);
    where += fmt::format(" AND status = ${}", params.values().size());
  }
  if (person != 0) {
    params.Add(static_cast<int64_t>(person));
    where += fmt::format(" AND person_key = ${}", params.values().size());
  }
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(fmt::format("SELECT {} FROM case_file WHERE TRUE{} ORDER BY id",
                                                        kCaseColumns, where),
                                            params));
  return CollectRows<CaseRecord>(rows, ReadCase<PgRow>);
}

Result<std::optional<CaseRecord>> PgStore::FindCase(int64_t id) {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(fmt::format("SELECT {} FROM case_file WHERE id = $1", kCaseColumns), {id}));
  return FirstRow<CaseRecord>(rows, ReadCase<PgRow>);
}

Status PgStore::ResolveCase(int64_t id, const std::string& decision, const std::string& note, const std::string& by,
                            std::optional<EvidenceRecord> fact) {
  if (decision.empty()) return InvalidArgument("a case is resolved with a decision");
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  // The case is locked while decided about: the status read is the one replaced.
  ASSIGN_OR_RETURN(PgRows found, conn_.Query("SELECT person_key, status FROM case_file WHERE id = $1 FOR UPDATE", {id}));
  if (found.size() == 0) return NotFound(fmt::format("case #{} does not exist", id));
  const PersonKey person = static_cast<PersonKey>(found.Int(0, 0));
  if (found.TextView(0, 1) != "open") {
    return FailedPrecondition(fmt::format("case #{} is resolved already; a decision is not taken twice", id));
  }
  std::optional<int64_t> evidence_id;
  if (fact) {
    if (fact->person == 0) fact->person = person;
    if (fact->person != person) return InvalidArgument(fmt::format("case #{}: the fact is about another person", id));
    if (fact->link_method.empty()) {
      fact->link_method = std::string(kLinkExact);
      fact->link_score = 1.0;
    }
    RETURN_IF_ERROR(AddSingleEvidence(*fact));
    evidence_id = fact->id;
  }
  RETURN_IF_ERROR(conn_.Query(
      "UPDATE case_file SET status = 'resolved', decision = $1, note = $2, resolved_by = $3, resolved_at = $4, "
      "decision_evidence_id = $5 WHERE id = $6",
      {decision, note, by, NowUtcText(), evidence_id, id}));
  return tx.Commit();
}

Result<Fen> PgStore::OutstandingOf(PersonKey person) {
  ASSIGN_OR_RETURN(std::vector<OwedMonth> months, OwedMonths(conn_, person, false));
  return Recoverable(months);
}

Result<std::vector<RecoveryRecord>> PgStore::RecordRecovery(PersonKey person, Fen amount, std::string_view method,
                                                            Date on, const std::string& note) {
  if (method != "lump" && method != "instalment" && method != "offset") {
    return InvalidArgument("recovery method: expected lump (一次性退回), instalment (分期退回) or offset (抵扣)");
  }
  if (amount <= 0) return InvalidArgument("recovery amount: expected more than 0");
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  ASSIGN_OR_RETURN(PgRows known, conn_.Query("SELECT 1 FROM person WHERE person_key = $1",
                                             {static_cast<int64_t>(person)}));
  if (known.size() == 0) {
    return NotFound(fmt::format("{} is not in the benefit registry", MaskIdNumber(IdNumber::FromKey(person).text())));
  }
  // The person's receivables are locked until the unit ends: the balances
  // checked are the ones updated.
  ASSIGN_OR_RETURN(std::vector<OwedMonth> months, OwedMonths(conn_, person, true));
  const Fen outstanding = Recoverable(months);
  if (amount > outstanding) {
    return InvalidArgument(fmt::format("recovery amount {} yuan is more than the outstanding balance {} yuan",
                                       FormatYuan(amount), FormatYuan(outstanding)));
  }
  const std::string now = NowUtcText();
  std::vector<RecoveryRecord> out;
  Fen left = amount;
  for (const OwedMonth& m : months) {
    if (left == 0) break;
    // The net is at most what the positive rows still carry (reversals are
    // negative and never recovered), so it fits in them.
    Fen take = std::min(left, std::max<Fen>(m.net, 0));
    for (const ReceivableRecord& r : m.rows) {
      if (take == 0) break;
      const Fen share = std::min(take, r.amount - r.recovered);
      if (share <= 0) continue;
      RETURN_IF_ERROR(conn_.Query("UPDATE receivable SET recovered_fen = recovered_fen + $1 WHERE id = $2 "
                                  "AND person_key = $3",
                                  {share, r.id, static_cast<int64_t>(person)}));
      RecoveryRecord rec{0, r.id, r.entitlement_id, r.month, share, std::string(method), on, note, now};
      ASSIGN_OR_RETURN(PgRows inserted, conn_.Query(
          "INSERT INTO recovery(receivable_id, entitlement_id, month, amount_fen, method, on_date, note, recorded_at, "
          "person_key) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
          {rec.receivable_id, rec.entitlement_id, static_cast<int64_t>(rec.month.index()), rec.amount, rec.method,
           static_cast<int64_t>(on.days()), note, now, static_cast<int64_t>(person)}));
      rec.id = inserted.Int(0, 0);
      out.push_back(std::move(rec));
      take -= share;
      left -= share;
    }
  }
  if (left != 0) return Internal("a recovery did not fit the receivables it was checked against");
  RETURN_IF_ERROR(tx.Commit());
  return out;
}

Result<std::vector<RecoveryRecord>> PgStore::RecoveriesOf(PersonKey person) {
  ASSIGN_OR_RETURN(PgRows rows, conn_.Query(
      "SELECT c.id, c.receivable_id, c.entitlement_id, c.month, c.amount_fen, c.method, c.on_date, c.note, "
      "c.recorded_at FROM recovery c WHERE c.person_key = $1 "
      "ORDER BY c.id",
      {static_cast<int64_t>(person)}));
  return CollectRows<RecoveryRecord>(rows, [](const PgRow& r) {
    return RecoveryRecord{r.Int(0), r.Int(1), r.Int(2), MonthAt(r, 3), r.Int(4), r.Text(5),
                          Date::FromDays(static_cast<int32_t>(r.Int(6))), r.Text(7), r.Text(8)};
  });
}

}  // namespace tacit::pg
