-- The PostgreSQL side of bench/ingest_vs_postgres.sh: schema and functions.
--
-- Untimed setup, the counterpart of `tacit init`: the tables the job appends to
-- and the functions it calls. Holds what tacit's store holds for ingest
-- (src/store/sqlite/schema.cc), in PostgreSQL's usual shape: evidence with a
-- primary key, unique on (source, ref), a partial index on the person, the
-- partner's identifying fields kept for unlinked rows only; and a per-person
-- summary of the last alive date and the earliest death date.
--
-- psql variables: none. Run as a superuser in an empty database.

\set ON_ERROR_STOP on

-- The registry's persons, keyed like tacit's PersonKey: the 17 digits times 11
-- plus the check value (X = 10).
CREATE TABLE person (
  person_key  bigint PRIMARY KEY,
  id_number   text NOT NULL UNIQUE,
  name        text NOT NULL,
  sex         text NOT NULL,
  birth_date  date NOT NULL,
  region_code text NOT NULL
);

-- Evidence kinds and their class, loaded from policy/default.toml by the script.
CREATE TABLE evidence_kind (
  kind text PRIMARY KEY,
  cls  text NOT NULL  -- the policy's class (alive, death, neutral, missing, custody, sentence...)
);

CREATE TABLE ingest_job (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_on date NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE evidence (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  ref         text NOT NULL,
  kind        text NOT NULL,
  person_key  bigint,             -- NULL: unlinked (no usable identity number)
  occurred_on date NOT NULL,
  received_on date NOT NULL,
  job_id      integer NOT NULL,
  link_method text NOT NULL,
  link_score  real NOT NULL,
  detail      text,
  -- The partner's identifying fields, for unlinked rows only.
  id_text     text,
  id_problem  text,
  name        text,
  sex         text,
  birth_date  date,
  region_code text,
  UNIQUE (source, ref)
);
CREATE INDEX evidence_person ON evidence (person_key) WHERE person_key IS NOT NULL;

CREATE TABLE person_summary (
  person_key    bigint PRIMARY KEY,
  last_alive_on date,
  death_on      date
);

-- Normalises and validates a citizen identity number (GB 11643), as tacit's
-- ParseIdNumber does: drops ASCII and ideographic spaces, tabs and quotes, makes
-- full-width digits and X ASCII and a lower-case x upper-case, widens a legacy
-- 15-digit number by inserting "19" after the area code and computing the
-- MOD 11-2 check character, then checks length, characters, the birth date
-- (a real date, 1880 or later, not after `today`) and the check character.
--
-- Returns the person key (> 0) for a valid number, or a problem code:
--   -1 missing, -2 bad_length, -3 bad_character, -4 bad_birth_date, -5 bad_checksum
-- (see id_problem_name). One scalar so that a query calls it once per row.
CREATE FUNCTION normalise_id(raw text, today date) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  t text;
  b bytea;
  legacy boolean := false;
  y int;
  m int;
  d int;
  last_day int;
  s int;
  c int;
BEGIN
  IF raw IS NULL THEN
    RETURN -1;
  END IF;
  IF raw ~ '^[0-9]{17}[0-9X]$' THEN  -- the common case: nothing to normalise
    t := raw;
  ELSE
    -- translate() drops the characters of the second list that have no
    -- counterpart in the third: the spaces, tabs and quotes.
    t := translate(raw, '０１２３４５６７８９Ｘｘx 　' || E'\t\r\n''"', '0123456789XXX');
    IF t = '' THEN
      RETURN -1;
    END IF;
    IF length(t) = 15 THEN
      IF t !~ '^[0-9]{15}$' THEN
        RETURN -3;
      END IF;
      legacy := true;
      t := substr(t, 1, 6) || '19' || substr(t, 7) || '0';  -- the check is computed below
    ELSIF length(t) = 18 THEN
      IF t !~ '^[0-9]{17}[0-9X]$' THEN
        RETURN -3;
      END IF;
    ELSE
      RETURN -2;
    END IF;
  END IF;
  -- Digits by byte: get_byte is far cheaper than substr()::int per digit.
  b := convert_to(t, 'UTF8');
  y := (get_byte(b, 6) - 48) * 1000 + (get_byte(b, 7) - 48) * 100 + (get_byte(b, 8) - 48) * 10
       + get_byte(b, 9) - 48;
  m := (get_byte(b, 10) - 48) * 10 + get_byte(b, 11) - 48;
  d := (get_byte(b, 12) - 48) * 10 + get_byte(b, 13) - 48;
  IF y < 1880 OR m < 1 OR m > 12 OR d < 1 THEN
    RETURN -4;
  END IF;
  -- (An IF condition ends at the first THEN outside parentheses, hence the variable.)
  last_day := CASE WHEN m = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
                   WHEN m IN (4, 6, 9, 11) THEN 30
                   ELSE 31 END;
  IF d > last_day THEN
    RETURN -4;
  END IF;
  IF make_date(y, m, d) > today THEN
    RETURN -4;
  END IF;
  -- MOD 11-2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the check character
  -- is "10X98765432"[sum % 11], whose value (X = 10) is (12 - sum % 11) % 11.
  s := ((get_byte(b, 0) - 48) * 7 + (get_byte(b, 1) - 48) * 9 + (get_byte(b, 2) - 48) * 10
        + (get_byte(b, 3) - 48) * 5 + (get_byte(b, 4) - 48) * 8 + (get_byte(b, 5) - 48) * 4
        + (get_byte(b, 6) - 48) * 2 + (get_byte(b, 7) - 48) * 1 + (get_byte(b, 8) - 48) * 6
        + (get_byte(b, 9) - 48) * 3 + (get_byte(b, 10) - 48) * 7 + (get_byte(b, 11) - 48) * 9
        + (get_byte(b, 12) - 48) * 10 + (get_byte(b, 13) - 48) * 5 + (get_byte(b, 14) - 48) * 8
        + (get_byte(b, 15) - 48) * 4 + (get_byte(b, 16) - 48) * 2) % 11;
  c := (12 - s) % 11;
  IF NOT legacy AND get_byte(b, 17) <> (CASE WHEN c = 10 THEN 88 ELSE 48 + c END) THEN  -- 88: 'X'
    RETURN -5;
  END IF;
  RETURN substr(t, 1, 17)::bigint * 11 + c;
END
$fn$;

CREATE FUNCTION id_problem_name(code bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE code WHEN -1 THEN 'missing' WHEN -2 THEN 'bad_length' WHEN -3 THEN 'bad_character'
                   WHEN -4 THEN 'bad_birth_date' WHEN -5 THEN 'bad_checksum' END
$fn$;

-- Every valid feed date from 1800-01-01 to today, by its canonical text: the
-- job validates and converts dates with a hash join on this table instead of a
-- per-row function (a cast would raise on 2025-02-30 and abort the job). tacit
-- also accepts 2026/5/3, 20260503, 2026.5.3, 2026年5月3日 and a trailing time;
-- the generated canonical feeds use YYYY-MM-DD only, and the script compares
-- the reject counts of both sides.
CREATE TABLE calendar (
  day_text text PRIMARY KEY,
  day      date NOT NULL
);
INSERT INTO calendar
SELECT to_char(d, 'YYYY-MM-DD'), d::date
FROM generate_series(date '1800-01-01', current_date, interval '1 day') AS d;
ANALYZE calendar;

-- The registry as imported (untimed, like `tacit registry import`): one row per
-- entitlement, so several rows may name one person.
CREATE UNLOGGED TABLE registry_staging (
  id_number text, name text, sex text, birth_date text, phone text, region_code text,
  scheme text, paying_region text, monthly_amount text, start_month text,
  special_care text, basic_amount text, last_certified_on text
);
