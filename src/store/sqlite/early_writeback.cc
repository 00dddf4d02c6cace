#include "store/sqlite/early_writeback.h"

#if defined(__linux__)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace tacit::sqlite {

EarlyWriteback::EarlyWriteback(const std::string& path, std::chrono::milliseconds period) {
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
  // Writeback is per file, not per descriptor: a read-only one of our own
  // reaches the pages SQLite's descriptor wrote.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ >= 0) thread_ = std::thread([this, period] { Run(period); });
#else
  (void)path;
  (void)period;
#endif
}

EarlyWriteback::~EarlyWriteback() { Stop(); }

void EarlyWriteback::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
#if defined(__linux__)
  if (fd_ >= 0) ::close(fd_);
#endif
  fd_ = -1;
}

int64_t EarlyWriteback::started() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}

void EarlyWriteback::Run(std::chrono::milliseconds period) {
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    // Offset 0 and length 0: the whole file. Starts writing what is dirty and
    // not already being written; waits only when the device's queue is full.
    const bool ok = ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE) == 0;
    lock.lock();
    if (ok) ++started_;
  }
#else
  (void)period;
#endif
}

}  // namespace tacit::sqlite
