// EarlyWriteback: starts the kernel writing a file's dirty pages while a
// large transaction is still being written, so that its commit's fsync waits
// for little.
//
// A bulk unit writes some 500 MB into the store file; SQLite's pages reach the
// kernel's page cache as they spill, but the kernel starts writing them out
// only past its dirty threshold (a tenth of free memory) or at the fsync of
// the commit, which then waited about 0.4 s on the 1M-person province. From
// the moment the unit's batches are done until its commit, a thread here asks
// the kernel every period to start writing what is dirty
// (sync_file_range(SYNC_FILE_RANGE_WRITE): it starts writeback and does not
// wait for it). It changes nothing SQLite relies on: a page is written to the
// file before the kernel can write it out, and a crash may persist any subset
// of the pages written since the last fsync anyway; the commit's fsync is
// still what makes the unit durable.
//
//   sqlite::EarlyWriteback writeback(db_path, std::chrono::milliseconds(50));
//   ...  // write the unit's rows
//   writeback.Stop();  // then commit
//
// Linux only; elsewhere, or where the file cannot be opened, it does nothing.
#ifndef TACIT_SRC_STORE_SQLITE_EARLY_WRITEBACK_H_
#define TACIT_SRC_STORE_SQLITE_EARLY_WRITEBACK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tacit::sqlite {

class EarlyWriteback {
 public:
  EarlyWriteback(const std::string& path, std::chrono::milliseconds period);
  ~EarlyWriteback();
  EarlyWriteback(const EarlyWriteback&) = delete;
  EarlyWriteback& operator=(const EarlyWriteback&) = delete;

  // Ends the thread (at once, not at the end of a period). Idempotent.
  void Stop();

  // Writebacks started without error so far.
  int64_t started() const;
  // False when it does nothing (the file did not open, another system), and
  // after Stop().
  bool active() const { return fd_ >= 0; }

 private:
  void Run(std::chrono::milliseconds period);

  int fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  int64_t started_ = 0;
  std::thread thread_;
};

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_EARLY_WRITEBACK_H_
