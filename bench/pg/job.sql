-- The PostgreSQL side of bench/ingest_vs_postgres.sh: the timed job, the same
-- work as `tacit ingest` of every feed file in one unit of work.
--
--   1. COPY every feed file, in the order tacit is given them, into a staging
--      table of text columns (seq keeps file and line order for "first wins").
--   2. Check each row as tacit's feed reader does (source; kind known to the
--      policy; sex code; birth date and occurred_on real dates not after
--      today, by a hash join on the calendar table; ref; detail an object),
--      normalise its identity number with the PL/pgSQL function normalise_id,
--      and hash join the valid numbers to the registry's persons.
--   3. Keep linked rows and rows without a usable number (unlinked), drop rows
--      whose valid number belongs to nobody in the registry, dedupe on
--      (source, ref) (first row wins, then ON CONFLICT against what is stored),
--      and fold the stored rows into person_summary (last alive date, earliest
--      death date per person).
--   4. Report the counts tacit reports, and commit (synchronous_commit = on:
--      durable on return, like tacit).
--
-- psql variables: copy_sql (file of COPY statements, one per feed file, written
-- by the script), received_on (YYYY-MM-DD).

\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
\timing on
\echo == step begin
BEGIN;

INSERT INTO ingest_job (received_on) VALUES (:'received_on') RETURNING id AS job_id \gset

CREATE UNLOGGED TABLE feed_staging (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  source      text,
  kind        text,
  id_number   text,
  name        text,
  sex         text,
  birth_date  text,
  region_code text,
  occurred_on text,
  ref         text,
  detail      text
);
\echo == step copy
\i :copy_sql
\echo == step analyze
ANALYZE feed_staging;

\echo == step check_normalise_link
-- Checked, normalised and linked, one row per feed row.
CREATE UNLOGGED TABLE feed_row AS
SELECT c.seq, c.source, c.kind, c.cls, c.ref, c.occurred_on, c.detail, c.id_code,
       p.person_key, c.id_text, c.name, c.sex, c.birth_date, c.region_code, c.reject
FROM (
  SELECT v.*,
         CASE
           WHEN v.source = '' THEN 'source'
           WHEN v.cls IS NULL THEN 'kind'
           WHEN v.sex NOT IN ('', 'M', 'F', '1', '2', '男', '女') THEN 'sex'
           WHEN v.birth_text <> '' AND v.birth_date IS NULL THEN 'birth_date'
           WHEN v.occurred_on IS NULL THEN 'occurred_on'
           WHEN v.ref = '' THEN 'ref'
           WHEN v.detail <> '' AND NOT (left(v.detail, 1) = '{' AND right(v.detail, 1) = '}') THEN 'detail'
         END AS reject
  FROM (
    SELECT s.seq,
           coalesce(btrim(s.source), '') AS source,
           coalesce(btrim(s.kind), '') AS kind,
           k.cls,
           coalesce(btrim(s.ref), '') AS ref,
           co.day AS occurred_on,
           coalesce(btrim(s.birth_date), '') AS birth_text,
           cb.day AS birth_date,
           coalesce(btrim(s.sex), '') AS sex,
           coalesce(btrim(s.detail), '') AS detail,
           normalise_id(s.id_number, current_date) AS id_code,
           s.id_number AS id_text,
           s.name,
           s.region_code
    FROM feed_staging s
    LEFT JOIN evidence_kind k ON k.kind = btrim(s.kind)
    LEFT JOIN calendar co ON co.day_text = btrim(s.occurred_on)  -- NULL: not a date, or after today
    LEFT JOIN calendar cb ON cb.day_text = btrim(s.birth_date)
    OFFSET 0  -- a fence: without it normalise_id runs ~3 times per row (join key, filter, output)
  ) v
) c
LEFT JOIN person p ON p.person_key = c.id_code AND c.reject IS NULL;
ANALYZE feed_row;  -- row estimates for the sort and the aggregate below

\echo == step dedupe_store_summary
-- Store (dedupe on (source, ref)) and fold into the per-person summary.
WITH stored AS (
  INSERT INTO evidence (source, ref, kind, person_key, occurred_on, received_on, job_id, link_method,
                        link_score, detail, id_text, id_problem, name, sex, birth_date, region_code)
  SELECT DISTINCT ON (r.source, r.ref)
         r.source, r.ref, r.kind, r.person_key, r.occurred_on, :'received_on', :job_id,
         CASE WHEN r.person_key IS NULL THEN 'none' ELSE 'exact' END,
         CASE WHEN r.person_key IS NULL THEN 0 ELSE 1 END,
         nullif(r.detail, ''),
         CASE WHEN r.person_key IS NULL THEN btrim(r.id_text) END,
         CASE WHEN r.person_key IS NULL THEN id_problem_name(r.id_code) END,
         CASE WHEN r.person_key IS NULL THEN r.name END,
         CASE WHEN r.person_key IS NULL THEN nullif(r.sex, '') END,
         CASE WHEN r.person_key IS NULL THEN r.birth_date END,
         CASE WHEN r.person_key IS NULL THEN r.region_code END
  FROM feed_row r
  WHERE r.reject IS NULL AND (r.id_code < 0 OR r.person_key IS NOT NULL)
  ORDER BY r.source, r.ref, r.seq
  ON CONFLICT (source, ref) DO NOTHING
  RETURNING person_key, kind, occurred_on
), summary AS (
  INSERT INTO person_summary AS ps (person_key, last_alive_on, death_on)
  SELECT s.person_key,
         max(s.occurred_on) FILTER (WHERE k.cls = 'alive'),
         min(s.occurred_on) FILTER (WHERE k.cls = 'death')
  FROM stored s
  JOIN evidence_kind k ON k.kind = s.kind AND k.cls IN ('alive', 'death')
  WHERE s.person_key IS NOT NULL
  GROUP BY s.person_key
  ON CONFLICT (person_key) DO UPDATE
    SET last_alive_on = greatest(ps.last_alive_on, excluded.last_alive_on),  -- greatest/least skip NULLs
        death_on = least(ps.death_on, excluded.death_on)
  RETURNING 1
)
SELECT format('stored=%s linked=%s unlinked=%s summary_rows=%s',
              count(*), count(person_key), count(*) - count(person_key), (SELECT count(*) FROM summary))
FROM stored;

\echo == step report
-- The counts tacit reports per call.
SELECT format('rows=%s rejected=%s dropped=%s accepted_kept=%s',
              count(*),
              count(*) FILTER (WHERE reject IS NOT NULL),
              count(*) FILTER (WHERE reject IS NULL AND id_code > 0 AND person_key IS NULL),
              count(*) FILTER (WHERE reject IS NULL AND (id_code < 0 OR person_key IS NOT NULL)))
FROM feed_row;

\echo == step drop_staging_commit
DROP TABLE feed_row;
DROP TABLE feed_staging;
COMMIT;
