// Helpers for tests that run the real tacit binary: run a command line with a
// fixed "today", capture its output and exit status.
#ifndef TACIT_TESTS_INTEGRATION_RUN_H_
#define TACIT_TESTS_INTEGRATION_RUN_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace tacit::testing {

struct Output {
  int status = -1;  // exit code
  std::string out;  // standard output and standard error, interleaved
};

// Runs the shell command line `cmd`; its standard output is captured.
inline Output RunShell(const std::string& cmd) {
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
  const int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

// Runs `tacit ARGS` in `dir` with TACIT_TODAY fixed. ARGS is shell text.
inline Output Tacit(const std::filesystem::path& dir, const std::string& args,
                    const std::string& today = "2026-11-27") {
  return RunShell("cd '" + dir.string() + "' && TACIT_TODAY=" + today + " '" + TACIT_BINARY + "' " + args + " 2>&1");
}

inline std::filesystem::path FreshDir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("tacit_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tacit::testing

#endif  // TACIT_TESTS_INTEGRATION_RUN_H_
