#include "crash/harness.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace tacit::crash {

Ended RunTacit(const std::filesystem::path& dir, const std::vector<std::string>& args, const std::filesystem::path& out,
               const Env& env, std::chrono::microseconds kill_after, const std::filesystem::path& in) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    setenv("TACIT_TODAY", "2026-11-27", 0);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(TACIT_BINARY));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int input = open(in.c_str(), O_RDONLY);
    if (input >= 0) dup2(input, 0);
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(TACIT_BINARY, argv.data());
    _exit(127);
  }
  Ended e;
  int status = 0;
  if (kill_after.count() > 0) {
    // Wait for the offset unless the command ends first.
    const auto deadline = start + kill_after;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        e.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return e;
      }
      const auto left = deadline - std::chrono::steady_clock::now();
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::microseconds(200)));
    }
    kill(pid, SIGKILL);
  }
  waitpid(pid, &status, 0);
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  e.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return e;
}

std::vector<std::chrono::microseconds> KillOffsets(int n, double lo_s, double hi_s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::chrono::microseconds> out;
  const double width = (hi_s - lo_s) / std::max(1, n);
  for (int i = 0; i < n; ++i) {
    const double at = lo_s + width * (i + u(rng));
    out.emplace_back(static_cast<int64_t>(at * 1e6));
  }
  return out;
}

KillSweep::KillSweep(int n, double span_s, uint64_t seed) : span_s_(span_s) {
  for (const auto at : KillOffsets(n, 0.0, 1.0, seed)) fractions_.push_back(static_cast<double>(at.count()) / 1e6);
}

std::chrono::microseconds KillSweep::At(size_t i) const {
  return std::chrono::microseconds(10000 + static_cast<int64_t>(fractions_[i] * span_s_ * 1e6));
}

void KillSweep::Finished(const Ended& e) {
  if (!e.killed && e.status == 0) span_s_ = std::min(span_s_, e.seconds);
}

namespace {
int64_t EnvNumber(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::atoll(v);
}
}  // namespace

int KillsFromEnv(int kills) { return static_cast<int>(EnvNumber("TACIT_CRASH_KILLS", kills)); }
int64_t PeopleFromEnv(int64_t people) { return EnvNumber("TACIT_CRASH_PEOPLE", people); }
uint64_t SeedFromEnv() { return static_cast<uint64_t>(EnvNumber("TACIT_CRASH_SEED", 1)); }

std::string Tally::Line() const {
  return fmt::format("CRASH {} on {}: named points {}, time offsets tried {}, landed mid-command {} (left as before "
                     "{}, as after {}), uninterrupted {:.2f} s",
                     command, store, named, tried, landed, left_before, left_after, command_seconds);
}

void Report(const Tally& t) {
  const std::string line = t.Line();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  if (const char* file = std::getenv("TACIT_CRASH_REPORT"); file != nullptr && *file != '\0') {
    std::ofstream(file, std::ios::app) << line << "\n";
  }
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tacit::crash
