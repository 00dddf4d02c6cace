// IngestGroups: concurrent ingests grouped into shared units of work.
#include <condition_variable>
#include <filesystem>

#include "tacit/ingest.h"

namespace tacit {

struct IngestGroups::Waiter {
  const IngestInput* input;
  const BeforeCommit* before_commit;
  uintmax_t bytes = 0;
  bool done = false;  // GUARDED_BY(mu_)
  std::optional<Result<IngestFileReport>> result;
  std::condition_variable cv;
};

Result<IngestFileReport> IngestGroups::Ingest(Store& store, const IngestInput& input,
                                              const IngestOptions& options,
                                              const BeforeCommit& before_commit) {
  Waiter self{&input, &before_commit};
  std::error_code ec;
  self.bytes = std::filesystem::file_size(input.path, ec);
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  while (!self.done && queue_.front() != &self) self.cv.wait(lock);
  if (self.done) return std::move(*self.result);
  // This thread leads: it takes the files queued behind it, up to the limits.
  std::vector<Waiter*> group;
  uintmax_t bytes = 0;
  for (Waiter* w : queue_) {
    if (!group.empty() && (group.size() == max_files_ || bytes + w->bytes > max_bytes_)) break;
    group.push_back(w);
    bytes += w->bytes;
  }
  lock.unlock();
  // Whatever happens, every member gets an answer and the queue moves on: an
  // exception escaping here would leave the others waiting forever and the
  // queue's front pointing at a frame that is gone.
  try {
    RunGroup(store, group, options);
  } catch (const std::exception& e) {
    for (Waiter* w : group) {
      if (!w->result) w->result = Internal(std::string("ingest failed: ") + e.what());
    }
  } catch (...) {
    for (Waiter* w : group) {
      if (!w->result) w->result = Internal("ingest failed");
    }
  }
  for (Waiter* w : group) {
    if (!w->result) w->result = Internal("ingest gave no answer for a file of its group");
  }
  lock.lock();
  for (Waiter* w : group) {
    queue_.pop_front();
    w->done = true;
    if (w != &self) w->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(*self.result);
}

void IngestGroups::RunGroup(Store& store, const std::vector<Waiter*>& group,
                            const IngestOptions& options) {
  const auto run =
      [&](const std::vector<Waiter*>& members) -> Result<std::vector<IngestFileReport>> {
    std::vector<IngestInput> inputs;
    for (const Waiter* w : members) inputs.push_back(*w->input);
    IngestOptions o = options;
    o.before_commit = [&](const std::vector<IngestFileReport>& reports) -> Status {
      for (size_t i = 0; i < reports.size(); ++i) {
        if (!reports[i].already_ingested && *members[i]->before_commit) {
          RETURN_IF_ERROR((*members[i]->before_commit)(store, reports[i]));
        }
      }
      return {};
    };
    return IngestFiles(store, policy_, inputs, o);
  };
  auto reports = run(group);
  if (reports) {
    for (size_t i = 0; i < group.size(); ++i) group[i]->result = std::move((*reports)[i]);
    return;
  }
  if (group.size() == 1) {
    group[0]->result = tl::unexpected(reports.error());
    return;
  }
  // One file (or its caller's record) failed the group: nothing of it was
  // applied, so each file runs alone and only the failing one reports it.
  for (Waiter* w : group) {
    auto alone = run({w});
    w->result = alone ? Result<IngestFileReport>(std::move(alone->front()))
                      : Result<IngestFileReport>(tl::unexpected(alone.error()));
  }
}

size_t IngestGroups::QueuedForTest() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace tacit
