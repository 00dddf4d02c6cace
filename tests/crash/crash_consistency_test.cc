// Crash consistency through the real binary, on SQLite and (with TACIT_TEST_PG,
// the `.on_postgres` run) on PostgreSQL: `tacit ingest`, `tacit cycle run` and
// `tacit outreach dispatch` are ended at every named crash point
// (TACIT_CRASH_AT, tacit/crash_point.h) and killed with SIGKILL at a sweep of
// time offsets spread over the command's measured duration (deterministic
// seed), each on a fresh copy of the store. After every kill the store must be
// as before the command or as after it (all-or-nothing, checked on a
// fingerprint of every table the command writes and the audit chain), and the
// command run again must finish the job exactly once: the same state as an
// uninterrupted reference run, compared by a canonical dump (`evidence
// export`, `stats --json`, `person show --json` of sampled persons, the
// payroll file byte for byte) and against figures the test derives from the
// input files itself (distinct linkable records, the payroll from the
// registry's amounts). The stream consumer is in crash_stream_test.cc.
//
// Figures: one `CRASH …` line per command and store (tests/crash/sweep.sh
// collects them; docs/reliability-crash.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crash/harness.h"
#include "crash/province.h"
#include "standin/aliyun_standin.h"
#include "store/test_store_location.h"
#include "tacit/crash_point.h"
#include "tacit/id_number.h"
#include "tacit/outreach.h"
#include "tacit/policy.h"

namespace tacit::crash {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::microseconds;

// ---------------------------------------------------------------------------
// Ingest: 72 monthly partner files of a generated province in one command
// (one unit of work).

class CrashIngest : public Province {};

TEST_F(CrashIngest, KilledAnywhereLeavesAllOrNothingAndResumesExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(Make(PeopleFromEnv(12000), /*ingest=*/false));
  const std::vector<std::string> args = IngestArgs();
  const Snapshot before = Snap(base_);
  ASSERT_EQ(before.evidence, 0);

  // The uninterrupted reference, and what the test expects of it from the files.
  Copy ref = Fresh("ref");
  const Ended ref_end = RunTacit(ref.dir, WithDb(ref.db, args), ref.dir / "out.txt");
  ASSERT_EQ(ref_end.status, 0) << ReadFile(ref.dir / "out.txt");
  const Snapshot after = Snap(ref.db);
  const Expected expected = ExpectedFromFiles();
  EXPECT_EQ(after.linked_refs, expected.linked_refs) << "linked records: the store vs the test's own count from the files";
  EXPECT_EQ(after.evidence, after.distinct_refs) << "a (source, ref) stored twice";
  EXPECT_EQ(after.batches, static_cast<int64_t>(feeds_.size()));
  EXPECT_EQ(after.batch_rows, expected.rows) << "every row of every file is counted in its batch";

  Tally tally{.command = "ingest", .store = StoreName(), .command_seconds = ref_end.seconds};
  auto check_and_resume = [&](Copy& run, const std::string& what) {
    const Snapshot now = Snap(run.db);
    const bool as_before = now.SameAs(before), as_after = now.SameAs(after);
    EXPECT_TRUE(as_before || as_after) << what << ": half-applied: " << now.Describe() << " vs before "
                                       << before.Describe() << " / after " << after.Describe();
    ExpectAuditChainIntact(run, what);
    const Ended again = RunTacit(run.dir, WithDb(run.db, args), run.dir / "resume.txt");
    EXPECT_EQ(again.status, 0) << what << ": " << ReadFile(run.dir / "resume.txt");
    const Snapshot resumed = Snap(run.db);
    EXPECT_TRUE(resumed.SameAs(after)) << what << ": resumed " << resumed.Describe() << " vs reference "
                                       << after.Describe();
    return as_after && !as_before;
  };

  // Named points: between the files (after the first, a middle and the last
  // file's batch), after the audit entry before the commit, after the commit.
  const size_t n = feeds_.size();
  for (const std::string& point : {std::string("ingest.batch_applied#1"), fmt::format("ingest.batch_applied#{}", n / 2),
                                  fmt::format("ingest.batch_applied#{}", n), std::string("ingest.before_commit"),
                                  std::string("ingest.committed")}) {
    Copy run = Fresh("named");
    const Ended e = RunTacit(run.dir, WithDb(run.db, args), run.dir / "out.txt", {{"TACIT_CRASH_AT", point}});
    EXPECT_EQ(e.status, kCrashExitStatus) << point << ": " << ReadFile(run.dir / "out.txt");
    ++tally.named;
    const bool as_after = check_and_resume(run, point);
    EXPECT_EQ(as_after, point == "ingest.committed") << point;
    Drop(run);
  }

  // Kills at time offsets over the whole command (start-up included).
  KillSweep offsets(KillsFromEnv(12), ref_end.seconds, SeedFromEnv());
  bool dumped = false;
  for (size_t k = 0; k < offsets.size(); ++k) {
    const microseconds at = offsets.At(k);
    Copy run = Fresh("kill");
    const Ended e = RunTacit(run.dir, WithDb(run.db, args), run.dir / "out.txt", {}, at);
    offsets.Finished(e);
    ++tally.tried;
    tally.landed += e.killed;
    const bool as_after = check_and_resume(run, fmt::format("kill at {} us", at.count()));
    tally.left_before += e.killed && !as_after;
    tally.left_after += e.killed && as_after;
    // The canonical dump once, for a store that was killed mid-command.
    if (e.killed && !dumped) {
      ExpectSameDump(ref, run, {});
      dumped = true;
    }
    Drop(run);
  }
  if (offsets.size() > 0) {
    EXPECT_GT(tally.landed, static_cast<int>(offsets.size()) / 2) << "most kills must land mid-command";
  }
  Report(tally);
  Drop(ref);
}

// ---------------------------------------------------------------------------
// The monthly run of 2026-11 on the ingested province, with the outreach plan
// that follows it.

class CrashCycle : public Province {};

TEST_F(CrashCycle, KilledAnywhereIsRecordedWholeOrNotAtAllAndPaysOnce) {
  ASSERT_NO_FATAL_FAILURE(Make(PeopleFromEnv(12000), /*ingest=*/true));
  const std::vector<std::string> args = {"cycle", "run", "--month", "2026-11", "--as-of", "2026-11-27"};
  const Snapshot before = Snap(base_);
  ASSERT_EQ(before.runs, 0);

  Copy ref = Fresh("ref");
  const Ended ref_end = RunTacit(ref.dir, WithDb(ref.db, args), ref.dir / "out.txt");
  ASSERT_EQ(ref_end.status, 0) << ReadFile(ref.dir / "out.txt");
  const Snapshot after = Snap(ref.db);
  const std::string ref_payroll = ReadFile(ref.dir / "payroll-2026-11.csv");
  ASSERT_FALSE(ref_payroll.empty());
  ASSERT_EQ(after.runs, 1);
  ASSERT_GT(after.outreach_messages, 0) << "the plan after the run queued reminders";
  // Independently: every entitlement started by the month has one line, each
  // paid line the registry's amount, the total what the store recorded.
  const PayrollCheck pc = CheckPayrollAgainstRegistry(ref_payroll);
  EXPECT_EQ(pc.regular_lines, after.decisions);
  EXPECT_EQ(pc.duplicate_lines, 0) << "an entitlement with two lines for the month";
  EXPECT_EQ(pc.amount_mismatches, 0) << "paid lines whose amount is not the registry's";
  EXPECT_EQ(pc.paid_total_fen, after.paid_fen) << "the payroll's paid total vs the recorded run";
  EXPECT_EQ(pc.regular_lines, ExpectedFromFiles().entitlements_started) << "lines vs entitlements in the registry file";

  Tally tally{.command = "cycle run", .store = StoreName(), .command_seconds = ref_end.seconds};
  auto check_and_resume = [&](Copy& run, const std::string& what) {
    const Snapshot now = Snap(run.db);
    const bool as_before = now.SameAs(before);
    // "After" for the run itself; the outreach plan that follows is its own
    // unit, so a kill between the two may leave the run without the plan.
    const bool run_recorded = now.SameRunAs(after);
    EXPECT_TRUE(as_before || run_recorded) << what << ": half-applied: " << now.Describe() << " vs before "
                                           << before.Describe() << " / after " << after.Describe();
    ExpectAuditChainIntact(run, what);
    const Ended again = RunTacit(run.dir, WithDb(run.db, args), run.dir / "resume.txt");
    EXPECT_EQ(again.status, 0) << what << ": " << ReadFile(run.dir / "resume.txt");
    const Snapshot resumed = Snap(run.db);
    EXPECT_TRUE(resumed.SameAs(after)) << what << ": resumed " << resumed.Describe() << " vs reference "
                                       << after.Describe();
    EXPECT_TRUE(ReadFile(run.dir / "payroll-2026-11.csv") == ref_payroll)
        << what << ": the payroll file after the resume differs from the reference";
    return run_recorded && !as_before;
  };

  for (const std::string& point : std::vector<std::string>{"cycle.derived", "cycle.ledger_written", "cycle.before_commit", "cycle.committed",
                                  "cycle.payroll_written"}) {
    Copy run = Fresh("named");
    const Ended e = RunTacit(run.dir, WithDb(run.db, args), run.dir / "out.txt", {{"TACIT_CRASH_AT", point}});
    EXPECT_EQ(e.status, kCrashExitStatus) << point << ": " << ReadFile(run.dir / "out.txt");
    ++tally.named;
    const bool recorded = check_and_resume(run, point);
    EXPECT_EQ(recorded, point == "cycle.committed" || point == "cycle.payroll_written") << point;
    Drop(run);
  }

  KillSweep offsets(KillsFromEnv(12), ref_end.seconds, SeedFromEnv());
  bool dumped = false;
  for (size_t k = 0; k < offsets.size(); ++k) {
    const microseconds at = offsets.At(k);
    Copy run = Fresh("kill");
    const Ended e = RunTacit(run.dir, WithDb(run.db, args), run.dir / "out.txt", {}, at);
    offsets.Finished(e);
    ++tally.tried;
    tally.landed += e.killed;
    const bool recorded = check_and_resume(run, fmt::format("kill at {} us", at.count()));
    tally.left_before += e.killed && !recorded;
    tally.left_after += e.killed && recorded;
    if (e.killed && !dumped) {
      ExpectSameDump(ref, run, {"2026-11"});
      dumped = true;
    }
    Drop(run);
  }
  if (offsets.size() > 0) {
    EXPECT_GT(tally.landed, static_cast<int>(offsets.size()) / 2);
  }
  Report(tally);
  Drop(ref);
}

// ---------------------------------------------------------------------------
// Outreach dispatch: 120 reminders sent through the real Alibaba SMS adapter to
// the stand-in gateway on loopback. Every message must reach the gateway
// exactly once and end sent or delivered, whatever moment the dispatcher died.

class CrashOutreach : public Province {
 protected:
  static constexpr int kPersons = 120;

  void MakeOutbox() {
    MakeEmpty();
    // No quiet hours: the test runs whatever the time of day.
    std::string policy(DefaultPolicyText());
    const std::string quiet = R"(value = "21:00")";
    const size_t at = policy.find(quiet, policy.find("[parameters.outreach_quiet_start]"));
    ASSERT_NE(at, std::string::npos);
    policy.replace(at, quiet.size(), R"(value = "08:00")");
    WriteFile(dir_ / "policy.toml", policy);
    ASSERT_EQ(Tacit({"init", "--policy", "policy.toml"}, "2026-10-01"), 0);
    std::string rows =
        "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
        "special_care,last_certified_on\n";
    for (int i = 0; i < kPersons; ++i) {
      const std::string first17 = fmt::format("14010519500105{:03d}", 2 * i + 1);
      rows += fmt::format("{}{},钱{}号,M,1950-01-05,139{:08d},140105001001,enterprise,140105,3000.00,2015-01,0,"
                          "2025-11-30\n",
                          first17, IdCheckCharacter(first17), i, 10000 + i);
    }
    WriteFile(dir_ / "registry.csv", rows);
    ASSERT_EQ(Tacit({"registry", "import", "registry.csv"}, "2026-10-01"), 0);
    // 60 days before the deadline of 2026-11-30: one reminder each.
    ASSERT_EQ(Tacit({"outreach", "run"}, "2026-10-01"), 0);
  }

  // Points the copy `run` at a new stand-in gateway.
  void UseGateway(Copy& run, standin::AliyunSmsStandIn& sms) {
    const auto& o = sms.options();
    json config = {{"channel", "sms"}, {"provider", "aliyun"}, {"endpoint", sms.Endpoint()},
                   {"key_id", o.access_key_id}, {"sign_name", *o.sign_names.begin()},
                   {"templates", {{"remind_first", "SMS_100000002"}, {"remind_due", "SMS_100000002"},
                                  {"remind_lapsed", "SMS_100000002"}}},
                   {"connect_timeout_ms", 100}, {"read_timeout_ms", 150}};
    WriteFile(run.dir / "sms.json", config.dump());
    WriteFile(run.dir / "secret.txt", o.access_key_secret + "\n");
    const Ended set = RunTacit(run.dir, WithDb(run.db, {"channel", "set", "sms", "--config", "sms.json",
                                                        "--secret-stdin"}),
                               run.dir / "channel.txt", {{"TACIT_TODAY", "2026-10-01"}}, microseconds(0),
                               run.dir / "secret.txt");
    ASSERT_EQ(set.status, 0) << ReadFile(run.dir / "channel.txt");
    // Each answer a little late, so that kills land with requests in flight.
    for (int i = 0; i < kPersons; ++i) sms.SetRule(fmt::format("139{:08d}", 10000 + i), {.delay_ms = 3, .accept = true});
  }

  // The gateway keeps tacit's pretended day (TACIT_TODAY moves tacit's clock,
  // and the requests' x-acs-date with it, by whole days).
  static standin::AliyunSmsStandIn::Options GatewayOptions() {
    standin::AliyunSmsStandIn::Options o;
    o.now_ms = [] {
      const int64_t real = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
      return real + int64_t{Date::FromCivil(2026, 10, 1) - BeijingDate(real)} * 86'400'000;
    };
    return o;
  }

  std::vector<std::string> Dispatch() {
    return {"outreach", "dispatch", "--lease", "1", "--settle", "0", "--receipt-after", "80000"};
  }

  // Every message reached the gateway once and is sent or delivered.
  void ExpectEachSentOnce(Copy& run, standin::AliyunSmsStandIn& sms, const std::string& what) {
    std::map<std::string, int> per_out_id;
    for (const auto& r : sms.Records()) ++per_out_id[r.out_id];
    int twice = 0;
    for (const auto& [id, count] : per_out_id) twice += count > 1;
    EXPECT_EQ(twice, 0) << what << ": messages sent more than once";
    EXPECT_EQ(per_out_id.size(), static_cast<size_t>(kPersons)) << what << ": messages never sent";
    // Sent, or delivered when a look-up after the crash found the receipt.
    const Snapshot s = Snap(run.db);
    auto count = [&](const char* status) {
      return s.outreach_by_status.count(status) ? s.outreach_by_status.at(status) : 0;
    };
    EXPECT_EQ(count("sent") + count("delivered"), kPersons) << what << ": " << s.Describe();
  }
};

TEST_F(CrashOutreach, AKilledDispatcherNeitherLosesNorRepeatsAMessage) {
  ASSERT_NO_FATAL_FAILURE(MakeOutbox());
  const Env day = {{"TACIT_TODAY", "2026-10-01"}};
  double seconds = 0;
  {
    Copy ref = Fresh("ref");
    standin::AliyunSmsStandIn sms(GatewayOptions());
    ASSERT_NO_FATAL_FAILURE(UseGateway(ref, sms));
    const Ended e = RunTacit(ref.dir, WithDb(ref.db, Dispatch()), ref.dir / "out.txt", day);
    ASSERT_EQ(e.status, 0) << ReadFile(ref.dir / "out.txt");
    seconds = e.seconds;
    ExpectEachSentOnce(ref, sms, "reference");
    Drop(ref);
  }
  Tally tally{.command = "outreach dispatch", .store = StoreName(), .command_seconds = seconds};
  KillSweep offsets(KillsFromEnv(10), seconds, SeedFromEnv());
  auto kill_and_resume = [&](const std::string& what, const Env& env, microseconds at) {
    Copy run = Fresh("kill");
    standin::AliyunSmsStandIn sms(GatewayOptions());
    ASSERT_NO_FATAL_FAILURE(UseGateway(run, sms));
    Env with = day;
    with.insert(with.end(), env.begin(), env.end());
    const Ended e = RunTacit(run.dir, WithDb(run.db, Dispatch()), run.dir / "out.txt", with, at);
    if (at.count() > 0) {
      offsets.Finished(e);
      ++tally.tried;
      tally.landed += e.killed;
      tally.left_before += e.killed && sms.Records().empty();
      tally.left_after += e.killed && !sms.Records().empty();
    } else {
      ++tally.named;
      EXPECT_EQ(e.status, kCrashExitStatus) << what << ": " << ReadFile(run.dir / "out.txt");
    }
    ExpectAuditChainIntact(run, what);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the killed dispatcher's lease runs out
    const Ended again = RunTacit(run.dir, WithDb(run.db, Dispatch()), run.dir / "resume.txt", day);
    EXPECT_EQ(again.status, 0) << what << ": " << ReadFile(run.dir / "resume.txt");
    ExpectEachSentOnce(run, sms, what);
    Drop(run);
  };
  for (const char* point : {"outreach.claimed", "outreach.accepted", "outreach.recorded"}) {
    kill_and_resume(point, {{"TACIT_CRASH_AT", point}}, microseconds(0));
  }
  for (size_t k = 0; k < offsets.size(); ++k) {
    kill_and_resume(fmt::format("kill at {} us", offsets.At(k).count()), {}, offsets.At(k));
  }
  if (offsets.size() > 0) {
    EXPECT_GT(tally.landed, static_cast<int>(offsets.size()) / 2);
  }
  Report(tally);
}

}  // namespace
}  // namespace tacit::crash
