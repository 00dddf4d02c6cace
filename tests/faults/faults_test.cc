// Faults on the SQLite store, through the real binary: a full disk, a store
// that cannot be written, a partner file cut off in the middle, a clock that
// jumps. Each must end in a clear message (Chinese with English, no identity
// number), a non-zero exit code where something was refused, and a store that
// is unchanged or fully consistent: PRAGMA integrity_check, the counts that
// carry money and knowledge, `tacit audit verify`.
//
// Mounting (tmpfs, read-only bind mounts) and `chattr +i` need root and a
// file system that allows them; a test that cannot set its fault up says so
// and skips. The file-size limit (ulimit -f) works everywhere.
#include <gtest/gtest.h>

#include <filesystem>

#include "fault_helpers.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using testing::FreshDir;
using testing::QuotesAnIdentityNumber;
using testing::ReadState;
using testing::ReadText;
using testing::Shell;
using testing::StoreState;
using testing::Tacit;
using testing::WriteText;

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(std::string("faults_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto demo = Tacit(dir_, "demo --people 300 --dir d");
    ASSERT_EQ(demo.status, 0) << demo.out;
    ids_ = testing::RegistryIds(dir_ / "d/registry.csv");
    ASSERT_GE(ids_.size(), 300u);
  }

  // The trail still verifies and the file is whole.
  void ExpectConsistent(const std::string& db) {
    EXPECT_EQ(testing::SqliteValue(dir_ / db, "PRAGMA integrity_check"), "ok");
    auto verify = Tacit(dir_, "--db " + db + " audit verify");
    EXPECT_EQ(verify.status, 0) << verify.out;
  }

  fs::path dir_;
  std::vector<std::string> ids_;
};

// A failed command's message: the error marker, the words given, no identity number.
void ExpectClearError(const testing::Output& o, int status, const std::string& words) {
  EXPECT_EQ(o.status, status) << o.out;
  EXPECT_NE(o.out.find("错误 (error)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(words), std::string::npos) << o.out;
  EXPECT_FALSE(QuotesAnIdentityNumber(o.out)) << o.out;
}

// ---- Disk full -------------------------------------------------------------

// A real full file system: a small tmpfs holding the store.
TEST_F(Faults, FullDiskFailsTheIngestClearlyAndLeavesTheStoreAsItWas) {
  fs::create_directories(dir_ / "small");
  const uintmax_t size_kib = fs::file_size(dir_ / "d/tacit.db") / 1024 + 400;
  if (Shell("mount -t tmpfs -o size=" + std::to_string(size_kib) + "k tmpfs '" + (dir_ / "small").string() +
            "' 2>/dev/null") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root); FileSizeLimit covers a full disk";
  }
  struct Unmount {
    fs::path p;
    ~Unmount() { Shell("umount '" + p.string() + "'"); }
  } unmount{dir_ / "small"};
  fs::copy_file(dir_ / "d/tacit.db", dir_ / "small/tacit.db");
  fs::copy_file(dir_ / "d/tacit.db.key", dir_ / "small/tacit.db.key");
  const StoreState before = ReadState(dir_ / "small/tacit.db");
  WriteText(dir_ / "big.csv", testing::BankFeed(ids_, 300, 60, "FULL"));  // 18,000 rows

  auto full = Tacit(dir_, "--db small/tacit.db ingest big.csv");
  ExpectClearError(full, 3, "磁盘已满");
  EXPECT_EQ(ReadState(dir_ / "small/tacit.db"), before);
  ExpectConsistent("small/tacit.db");
  // Reads go on while the disk is full.
  EXPECT_EQ(Tacit(dir_, "--db small/tacit.db stats --json").status, 0);

  // With room again the same file goes in, once.
  ASSERT_EQ(Shell("mount -o remount,size=256m '" + (dir_ / "small").string() + "'"), 0);
  auto roomy = Tacit(dir_, "--db small/tacit.db ingest big.csv");
  ASSERT_EQ(roomy.status, 0) << roomy.out;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "small/tacit.db").evidence), std::stoll(before.evidence) + 18000);
  ExpectConsistent("small/tacit.db");
}

// A file-size limit (ulimit -f) fails writes with EFBIG as a full disk fails
// them with ENOSPC: tacit ignores SIGXFSZ so that it reports instead of dying.
TEST_F(Faults, FileSizeLimitFailsTheIngestClearlyAndLeavesTheStoreAsItWas) {
  const StoreState before = ReadState(dir_ / "d/tacit.db");
  // 60,000 rows: their pages outgrow a limit 300 KiB above the store's size
  // whatever the page size (an empty store of 16 KiB pages is 1.5 MB).
  WriteText(dir_ / "big.csv", testing::BankFeed(ids_, 300, 200, "LIMIT"));
  const uintmax_t limit_kib = fs::file_size(dir_ / "d/tacit.db") / 1024 + 300;
  auto o = testing::TacitAfter(dir_, "ulimit -f " + std::to_string(limit_kib), "--db d/tacit.db ingest big.csv");
  ExpectClearError(o, 3, "磁盘已满或超出文件大小限制");
  EXPECT_EQ(ReadState(dir_ / "d/tacit.db"), before);
  ExpectConsistent("d/tacit.db");
  auto unlimited = Tacit(dir_, "--db d/tacit.db ingest big.csv");
  ASSERT_EQ(unlimited.status, 0) << unlimited.out;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 60000);
}

// A backup that does not fit leaves no file (not a partial one under the name).
TEST_F(Faults, BackupThatDoesNotFitLeavesNoFile) {
  auto o = testing::TacitAfter(dir_, "ulimit -f 500", "--db d/tacit.db backup --out b.db");
  ExpectClearError(o, 3, "磁盘已满");
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("b.db", 0), std::string::npos) << "left behind: " << e.path();
  }
}

// ---- Read-only store -------------------------------------------------------

// chmod does not stop root; an immutable file (chattr +i) does.
TEST_F(Faults, ImmutableStoreRefusesWritesClearlyAndStillAnswersReads) {
  const fs::path db = dir_ / "d/tacit.db";
  if (Shell("chattr +i '" + db.string() + "' 2>/dev/null") != 0) {
    GTEST_SKIP() << "chattr +i is not available on this file system";
  }
  struct Mutable {
    fs::path p;
    ~Mutable() { Shell("chattr -i '" + p.string() + "'"); }
  } restore_mutable{db};
  const StoreState before = ReadState(db);
  WriteText(dir_ / "more.csv", testing::BankFeed(ids_, 50, 1, "RO"));
  auto refused = Tacit(dir_, "--db d/tacit.db ingest more.csv");
  ExpectClearError(refused, 3, "只读");
  auto run = Tacit(dir_, "--db d/tacit.db cycle run --month 2026-12 --as-of 2026-12-05", "2026-12-05");
  ExpectClearError(run, 3, "只读");
  EXPECT_FALSE(fs::exists(dir_ / "payroll-2026-12.csv")) << "no payroll for a run that was not recorded";
  EXPECT_EQ(Tacit(dir_, "--db d/tacit.db stats --json").status, 0) << "reads go on";
  EXPECT_EQ(ReadState(db), before);
  Shell("chattr -i '" + db.string() + "'");
  ExpectConsistent("d/tacit.db");
  auto writable = Tacit(dir_, "--db d/tacit.db ingest more.csv");
  EXPECT_EQ(writable.status, 0) << writable.out;
}

// A store on a file system mounted read-only.
TEST_F(Faults, ReadOnlyFileSystemRefusesClearly) {
  const fs::path ro = dir_ / "ro";
  fs::create_directories(ro);
  fs::copy_file(dir_ / "d/tacit.db", ro / "tacit.db");
  fs::copy_file(dir_ / "d/tacit.db.key", ro / "tacit.db.key");
  if (Shell("mount --bind '" + ro.string() + "' '" + ro.string() + "' 2>/dev/null") != 0) {
    GTEST_SKIP() << "cannot bind-mount here (needs root)";
  }
  struct Unmount {
    fs::path p;
    ~Unmount() { Shell("umount '" + p.string() + "' 2>/dev/null"); }
  } unmount{ro};
  ASSERT_EQ(Shell("mount -o remount,ro,bind '" + ro.string() + "'"), 0);
  const StoreState before = ReadState(ro / "tacit.db");
  WriteText(dir_ / "more.csv", testing::BankFeed(ids_, 50, 1, "ROFS"));
  auto refused = Tacit(dir_, "--db ro/tacit.db ingest more.csv");
  ExpectClearError(refused, 3, "只读");
  EXPECT_EQ(ReadState(ro / "tacit.db"), before);
  // A backup of it still works (it reads only): a way to move it somewhere writable.
  auto backup = Tacit(dir_, "--db ro/tacit.db backup --out rescued.db");
  EXPECT_EQ(backup.status, 0) << backup.out;
  ASSERT_EQ(Shell("umount '" + ro.string() + "'"), 0);
  ExpectConsistent("ro/tacit.db");
}

// ---- A partner file cut off in the middle ------------------------------------

// The transfer stopped inside a row's reference: that row would read as valid
// with a shortened reference, and the complete file would later add it again
// under its real one. The unterminated last row is rejected instead.
TEST_F(Faults, CsvCutOffInARowRejectsThatRowAndTheCompleteFileAddsOnlyTheRest) {
  const std::string full = testing::BankFeed(ids_, 20, 1, "CUT");
  const size_t cut = full.find("CUT0000012") + 5;  // inside the 12th row's ref
  fs::create_directories(dir_ / "in");
  WriteText(dir_ / "in/bank-cut.csv", full.substr(0, cut));
  const StoreState before = ReadState(dir_ / "d/tacit.db");

  auto part = Tacit(dir_, "--db d/tacit.db ingest in/bank-cut.csv");
  ASSERT_EQ(part.status, 0) << part.out;
  EXPECT_NE(part.out.find("拒收 1"), std::string::npos) << part.out;
  EXPECT_FALSE(QuotesAnIdentityNumber(part.out)) << part.out;
  const std::string quarantine = ReadText(dir_ / "in/quarantine/bank-cut.csv.quarantine.csv");
  EXPECT_NE(quarantine.find("in/bank-cut.csv,13,row,"), std::string::npos) << quarantine;
  EXPECT_NE(quarantine.find("截断"), std::string::npos) << quarantine;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 11);
  EXPECT_EQ(testing::SqliteValue(dir_ / "d/tacit.db", "SELECT count(*) FROM evidence_ref"),
            testing::SqliteValue(dir_ / "d/tacit.db", "SELECT count(*) FROM evidence"));

  WriteText(dir_ / "in/bank-cut.csv", full);
  auto complete = Tacit(dir_, "--db d/tacit.db ingest in/bank-cut.csv");
  ASSERT_EQ(complete.status, 0) << complete.out;
  EXPECT_NE(complete.out.find("重复 11"), std::string::npos) << complete.out;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 20);
  auto again = Tacit(dir_, "--db d/tacit.db ingest in/bank-cut.csv");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 20);
  ExpectConsistent("d/tacit.db");
}

TEST_F(Faults, JsonLinesCutOffInARowRejectsThatRowAndTheCompleteFileAddsOnlyTheRest) {
  std::string full;
  for (int i = 0; i < 20; ++i) {
    full += "{\"source\":\"bank\",\"kind\":\"bank_counter\",\"id_number\":\"" + ids_[static_cast<size_t>(i)] +
            "\",\"occurred_on\":\"2026-11-21\",\"ref\":\"JCUT" + std::to_string(1000 + i) + "\"}\n";
  }
  size_t cut = 0;
  for (int line = 0; line < 14; ++line) cut = full.find('\n', cut) + 1;
  cut += 40;  // inside the 15th line
  fs::create_directories(dir_ / "in");
  WriteText(dir_ / "in/bank-cut.jsonl", full.substr(0, cut));
  const StoreState before = ReadState(dir_ / "d/tacit.db");
  auto part = Tacit(dir_, "--db d/tacit.db ingest in/bank-cut.jsonl");
  ASSERT_EQ(part.status, 0) << part.out;
  EXPECT_NE(part.out.find("拒收 1"), std::string::npos) << part.out;
  const std::string quarantine = ReadText(dir_ / "in/quarantine/bank-cut.jsonl.quarantine.csv");
  EXPECT_NE(quarantine.find("in/bank-cut.jsonl,15,row,"), std::string::npos) << quarantine;
  EXPECT_NE(quarantine.find("截断"), std::string::npos) << quarantine;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 14);
  WriteText(dir_ / "in/bank-cut.jsonl", full);
  auto complete = Tacit(dir_, "--db d/tacit.db ingest in/bank-cut.jsonl");
  ASSERT_EQ(complete.status, 0) << complete.out;
  EXPECT_EQ(std::stoll(ReadState(dir_ / "d/tacit.db").evidence), std::stoll(before.evidence) + 20);
  ExpectConsistent("d/tacit.db");
}

// ---- A clock that jumps ------------------------------------------------------
//
// The date every rule uses is Today() (TACIT_TODAY in tests, else the system
// clock's local date). The guards against a wrong one are in the store: a
// recorded month is final, months run in order, a run cannot know less than
// the one before, and knowledge is not backdated past a run's cut-off.

TEST_F(Faults, ClockGoingBackwardsNeverPaysAMonthAgainNorBreaksTheTrail) {
  // The demo ran 2026-11 on 2026-11-27, as of that day.
  const StoreState paid = ReadState(dir_ / "d/tacit.db");
  ASSERT_EQ(paid.runs, "1");
  const std::string back = "2026-10-15";
  auto same = Tacit(dir_, "--db d/tacit.db cycle run --month 2026-11", back);
  EXPECT_EQ(same.status, 0) << same.out;  // already run: nothing is paid again
  auto earlier = Tacit(dir_, "--db d/tacit.db cycle run --month 2026-10", back);
  ExpectClearError(earlier, 1, "months are run in order");
  auto next = Tacit(dir_, "--db d/tacit.db cycle run --month 2026-12", back);
  ExpectClearError(next, 1, "is after today");
  WriteText(dir_ / "late.csv", testing::BankFeed(ids_, 10, 1, "BACK"));
  auto ingest = Tacit(dir_, "--db d/tacit.db ingest late.csv", back);
  ExpectClearError(ingest, 1, "knowledge cut-off");
  const StoreState now = ReadState(dir_ / "d/tacit.db");
  EXPECT_EQ(now.payments, paid.payments);
  EXPECT_EQ(now.runs, paid.runs);
  EXPECT_EQ(now.evidence, paid.evidence);
  ExpectConsistent("d/tacit.db");
}

TEST_F(Faults, ClockJumpingForwardRunsNoMonthOutOfTurnAndGoingBackAfterwardsChangesNothing) {
  const std::string ahead = "2027-02-10";
  auto skip = Tacit(dir_, "--db d/tacit.db cycle run --month 2027-02", ahead);
  ExpectClearError(skip, 1, "the next is 2026-12");
  // (The demo's run of 2026-11 knew everything up to 2026-11-27; a later
  // month's run may not know less, so its cut-off is given.)
  auto december = Tacit(dir_, "--db d/tacit.db cycle run --month 2026-12 --as-of 2026-11-30", ahead);
  ASSERT_EQ(december.status, 0) << december.out;
  auto january = Tacit(dir_, "--db d/tacit.db cycle run --month 2027-01 --as-of 2026-12-25", ahead);
  ASSERT_EQ(january.status, 0) << january.out;
  const StoreState caught_up = ReadState(dir_ / "d/tacit.db");
  EXPECT_EQ(caught_up.runs, "3");
  // Each entitlement's month is paid once at most (before offsets and back pay).
  EXPECT_EQ(testing::SqliteValue(dir_ / "d/tacit.db",
                                 "SELECT count(*) FROM (SELECT entitlement_id, month FROM payment "
                                 "WHERE kind = 'regular' GROUP BY entitlement_id, month HAVING count(*) > 1)"),
            "0");
  // And back again: the clock says December; January was run already.
  const std::string back = "2026-12-05";
  EXPECT_EQ(Tacit(dir_, "--db d/tacit.db cycle run --month 2027-01", back).status, 0);
  EXPECT_EQ(Tacit(dir_, "--db d/tacit.db cycle run --month 2026-12", back).status, 0);
  auto feb = Tacit(dir_, "--db d/tacit.db cycle run --month 2027-02", back);
  ExpectClearError(feb, 1, "is after today");
  const StoreState now = ReadState(dir_ / "d/tacit.db");
  EXPECT_EQ(now.payments, caught_up.payments);
  EXPECT_EQ(now.runs, caught_up.runs);
  ExpectConsistent("d/tacit.db");
}

}  // namespace
}  // namespace tacit
