-- Schema 17. Nothing changes on PostgreSQL: version 17 stores the SQLite
-- store's packs (evidence_pack) in a smaller format. The number moves so that
-- both stores name the same version.
UPDATE schema_version SET version = 17;
