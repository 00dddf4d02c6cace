// The durable feed stream through the real binary, a real nats-server (ctest
// fixture `nats`, tests/stream/nats_server.sh) and a real PostgreSQL (fixture
// `pg`): records published once, consumed by two instances at once, one of
// them killed in the middle and started again; every record is applied
// exactly once. The reference for "every record" is the plain ingest of the
// same files into a store of its own.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/test_store_location.h"
#include "tacit/registry.h"
#include "tacit/store.h"
#include "tacit/stream.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using RecordSet = std::set<std::pair<std::string, std::string>>;

// TACIT_TEST_NATS: a nats:// URL, or the file nats_server.sh wrote it to.
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

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts `tacit ARGS...` in `dir` with stdout and stderr to `out`.
pid_t Spawn(const fs::path& dir, const std::vector<std::string>& args, const fs::path& out,
            const std::vector<std::pair<std::string, std::string>>& env = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(TACIT_BINARY));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(TACIT_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int RunTacit(const fs::path& dir, const std::vector<std::string>& args, const fs::path& out,
        const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return Wait(Spawn(dir, args, out, env));
}

// The number after `label` in the last line of `text` that has it.
int64_t NumberAfter(const std::string& text, const std::string& label) {
  const size_t at = text.rfind(label);
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + label.size());
}

struct Stored {
  RecordSet records;      // (source, ref) of the evidence
  int64_t evidence = 0;   // rows of evidence (a record twice would be two)
  int64_t batch_rows = 0, batch_duplicates = 0, batches = 0;
};

Stored ReadStore(const std::string& location) {
  Stored s;
  auto store = OpenStore(location);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return s;
  auto st = (*store)->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    ++s.evidence;
    s.records.emplace(e.source, e.ref);
    return {};
  });
  EXPECT_TRUE(st) << st.error().message;
  auto batches = (*store)->ListBatches();
  EXPECT_TRUE(batches);
  if (!batches) return s;
  for (const BatchRecord& b : *batches) {
    ++s.batches;
    s.batch_rows += b.rows;
    s.batch_duplicates += b.duplicates;
  }
  return s;
}

// A store with the default policy and the registry, made through the library
// (as `tacit init` and `tacit registry import` would).
void PrepareStore(const std::string& location, const fs::path& registry) {
  auto store = OpenStore(location);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Migrate());
  auto policy = ParsePolicy(DefaultPolicyText(), "default policy");
  ASSERT_TRUE(policy);
  ASSERT_TRUE((*store)->SavePolicy(*policy));
  auto unit = (*store)->Begin();
  ASSERT_TRUE(unit);
  auto imported = ImportRegistryFile(**store, *policy, registry.string(), Today());
  ASSERT_TRUE(imported) << imported.error().message;
  ASSERT_TRUE((*unit)->Commit());
}

class StreamCli : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = NatsUrl();
    if (url_.empty()) GTEST_SKIP() << "TACIT_TEST_NATS is not set (ctest fixture nats)";
    dir_ = fs::path(::testing::TempDir()) /
           (std::string("stream_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(DeleteFeedStreamForTest(StreamOptions{.url = url_}));
    // About 20,000 canonical rows over a year, with the generator's own bad
    // rows (rejects) and rows about people outside the registry (dropped).
    ASSERT_EQ(RunTacit(dir_, {"demo", "--people", "6500", "--seed", "11", "--dir", "data", "--generate-only",
                         "--canonical"},
                  dir_ / "demo.out"),
              0)
        << ReadFile(dir_ / "demo.out");
    for (const auto& e : fs::directory_iterator(dir_ / "data/feeds")) {
      if (e.path().extension() == ".csv") files_.push_back(e.path().lexically_relative(dir_).string());
    }
    std::sort(files_.begin(), files_.end());
    ASSERT_GT(files_.size(), 10u);
    // A partner sending a file twice: the stream's duplicate window drops it.
    fs::copy_file(dir_ / files_[0], dir_ / "data/resent.csv");
    // The reference: the same files through the plain ingest.
    const std::string ref_db = (dir_ / "reference.db").string();
    PrepareStore(ref_db, dir_ / "data/registry.csv");
    std::vector<std::string> ingest = {"--db", ref_db, "ingest"};
    ingest.insert(ingest.end(), files_.begin(), files_.end());
    ASSERT_EQ(RunTacit(dir_, ingest, dir_ / "ingest.out"), 0) << ReadFile(dir_ / "ingest.out");
    reference_ = ReadStore(ref_db);
    ASSERT_GT(reference_.records.size(), 10000u);
  }

  // Publishes the files and the resent copy; returns the records published.
  int64_t Publish() {
    std::vector<std::string> args = {"stream", "--nats", url_, "publish"};
    args.insert(args.end(), files_.begin(), files_.end());
    args.push_back("data/resent.csv");
    EXPECT_EQ(RunTacit(dir_, args, dir_ / "publish.out"), 0) << ReadFile(dir_ / "publish.out");
    const std::string out = ReadFile(dir_ / "publish.out");
    const int64_t published = NumberAfter(out, "published ");
    EXPECT_GT(NumberAfter(out, "duplicates "), 100) << out;  // the resent file
    EXPECT_GT(NumberAfter(out, "rejected "), 0) << out;
    // A second publisher sending everything again changes nothing.
    EXPECT_EQ(RunTacit(dir_, args, dir_ / "publish2.out"), 0);
    EXPECT_EQ(NumberAfter(ReadFile(dir_ / "publish2.out"), "published "), 0) << ReadFile(dir_ / "publish2.out");
    return published;
  }

  std::vector<std::string> Consume(const std::string& db, const std::string& partitions, const std::string& spool) {
    return {"--db", db, "stream", "--nats", url_, "consume", "--partitions", partitions, "--batch", "400",
            "--idle-exit", "3", "--spool", spool};
  }

  // Every published record stored once, nothing else, offsets at the stream's ends.
  void CheckExactlyOnce(const std::string& db, int64_t published) {
    const Stored got = ReadStore(db);
    EXPECT_EQ(got.records, reference_.records);
    EXPECT_EQ(got.evidence, reference_.evidence);
    EXPECT_EQ(got.evidence, static_cast<int64_t>(got.records.size()));
    // Each message was applied in exactly one committed batch: the rows of the
    // stream's batches are the messages, and none was found stored already.
    EXPECT_EQ(got.batch_rows, published);
    EXPECT_EQ(got.batch_duplicates, 0);
    auto last = FeedStreamLastSequences(StreamOptions{.url = url_}, kDefaultFeedPartitions);
    ASSERT_TRUE(last) << last.error().message;
    auto store = OpenStore(db);
    ASSERT_TRUE(store);
    auto offsets = StoredStreamOffsets(**store, kDefaultFeedPartitions);
    ASSERT_TRUE(offsets);
    EXPECT_EQ(*offsets, *last);
  }

  std::string url_;
  fs::path dir_;
  std::vector<std::string> files_;
  Stored reference_;
};

TEST_F(StreamCli, TwoInstancesOnOnePostgresOneKilledApplyEveryRecordOnce) {
  if (!TestStoreIsPostgres()) GTEST_SKIP() << "TACIT_TEST_PG is not set (ctest fixture pg)";
  const std::string db = TestStoreLocation(dir_);
  PrepareStore(db, dir_ / "data/registry.csv");
  const int64_t published = Publish();
  ASSERT_GT(published, 15000);

  const pid_t a = Spawn(dir_, Consume(db, "0-7", "spool-a"), dir_ / "a1.out");
  const pid_t b = Spawn(dir_, Consume(db, "8-15", "spool-b"), dir_ / "b.out");
  // Kill A once it has committed and acknowledged its first batch, in the
  // middle of the next ones.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (ReadFile(dir_ / "a1.out").find("offset") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(kill(a, SIGKILL), 0);
  EXPECT_EQ(Wait(a), 128 + SIGKILL) << ReadFile(dir_ / "a1.out");
  {
    auto store = OpenStore(db);
    ASSERT_TRUE(store);
    const Stored mid = ReadStore(db);
    EXPECT_LT(mid.batch_rows, published) << "A was killed after it had finished: nothing was in the middle";
  }
  // A again, while B may still be running.
  EXPECT_EQ(RunTacit(dir_, Consume(db, "0-7", "spool-a"), dir_ / "a2.out"), 0) << ReadFile(dir_ / "a2.out");
  EXPECT_EQ(Wait(b), 0) << ReadFile(dir_ / "b.out");
  CheckExactlyOnce(db, published);
  DropTestStore(db);
}

TEST_F(StreamCli, OneInstanceOnSqliteCrashingAfterACommitLosesNothing) {
  const std::string db = (dir_ / "t.db").string();
  PrepareStore(db, dir_ / "data/registry.csv");
  const int64_t published = Publish();
  // Ends the process after its first commit, before the acknowledgements.
  EXPECT_EQ(RunTacit(dir_, Consume(db, "0-15", "spool"), dir_ / "c1.out", {{"TACIT_CRASH_AT", "stream.committed"}}), 86)
      << ReadFile(dir_ / "c1.out");
  EXPECT_GT(ReadStore(db).batch_rows, 0);
  EXPECT_EQ(RunTacit(dir_, Consume(db, "0-15", "spool"), dir_ / "c2.out"), 0) << ReadFile(dir_ / "c2.out");
  CheckExactlyOnce(db, published);
  // Started again with nothing new: nothing happens.
  EXPECT_EQ(RunTacit(dir_, {"--db", db, "stream", "--nats", url_, "consume", "--partitions", "0-15", "--idle-exit", "1",
                       "--spool", "spool"},
                dir_ / "c3.out"),
            0);
  EXPECT_NE(ReadFile(dir_ / "c3.out").find("0 条消息"), std::string::npos) << ReadFile(dir_ / "c3.out");
  CheckExactlyOnce(db, published);
}

// A partner pushes records to a server started with --stream: they go to the
// stream (the answer says what the stream took), a second push of the same
// records is a duplicate there, a kind the partner is not registered for is
// rejected before the stream, and a consumer applies what was published.
TEST_F(StreamCli, RecordsPushedToTheServerArePublishedAndAConsumerAppliesThem) {
  const std::string db = (dir_ / "t.db").string();
  PrepareStore(db, dir_ / "data/registry.csv");
  ASSERT_EQ(RunTacit(dir_, {"--db", db, "init"}, dir_ / "init.out"), 0) << ReadFile(dir_ / "init.out");  // the key file
  ASSERT_EQ(RunTacit(dir_, {"--db", db, "partner", "add", "rail", "--role", "partner", "--source", "railway", "--kinds",
                            "travel"},
                     dir_ / "partner.out"),
            0)
      << ReadFile(dir_ / "partner.out");
  const std::string partner = ReadFile(dir_ / "partner.out");
  const size_t at = partner.find("API 密钥 (API key): ");
  ASSERT_NE(at, std::string::npos) << partner;
  const size_t from = at + std::string("API 密钥 (API key): ").size();
  const std::string key = partner.substr(from, partner.find('\n', from) - from);

  const pid_t server = Spawn(dir_, {"--db", db, "serve", "--listen", "127.0.0.1:0", "--stream", url_}, dir_ / "serve.out");
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string out = ReadFile(dir_ / "serve.out");
    const size_t p = out.find("http://127.0.0.1:");
    if (p != std::string::npos) port = std::atoi(out.c_str() + p + 17);
  }
  ASSERT_GT(port, 0) << ReadFile(dir_ / "serve.out");

  std::vector<std::string> ids;
  std::istringstream registry(ReadFile(dir_ / "data/registry.csv"));
  std::string line;
  std::getline(registry, line);  // header
  while (ids.size() < 3 && std::getline(registry, line)) ids.push_back(line.substr(0, line.find(',')));
  ASSERT_EQ(ids.size(), 3u);
  std::ofstream(dir_ / "push.json")
      << "[{\"kind\":\"travel\",\"id_number\":\"" << ids[0] << "\",\"occurred_on\":\"2026-11-02\",\"ref\":\"push-1\"},"
      << "{\"kind\":\"travel\",\"id_number\":\"" << ids[1] << "\",\"occurred_on\":\"2026-11-03\",\"ref\":\"push-2\"},"
      << "{\"kind\":\"death\",\"id_number\":\"" << ids[2] << "\",\"occurred_on\":\"2026-11-04\",\"ref\":\"push-3\"}]";
  auto push = [&](const std::string& body_file) {
    const std::string cmd = "cd '" + dir_.string() + "' && curl -s -w '\\n%{http_code}' -H 'Authorization: Bearer " +
                            key + "' -H 'Content-Type: application/json' --data-binary @" + body_file +
                            " http://127.0.0.1:" + std::to_string(port) + "/api/v1/records";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (p != nullptr) pclose(p);
    return out;
  };
  const std::string first = push("push.json");
  EXPECT_NE(first.find("\"published\":2"), std::string::npos) << first;
  EXPECT_NE(first.find("\"rejected\":1"), std::string::npos) << first;
  EXPECT_NE(first.find("\"queued\":true"), std::string::npos) << first;
  EXPECT_EQ(first.substr(first.rfind('\n') + 1), "202") << first;
  EXPECT_EQ(first.find(ids[2]), std::string::npos) << "no identity number in the answer";
  const std::string again = push("push.json");
  EXPECT_NE(again.find("\"published\":0"), std::string::npos) << again;
  EXPECT_NE(again.find("\"duplicates\":2"), std::string::npos) << again;
  std::ofstream(dir_ / "one.json") << "{\"kind\":\"travel\",\"id_number\":\"" << ids[2]
                                   << "\",\"occurred_on\":\"2026-11-05\",\"ref\":\"push-4\"}";
  const std::string single = push("one.json");
  EXPECT_NE(single.find("\"outcome\":\"queued\""), std::string::npos) << single;
  kill(server, SIGTERM);
  Wait(server);
  // Nothing was applied by the server itself.
  EXPECT_EQ(ReadStore(db).records.count({"railway", "push-1"}), 0u);

  ASSERT_EQ(RunTacit(dir_, Consume(db, "0-15", "spool"), dir_ / "consume.out"), 0) << ReadFile(dir_ / "consume.out");
  const Stored got = ReadStore(db);
  for (const char* ref : {"push-1", "push-2", "push-4"}) EXPECT_EQ(got.records.count({"railway", ref}), 1u) << ref;
  EXPECT_EQ(got.records.count({"railway", "push-3"}), 0u);
}

}  // namespace
}  // namespace tacit
