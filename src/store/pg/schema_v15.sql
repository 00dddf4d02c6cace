-- Schema 15. Nothing changes on PostgreSQL: version 15 packs the SQLite
-- store's (source, ref) claims of bulk units into blocks (evidence_ref_block),
-- and PostgreSQL keeps its claims in evidence_claim (schema 14). The number
-- moves so that both stores name the same version.
UPDATE schema_version SET version = 15;
