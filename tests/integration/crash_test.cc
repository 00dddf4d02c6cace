// Crash consistency: `tacit ingest` and `tacit cycle run` killed with SIGKILL at
// many moments leave the store as before the command or as after it, and
// running the command again finishes the job exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <thread>

#include "run.h"
#include "tacit/demo.h"
#include "tacit/store.h"

namespace tacit {
namespace {

using testing::FreshDir;
using testing::Tacit;

struct Counts {
  size_t batches = 0;
  int64_t evidence = 0;
  size_t runs = 0;
  size_t decisions = 0;
  bool operator==(const Counts&) const = default;
};

Counts Read(const std::filesystem::path& db) {
  Counts c;
  auto store = OpenSqliteStore(db.string());
  EXPECT_TRUE(store);
  c.batches = (*store)->ListBatches()->size();
  EXPECT_TRUE((*store)->ForEachEvidence([&](const EvidenceRecord&) -> Status {
    ++c.evidence;
    return {};
  }));
  c.runs = (*store)->ListCycleRuns()->size();
  c.decisions = (*store)->DecisionsOf(Month::Of(2026, 11))->size();
  return c;
}

// Starts `tacit ARGS...` in dir, kills it after `delay`, returns true when it was
// still running at that moment (the kill landed).
bool RunAndKill(const std::filesystem::path& dir, const std::vector<std::string>& args,
                std::chrono::microseconds delay) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    setenv("TACIT_TODAY", "2026-11-27", 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(TACIT_BINARY));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(TACIT_BINARY, argv.data());
    _exit(127);
  }
  std::this_thread::sleep_for(delay);
  const bool killed = kill(pid, SIGKILL) == 0;
  int status = 0;
  waitpid(pid, &status, 0);
  return killed && WIFSIGNALED(status);
}

class Crash : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(std::string("crash_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(Tacit(dir_, "init").status, 0);
    DemoOptions opt;
    // Large enough (~300k rows) that the ingest takes the store's bulk path
    // (deferred person index, rollback journal), which must be as crash-safe.
    opt.people = 100000;
    opt.dir = (dir_ / "d").string();
    opt.today = Date::FromCivil(2026, 11, 27);
    opt.canonical_feeds = true;
    std::vector<Region> villages = {
        {"14", "山西省", "", RegionLevel::kProvince},       {"1401", "太原市", "14", RegionLevel::kCity},
        {"140105", "小店区", "1401", RegionLevel::kCounty}, {"140105001", "坞城街道", "140105", RegionLevel::kTownship},
        {"140105001001", "一村", "140105001", RegionLevel::kVillage},
        {"140105001002", "二村", "140105001", RegionLevel::kVillage}};
    auto files = GenerateDemo(opt, villages, "");
    ASSERT_TRUE(files) << files.error().ToString();
    ASSERT_EQ(Tacit(dir_, "registry import d/registry.csv").status, 0);
    for (const DemoFeedFile& f : files->feeds) feeds_.push_back(std::filesystem::path(f.path).lexically_relative(dir_).string());
  }

  std::vector<std::string> IngestArgs() {
    std::vector<std::string> a = {"ingest", "--received-on", "2026-11-20"};
    a.insert(a.end(), feeds_.begin(), feeds_.end());
    return a;
  }

  std::filesystem::path dir_;
  std::vector<std::string> feeds_;
};

TEST_F(Crash, KilledIngestLeavesAllOrNothingAndResumesExactlyOnce) {
  const Counts before = Read(dir_ / "tacit.db");
  // A reference: the same job on a copy of the store, uninterrupted.
  std::filesystem::create_directories(dir_ / "ref");
  std::filesystem::copy_file(dir_ / "tacit.db", dir_ / "ref/tacit.db");
  std::string all;
  for (const std::string& f : feeds_) all += " ../" + f;
  ASSERT_EQ(Tacit(dir_ / "ref", "ingest --received-on 2026-11-20" + all).status, 0);
  const Counts after = Read(dir_ / "ref/tacit.db");
  ASSERT_GT(after.evidence, 0);

  int landed = 0;
  for (int i = 0; i < 14; ++i) {
    const auto delay = std::chrono::microseconds(30000 + i * 140000);
    if (RunAndKill(dir_, IngestArgs(), delay)) ++landed;
    const Counts now = Read(dir_ / "tacit.db");
    EXPECT_TRUE(now == before || now == after) << "after a kill at " << delay.count() << "us: " << now.batches
                                               << " batches, " << now.evidence << " records";
    if (now == after) break;
  }
  EXPECT_GT(landed, 0) << "no kill landed while the ingest was running";
  std::string direct;
  for (const std::string& f : feeds_) direct += " " + f;
  ASSERT_EQ(Tacit(dir_, "ingest --received-on 2026-11-20" + direct).status, 0);
  EXPECT_TRUE(Read(dir_ / "tacit.db") == after);
}

TEST_F(Crash, KilledMonthlyRunIsRecordedWholeOrNotAtAll) {
  std::string direct;
  for (const std::string& f : feeds_) direct += " " + f;
  ASSERT_EQ(Tacit(dir_, "ingest --received-on 2026-11-20" + direct).status, 0);
  size_t entitlements = 0;
  {
    auto store = std::move(*OpenSqliteStore((dir_ / "tacit.db").string()));
    ASSERT_TRUE(store->ForEachPerson("", [&](const PersonBundle& b) -> Status {
      entitlements += b.entitlements.size();
      return {};
    }));
  }
  int landed = 0;
  for (int i = 0; i < 12; ++i) {
    const auto delay = std::chrono::microseconds(20000 + i * 150000);
    if (RunAndKill(dir_, {"cycle", "run", "--month", "2026-11", "--as-of", "2026-11-27"}, delay)) ++landed;
    const Counts now = Read(dir_ / "tacit.db");
    if (now.runs == 0) {
      EXPECT_EQ(now.decisions, 0u);
    } else {
      EXPECT_EQ(now.decisions, entitlements) << "a recorded run has a decision for every entitlement";
      break;
    }
  }
  EXPECT_GT(landed, 0);
  auto rerun = Tacit(dir_, "cycle run --month 2026-11 --as-of 2026-11-27");
  ASSERT_EQ(rerun.status, 0) << rerun.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "payroll-2026-11.csv"));
  const Counts done = Read(dir_ / "tacit.db");
  EXPECT_EQ(done.runs, 1u);
  EXPECT_EQ(done.decisions, entitlements);
}

}  // namespace
}  // namespace tacit
