#include "stream_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "access_commands.h"
#include "tacit/crash_point.h"
#include "tacit/stream.h"

namespace tacit::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

StreamOptions Connection(const StreamArgs& a) {
  StreamOptions s;
  if (!a.nats_url.empty()) s.url = a.nats_url;
  s.partitions = a.partition_count;
  return s;
}

Result<Policy> PublishPolicy(const std::string& file) {
  if (file.empty()) return ParsePolicy(DefaultPolicyText(), "default policy");
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFound(fmt::format("--policy {}: not a readable file", file));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  return ParsePolicy(text, file);
}

// The batch file's counts, added up over its received_on days.
struct BatchCounts {
  std::vector<int64_t> batches;
  int64_t linked = 0, unlinked = 0, dropped = 0, rejected = 0, duplicates = 0;
};

BatchCounts CountsOf(const ConsumeBatchReport& b) {
  BatchCounts c;
  for (const IngestFileReport& r : b.ingest) {
    if (r.already_ingested) continue;
    c.batches.push_back(r.batch.id);
    c.linked += r.batch.linked;
    c.unlinked += r.batch.unlinked;
    c.dropped += r.batch.dropped;
    c.rejected += r.batch.rejected;
    c.duplicates += r.batch.duplicates;
  }
  return c;
}

std::string DefaultSpool(const std::string& db) {
  return IsPostgresLocation(db) ? std::string("stream-spool") : db + ".stream-spool";
}

}  // namespace

Status StreamPublish(const StreamArgs& a) {
  const Date today = Today();
  Date received_on = today;
  if (!a.received_on.empty()) {
    auto d = ParseDate(a.received_on);
    if (!d) return InvalidArgument(fmt::format("--received-on: {}", d.error().message));
    received_on = *d;
  }
  if (received_on > today) return InvalidArgument("--received-on: the agency cannot have learned data in the future");
  ASSIGN_OR_RETURN(Policy policy, PublishPolicy(a.policy_file));
  std::vector<PublishInput> inputs;
  for (const std::string& f : a.files) {
    inputs.push_back(PublishInput{.path = f, .mapping = a.mapping, .source = a.source, .received_on = received_on});
  }
  PublishOptions options{.stream = Connection(a), .policy = &policy, .today = today};
  ASSIGN_OR_RETURN(PublishTotals totals, PublishFeedFiles(inputs, options));
  int64_t rows = 0, published = 0, duplicates = 0, rejected = 0;
  for (const PublishFileReport& r : totals.files) {
    fmt::print("{}: {} 行: 已发布 (published) {}, 重复 (duplicates) {}, 拒收 (rejected) {}\n", r.file, r.rows,
               r.published, r.duplicates, r.rejected);
    for (const FeedReject& x : r.reject_sample) {
      fmt::print("  拒收 (rejected) {}:{} 字段 {}: {}\n", x.file, x.line, x.field, x.reason);
    }
    if (r.rejected > static_cast<int64_t>(r.reject_sample.size())) {
      fmt::print("  ... 另有 {} 行, 见隔离文件 (see the quarantine file)\n",
                 r.rejected - static_cast<int64_t>(r.reject_sample.size()));
    }
    if (!r.quarantine_path.empty()) fmt::print("  隔离文件 (quarantine): {}\n", r.quarantine_path);
    rows += r.rows;
    published += r.published;
    duplicates += r.duplicates;
    rejected += r.rejected;
  }
  fmt::print("合计 (total): {} 个文件, {} 行: published {}, duplicates {}, rejected {} → {} ({} partitions)\n",
             totals.files.size(), rows, published, duplicates, rejected, RedactedNatsUrl(options.stream.url),
             options.stream.partitions);
  return {};
}

Status StreamConsume(Store& store, const Policy& policy, const std::string& db, const StreamArgs& a) {
  ASSIGN_OR_RETURN(std::vector<int> partitions, ParsePartitionList(a.partitions));
  ConsumeOptions options{.stream = Connection(a), .partitions = partitions};
  options.batch = a.batch;
  options.idle_exit_s = a.idle_exit_s;
  options.spool_dir = a.spool_dir.empty() ? DefaultSpool(db) : a.spool_dir;
  options.today = Today();
  options.stop = [] { return g_stop.load(); };
  // Each batch is recorded in the audit trail with the records it applied,
  // in its unit of work: counts, batch ids and stream sequences only.
  options.before_commit = [](Store& s, const ConsumeBatchReport& b) -> Status {
    const BatchCounts c = CountsOf(b);
    Status audited = AuditCommand(s, "feed.stream", fmt::format("partition {} seq {}-{}", b.partition, b.first_sequence,
                                                      b.last_sequence),
                        json{{"partition", b.partition},
                             {"first_sequence", b.first_sequence},
                             {"last_sequence", b.last_sequence},
                             {"messages", b.messages},
                             {"applied", b.applied},
                             {"skipped", b.skipped},
                             {"batches", c.batches},
                             {"linked", c.linked},
                             {"unlinked", c.unlinked},
                             {"dropped", c.dropped},
                             {"rejected", c.rejected},
                             {"duplicates", c.duplicates}});
    CrashPoint("stream.before_commit");  // tests/crash: records and offset written, not committed
    return audited;
  };
  options.on_batch = [](const ConsumeBatchReport& b) {
    const BatchCounts c = CountsOf(b);
    fmt::print("分区 (partition) {} 序号 (seq) {}-{}: {} 条, 应用 (applied) {}, 跳过 (skipped) {}; 关联 {}, 未关联 {}, "
               "非领取人员 {}, 拒收 {}, 重复 {}; offset {}; {:.2f} s{}\n",
               b.partition, b.first_sequence, b.last_sequence, b.messages, b.applied, b.skipped, c.linked,
               c.unlinked, c.dropped, c.rejected, c.duplicates, b.offset, b.seconds,
               b.consumer_reset ? "; 消费者已重建 (consumer made again after a lost delivery)" : "");
    std::fflush(stdout);
  };
  // Crash point for the tests (tests/stream): TACIT_CRASH_AT=stream.committed
  // ends the process after a batch's commit and before its acknowledgements.
  if (const char* at = std::getenv("TACIT_CRASH_AT"); at != nullptr && std::string_view(at) == "stream.committed") {
    options.after_commit_for_test = [](const ConsumeBatchReport&) {
      std::fflush(stdout);
      ::_exit(86);
    };
  }
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  fmt::print("消费 (consuming) partitions {} from {} into {}\n", a.partitions, RedactedNatsUrl(options.stream.url),
             RedactedLocation(db));
  std::fflush(stdout);
  ASSIGN_OR_RETURN(ConsumeTotals t, ConsumeFeedStream(store, policy, options));
  fmt::print("合计 (total): {} 批 (batches), {} 条消息 (messages): applied {}, skipped {}; linked {}, unlinked {}, "
             "dropped {}, rejected {}, duplicates {}; {:.1f} s, {:.0f} 条/秒 (messages/s){}\n",
             t.batches, t.messages, t.applied, t.skipped, t.linked, t.unlinked, t.dropped, t.rejected, t.duplicates,
             t.seconds, t.seconds > 0 ? static_cast<double>(t.messages) / t.seconds : 0.0,
             t.resets > 0 ? fmt::format("; consumers made again {}", t.resets) : "");
  return {};
}

Status StreamStatus(Store& store, const StreamArgs& a) {
  const StreamOptions s = Connection(a);
  ASSIGN_OR_RETURN(std::vector<uint64_t> last, FeedStreamLastSequences(s, s.partitions));
  ASSIGN_OR_RETURN(std::vector<uint64_t> offsets, StoredStreamOffsets(store, s.partitions));
  fmt::print("分区 (partition)  流末序号 (stream last)  已应用 (applied offset)\n");
  for (int p = 0; p < s.partitions; ++p) {
    const uint64_t l = last[static_cast<size_t>(p)], o = offsets[static_cast<size_t>(p)];
    fmt::print("{:>4}  {:>14}  {:>14}{}\n", p, l, o, l > o ? "  (behind)" : "");
  }
  return {};
}

}  // namespace tacit::cli
