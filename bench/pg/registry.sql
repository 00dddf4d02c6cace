-- Untimed setup, the counterpart of `tacit registry import`: loads the registry
-- CSV and keeps one row per person (the registry has one row per entitlement).
--
-- psql variables: registry (absolute path of registry.csv, readable by the server).

\set ON_ERROR_STOP on
BEGIN;
COPY registry_staging FROM :'registry' (FORMAT csv, HEADER true);
INSERT INTO person (person_key, id_number, name, sex, birth_date, region_code)
SELECT DISTINCT ON (k.key) k.key, upper(btrim(r.id_number)), r.name, r.sex, r.birth_date::date, r.region_code
FROM registry_staging r
CROSS JOIN LATERAL (SELECT normalise_id(r.id_number, current_date) AS key) k
WHERE k.key > 0
ORDER BY k.key;
TRUNCATE registry_staging;
COMMIT;
ANALYZE person;
SELECT format('persons=%s', count(*)) FROM person;
