// Crash consistency of the feed stream consumer (`tacit stream consume`) with
// a real nats-server (fixture `nats`) on SQLite and, in the `.on_postgres`
// run, PostgreSQL: the consumer is ended at its named crash points and then
// killed again and again at a sweep of time offsets while it works through
// the stream, each time started again on the same store, as an operator's
// supervisor would. After every kill: no record stored twice, no message
// applied twice (a redelivered message applied again would be a batch's
// duplicate: the published records are distinct), nothing stored that was
// not published, every committed batch's records all there (no batch
// half-applied), no partition's offset gone back; the audit chain verifies. At the end every
// published record is stored exactly once: the same records as a plain
// ingest of the files, as many linked as the test counts from the files, and
// the offsets at the stream's ends.
#include <gtest/gtest.h>

#include <fstream>
#include <algorithm>
#include <random>
#include <set>

#include <fmt/format.h>

#include "crash/harness.h"
#include "crash/province.h"
#include "store/test_store_location.h"
#include "tacit/crash_point.h"
#include "tacit/store.h"
#include "tacit/stream.h"

namespace tacit::crash {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;

std::string NatsUrl() {
  const char* env = std::getenv("TACIT_TEST_NATS");
  if (env == nullptr || *env == '\0') return "";
  const std::string v(env);
  if (v.starts_with("nats://")) return v;
  std::ifstream in(v);
  std::string url;
  std::getline(in, url);
  return url;
}

int64_t NumberAfter(const std::string& text, const std::string& label) {
  const size_t at = text.rfind(label);
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + label.size());
}

struct StreamState {
  std::set<std::pair<std::string, std::string>> refs;
  int64_t evidence = 0;
  int64_t batch_rows = 0;        // messages applied by committed batches
  int64_t batch_evidence = 0;    // records those batches say they stored (linked + unlinked)
  int64_t batch_duplicates = 0;  // records a batch found stored already: a message applied twice
  std::vector<uint64_t> offsets;  // applied stream sequence per partition
};

StreamState ReadState(const std::string& db) {
  StreamState s;
  auto store = OpenStore(db);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return s;
  EXPECT_TRUE((*store)->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    ++s.evidence;
    s.refs.emplace(e.source, e.ref);
    return {};
  }));
  if (auto batches = (*store)->ListBatches(); batches) {
    for (const BatchRecord& b : *batches) {
      s.batch_rows += b.rows;
      s.batch_evidence += b.linked + b.unlinked;
      s.batch_duplicates += b.duplicates;
    }
  }
  auto offsets = StoredStreamOffsets(**store, kDefaultFeedPartitions);
  EXPECT_TRUE(offsets);
  if (offsets) s.offsets = *offsets;
  return s;
}

class CrashStream : public Province {};

TEST_F(CrashStream, AConsumerKilledAgainAndAgainAppliesEveryRecordOnce) {
  const std::string url = NatsUrl();
  if (url.empty()) GTEST_SKIP() << "TACIT_TEST_NATS is not set (ctest fixture nats)";
  ASSERT_TRUE(DeleteFeedStreamForTest(StreamOptions{.url = url}));
  ASSERT_NO_FATAL_FAILURE(Make(PeopleFromEnv(15000), /*ingest=*/false));

  // The reference: the same files through the plain ingest.
  Copy ref = Fresh("ref");
  ASSERT_EQ(RunTacit(ref.dir, WithDb(ref.db, IngestArgs()), ref.dir / "out.txt").status, 0)
      << ReadFile(ref.dir / "out.txt");
  const StreamState reference = ReadState(ref.db);
  const Expected expected = ExpectedFromFiles();

  std::vector<std::string> publish = {"stream", "--nats", url, "publish"};
  for (const std::string& f : feeds_) publish.push_back((dir_ / f).string());
  ASSERT_EQ(RunTacit(dir_, publish, dir_ / "publish.txt").status, 0) << ReadFile(dir_ / "publish.txt");
  const int64_t published = NumberAfter(ReadFile(dir_ / "publish.txt"), "published ");
  ASSERT_GT(published, 1000);

  Copy run = Fresh("consume");
  const std::vector<std::string> consume = WithDb(run.db, {"stream", "--nats", url, "consume", "--partitions", "0-15",
                                                           "--batch", "200", "--idle-exit", "2", "--spool", "spool"});
  Tally tally{.command = "stream consume", .store = StoreName()};
  int runs = 0;
  std::vector<uint64_t> last_offsets;
  auto check = [&](const std::string& what) {
    const StreamState s = ReadState(run.db);
    EXPECT_EQ(s.evidence, static_cast<int64_t>(s.refs.size())) << what << ": a record stored twice";
    int64_t unknown = 0;
    for (const auto& r : s.refs) unknown += !reference.refs.contains(r);
    EXPECT_EQ(unknown, 0) << what << ": records stored that the files do not hold";
    EXPECT_EQ(s.batch_duplicates, 0) << what << ": a message applied twice";
    EXPECT_EQ(s.batch_evidence, s.evidence) << what << ": the committed batches' records vs the records stored";
    for (size_t p = 0; p < s.offsets.size() && p < last_offsets.size(); ++p) {
      EXPECT_GE(s.offsets[p], last_offsets[p]) << what << ": partition " << p << "'s offset went back";
    }
    last_offsets = s.offsets;
    ExpectAuditChainIntact(run, what);
    return s;
  };
  for (const char* point : {"stream.before_commit", "stream.committed"}) {
    const Ended e = RunTacit(run.dir, consume, run.dir / fmt::format("run-{}.txt", ++runs), {{"TACIT_CRASH_AT", point}});
    EXPECT_EQ(e.status, kCrashExitStatus) << point << ": " << ReadFile(run.dir / fmt::format("run-{}.txt", runs));
    ++tally.named;
    check(point);
  }
  // Kills at offsets from start-up to well into a batch's work, in an order the
  // seed draws, until the stream is consumed.
  auto offsets = KillOffsets(KillsFromEnv(16), 0.05, 0.8, SeedFromEnv());
  std::shuffle(offsets.begin(), offsets.end(), std::mt19937_64(SeedFromEnv()));
  for (const microseconds at : offsets) {
    const StreamState before = ReadState(run.db);
    if (before.batch_rows >= published) break;
    const Ended e = RunTacit(run.dir, consume, run.dir / fmt::format("run-{}.txt", ++runs), {}, at);
    ++tally.tried;
    tally.landed += e.killed;
    const StreamState after = check(fmt::format("kill at {} us", at.count()));
    tally.left_before += e.killed && after.batch_rows == before.batch_rows;
    tally.left_after += e.killed && after.batch_rows > before.batch_rows;
  }
  // Run to the end, then once more with nothing new.
  for (int i = 0; i < 2; ++i) {
    const Ended e = RunTacit(run.dir, consume, run.dir / fmt::format("run-{}.txt", ++runs));
    EXPECT_EQ(e.status, 0) << ReadFile(run.dir / fmt::format("run-{}.txt", runs));
    if (i == 0) tally.command_seconds = e.seconds;  // what was left after the kills
  }
  const StreamState final_state = check("the end");
  EXPECT_EQ(final_state.refs, reference.refs);
  EXPECT_EQ(final_state.evidence, reference.evidence);
  EXPECT_EQ(final_state.batch_rows, published);
  EXPECT_EQ(Snap(run.db).linked_refs, expected.linked_refs);
  auto last = FeedStreamLastSequences(StreamOptions{.url = url}, kDefaultFeedPartitions);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(final_state.offsets, *last);
  EXPECT_GT(tally.landed, 0);
  Report(tally);
  Drop(run);
  Drop(ref);
}

}  // namespace
}  // namespace tacit::crash
