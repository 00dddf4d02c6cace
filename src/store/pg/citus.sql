-- Distributing a tacit store (schema 14) over a Citus cluster: run once with
-- psql on the coordinator as a superuser (CREATE EXTENSION, ALTER SYSTEM),
-- after `tacit init --db postgresql://…coordinator…`
-- has made the schema and before the registry is imported (distributing an
-- empty schema is quick; a loaded one is copied shard by shard).
-- docs/operations.md, "A distributed PostgreSQL (Citus)", says how to set up the
-- cluster around it. PgStoreTest.TheSchemaIsReadyForCitusAsCitusSqlDistributesIt
-- (src/store/pg/pg_store_test.cc, in the PostgreSQL tests) checks that this
-- list covers every table of the schema and that each distributed
-- table meets what Citus requires of it (its distribution column in every
-- primary and unique key; the column never updated).
--
-- Citus is not packaged in Debian 12; it comes from the Citus project's own
-- repository. This file has been checked against PostgreSQL 15's catalog, not
-- run on a Citus cluster.

CREATE EXTENSION IF NOT EXISTS citus;

-- The triggers that stamp entitlements and mark persons run on the shards
-- and write to person_dirty on the coordinator.
ALTER SYSTEM SET citus.enable_unsafe_triggers = on;
SELECT pg_reload_conf();

-- Reference tables: small, read everywhere, copied to every node.
SELECT create_reference_table(t) FROM unnest(ARRAY[
  'meta', 'policy', 'region', 'source', 'partner', 'staff_user', 'channel_config', 'cert_point',
  'committee_contact', 'employer', 'schema_version'
]) AS t;

-- Distributed by the person, co-located: a person's rows of every table
-- below live on one node, so the monthly run, the person view and the
-- per-person writes never leave it.
SELECT create_distributed_table('person', 'person_key');
SELECT create_distributed_table(t, 'person_key', colocate_with => 'person') FROM unnest(ARRAY[
  'entitlement', 'entitlement_amount', 'evidence', 'person_summary', 'decision', 'payment', 'receivable',
  'forecast', 'recovery', 'case_file', 'face_template', 'face_challenge', 'face_attempt', 'outreach_message',
  'outreach_attempt', 'outreach_daily', 'channel_binding', 'special_person', 'visit_task', 'employer_member',
  'citizen_code', 'citizen_session'
]) AS t;

-- Distributed by the record's identity at its source: (source, ref) is
-- unique across persons.
SELECT create_distributed_table('evidence_claim', 'ref', colocate_with => 'none');

-- On the coordinator, in Citus's metadata so that every node reaches them:
-- one audit hash chain, the batches, the run headers, the queue of person
-- marks (its ids must grow in commit order), nonces, sessions, sequences, and
-- the records no person is linked to yet with the linker's attempts.
SELECT citus_add_local_table_to_metadata(t) FROM unnest(ARRAY[
  'audit', 'batch', 'cycle_run', 'person_dirty', 'request_nonce', 'death_return', 'link_model', 'staff_session',
  'sequence', 'evidence_ref', 'unlinked', 'link_attempt', 'stats_snapshot', 'stats_cell'
]) AS t;
