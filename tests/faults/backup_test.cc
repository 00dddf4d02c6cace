// `tacit backup` and `tacit restore` on SQLite through the real binary: a
// restored store answers exactly as the original did; a backup taken while an
// ingest runs in another process holds the store before or after the batch,
// never a part of it; restore refuses what would lose data.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "fault_helpers.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using testing::FreshDir;
using testing::ReadState;
using testing::ReadText;
using testing::SqliteValue;
using testing::Tacit;

class Backup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(std::string("backup_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto demo = Tacit(dir_, "demo --people 300 --dir d");
    ASSERT_EQ(demo.status, 0) << demo.out;
    ids_ = testing::RegistryIds(dir_ / "d/registry.csv");
    ASSERT_GE(ids_.size(), 300u);
  }

  // What a user sees of the store: some persons' whole files and the statistics.
  std::string Views(const std::string& db) {
    std::string all;
    for (size_t i : {size_t{0}, size_t{1}, size_t{57}, size_t{150}, size_t{299}}) {
      auto show = Tacit(dir_, "--db " + db + " person show " + ids_[i] + " --json");
      EXPECT_EQ(show.status, 0) << show.out;
      all += show.out;
    }
    auto stats = Tacit(dir_, "--db " + db + " stats --region 14 --json");
    EXPECT_EQ(stats.status, 0) << stats.out;
    return all + stats.out;
  }

  fs::path dir_;
  std::vector<std::string> ids_;
};

TEST_F(Backup, RestoredStoreShowsTheSamePersonsAndStatistics) {
  auto backup = Tacit(dir_, "--db d/tacit.db backup --out b.db");
  ASSERT_EQ(backup.status, 0) << backup.out;
  EXPECT_NE(backup.out.find("完整性检查通过"), std::string::npos) << backup.out;
  EXPECT_NE(backup.out.find("d/tacit.db.key"), std::string::npos) << "names the key file to keep: " << backup.out;
  // One plain SQLite file: no WAL beside it, readable by any SQLite.
  EXPECT_FALSE(fs::exists(dir_ / "b.db-wal"));
  EXPECT_EQ(SqliteValue(dir_ / "b.db", "PRAGMA journal_mode"), "delete");
  EXPECT_EQ(SqliteValue(dir_ / "b.db", "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(fs::status(dir_ / "b.db").permissions() & fs::perms::others_read, fs::perms::none);

  fs::create_directories(dir_ / "fresh");
  auto restore = Tacit(dir_, "--db fresh/tacit.db restore b.db");
  ASSERT_EQ(restore.status, 0) << restore.out;
  EXPECT_EQ(Views("fresh/tacit.db"), Views("d/tacit.db"));
  auto verify = Tacit(dir_, "--db fresh/tacit.db audit verify");
  EXPECT_EQ(verify.status, 0) << verify.out;
  // The restore is in the restored store's trail.
  auto list = Tacit(dir_, "--db fresh/tacit.db audit list");
  EXPECT_NE(list.out.find("store.restore"), std::string::npos) << list.out;
  for (const auto& e : fs::directory_iterator(dir_ / "fresh")) {
    EXPECT_EQ(e.path().filename().string().find("restore-"), std::string::npos) << "left behind: " << e.path();
  }
}

TEST_F(Backup, RestoreRefusesAStoreWithDataUnlessForcedAndThenReplacesItWhole) {
  ASSERT_EQ(Tacit(dir_, "--db d/tacit.db backup --out b.db").status, 0);
  const auto at_backup = ReadState(dir_ / "d/tacit.db");
  testing::WriteText(dir_ / "more.csv", testing::BankFeed(ids_, 100, 2, "MORE"));
  ASSERT_EQ(Tacit(dir_, "--db d/tacit.db ingest more.csv").status, 0);
  const auto changed = ReadState(dir_ / "d/tacit.db");
  ASSERT_NE(changed.evidence, at_backup.evidence);

  auto refused = Tacit(dir_, "--db d/tacit.db restore b.db");
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("已有数据"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--force"), std::string::npos) << refused.out;
  EXPECT_EQ(ReadState(dir_ / "d/tacit.db"), changed);

  auto forced = Tacit(dir_, "--db d/tacit.db restore b.db --force");
  ASSERT_EQ(forced.status, 0) << forced.out;
  auto now = ReadState(dir_ / "d/tacit.db");
  EXPECT_EQ(now.evidence, at_backup.evidence);
  EXPECT_EQ(now.batches, at_backup.batches);
  EXPECT_EQ(now.payments, at_backup.payments);
  EXPECT_EQ(now.integrity, "ok");
  EXPECT_EQ(Tacit(dir_, "--db d/tacit.db audit verify").status, 0);
  // The batch the backup did not have can be ingested again.
  auto again = Tacit(dir_, "--db d/tacit.db ingest more.csv");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(ReadState(dir_ / "d/tacit.db").evidence, changed.evidence);
}

TEST_F(Backup, NeverReplacesAFileAndRefusesDamagedBackups) {
  testing::WriteText(dir_ / "taken.db", "precious");
  auto exists = Tacit(dir_, "--db d/tacit.db backup --out taken.db");
  EXPECT_EQ(exists.status, 1) << exists.out;
  EXPECT_NE(exists.out.find("已存在"), std::string::npos) << exists.out;
  EXPECT_EQ(ReadText(dir_ / "taken.db"), "precious");

  ASSERT_EQ(Tacit(dir_, "--db d/tacit.db backup --out b.db").status, 0);
  const std::string good = ReadText(dir_ / "b.db");
  // Cut in half, pages overwritten, not a database at all.
  testing::WriteText(dir_ / "half.db", good.substr(0, good.size() / 2));
  std::string scribbled = good;
  for (size_t i = scribbled.size() / 3; i < scribbled.size() / 3 + 20000; ++i) scribbled[i] = static_cast<char>(i * 7);
  testing::WriteText(dir_ / "scribbled.db", scribbled);
  testing::WriteText(dir_ / "notadb.db", ReadText(dir_ / "d/registry.csv"));
  fs::create_directories(dir_ / "fresh");
  for (const char* bad : {"half.db", "scribbled.db", "notadb.db"}) {
    auto r = Tacit(dir_, std::string("--db fresh/tacit.db restore ") + bad);
    EXPECT_EQ(r.status, 3) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("错误"), std::string::npos) << r.out;
    EXPECT_FALSE(testing::QuotesAnIdentityNumber(r.out)) << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "fresh/tacit.db")) << bad;
    EXPECT_TRUE(fs::is_empty(dir_ / "fresh")) << bad << ": a temporary file was left";
  }
  // A damaged backup is refused over a store with data too, even with --force;
  // so is the store as its own backup.
  const auto before = ReadState(dir_ / "d/tacit.db");
  auto itself = Tacit(dir_, "--db d/tacit.db restore d/tacit.db --force");
  EXPECT_EQ(itself.status, 1) << itself.out;
  auto forced = Tacit(dir_, "--db d/tacit.db restore scribbled.db --force");
  EXPECT_EQ(forced.status, 3) << forced.out;
  EXPECT_EQ(ReadState(dir_ / "d/tacit.db"), before);
  EXPECT_EQ(Tacit(dir_, "--db d/tacit.db audit verify").status, 0);
}

TEST_F(Backup, RestoreRefusesAStoreAnotherProcessHasOpen) {
  ASSERT_EQ(Tacit(dir_, "--db d/tacit.db backup --out b.db").status, 0);
  // A reader holding the store open, as `tacit serve` does.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "d/tacit.db").c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "SELECT count(*) FROM person", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto before = ReadState(dir_ / "d/tacit.db");
  auto busy = Tacit(dir_, "--db d/tacit.db restore b.db --force");
  EXPECT_EQ(busy.status, 1) << busy.out;
  EXPECT_NE(busy.out.find("正被其他进程使用"), std::string::npos) << busy.out;
  EXPECT_EQ(ReadState(dir_ / "d/tacit.db"), before);
  sqlite3_close(reader);
  auto done = Tacit(dir_, "--db d/tacit.db restore b.db --force");
  EXPECT_EQ(done.status, 0) << done.out;
}

// The backup reads in one transaction: while another process commits a large
// batch, every backup holds the store before the batch or after it.
TEST_F(Backup, BackupWhileAnIngestRunsHoldsTheStoreBeforeOrAfterTheBatch) {
  testing::WriteText(dir_ / "big.csv", testing::BankFeed(ids_, 300, 400, "BIG"));  // 120,000 rows
  const std::string before = ReadState(dir_ / "d/tacit.db").evidence;
  std::atomic<bool> done{false};
  testing::Output ingest;
  std::thread writer([&] {
    ingest = Tacit(dir_, "--db d/tacit.db ingest big.csv");
    done = true;
  });
  std::vector<std::string> seen;
  int during = 0;
  for (int i = 0; i < 40 && (i < 2 || !done); ++i) {
    const bool running = !done;
    const std::string out = "b" + std::to_string(i) + ".db";
    auto b = Tacit(dir_, "--db d/tacit.db backup --out " + out);
    ASSERT_EQ(b.status, 0) << b.out;
    const auto state = ReadState(dir_ / out);
    EXPECT_EQ(state.integrity, "ok");
    seen.push_back(state.evidence);
    during += running && !done;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  writer.join();
  ASSERT_EQ(ingest.status, 0) << ingest.out;
  const std::string after = ReadState(dir_ / "d/tacit.db").evidence;
  ASSERT_NE(before, after);
  for (const std::string& n : seen) EXPECT_TRUE(n == before || n == after) << n << " not " << before << "/" << after;
  EXPECT_GT(during, 0) << "no backup ran while the ingest did";
  // A backup from the middle of it restores to a store that works.
  fs::create_directories(dir_ / "fresh");
  ASSERT_EQ(Tacit(dir_, "--db fresh/tacit.db restore b0.db").status, 0);
  EXPECT_EQ(Tacit(dir_, "--db fresh/tacit.db audit verify").status, 0);
  auto again = Tacit(dir_, "--db fresh/tacit.db ingest big.csv");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(ReadState(dir_ / "fresh/tacit.db").evidence, after);
  std::printf("backups during the ingest: %d of %zu; evidence %s → %s\n", during, seen.size(), before.c_str(),
              after.c_str());
}

}  // namespace
}  // namespace tacit
