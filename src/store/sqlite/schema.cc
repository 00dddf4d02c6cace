#include "store/sqlite/schema.h"

#include <array>

namespace tacit::sqlite {
namespace {

// Dates are stored as days since 1970-01-01, months as year*12 + month-1, money
// as integer fen: the same values the library computes with.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE policy (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  version   TEXT NOT NULL,
  text      TEXT NOT NULL,
  loaded_at TEXT NOT NULL,
  active    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE region (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  parent TEXT,
  level  INTEGER NOT NULL
);
CREATE INDEX region_parent ON region(parent);
CREATE TABLE person (
  person_key         INTEGER PRIMARY KEY,
  id_number          TEXT NOT NULL UNIQUE,
  name               TEXT NOT NULL,
  sex                INTEGER NOT NULL,
  birth_date         INTEGER NOT NULL,
  phone              TEXT,
  region_code        TEXT NOT NULL,
  special_care       INTEGER NOT NULL DEFAULT 0,
  baseline_certified INTEGER,
  updated_at         TEXT NOT NULL
);
CREATE INDEX person_region ON person(region_code);
CREATE TABLE entitlement (
  id            INTEGER PRIMARY KEY,
  person_key    INTEGER NOT NULL REFERENCES person(person_key),
  scheme        INTEGER NOT NULL,
  paying_region TEXT NOT NULL,
  start_month   INTEGER NOT NULL,
  -- One entitlement per person and scheme: a changed paying region is a
  -- transfer (an update), never a second pension.
  UNIQUE (person_key, scheme)
);
CREATE TABLE entitlement_amount (
  entitlement_id INTEGER NOT NULL REFERENCES entitlement(id),
  from_month     INTEGER NOT NULL,
  monthly_fen    INTEGER NOT NULL,
  basic_fen      INTEGER NOT NULL,
  PRIMARY KEY (entitlement_id, from_month)
) WITHOUT ROWID;
CREATE TABLE source (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE batch (
  id              INTEGER PRIMARY KEY,
  sha256          TEXT NOT NULL,
  file_name       TEXT NOT NULL,
  source          TEXT NOT NULL,
  mapping         TEXT NOT NULL,
  received_on     INTEGER NOT NULL,
  ingested_at     TEXT NOT NULL,
  rows            INTEGER NOT NULL,
  accepted        INTEGER NOT NULL,
  linked          INTEGER NOT NULL,
  unlinked        INTEGER NOT NULL,
  dropped         INTEGER NOT NULL,
  rejected        INTEGER NOT NULL,
  duplicates      INTEGER NOT NULL,
  quarantine_path TEXT NOT NULL,
  -- A batch is a file: its bytes and its name. Two files with the same bytes
  -- but different names (a month's empty "zero report", say) are two batches.
  UNIQUE (sha256, file_name)
);
-- Evidence is appended in id order (ids come from the sequence table; within a
-- batch they follow person order, so the person index grows in runs).
-- Unlinked records have person_key 0.
CREATE TABLE evidence (
  id          INTEGER PRIMARY KEY,
  person_key  INTEGER NOT NULL,
  source_id   INTEGER NOT NULL REFERENCES source(id),
  ref         TEXT NOT NULL,
  kind        TEXT NOT NULL,
  occurred_on INTEGER NOT NULL,
  received_on INTEGER NOT NULL,
  batch_id    INTEGER NOT NULL REFERENCES batch(id),
  link_method TEXT NOT NULL,
  link_score  REAL NOT NULL,
  detail      TEXT
);
CREATE INDEX evidence_person ON evidence(person_key);
-- (source, ref) is unique: a 64-bit hash of both is the key here, and a hash
-- collision between different records moves to the next free key (open
-- addressing), so the check is exact and costs one small integer-keyed insert.
CREATE TABLE evidence_ref (
  ref_hash    INTEGER PRIMARY KEY,
  evidence_id INTEGER NOT NULL
);
CREATE TABLE sequence (
  name TEXT PRIMARY KEY,
  next INTEGER NOT NULL
);
-- The partner's identifying fields, kept for unlinked records only.
CREATE TABLE unlinked (
  evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
  id_text     TEXT,
  id_problem  TEXT NOT NULL,
  name        TEXT,
  sex         TEXT,
  birth_date  INTEGER,
  region_code TEXT
);
-- The latest alive-signal date and earliest death date seen per person: an index
-- derived from evidence at ingest, recomputable, never the source of truth.
CREATE TABLE person_summary (
  person_key    INTEGER PRIMARY KEY,
  last_alive_on INTEGER,
  death_on      INTEGER
);
)sql";

constexpr std::string_view kV2 = R"sql(
CREATE TABLE cycle_run (
  month           INTEGER PRIMARY KEY,
  as_of           INTEGER NOT NULL,
  started_at      TEXT NOT NULL,
  finished_at     TEXT NOT NULL,
  policy_version  TEXT NOT NULL,
  entitlements    INTEGER NOT NULL,
  paid            INTEGER NOT NULL,
  suspended       INTEGER NOT NULL,
  terminated      INTEGER NOT NULL,
  paid_amount     INTEGER NOT NULL,
  back_pay_amount INTEGER NOT NULL,
  overpaid_amount INTEGER NOT NULL,
  payroll_path    TEXT NOT NULL
);
CREATE TABLE decision (
  run_month      INTEGER NOT NULL,
  entitlement_id INTEGER NOT NULL,
  status         INTEGER NOT NULL,
  due_fen        INTEGER NOT NULL,
  rule           TEXT NOT NULL,
  evidence_id    INTEGER NOT NULL,
  PRIMARY KEY (run_month, entitlement_id)
) WITHOUT ROWID;
CREATE TABLE payment (
  entitlement_id INTEGER NOT NULL,
  month          INTEGER NOT NULL,
  run_month      INTEGER NOT NULL,
  kind           TEXT NOT NULL,
  amount_fen     INTEGER NOT NULL,
  PRIMARY KEY (entitlement_id, month, run_month, kind)
) WITHOUT ROWID;
CREATE TABLE receivable (
  id             INTEGER PRIMARY KEY,
  entitlement_id INTEGER NOT NULL,
  month          INTEGER NOT NULL,
  amount_fen     INTEGER NOT NULL,
  run_month      INTEGER NOT NULL,
  reason         TEXT NOT NULL,
  evidence_id    INTEGER NOT NULL,
  recovered_fen  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX receivable_entitlement ON receivable(entitlement_id, month);
)sql";

// What the full rule set (issue 3) needs to know of an entitlement. Months up to
// paid_through were paid by the previous system (NULL: not given yet; the first
// monthly run that includes the entitlement sets it to the month before). A
// store that has runs already gets it from the first run that decided the
// entitlement, the same rule applied after the fact. registered_on (days) is
// unknown (NULL) for entitlements imported before this migration.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE entitlement ADD COLUMN paid_through INTEGER;
ALTER TABLE entitlement ADD COLUMN contribution_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entitlement ADD COLUMN registered_on INTEGER;
ALTER TABLE entitlement ADD COLUMN account_balance_fen INTEGER;
ALTER TABLE entitlement ADD COLUMN account_subsidy_fen INTEGER;
UPDATE entitlement SET paid_through = f.first_run - 1
  FROM (SELECT entitlement_id, min(run_month) AS first_run FROM decision GROUP BY entitlement_id) AS f
  WHERE f.entitlement_id = entitlement.id;
)sql";

constexpr std::string_view kV4 = R"sql(
-- A case (待核查事项): a contradiction the monthly run found, for staff to decide.
-- dedup_key (the type and the evidence ids) makes opening idempotent: every run
-- derives the findings again. evidence_ids is a comma-separated list.
CREATE TABLE case_file (
  id                   INTEGER PRIMARY KEY,
  person_key           INTEGER NOT NULL,
  type                 TEXT NOT NULL,
  dedup_key            TEXT NOT NULL UNIQUE,
  summary              TEXT NOT NULL,
  suggestion           TEXT NOT NULL,
  evidence_ids         TEXT NOT NULL,
  at_stake_fen         INTEGER NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  opened_at            TEXT NOT NULL,
  opened_in            INTEGER NOT NULL,
  decision             TEXT,
  note                 TEXT,
  resolved_by          TEXT,
  resolved_at          TEXT,
  decision_evidence_id INTEGER
);
CREATE INDEX case_file_person ON case_file(person_key);
CREATE INDEX case_file_status ON case_file(status);
-- Money claimed back: one row per receivable an amount was allocated to.
CREATE TABLE recovery (
  id             INTEGER PRIMARY KEY,
  receivable_id  INTEGER NOT NULL REFERENCES receivable(id),
  entitlement_id INTEGER NOT NULL,
  month          INTEGER NOT NULL,
  amount_fen     INTEGER NOT NULL,
  method         TEXT NOT NULL CHECK (method IN ('lump', 'instalment', 'offset')),
  on_date        INTEGER NOT NULL,
  note           TEXT NOT NULL,
  recorded_at    TEXT NOT NULL
);
CREATE INDEX recovery_entitlement ON recovery(entitlement_id, month);
)sql";

// Incremental monthly runs: an entitlement whose terms changed after a run is
// derived in full by the next one. changed_after_run is the month of the latest
// run when the terms last changed (NULL: unchanged since before any run); the
// triggers keep it, so no writer can forget. The monthly run's own setting of a
// missing paid_through is not a change of terms.
constexpr std::string_view kV5 = R"sql(
ALTER TABLE entitlement ADD COLUMN changed_after_run INTEGER;
CREATE TRIGGER entitlement_inserted AFTER INSERT ON entitlement BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
END;
CREATE TRIGGER entitlement_changed AFTER UPDATE OF person_key, scheme, paying_region, start_month,
    contribution_months, registered_on, account_balance_fen, account_subsidy_fen ON entitlement BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
END;
CREATE TRIGGER entitlement_paid_through_corrected AFTER UPDATE OF paid_through ON entitlement
    WHEN OLD.paid_through IS NOT NULL AND NEW.paid_through IS NOT OLD.paid_through BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
END;
CREATE TRIGGER entitlement_amount_inserted AFTER INSERT ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.entitlement_id;
END;
CREATE TRIGGER entitlement_amount_updated AFTER UPDATE ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.entitlement_id;
END;
CREATE TRIGGER entitlement_amount_deleted AFTER DELETE ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = OLD.entitlement_id;
END;
)sql";

// Monthly runs that read only what changed: each run records the change marks
// it started from and leaves forecasts (what each entitlement's decision will be
// while nothing new is learned). A person is derived again when evidence was
// added after the marks, or when a person mark says a stored fact changed in
// place: the triggers set the marks, so no writer can forget.
constexpr std::string_view kV6 = R"sql(
ALTER TABLE cycle_run ADD COLUMN evidence_high_water INTEGER;
ALTER TABLE cycle_run ADD COLUMN dirty_high_water INTEGER;
CREATE TABLE forecast (
  entitlement_id INTEGER PRIMARY KEY,
  through_month  INTEGER NOT NULL,
  status         INTEGER NOT NULL,
  due_fen        INTEGER NOT NULL,
  rule           TEXT NOT NULL,
  evidence_id    INTEGER NOT NULL
);
CREATE TABLE person_dirty (
  id         INTEGER PRIMARY KEY,
  person_key INTEGER NOT NULL
);
CREATE TRIGGER evidence_changed AFTER UPDATE ON evidence BEGIN
  INSERT INTO person_dirty(person_key) SELECT OLD.person_key WHERE OLD.person_key > 0;
  INSERT INTO person_dirty(person_key) SELECT NEW.person_key WHERE NEW.person_key > 0
    AND NEW.person_key <> OLD.person_key;
END;
CREATE TRIGGER evidence_deleted AFTER DELETE ON evidence WHEN OLD.person_key > 0 BEGIN
  INSERT INTO person_dirty(person_key) VALUES (OLD.person_key);
END;
CREATE TRIGGER person_baseline_changed AFTER UPDATE OF baseline_certified ON person
    WHEN NEW.baseline_certified IS NOT OLD.baseline_certified BEGIN
  INSERT INTO person_dirty(person_key) VALUES (NEW.person_key);
END;
)sql";

// Probabilistic linkage (issue 4): the models fitted per feed source and what
// they concluded about each unlinked record, with the reviewers' decisions.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE link_model (
  id          INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  trained_at  TEXT NOT NULL,
  records     INTEGER NOT NULL,
  comparisons INTEGER NOT NULL,
  model_json  TEXT NOT NULL
);
CREATE TABLE link_attempt (
  evidence_id        INTEGER PRIMARY KEY REFERENCES evidence(id),
  model_id           INTEGER NOT NULL REFERENCES link_model(id),
  outcome            TEXT NOT NULL CHECK (outcome IN ('link', 'review', 'no_link')),
  reason             TEXT NOT NULL,
  candidate_key      INTEGER NOT NULL,
  probability        REAL NOT NULL,
  weight_bits        REAL NOT NULL,
  second_key         INTEGER NOT NULL,
  second_bits        REAL NOT NULL,
  contributions      TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('linked', 'open', 'accepted', 'rejected', 'none')),
  decided_by         TEXT,
  decided_at         TEXT,
  note               TEXT
);
CREATE INDEX link_attempt_status ON link_attempt(status);
)sql";

// A change of an entitlement's terms also marks its person (person_dirty), as
// a changed fact does: the month stamp of v5 names the latest recorded run, so
// a change committed while a run is in progress carried the month before it and
// the next run took the person for unchanged. Entitlements migrated without a
// registration date get the as-of date of the first monthly run (else today):
// a duplicate pension counts as learned then, once, instead of on every run's
// as-of date.
constexpr std::string_view kV8 = R"sql(
DROP TRIGGER entitlement_inserted;
DROP TRIGGER entitlement_changed;
DROP TRIGGER entitlement_paid_through_corrected;
DROP TRIGGER entitlement_amount_inserted;
DROP TRIGGER entitlement_amount_updated;
DROP TRIGGER entitlement_amount_deleted;
CREATE TRIGGER entitlement_inserted AFTER INSERT ON entitlement BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
  INSERT INTO person_dirty(person_key) VALUES (NEW.person_key);
END;
CREATE TRIGGER entitlement_changed AFTER UPDATE OF person_key, scheme, paying_region, start_month,
    contribution_months, registered_on, account_balance_fen, account_subsidy_fen ON entitlement BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
  INSERT INTO person_dirty(person_key) VALUES (NEW.person_key);
  INSERT INTO person_dirty(person_key) SELECT OLD.person_key WHERE OLD.person_key <> NEW.person_key;
END;
CREATE TRIGGER entitlement_paid_through_corrected AFTER UPDATE OF paid_through ON entitlement
    WHEN OLD.paid_through IS NOT NULL AND NEW.paid_through IS NOT OLD.paid_through BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.id;
  INSERT INTO person_dirty(person_key) VALUES (NEW.person_key);
END;
CREATE TRIGGER entitlement_amount_inserted AFTER INSERT ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.entitlement_id;
  INSERT INTO person_dirty(person_key) SELECT person_key FROM entitlement WHERE id = NEW.entitlement_id;
END;
CREATE TRIGGER entitlement_amount_updated AFTER UPDATE ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.entitlement_id;
  INSERT INTO person_dirty(person_key) SELECT person_key FROM entitlement WHERE id = NEW.entitlement_id;
END;
CREATE TRIGGER entitlement_amount_deleted AFTER DELETE ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = OLD.entitlement_id;
  INSERT INTO person_dirty(person_key) SELECT person_key FROM entitlement WHERE id = OLD.entitlement_id;
END;
UPDATE entitlement SET registered_on = coalesce((SELECT min(as_of) FROM cycle_run),
                                                CAST(julianday('now') - 2440587.5 AS INTEGER))
  WHERE registered_on IS NULL OR registered_on = 0;
)sql";

// Access (issue 5): staff accounts, their sessions (token hashes only),
// partners and attestors with hashed keys or sealed signing secrets, the nonces
// of signed requests, and the audit trail. The trail is append-only: triggers
// refuse UPDATE and DELETE, and each entry carries the hash of the one before,
// so that a change made around SQLite (a raw file edit) is found by
// `tacit audit verify`.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE staff_user (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  region        TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE TABLE staff_session (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES staff_user(id),
  csrf_hash  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_session_user ON staff_session(user_id);
CREATE TABLE partner (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  source        TEXT NOT NULL,
  kinds         TEXT NOT NULL,
  key_id        TEXT NOT NULL UNIQUE,
  key_hash      TEXT NOT NULL,
  sealed_secret TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE TABLE request_nonce (
  key_id TEXT NOT NULL,
  nonce  TEXT NOT NULL,
  at     INTEGER NOT NULL,
  PRIMARY KEY (key_id, nonce)
) WITHOUT ROWID;
CREATE INDEX request_nonce_at ON request_nonce(at);
CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  at_ms     INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
-- Staff search persons by name and birth date (identity numbers go by key).
CREATE INDEX person_name_birth ON person(name, birth_date);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
)sql";

// Face self-certification (issue 6): enrolled templates and liveness states
// sealed under the operator's key, and every attempt (scores, never images).
constexpr std::string_view kV10 = R"sql(
CREATE TABLE face_template (
  person_key      INTEGER PRIMARY KEY REFERENCES person(person_key),
  sealed_template TEXT NOT NULL,
  sealed_photo    TEXT NOT NULL DEFAULT '',
  recogniser      TEXT NOT NULL,
  quality         TEXT NOT NULL,
  enrolled_by     TEXT NOT NULL,
  enrolled_at     INTEGER NOT NULL
);
CREATE TABLE face_challenge (
  id           TEXT PRIMARY KEY,
  person_key   INTEGER NOT NULL REFERENCES person(person_key),
  device       TEXT NOT NULL,
  actor        TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  deadline     INTEGER NOT NULL,
  status       TEXT NOT NULL,
  sealed_state TEXT NOT NULL,
  evidence_id  INTEGER NOT NULL DEFAULT 0,
  case_id      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX face_challenge_person ON face_challenge(person_key, created_at);
CREATE TABLE face_attempt (
  id         INTEGER PRIMARY KEY,
  person_key INTEGER NOT NULL,
  device     TEXT NOT NULL,
  at         INTEGER NOT NULL,
  method     TEXT NOT NULL,
  result     TEXT NOT NULL,
  similarity REAL NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX face_attempt_person ON face_attempt(person_key, at);
CREATE INDEX face_attempt_device ON face_attempt(device, at);
)sql";

// Outreach (issue 7): the outbox and its provider attempts, the daily cap,
// channels and bindings, the special-persons file, visit tasks, certification
// points, committees' death returns and their contacts.
constexpr std::string_view kV11 = R"sql(
CREATE TABLE outreach_message (
  id              INTEGER PRIMARY KEY,
  idem_key        TEXT NOT NULL UNIQUE,
  person_key      INTEGER NOT NULL,
  recipient       TEXT NOT NULL,
  region          TEXT NOT NULL,
  channel         TEXT NOT NULL,
  template        TEXT NOT NULL,
  params          TEXT NOT NULL,
  reason          TEXT NOT NULL,
  deadline        TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  not_before_ms   INTEGER NOT NULL,
  expires_ms      INTEGER NOT NULL,
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  lease_until_ms  INTEGER NOT NULL DEFAULT 0,
  claimed_ms      INTEGER NOT NULL DEFAULT 0,
  provider_ref    TEXT NOT NULL DEFAULT '',
  provider_code   TEXT NOT NULL DEFAULT '',
  failure         TEXT NOT NULL DEFAULT '',
  sent_ms         INTEGER NOT NULL DEFAULT 0,
  delivered_ms    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outreach_message_queue ON outreach_message(status, next_attempt_ms);
CREATE INDEX outreach_message_person ON outreach_message(person_key, created_ms);
CREATE INDEX outreach_message_created ON outreach_message(created_ms);
CREATE TABLE outreach_attempt (
  id            INTEGER PRIMARY KEY,
  message_id    INTEGER NOT NULL REFERENCES outreach_message(id),
  at_ms         INTEGER NOT NULL,
  channel       TEXT NOT NULL,
  outcome       TEXT NOT NULL,
  http_status   INTEGER NOT NULL,
  provider_code TEXT NOT NULL,
  failure       TEXT NOT NULL,
  duration_ms   INTEGER NOT NULL
);
CREATE INDEX outreach_attempt_message ON outreach_attempt(message_id);
CREATE TABLE outreach_daily (
  person_key INTEGER NOT NULL,
  day        TEXT NOT NULL,
  taken      INTEGER NOT NULL,
  PRIMARY KEY (person_key, day)
) WITHOUT ROWID;
CREATE TABLE channel_config (
  channel       TEXT PRIMARY KEY,
  config        TEXT NOT NULL,
  sealed_secret TEXT NOT NULL,
  paused_reason TEXT NOT NULL DEFAULT '',
  paused_ms     INTEGER NOT NULL DEFAULT 0,
  updated_by    TEXT NOT NULL,
  updated_ms    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE channel_binding (
  person_key     INTEGER NOT NULL REFERENCES person(person_key),
  channel        TEXT NOT NULL,
  sealed_address TEXT NOT NULL,
  source         TEXT NOT NULL,
  bound_ms       INTEGER NOT NULL,
  active         INTEGER NOT NULL,
  PRIMARY KEY (person_key, channel)
) WITHOUT ROWID;
CREATE TABLE special_person (
  person_key    INTEGER PRIMARY KEY REFERENCES person(person_key),
  reason        TEXT NOT NULL,
  contact_name  TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  address       TEXT NOT NULL,
  notes         TEXT NOT NULL,
  source        TEXT NOT NULL,
  set_by        TEXT NOT NULL,
  set_ms        INTEGER NOT NULL,
  active        INTEGER NOT NULL
);
CREATE TABLE visit_task (
  id          INTEGER PRIMARY KEY,
  person_key  INTEGER NOT NULL REFERENCES person(person_key),
  region      TEXT NOT NULL,
  reason      TEXT NOT NULL,
  idem_key    TEXT NOT NULL UNIQUE,
  due_on      INTEGER NOT NULL,
  status      TEXT NOT NULL,
  assigned_to TEXT NOT NULL DEFAULT '',
  created_ms  INTEGER NOT NULL,
  outcome     TEXT NOT NULL DEFAULT '',
  outcome_on  INTEGER,
  done_by     TEXT NOT NULL DEFAULT '',
  done_ms     INTEGER NOT NULL DEFAULT 0,
  evidence_id INTEGER NOT NULL DEFAULT 0,
  case_id     INTEGER NOT NULL DEFAULT 0,
  note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visit_task_region ON visit_task(region, status);
CREATE INDEX visit_task_person ON visit_task(person_key);
CREATE TABLE cert_point (
  code       TEXT PRIMARY KEY,
  attestor   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  short_name TEXT NOT NULL,
  region     TEXT NOT NULL,
  address    TEXT NOT NULL,
  hours      TEXT NOT NULL,
  active     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX cert_point_region ON cert_point(region);
CREATE TABLE death_return (
  committee    TEXT NOT NULL,
  month        INTEGER NOT NULL,
  deaths       INTEGER NOT NULL,
  submitted_ms INTEGER NOT NULL,
  submitted_by TEXT NOT NULL,
  batch_id     INTEGER NOT NULL,
  PRIMARY KEY (committee, month)
) WITHOUT ROWID;
CREATE TABLE committee_contact (
  region TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  phone  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE employer (
  code          TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  contact_phone TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE employer_member (
  person_key    INTEGER PRIMARY KEY REFERENCES person(person_key),
  employer_code TEXT NOT NULL
);
CREATE INDEX employer_member_code ON employer_member(employer_code);
)sql";

// The citizen page (issue 8): one-time sign-in codes (a keyed hash of each,
// never the code; the identity number only as a keyed pseudonym, for the
// per-number limits) and citizens' sessions (hashes of their tokens).
constexpr std::string_view kV12 = R"sql(
CREATE TABLE citizen_code (
  id         TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  person_key INTEGER NOT NULL,
  code_hash  TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  tries      INTEGER NOT NULL DEFAULT 0,
  status     TEXT NOT NULL,
  sms        TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX citizen_code_subject ON citizen_code(subject, created_ms);
CREATE INDEX citizen_code_created ON citizen_code(created_ms);
CREATE TABLE citizen_session (
  token_hash TEXT PRIMARY KEY,
  person_key INTEGER NOT NULL,
  csrf_hash  TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX citizen_session_expires ON citizen_session(expires_ms);
)sql";

// Statistics snapshots (issue 9, tacit/stats.h): a month's statistics as of a
// date, pre-aggregated per residence code and scheme, with the store's
// fingerprint when they were taken. A changed residence marks the person, so
// that the fingerprint moves (and the next monthly run derives them again).
constexpr std::string_view kV13 = R"sql(
CREATE TABLE stats_snapshot (
  id          INTEGER PRIMARY KEY,
  month       INTEGER NOT NULL,
  as_of       INTEGER NOT NULL,
  trend_from  INTEGER NOT NULL,
  taken_at    TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  persons     INTEGER NOT NULL,
  UNIQUE (month, as_of)
);
CREATE TABLE stats_cell (
  snapshot_id INTEGER NOT NULL REFERENCES stats_snapshot(id),
  region_code TEXT NOT NULL,
  scheme      TEXT NOT NULL,
  payload     TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, region_code, scheme)
) WITHOUT ROWID;
CREATE TRIGGER person_residence_changed AFTER UPDATE OF region_code ON person
    WHEN NEW.region_code IS NOT OLD.region_code BEGIN
  INSERT INTO person_dirty(person_key) VALUES (NEW.person_key);
END;
)sql";

// The distribution key on the tables that reached their person only through a
// parent (issue 9, "Partitioning"): a decision, a payment, a receivable, a
// forecast and a recovery carry their entitlement's person, an amount its
// entitlement's, an outreach attempt its message's. The code writes it with
// every row; this fills the rows already stored. On PostgreSQL the same
// version also puts the key into the primary and unique keys Citus needs
// (src/store/pg/schema_v14.sql); SQLite keeps its keys.
// The amount trigger that marks persons is narrowed to the amount's own
// columns first, so that filling the key marks nobody.
constexpr std::string_view kV14 = R"sql(
DROP TRIGGER entitlement_amount_updated;
CREATE TRIGGER entitlement_amount_updated AFTER UPDATE OF entitlement_id, from_month, monthly_fen, basic_fen
    ON entitlement_amount BEGIN
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = NEW.entitlement_id;
  INSERT INTO person_dirty(person_key) SELECT person_key FROM entitlement WHERE id = NEW.entitlement_id;
END;
ALTER TABLE entitlement_amount ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE entitlement_amount SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = entitlement_amount.entitlement_id), 0);
ALTER TABLE decision ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE decision SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = decision.entitlement_id), 0);
ALTER TABLE payment ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE payment SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = payment.entitlement_id), 0);
ALTER TABLE receivable ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE receivable SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = receivable.entitlement_id), 0);
ALTER TABLE forecast ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE forecast SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = forecast.entitlement_id), 0);
ALTER TABLE recovery ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE recovery SET person_key = coalesce(
  (SELECT person_key FROM entitlement e WHERE e.id = recovery.entitlement_id), 0);
CREATE INDEX recovery_person ON recovery(person_key);
ALTER TABLE outreach_attempt ADD COLUMN person_key INTEGER NOT NULL DEFAULT 0;
UPDATE outreach_attempt SET person_key = coalesce(
  (SELECT person_key FROM outreach_message m WHERE m.id = outreach_attempt.message_id), 0);
)sql";

// The (source, ref) claims of bulk units, packed (claim_blocks.h): one
// ascending run of (slot, evidence id) pairs over all blocks, each block keyed
// by its first slot. Claims of smaller units stay one row each in evidence_ref
// until the next bulk unit packs them; a slot is in one table or the other.
constexpr std::string_view kV15 = R"sql(
CREATE TABLE evidence_ref_block (
  first_slot INTEGER PRIMARY KEY,
  claims     BLOB NOT NULL
);
)sql";

// The linked records of bulk units, packed (evidence_pack.h): one row per
// person and unit, holding the records with ids first_id … last_id. Records of
// smaller units, and unlinked records (the linker updates them one by one),
// stay one row each in evidence; an id is in one table or the other.
constexpr std::string_view kV16 = R"sql(
CREATE TABLE evidence_pack (
  first_id   INTEGER PRIMARY KEY,
  last_id    INTEGER NOT NULL,
  person_key INTEGER NOT NULL,
  records    BLOB NOT NULL
);
CREATE INDEX evidence_pack_person ON evidence_pack(person_key);
)sql";

// Packs are stored in format 2 (evidence_pack.h): a person's records refer
// back to the kinds, link methods and details met earlier in the pack. Format-1
// packs of version 16 still read; the version moves so that an older build,
// which reads only format 1, refuses the store instead of misreading it.
constexpr std::string_view kV17 = R"sql(
SELECT 1;
)sql";

constexpr std::array<std::string_view, 17> kMigrations = {kV1,  kV2,  kV3,  kV4,  kV5,  kV6,  kV7,  kV8,  kV9,
                                                          kV10, kV11, kV12, kV13, kV14, kV15, kV16, kV17};

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

}  // namespace tacit::sqlite
