-- Schema 16. Nothing changes on PostgreSQL: version 16 packs the linked
-- records of the SQLite store's bulk units, one row per person and unit
-- (evidence_pack), and PostgreSQL loads its evidence with COPY. The number
-- moves so that both stores name the same version.
UPDATE schema_version SET version = 16;
