#include "tacit/crash_point.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace tacit {
namespace {

struct Target {
  bool armed = false;
  std::string name;
  long pass = 1;  // the pass that crashes, counted from 1
};

// TACIT_CRASH_AT read once: NAME or NAME#N.
const Target& TargetFromEnvironment() {
  static const Target target = [] {
    Target t;
    const char* env = std::getenv("TACIT_CRASH_AT");
    if (env == nullptr || *env == '\0') return t;
    std::string text(env);
    if (const size_t hash = text.rfind('#'); hash != std::string::npos) {
      t.pass = std::max(1L, std::atol(text.c_str() + hash + 1));
      text.resize(hash);
    }
    t.name = std::move(text);
    t.armed = true;
    return t;
  }();
  return target;
}

}  // namespace

void CrashPoint(std::string_view name) {
  const Target& t = TargetFromEnvironment();
  if (!t.armed || name != t.name) return;
  static std::atomic<long> passes{0};
  if (passes.fetch_add(1, std::memory_order_relaxed) + 1 == t.pass) ::_exit(kCrashExitStatus);
}

}  // namespace tacit
