#include "store/sqlite/early_writeback.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#if defined(__linux__)
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#endif

namespace tacit::sqlite {
namespace {

namespace fs = std::filesystem;

// A file on the disk the tests run from (not a tmpfs, which has no writeback).
class EarlyWritebackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::current_path() /
            ("early_writeback_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  }
  void TearDown() override { fs::remove(path_); }
  // Writes `mb` megabytes without syncing them: they stay dirty in the cache.
  void WriteDirty(int mb) {
    std::ofstream out(path_, std::ios::binary);
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < mb; ++i) out << chunk;
  }
  fs::path path_;
};

#if defined(__linux__)
// The file's dirty pages, by cachestat(2) (Linux 6.5; Debian 12's headers do
// not have it yet): -1 where the kernel or the file system cannot say.
int64_t DirtyPages(const fs::path& path) {
#if defined(__x86_64__)
  constexpr long kCachestat = 451;
  struct Range {
    uint64_t off, len;
  } range{0, 0};
  struct Stat {
    uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
  } stat{};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct statfs fs_info{};
  const bool tmpfs = ::fstatfs(fd, &fs_info) == 0 && fs_info.f_type == TMPFS_MAGIC;
  const long rc = ::syscall(kCachestat, fd, &range, &stat, 0);
  ::close(fd);
  if (tmpfs || rc != 0) return -1;
  return static_cast<int64_t>(stat.nr_dirty);
#else
  (void)path;
  return -1;
#endif
}
#endif

TEST_F(EarlyWritebackTest, ItsPeriodicWritebackLeavesAWrittenFileClean) {
  WriteDirty(16);
  EarlyWriteback writeback(path_.string(), std::chrono::milliseconds(1));
  ASSERT_TRUE(writeback.active());
#if defined(__linux__)
  if (DirtyPages(path_) > 0) {
    // Clean long before the kernel's own writeback (30 s) would have begun.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (DirtyPages(path_) > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(DirtyPages(path_), 0);
  }
#endif
  const auto wait_until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (writeback.started() < 2 && std::chrono::steady_clock::now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GE(writeback.started(), 2);
  writeback.Stop();
  const int64_t after_stop = writeback.started();
  writeback.Stop();  // idempotent
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(writeback.started(), after_stop);
  EXPECT_FALSE(writeback.active());
}

TEST_F(EarlyWritebackTest, StopsAtOnceNotAtTheEndOfItsPeriod) {
  WriteDirty(1);
  // An hour's period: Stop must not wait for it (the test would time out).
  EarlyWriteback writeback(path_.string(), std::chrono::hours(1));
  ASSERT_TRUE(writeback.active());
  writeback.Stop();
  EXPECT_EQ(writeback.started(), 0);
}

TEST_F(EarlyWritebackTest, AFileThatCannotBeOpenedMakesItInert) {
  EarlyWriteback writeback((path_ / "missing" / "t.db").string(), std::chrono::milliseconds(1));
  EXPECT_FALSE(writeback.active());
  writeback.Stop();
  EXPECT_EQ(writeback.started(), 0);
}

}  // namespace
}  // namespace tacit::sqlite
