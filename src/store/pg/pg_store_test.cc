// The PostgreSQL store's foundation against a real server: the throwaway
// cluster of the ctest fixture `pg` (tests/pg/pg_cluster.sh), named by
// TACIT_TEST_PG. Each test works in a database of its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

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
