-- Schema version 14 of the PostgreSQL store, applied on top of schema_v13.sql:
-- the schema made ready for a distributed PostgreSQL (Citus), issue 9
-- "Partitioning". src/store/pg/citus.sql says which table is distributed by
-- what; PgStoreTest.TheSchemaIsReadyForCitusAsCitusSqlDistributesIt
-- (pg_store_test.cc) checks this schema against it.
--
-- 1. Every table distributed by person_key has the column: the tables that
--    reached their person only through a parent id get it (the SQLite store's
--    kV14 adds the same columns), filled here from the parent; the code
--    writes it with every new row.
-- 2. Every primary and unique key of a distributed table contains its
--    distribution column, as Citus requires. The key is put last, so the
--    lookups by the old leading columns keep their index. Where the old key
--    determined the person (an entitlement id, an evidence id, a person's
--    identity number) uniqueness is the same; the few keys that are random
--    tokens (face challenges, citizen codes and sessions) are drawn from 128
--    bits or more.
-- 3. (source, ref), a record's identity at its source, is unique across
--    persons: it moves from a unique index on evidence to the claims table
--    evidence_claim, distributed by ref.
-- 4. A distributed table's person_key is never updated: Citus refuses it.
--    Linking an unlinked record moves its row (delete and insert, in the
--    store's code), and a guard trigger makes any UPDATE that would change
--    the key fail here as it would on Citus, so the conformance suite finds
--    such a path on a single server.

-- ---- 1. The key on the child tables -----------------------------------------

-- Filling the key is no change of an amount: the trigger that stamps the
-- entitlement and marks its person is narrowed to the amount's own columns
-- (and reads the person from the row).
DROP TRIGGER entitlement_amount_updated ON entitlement_amount;

ALTER TABLE entitlement_amount ADD COLUMN person_key BIGINT;
UPDATE entitlement_amount a SET person_key = e.person_key FROM entitlement e WHERE e.id = a.entitlement_id;
UPDATE entitlement_amount SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE entitlement_amount ALTER COLUMN person_key SET NOT NULL;

ALTER TABLE decision ADD COLUMN person_key BIGINT;
UPDATE decision d SET person_key = e.person_key FROM entitlement e WHERE e.id = d.entitlement_id;
UPDATE decision SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE decision ALTER COLUMN person_key SET NOT NULL;

ALTER TABLE payment ADD COLUMN person_key BIGINT;
UPDATE payment p SET person_key = e.person_key FROM entitlement e WHERE e.id = p.entitlement_id;
UPDATE payment SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE payment ALTER COLUMN person_key SET NOT NULL;

ALTER TABLE receivable ADD COLUMN person_key BIGINT;
UPDATE receivable r SET person_key = e.person_key FROM entitlement e WHERE e.id = r.entitlement_id;
UPDATE receivable SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE receivable ALTER COLUMN person_key SET NOT NULL;

ALTER TABLE forecast ADD COLUMN person_key BIGINT;
UPDATE forecast f SET person_key = e.person_key FROM entitlement e WHERE e.id = f.entitlement_id;
UPDATE forecast SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE forecast ALTER COLUMN person_key SET NOT NULL;

ALTER TABLE recovery ADD COLUMN person_key BIGINT;
UPDATE recovery c SET person_key = e.person_key FROM entitlement e WHERE e.id = c.entitlement_id;
UPDATE recovery SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE recovery ALTER COLUMN person_key SET NOT NULL;
CREATE INDEX recovery_person ON recovery (person_key);

ALTER TABLE outreach_attempt ADD COLUMN person_key BIGINT;
UPDATE outreach_attempt a SET person_key = m.person_key FROM outreach_message m WHERE m.id = a.message_id;
UPDATE outreach_attempt SET person_key = 0 WHERE person_key IS NULL;
ALTER TABLE outreach_attempt ALTER COLUMN person_key SET NOT NULL;

CREATE OR REPLACE FUNCTION entitlement_amount_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ent BIGINT;
  who BIGINT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    ent := OLD.entitlement_id;
    who := OLD.person_key;
  ELSE
    ent := NEW.entitlement_id;
    who := NEW.person_key;
  END IF;
  UPDATE entitlement SET changed_after_run = (SELECT max(month) FROM cycle_run) WHERE id = ent AND person_key = who;
  INSERT INTO person_dirty (person_key) VALUES (who);
  RETURN NULL;
END;
$$;

CREATE TRIGGER entitlement_amount_updated AFTER UPDATE OF entitlement_id, from_month, monthly_fen, basic_fen
  ON entitlement_amount FOR EACH ROW EXECUTE FUNCTION entitlement_amount_changed();

-- ---- 2. Keys that hold the distribution column -------------------------------

ALTER TABLE person DROP CONSTRAINT person_id_number_key, ADD UNIQUE (id_number, person_key);
ALTER TABLE entitlement DROP CONSTRAINT entitlement_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE entitlement_amount DROP CONSTRAINT entitlement_amount_pkey,
  ADD PRIMARY KEY (entitlement_id, from_month, person_key);
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE decision DROP CONSTRAINT decision_pkey, ADD PRIMARY KEY (run_month, entitlement_id, person_key);
ALTER TABLE payment DROP CONSTRAINT payment_pkey, ADD PRIMARY KEY (entitlement_id, month, run_month, kind, person_key);
ALTER TABLE receivable DROP CONSTRAINT receivable_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE forecast DROP CONSTRAINT forecast_pkey, ADD PRIMARY KEY (entitlement_id, person_key);
ALTER TABLE recovery DROP CONSTRAINT recovery_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE case_file DROP CONSTRAINT case_file_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE case_file DROP CONSTRAINT case_file_dedup_key_key, ADD UNIQUE (dedup_key, person_key);
ALTER TABLE face_challenge DROP CONSTRAINT face_challenge_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE face_attempt DROP CONSTRAINT face_attempt_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE outreach_message DROP CONSTRAINT outreach_message_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE outreach_message DROP CONSTRAINT outreach_message_idem_key_key, ADD UNIQUE (idem_key, person_key);
ALTER TABLE outreach_attempt DROP CONSTRAINT outreach_attempt_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE visit_task DROP CONSTRAINT visit_task_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE visit_task DROP CONSTRAINT visit_task_idem_key_key, ADD UNIQUE (idem_key, person_key);
ALTER TABLE citizen_code DROP CONSTRAINT citizen_code_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE citizen_session DROP CONSTRAINT citizen_session_pkey, ADD PRIMARY KEY (token_hash, person_key);

-- ---- 3. (source, ref) claims --------------------------------------------------

CREATE TABLE evidence_claim (
  source_id   BIGINT NOT NULL,                 -- references source(id)
  ref         TEXT COLLATE "C" NOT NULL,
  evidence_id BIGINT NOT NULL,                 -- references evidence(id)
  PRIMARY KEY (source_id, ref)
);
INSERT INTO evidence_claim (source_id, ref, evidence_id) SELECT source_id, ref, id FROM evidence;
DROP INDEX evidence_source_ref;

-- ---- 4. The distribution key never changes -------------------------------------

CREATE FUNCTION person_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'person_key of % is the distribution key and is never updated (move the row instead)',
    TG_TABLE_NAME USING ERRCODE = 'feature_not_supported';
END;
$$;

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['person', 'entitlement', 'entitlement_amount', 'evidence', 'person_summary', 'decision',
      'payment', 'receivable', 'forecast', 'recovery', 'case_file', 'face_template', 'face_challenge', 'face_attempt',
      'outreach_message', 'outreach_attempt', 'outreach_daily', 'channel_binding', 'special_person', 'visit_task',
      'employer_member', 'citizen_code', 'citizen_session'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF person_key ON %I FOR EACH ROW '
                   'WHEN (NEW.person_key IS DISTINCT FROM OLD.person_key) EXECUTE FUNCTION person_key_fixed()',
                   t || '_person_key_fixed', t);
  END LOOP;
END;
$$;

UPDATE schema_version SET version = 14;
