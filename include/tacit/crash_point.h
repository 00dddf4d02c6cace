// Crash points: named places where the crash-consistency tests end the
// process as a power cut or SIGKILL would (tests/crash, docs/reliability-crash.md).
//
// With TACIT_CRASH_AT unset (every real run) a crash point is the check of a
// flag read once. With TACIT_CRASH_AT=NAME the first pass through
// CrashPoint(NAME) ends the process with _exit(kCrashExitStatus): no
// destructor runs, no transaction is rolled back or committed, buffered
// output is lost. TACIT_CRASH_AT=NAME#N ends it at the Nth pass instead
// (e.g. ingest.batch_applied#3: after the third file's batch).
//
//   ApplyBatch(...);
//   CrashPoint("ingest.batch_applied");
//
// The names in use are listed in docs/reliability-crash.md. Thread-safe.
#ifndef TACIT_CRASH_POINT_H_
#define TACIT_CRASH_POINT_H_

#include <string_view>

namespace tacit {

// The exit status of a process ended at a crash point.
inline constexpr int kCrashExitStatus = 86;

// Ends the process when TACIT_CRASH_AT names this point (and pass); else
// returns at once.
void CrashPoint(std::string_view name);

}  // namespace tacit

#endif  // TACIT_CRASH_POINT_H_
