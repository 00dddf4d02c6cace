// The PostgreSQL store's foundation against a real server: the throwaway
// cluster of the ctest fixture `pg` (tests/pg/pg_cluster.sh), named by
// TACIT_TEST_PG. Each test works in a database of its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/pg/pg_conn.h"
#include "store/pg/pg_schema.h"
#include "tacit/secrets.h"

namespace tacit::pg {
namespace {

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* server = std::getenv("TACIT_TEST_PG");
    if (server == nullptr || *server == '\0') GTEST_SKIP() << "TACIT_TEST_PG is not set (ctest starts a cluster)";
    server_ = server;
    auto admin = PgConn::Connect(server_);
    ASSERT_TRUE(admin) << admin.error().ToString();
    admin_ = std::make_unique<PgConn>(std::move(*admin));
    db_ = "tacit_t" + RandomHex(6);
    ASSERT_TRUE(admin_->Exec("CREATE DATABASE " + db_));
  }
  void TearDown() override {
    if (admin_) (void)admin_->Exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
  }

  // A connection to this test's database.
  PgConn Open() {
    auto c = PgConn::Connect(PgConn::WithDatabase(server_, db_));
    if (!c) {
      ADD_FAILURE() << c.error().ToString();
      std::abort();
    }
    return std::move(*c);
  }

  int Count(PgConn& c, const std::string& sql) {
    auto r = c.Query(sql, {});
    EXPECT_TRUE(r) << r.error().ToString();
    return r && r->Get(0, 0) ? std::stoi(*r->Get(0, 0)) : -1;
  }

  std::string server_, db_;
  std::unique_ptr<PgConn> admin_;
};

TEST_F(PgStoreTest, MigrateCreatesTheCurrentSchemaOnceAndThenChangesNothing) {
  PgConn c = Open();
  EXPECT_EQ(*SchemaVersion(c), 0);
  auto v = Migrate(c);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(*v, kSchemaVersion);
  const int tables = Count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()");
  EXPECT_GT(tables, 30);
  for (const char* t : {"person", "entitlement", "evidence", "batch", "cycle_run", "payment", "receivable", "audit",
                        "case_file", "outreach_message", "visit_task", "citizen_code", "region", "person_dirty"}) {
    EXPECT_EQ(Count(c, std::string("SELECT count(*) FROM pg_tables WHERE tablename = '") + t + "'"), 1) << t;
  }
  auto again = Migrate(c);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, kSchemaVersion);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), tables);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM schema_version"), 1);
}

// A database made by an earlier tacit (schema 12) is brought up to date and
// keeps its rows.
TEST_F(PgStoreTest, AVersion12DatabaseIsMigratedAndKeepsItsRows) {
  PgConn c = Open();
  ASSERT_TRUE(c.Exec(SchemaV12Sql()));
  ASSERT_TRUE(c.Exec("INSERT INTO region (code, name, parent, level) VALUES ('14', '山西省', NULL, 1)"));
  EXPECT_EQ(*SchemaVersion(c), 12);
  auto v = Migrate(c);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(*v, kSchemaVersion);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM region"), 1);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('stats_snapshot', 'stats_cell')"), 2);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM schema_version"), 1);
}

// Schema 14 (ready for Citus): the rows of a version 13 database get their
// person's key from their parent, the (source, ref) claims move to
// evidence_claim and stay exact, and the distribution key can no longer be
// changed in place.
TEST_F(PgStoreTest, AVersion13LedgerGetsItsPersonKeysAndClaims) {
  PgConn c = Open();
  ASSERT_TRUE(c.Exec(SchemaV12Sql()));
  ASSERT_TRUE(c.Exec(MigrationsAfterV12()[0]));
  ASSERT_EQ(*SchemaVersion(c), 13);
  ASSERT_TRUE(c.Exec(
      "INSERT INTO entitlement (id, person_key, scheme, paying_region, start_month) VALUES (5, 77, 1, '140202', 300);"
      "INSERT INTO entitlement_amount VALUES (5, 300, 300000, 0);"
      "INSERT INTO decision VALUES (310, 5, 0, 300000, 'pay.certified', 0);"
      "INSERT INTO payment VALUES (5, 310, 310, 'regular', 300000);"
      "INSERT INTO receivable (entitlement_id, month, amount_fen, run_month, reason, evidence_id) "
      "  VALUES (5, 309, 300000, 310, 'terminate.death', 9);"
      "INSERT INTO forecast VALUES (5, 312, 0, 300000, 'pay.certified', 0);"
      "INSERT INTO recovery (receivable_id, entitlement_id, month, amount_fen, method, on_date, note, recorded_at) "
      "  VALUES (1, 5, 309, 100, 'lump', 20000, '', '');"
      "INSERT INTO outreach_message (idem_key, person_key, recipient, region, channel, template, params, reason, "
      "  deadline, created_ms, not_before_ms, expires_ms, status, next_attempt_ms) "
      "  VALUES ('k', 77, '', '', 'sms', 't', '{}', 'due', '', 0, 0, 0, 'sent', 0);"
      "INSERT INTO outreach_attempt (message_id, at_ms, channel, outcome, http_status, provider_code, failure, "
      "  duration_ms) VALUES (1, 0, 'sms', 'sent', 200, '', '', 1);"
      "INSERT INTO source (name) VALUES ('civil');"
      "INSERT INTO evidence VALUES (9, 77, 1, 'D-1', 'death', 20000, 20001, 1, 'exact', 1, NULL);"
      "DELETE FROM person_dirty"));
  auto v = Migrate(c);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(*v, kSchemaVersion);
  for (const char* t : {"entitlement_amount", "decision", "payment", "receivable", "forecast", "recovery",
                        "outreach_attempt"}) {
    EXPECT_EQ(Count(c, std::string("SELECT count(*) FROM ") + t + " WHERE person_key = 77"), 1) << t;
  }
  EXPECT_EQ(Count(c, "SELECT count(*) FROM person_dirty"), 0) << "filling the key changes no amount";
  EXPECT_EQ(Count(c, "SELECT evidence_id FROM evidence_claim WHERE source_id = 1 AND ref = 'D-1'"), 9);
  EXPECT_FALSE(c.Exec("INSERT INTO evidence_claim VALUES (1, 'D-1', 10)")) << "(source, ref) stays unique";
  EXPECT_FALSE(c.Exec("UPDATE evidence SET person_key = 78 WHERE id = 9")) << "the distribution key is fixed";
  EXPECT_FALSE(c.Exec("UPDATE decision SET person_key = 78"));
  EXPECT_TRUE(c.Exec("UPDATE decision SET person_key = person_key, rule = 'pay.x'")) << "other columns change";
}

TEST_F(PgStoreTest, InstancesStartingAtOnceCreateTheSchemaOnce) {
  std::vector<Result<int>> results(4, 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      PgConn c = Open();
      results[i] = Migrate(c);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Result<int>& r : results) {
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(*r, kSchemaVersion);
  }
  PgConn c = Open();
  EXPECT_EQ(Count(c, "SELECT count(*) FROM schema_version"), 1);
}

TEST_F(PgStoreTest, ADatabaseOfSomethingElseIsRefusedAndLeftAlone) {
  PgConn c = Open();
  ASSERT_TRUE(c.Exec("CREATE TABLE accounts (id BIGINT PRIMARY KEY)"));
  auto v = Migrate(c);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), 1);
  ASSERT_TRUE(c.Exec("DROP TABLE accounts; CREATE TABLE schema_version (version INTEGER); "
                     "INSERT INTO schema_version VALUES (99)"));
  auto newer = Migrate(c);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(PgStoreTest, TheAuditTrailCannotBeChangedOrCutInTheDatabase) {
  PgConn c = Open();
  ASSERT_TRUE(Migrate(c));
  auto cols = c.Query("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
                      "WHERE table_name = 'audit'", {});
  ASSERT_TRUE(cols);
  ASSERT_TRUE(cols->Get(0, 0)) << "no audit table";
  // One entry, then an attempt to alter it and one to delete it: both refused by the triggers.
  auto ins = c.Query("INSERT INTO audit (id, at_ms, actor, action, target, detail, outcome, prev_hash, hash) VALUES "
                     "(1, 0, 'cli:root', 'test', '', '', 'ok', 'p', 'h')", {});
  ASSERT_TRUE(ins) << ins.error().ToString() << " columns: " << *cols->Get(0, 0);
  EXPECT_FALSE(c.Exec("UPDATE audit SET outcome = 'forged' WHERE id = 1"));
  EXPECT_FALSE(c.Exec("DELETE FROM audit WHERE id = 1"));
  EXPECT_EQ(Count(c, "SELECT count(*) FROM audit WHERE outcome = 'ok'"), 1);
}

// ---- Ready for Citus ---------------------------------------------------------------

// What src/store/pg/citus.sql does with each table: distributed by a column,
// a reference table, or a local table on the coordinator.
struct CitusLayout {
  std::map<std::string, std::string> distributed;  // table → distribution column
  std::set<std::string> reference, local;
  std::vector<std::string> twice;                  // tables named more than once
};

CitusLayout ReadCitusLayout(const std::string& path) {
  std::ifstream in(path);
  std::string text, line;
  while (std::getline(in, line)) {
    const size_t comment = line.find("--");
    text += line.substr(0, comment) + "\n";
  }
  CitusLayout layout;
  std::set<std::string> seen;
  auto name = [&](const std::string& t) {
    if (!seen.insert(t).second) layout.twice.push_back(t);
  };
  const std::regex quoted("'([a-z_]+)'");
  std::stringstream statements(text);
  std::string st;
  while (std::getline(statements, st, ';')) {
    std::vector<std::string> tables;
    std::string column;
    const size_t array = st.find("ARRAY[");
    if (array != std::string::npos) {
      const std::string list = st.substr(array, st.find(']', array) - array);
      for (std::sregex_iterator it(list.begin(), list.end(), quoted), end; it != end; ++it) tables.push_back((*it)[1]);
      const std::string head = st.substr(0, array);
      std::smatch m;
      if (std::regex_search(head, m, std::regex(R"(\(t,\s*'([a-z_]+)')"))) column = m[1];
    } else {
      std::smatch m;
      if (std::regex_search(st, m, std::regex(R"(\(\s*'([a-z_]+)'(?:,\s*'([a-z_]+)')?)"))) {
        tables.push_back(m[1]);
        column = m[2];
      }
    }
    for (const std::string& t : tables) {
      if (st.find("create_reference_table") != std::string::npos) {
        layout.reference.insert(t);
      } else if (st.find("create_distributed_table") != std::string::npos) {
        layout.distributed[t] = column;
      } else if (st.find("citus_add_local_table_to_metadata") != std::string::npos) {
        layout.local.insert(t);
      } else {
        continue;
      }
      name(t);
    }
  }
  return layout;
}

// The schema meets what a Citus cluster requires of the layout citus.sql
// gives it; without Citus (not packaged in Debian 12) this is checked in
// PostgreSQL's own catalog. That no code path updates a distribution key is
// proved by the whole conformance suite running on PostgreSQL against the
// guard triggers this test finds.
TEST_F(PgStoreTest, TheSchemaIsReadyForCitusAsCitusSqlDistributesIt) {
  const CitusLayout layout = ReadCitusLayout(TACIT_CITUS_SQL);
  ASSERT_GT(layout.distributed.size(), 20u) << "could not read " << TACIT_CITUS_SQL;
  EXPECT_TRUE(layout.twice.empty()) << "named twice: " << layout.twice.front();
  PgConn c = Open();
  ASSERT_TRUE(Migrate(c));

  // Every table of the schema has its place, and nothing else is named.
  auto tables = c.Query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1", {});
  ASSERT_TRUE(tables);
  std::set<std::string> schema;
  for (int r = 0; r < tables->size(); ++r) {
    const std::string t = *tables->Get(r, 0);
    schema.insert(t);
    const bool placed = layout.distributed.contains(t) || layout.reference.contains(t) || layout.local.contains(t);
    EXPECT_TRUE(placed) << "citus.sql does not place table " << t;
  }
  for (const auto& [t, col] : layout.distributed) EXPECT_TRUE(schema.contains(t)) << "no table " << t;
  for (const std::string& t : layout.reference) EXPECT_TRUE(schema.contains(t)) << "no table " << t;
  for (const std::string& t : layout.local) EXPECT_TRUE(schema.contains(t)) << "no table " << t;

  for (const auto& [t, col] : layout.distributed) {
    ASSERT_FALSE(col.empty()) << t;
    if (!schema.contains(t)) continue;
    // The distribution column exists, is never NULL, and co-located tables
    // share its type.
    auto type = c.Query("SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
                        "WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped",
                        {t, col});
    ASSERT_TRUE(type);
    ASSERT_EQ(type->size(), 1) << t << " has no column " << col;
    EXPECT_EQ(*type->Get(0, 1), "t") << t << "." << col << " may be NULL";
    if (col == "person_key") {
      EXPECT_EQ(*type->Get(0, 0), "bigint") << t;
    }
    // Every primary and unique key holds it.
    auto keys = c.Query("SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = $1::regclass "
                        "AND i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid "
                        "AND a.attname = $2 AND a.attnum = ANY (i.indkey))",
                        {t, col});
    ASSERT_TRUE(keys);
    for (int r = 0; r < keys->size(); ++r) ADD_FAILURE() << "a unique key without " << col << ": " << *keys->Get(r, 0);
    // Identity columns of distributed tables must be bigint.
    EXPECT_EQ(Count(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = '" + t +
                           "'::regclass AND attidentity <> '' AND atttypid <> 'bigint'::regtype"),
              0)
        << t;
    // The key is never updated: a guard refuses it here as Citus would.
    if (col == "person_key") {
      EXPECT_EQ(Count(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + t + "'::regclass AND tgname = '" + t +
                             "_person_key_fixed'"),
                1)
          << t;
    }
  }

  // Foreign keys: a distributed table may point at a reference table, a local
  // table at a local or reference one; nothing points at a distributed table
  // from elsewhere.
  auto fks = c.Query("SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'",
                     {});
  ASSERT_TRUE(fks);
  for (int r = 0; r < fks->size(); ++r) {
    const std::string from = *fks->Get(r, 0), to = *fks->Get(r, 1);
    const bool ok = layout.reference.contains(to) || (layout.local.contains(from) && layout.local.contains(to));
    EXPECT_TRUE(ok) << "foreign key " << from << " → " << to;
  }
}

TEST(PgConnTest, PasswordsNeverReachMessages) {
  EXPECT_EQ(PgConn::Redacted("postgresql://tacit:s3cret@db.example/tacit"), "postgresql://tacit:***@db.example/tacit");
  EXPECT_EQ(PgConn::Redacted("host=db user=tacit password=s3cret dbname=tacit"),
            "host=db user=tacit password=*** dbname=tacit");
  EXPECT_EQ(PgConn::Redacted("host=db password='a b\\'c' dbname=x"), "host=db password=*** dbname=x");
  auto bad = PgConn::Connect("host=/nonexistent-socket-dir port=5432 user=tacit password=s3cret dbname=tacit "
                             "connect_timeout=2");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("password=***"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace tacit::pg
