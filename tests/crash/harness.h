// The crash-consistency harness's pieces: run the real `tacit` binary, kill it
// with SIGKILL after a delay or let it end at a named crash point
// (TACIT_CRASH_AT, tacit/crash_point.h), spread kill offsets over a measured
// duration, and record what was tried (tests/crash/crash_consistency_test.cc).
#ifndef TACIT_TESTS_CRASH_HARNESS_H_
#define TACIT_TESTS_CRASH_HARNESS_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tacit::crash {

using Env = std::vector<std::pair<std::string, std::string>>;

// How a run of tacit ended.
struct Ended {
  int status = -1;         // exit status, or 128 + signal
  bool killed = false;     // ended by our SIGKILL (the kill landed while it ran)
  double seconds = 0;      // from start to end
};

// Starts `tacit ARGS` in `dir` with TACIT_TODAY (2026-11-27 unless `env`
// sets it) and `env`, stdout and stderr to `out`, standard input from `in`
// (default /dev/null); with `kill_after` > 0 sends SIGKILL after that long.
Ended RunTacit(const std::filesystem::path& dir, const std::vector<std::string>& args, const std::filesystem::path& out,
               const Env& env = {}, std::chrono::microseconds kill_after = std::chrono::microseconds(0),
               const std::filesystem::path& in = "/dev/null");

// `n` kill offsets over [lo, hi), one in each of n equal strata at a point the
// seed draws: spread over the whole command, reproducible.
std::vector<std::chrono::microseconds> KillOffsets(int n, double lo_s, double hi_s, uint64_t seed);

// Kills spread over a command whose duration varies with the machine's load:
// the i-th kill at the i-th stratified fraction of the span, which starts as
// the reference's duration and shrinks to the shortest run that ended before
// its kill (so that most kills land while the command runs).
class KillSweep {
 public:
  KillSweep(int n, double span_s, uint64_t seed);
  size_t size() const { return fractions_.size(); }
  std::chrono::microseconds At(size_t i) const;
  void Finished(const Ended& e);

 private:
  std::vector<double> fractions_;
  double span_s_;
};

// The knobs of a sweep, from the environment (tests/crash/sweep.sh sets them):
// TACIT_CRASH_KILLS (time offsets per command and store, default `kills`),
// TACIT_CRASH_PEOPLE (registry persons of the generated province, default
// `people`), TACIT_CRASH_SEED (default 1).
int KillsFromEnv(int kills);
int64_t PeopleFromEnv(int64_t people);
uint64_t SeedFromEnv();

// One line of figures per command and store, printed and appended to the file
// TACIT_CRASH_REPORT names (when set).
struct Tally {
  std::string command, store;
  int named = 0;             // named crash points tried (each ended the process there)
  int tried = 0;             // time offsets tried
  int landed = 0;            // of those, the process was still running when killed
  // Of the kills that landed: the store left as before the command (nothing
  // of it committed), or as after it (committed, killed while finishing). For
  // the dispatcher and the stream consumer, whose units are one message or
  // one batch: nothing applied yet, or some units applied.
  int left_before = 0;
  int left_after = 0;
  double command_seconds = 0;  // the uninterrupted command's duration
  std::string Line() const;
};
void Report(const Tally& t);

std::string ReadFile(const std::filesystem::path& p);

}  // namespace tacit::crash

#endif  // TACIT_TESTS_CRASH_HARNESS_H_
