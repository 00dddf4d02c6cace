// Faults on PostgreSQL through the real binary:
// - `tacit backup` / `tacit restore` (pg_dump -Fc / pg_restore) into a fresh
//   database give the same `person show` and statistics, on the cluster of the
//   ctest fixture `pg` (TACIT_TEST_PG);
// - the database going away and coming back, on a cluster of the test's own
//   (it is stopped and started, which the shared fixture must not be): a
//   command fails with a clear message while it is down and works again once
//   it is back, and a running `tacit serve` recovers without a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "fault_helpers.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using testing::FreshDir;
using testing::Output;
using testing::Tacit;

Output Sh(const fs::path& dir, const std::string& cmd) {
  Output o;
  FILE* p = popen(("cd '" + dir.string() + "' && " + cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

std::string Views(const fs::path& dir, const std::string& db, const std::vector<std::string>& ids) {
  std::string all;
  for (size_t i : {size_t{0}, size_t{1}, size_t{57}, size_t{150}, size_t{199}}) {
    auto show = Tacit(dir, "--db '" + db + "' person show " + ids[i] + " --json");
    EXPECT_EQ(show.status, 0) << show.out;
    all += show.out;
  }
  auto stats = Tacit(dir, "--db '" + db + "' stats --region 14 --json");
  EXPECT_EQ(stats.status, 0) << stats.out;
  return all + stats.out;
}

TEST(PgBackup, RestoredDatabaseShowsTheSamePersonsAndStatistics) {
  if (!TestStoreIsPostgres()) GTEST_SKIP() << "TACIT_TEST_PG is not set (ctest -L postgres sets it)";
  const auto dir = FreshDir("pg_backup");
  const std::string db = TestStoreLocation(dir / "a");
  auto demo = Tacit(dir, "--db '" + db + "' --key-file tacit.key demo --people 200 --dir d");
  ASSERT_EQ(demo.status, 0) << demo.out;
  const auto ids = testing::RegistryIds(dir / "d/registry.csv");
  ASSERT_GE(ids.size(), 200u);

  auto backup = Tacit(dir, "--db '" + db + "' --key-file tacit.key backup --out b.dump");
  ASSERT_EQ(backup.status, 0) << backup.out;
  EXPECT_NE(backup.out.find("pg_dump"), std::string::npos) << backup.out;
  EXPECT_NE(backup.out.find("tacit.key"), std::string::npos) << backup.out;
  EXPECT_FALSE(testing::QuotesAnIdentityNumber(backup.out)) << backup.out;

  // A fresh database with the schema made (as `tacit init` leaves it): empty, so no --force.
  const std::string fresh = TestStoreLocation(dir / "b");
  auto restore = Tacit(dir, "--db '" + fresh + "' restore b.dump");
  ASSERT_EQ(restore.status, 0) << restore.out;
  EXPECT_EQ(Views(dir, fresh, ids), Views(dir, db, ids));
  auto verify = Tacit(dir, "--db '" + fresh + "' audit verify");
  EXPECT_EQ(verify.status, 0) << verify.out;

  // It now holds data: a second restore needs --force, and a damaged file is refused.
  auto refused = Tacit(dir, "--db '" + fresh + "' restore b.dump");
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("--force"), std::string::npos) << refused.out;
  testing::WriteText(dir / "bad.dump", testing::ReadText(dir / "b.dump").substr(0, 5000));
  auto bad = Tacit(dir, "--db '" + fresh + "' restore bad.dump --force");
  EXPECT_EQ(bad.status, 3) << bad.out;
  EXPECT_EQ(Views(dir, fresh, ids), Views(dir, db, ids)) << "a refused restore changes nothing";
  auto forced = Tacit(dir, "--db '" + fresh + "' restore b.dump --force");
  EXPECT_EQ(forced.status, 0) << forced.out;
  EXPECT_EQ(Views(dir, fresh, ids), Views(dir, db, ids));
  DropTestStore(fresh);
  DropTestStore(db);
}

// A PostgreSQL cluster of this test's own (tests/pg/pg_cluster.sh).
class OwnCluster {
 public:
  explicit OwnCluster(fs::path dir) : dir_(std::move(dir)) {
    auto started = Sh(dir_.parent_path(), std::string(TACIT_SOURCE_DIR) + "/tests/pg/pg_cluster.sh start '" +
                                              dir_.string() + "'");
    ok_ = started.status == 0;
    why_ = started.out;
  }
  ~OwnCluster() { Sh(dir_.parent_path(), std::string(TACIT_SOURCE_DIR) + "/tests/pg/pg_cluster.sh stop '" +
                                         dir_.string() + "'"); }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  // A password in the URL: the socket's trust authentication ignores it, and
  // no message may show it.
  std::string Url() const {
    return "postgresql://postgres:s3cret-pw@/postgres?host=" + (dir_ / "sock").string() + "&port=5432";
  }
  int Ctl(const std::string& action) {
    const std::string as = geteuid() == 0 ? "runuser -u postgres -- " : "";
    return Sh(dir_.parent_path(), as + "/usr/lib/postgresql/15/bin/pg_ctl -D '" + (dir_ / "data").string() +
                                      "' -l '" + (dir_ / "postgres.log").string() + "' -m fast -w " + action)
        .status;
  }

 private:
  fs::path dir_;
  bool ok_ = false;
  std::string why_;
};

TEST(PgGoneAway, CommandsFailClearlyWhileItIsDownAndServeRecoversWithoutARestart) {
  if (!fs::exists("/usr/lib/postgresql/15/bin/pg_ctl")) GTEST_SKIP() << "no PostgreSQL 15 here";
  const auto dir = FreshDir("pg_gone");
  OwnCluster pg(dir / "pg");
  ASSERT_TRUE(pg.ok()) << pg.why();
  const std::string db = pg.Url();
  auto demo = Tacit(dir, "--db '" + db + "' --key-file tacit.key demo --people 100 --dir d --quiet");
  ASSERT_EQ(demo.status, 0) << demo.out;

  Output started = Sh(dir, std::string("TACIT_TODAY=2026-11-27 '") + TACIT_BINARY + "' --db '" + db +
                               "' --key-file tacit.key serve --listen 127.0.0.1:0 --threads 2 > serve.out 2>&1 & "
                               "echo $!");
  const pid_t pid = std::stoi(started.out);
  int port = 0;
  for (int i = 0; i < 100 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string out = testing::ReadText(dir / "serve.out");
    const size_t at = out.find("http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(out.c_str() + at + 17);
  }
  ASSERT_GT(port, 0) << testing::ReadText(dir / "serve.out");
  const std::string health = "curl -s -w ' %{http_code}' http://127.0.0.1:" + std::to_string(port) + "/healthz";
  // Warm every worker's connection, so that the pool holds connections the
  // server will drop.
  for (int i = 0; i < 4; ++i) EXPECT_NE(Sh(dir, health).out.find(" 200"), std::string::npos);

  ASSERT_EQ(pg.Ctl("stop"), 0);
  auto down = Tacit(dir, "--db '" + db + "' stats --json");
  EXPECT_EQ(down.status, 3) << down.out;
  EXPECT_NE(down.out.find("无法连接 PostgreSQL (cannot connect to PostgreSQL"), std::string::npos) << down.out;
  EXPECT_EQ(down.out.find("s3cret-pw"), std::string::npos) << down.out;
  auto down_backup = Tacit(dir, "--db '" + db + "' backup --out down.dump");
  EXPECT_EQ(down_backup.status, 3) << down_backup.out;
  EXPECT_EQ(down_backup.out.find("s3cret-pw"), std::string::npos) << down_backup.out;
  EXPECT_FALSE(fs::exists(dir / "down.dump"));
  for (int i = 0; i < 3; ++i) EXPECT_NE(Sh(dir, health).out.find(" 503"), std::string::npos);

  ASSERT_EQ(pg.Ctl("start"), 0);
  // The server recovers by itself: every request after the first that meets
  // a dropped connection succeeds.
  int ok = 0;
  for (int i = 0; i < 6; ++i) ok += Sh(dir, health).out.find(" 200") != std::string::npos;
  EXPECT_GE(ok, 5) << testing::ReadText(dir / "serve.out");
  auto up = Tacit(dir, "--db '" + db + "' stats --json");
  EXPECT_EQ(up.status, 0) << up.out;
  auto verify = Tacit(dir, "--db '" + db + "' audit verify");
  EXPECT_EQ(verify.status, 0) << verify.out;

  kill(pid, SIGTERM);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string log = testing::ReadText(dir / "serve.out");
  // The stop is audited on the server's own connection, dropped by the
  // restart while it sat idle: it reconnects for it.
  EXPECT_NE(log.find("已停止 (stopped)"), std::string::npos) << log;
  EXPECT_EQ(log.find("错误"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << log;
  EXPECT_FALSE(testing::QuotesAnIdentityNumber(log)) << log;
}

}  // namespace
}  // namespace tacit
