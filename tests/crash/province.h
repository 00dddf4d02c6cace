// The crash tests' fixture: a generated province in a store (SQLite, or
// PostgreSQL when TACIT_TEST_PG is set), fresh copies of it to crash, a
// fingerprint of what the commands write, and figures the test derives from
// the input files itself.
#ifndef TACIT_TESTS_CRASH_PROVINCE_H_
#define TACIT_TESTS_CRASH_PROVINCE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "crash/harness.h"

namespace tacit::crash {

// A copy of the store to run a command on: its own working directory (the
// payroll file lands there) and location.
struct Copy {
  std::filesystem::path dir;
  std::string db;
};

// What the crashed commands write, without ids or times, so that a resumed
// store and the reference compare equal when their contents do.
struct Snapshot {
  int64_t batches = 0, batch_rows = 0;
  int64_t evidence = 0, distinct_refs = 0, linked_refs = 0;
  std::string evidence_digest;  // SHA-256 of the sorted records (source, ref, kind, person, dates, link, detail)
  int64_t audit_changes = 0;    // audit entries of commands that changed something
  int64_t runs = 0, decisions = 0, payments = 0, paid_fen = 0;
  std::string run_digest;       // SHA-256 of the month's decisions and payments
  int64_t outreach_messages = 0;
  std::map<std::string, int64_t> outreach_by_status;

  bool SameAs(const Snapshot& o) const;
  // The same monthly run and evidence (the outreach plan aside).
  bool SameRunAs(const Snapshot& o) const;
  std::string Describe() const;  // counts only: no personal data
};

// Figures from the generated files, counted by the test.
struct Expected {
  int64_t rows = 0;                  // data rows of all feed files
  int64_t linked_refs = 0;           // distinct (source, ref) of rows that must link
  int64_t entitlements_started = 0;  // imported entitlements started by 2026-11
};

struct PayrollCheck {
  int64_t regular_lines = 0;      // one per entitlement for the month
  int64_t duplicate_lines = 0;    // an entitlement's second line for the month
  int64_t amount_mismatches = 0;  // paid lines not at the registry's amount
  int64_t paid_total_fen = 0;
};

class Province : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // An empty store in dir_ (init not run).
  void MakeEmpty();
  // `people` persons generated, init, the registry imported; with `ingest`
  // the feeds too. base_ is the store, feeds_ the files (relative to dir_).
  void Make(int64_t people, bool ingest);

  // A fresh copy of base_ in a directory of its own; Drop removes it.
  Copy Fresh(const std::string& name);
  void Drop(Copy& run);

  Snapshot Snap(const std::string& location);
  Expected ExpectedFromFiles();
  PayrollCheck CheckPayrollAgainstRegistry(const std::string& payroll);
  void ExpectAuditChainIntact(Copy& run, const std::string& what);
  // evidence export, stats --json and person show --json of sampled persons
  // (and the payroll of each month given) equal in both.
  void ExpectSameDump(Copy& a, Copy& b, const std::vector<std::string>& months);

  std::vector<std::string> IngestArgs() const;
  static std::vector<std::string> WithDb(const std::string& db, std::vector<std::string> args);
  // Runs a command on base_ in dir_; returns its exit status.
  int Tacit(const std::vector<std::string>& args, const std::string& today = "2026-11-27");
  std::string StoreName() const;
  static void WriteFile(const std::filesystem::path& p, const std::string& text);

  std::filesystem::path dir_;
  std::string base_;
  std::vector<std::string> feeds_;
  std::vector<std::string> sample_ids_;  // persons whose person show is compared
  std::map<int64_t, bool> persons_;      // imported person keys
  int64_t entitlements_started_ = 0;
  int fresh_ = 0;
};

}  // namespace tacit::crash

#endif  // TACIT_TESTS_CRASH_PROVINCE_H_
