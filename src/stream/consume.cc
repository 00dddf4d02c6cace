// `tacit stream consume`: a partition's messages through the ingest path, the
// offset committed with the records, acknowledgements after the commit.
//
// Why the consumer is made afresh at the start (and after a lost delivery):
// the store's offset, not the server's acknowledgement state, says what was
// applied. A consumer the killed instance left behind holds its fetched but
// uncommitted messages for the ack wait (a minute) while delivering newer
// ones; applying those newer ones would move the offset past the held ones,
// which would then look applied. A consumer that starts at offset + 1
// delivers in stream order, so "at or below the offset" means "committed".
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "stream/message.h"
#include "stream/nats_client.h"
#include "tacit/stream.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using stream_internal::NatsClient;
using stream_internal::NatsError;
using Clock = std::chrono::steady_clock;

constexpr int kMaxFetchErrors = 30;  // consecutive, a second apart: the server is gone

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Result<uint64_t> ParseOffset(const std::optional<std::string>& text, const std::string& key) {
  if (!text || text->empty()) return uint64_t{0};
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return DataLoss(fmt::format("the stored stream offset {} is not a number", key));
  }
  return v;
}

// One partition's consumer and what this process knows of it.
struct Partition {
  int number = 0;
  std::string key, subject, durable;
  uint64_t offset = 0;  // the stored offset: every message at or below it is committed
  natsSubscription* sub = nullptr;
  // The consumer's delivery sequence expected next: each delivery of a fresh
  // consumer counts up from 1, so a jump means one never reached us.
  uint64_t next_delivery = 1;

  Partition() = default;
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;
  ~Partition() { Detach(); }
  void Detach() {
    if (sub != nullptr) {
      natsSubscription_Destroy(sub);
      sub = nullptr;
    }
  }
};

// (Re)makes the partition's durable consumer to start after the offset and
// subscribes to it.
Status Attach(NatsClient& client, Partition& part, const ConsumeOptions& options) {
  part.Detach();
  const std::string stream(kFeedStreamName);
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteConsumer(client.js(), stream.c_str(), part.durable.c_str(), nullptr, &code);
  if (s != NATS_OK && s != NATS_NOT_FOUND && code != JSConsumerNotFoundErr) {
    return tl::unexpected(NatsError(fmt::format("cannot remove the old consumer of partition {}", part.number), s, code));
  }
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = part.durable.c_str();
  config.Description = "tacit stream consume";
  config.FilterSubject = part.subject.c_str();
  config.AckPolicy = js_AckExplicit;
  config.AckWait = int64_t{options.ack_wait_s} * 1'000'000'000;
  config.MaxDeliver = -1;
  config.MaxAckPending = std::max<int64_t>(1000, int64_t{options.batch} * 2);
  if (part.offset == 0) {
    config.DeliverPolicy = js_DeliverAll;
  } else {
    config.DeliverPolicy = js_DeliverByStartSequence;
    config.OptStartSeq = part.offset + 1;
  }
  jsConsumerInfo* info = nullptr;
  s = js_AddConsumer(&info, client.js(), stream.c_str(), &config, nullptr, &code);
  if (s != NATS_OK) {
    return tl::unexpected(NatsError(fmt::format("cannot make the consumer of partition {}", part.number), s, code));
  }
  jsConsumerInfo_Destroy(info);
  jsSubOptions bind;
  jsSubOptions_Init(&bind);
  bind.Stream = stream.c_str();
  bind.Consumer = part.durable.c_str();
  s = js_PullSubscribe(&part.sub, client.js(), part.subject.c_str(), part.durable.c_str(), nullptr, &bind, &code);
  if (s != NATS_OK) {
    return tl::unexpected(NatsError(fmt::format("cannot subscribe to partition {}", part.number), s, code));
  }
  part.next_delivery = 1;
  return {};
}

// The messages of one fetch, destroyed with it.
struct Fetched {
  natsMsgList list = {};
  ~Fetched() { natsMsgList_Destroy(&list); }
};

class Consumer {
 public:
  Consumer(Store& store, const Policy& policy, const ConsumeOptions& options, NatsClient& client)
      : store_(store), policy_(policy), options_(options), client_(client) {}

  // Applies one fetched batch of `part`. Returns the report (messages == 0
  // when nothing came).
  Result<ConsumeBatchReport> Batch(Partition& part);

 private:
  Result<Date> Cutoff();

  Store& store_;
  const Policy& policy_;
  const ConsumeOptions& options_;
  NatsClient& client_;
  int consecutive_errors_ = 0;
  RegistryKeyCache key_cache_;
};

// The knowledge cut-off of the last monthly run: a record is not dated before
// it (the run decided without it; IngestFiles refuses such a date).
Result<Date> Consumer::Cutoff() {
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store_.ListCycleRuns());
  return runs.empty() ? Date() : runs.back().as_of;
}

Result<ConsumeBatchReport> Consumer::Batch(Partition& part) {
  ConsumeBatchReport report;
  report.partition = part.number;
  report.offset = part.offset;
  const Clock::time_point started = Clock::now();
  Fetched fetched;
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto wait_ms = static_cast<int64_t>(std::max(0.01, options_.fetch_wait_s) * 1000);
  const natsStatus s = natsSubscription_Fetch(&fetched.list, part.sub, options_.batch, wait_ms, &code);
  if (s == NATS_TIMEOUT || (s == NATS_OK && fetched.list.Count == 0)) {
    consecutive_errors_ = 0;
    return report;
  }
  if (s != NATS_OK) {
    if (++consecutive_errors_ >= kMaxFetchErrors) {
      return tl::unexpected(NatsError(fmt::format("cannot fetch from partition {}", part.number), s, code));
    }
    spdlog::warn("stream consume: fetching partition {} failed ({}); trying again", part.number,
                 natsStatus_GetText(s));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return report;
  }
  consecutive_errors_ = 0;

  // Sort the batch: skipped (committed before), applied (by received_on day),
  // and, after a lost delivery, the rest, left unacknowledged.
  ASSIGN_OR_RETURN(const Date cutoff, Cutoff());
  std::vector<natsMsg*> to_ack;
  std::map<Date, std::string> lines_by_day;
  uint64_t first_applied = 0, last_applied = part.offset;
  bool lost_delivery = false;
  for (int i = 0; i < fetched.list.Count; ++i) {
    natsMsg* msg = fetched.list.Msgs[i];
    jsMsgMetaData* meta = nullptr;
    const natsStatus ms = natsMsg_GetMetaData(&meta, msg);
    if (ms != NATS_OK) return tl::unexpected(NatsError("a fetched message has no JetStream metadata", ms));
    const uint64_t delivery = meta->Sequence.Consumer, sequence = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    if (delivery > part.next_delivery) {
      lost_delivery = true;
      break;
    }
    if (delivery == part.next_delivery) ++part.next_delivery;
    ++report.messages;
    if (report.first_sequence == 0) report.first_sequence = sequence;
    report.last_sequence = std::max(report.last_sequence, sequence);
    to_ack.push_back(msg);
    if (sequence <= last_applied) {
      ++report.skipped;
      continue;
    }
    stream_internal::MessageLine ml = stream_internal::SplitMessage(
        std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
    Date day = ml.received_on.value_or(options_.today);
    if (day < cutoff) day = cutoff;
    std::string& lines = lines_by_day[day];
    lines += ml.line;
    lines += '\n';
    if (first_applied == 0) first_applied = sequence;
    last_applied = sequence;
    ++report.applied;
  }

  std::vector<std::string> spooled;
  const auto remove_spooled = [&] {
    for (const std::string& f : spooled) {
      std::error_code ec;
      fs::remove(f, ec);
    }
  };
  if (report.applied > 0) {
    std::error_code ec;
    fs::create_directories(options_.spool_dir, ec);
    std::vector<IngestInput> inputs;
    for (const auto& [day, lines] : lines_by_day) {
      // Named by partition and sequences: each batch's file is new to the
      // store (a batch is recognised by its checksum and name).
      const std::string path = (fs::path(options_.spool_dir) /
                                fmt::format("p{}-{}-{}-{}.jsonl", part.number, first_applied, last_applied,
                                            day.ToString()))
                                   .string();
      FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) return Unavailable(fmt::format("cannot write the batch file {}", path));
      const bool written = std::fwrite(lines.data(), 1, lines.size(), f) == lines.size();
      if (std::fclose(f) != 0 || !written) {
        std::remove(path.c_str());
        return Unavailable(fmt::format("cannot write the batch file {}", path));
      }
      spooled.push_back(path);
      inputs.push_back(IngestInput{.path = path, .mapping = "", .source = "", .received_on = day});
    }
    bool offset_written = false;
    IngestOptions ingest{.today = options_.today};
    ingest.key_cache = &key_cache_;  // the registry keys, reloaded only when it gains persons
    ingest.preload_known_batches = false;  // every batch file is new; each is still looked up
    ingest.parse_threads = 1;
    report.offset = last_applied;
    ingest.before_commit = [&](const std::vector<IngestFileReport>& reports) -> Status {
      RETURN_IF_ERROR(store_.PutMeta(part.key, std::to_string(last_applied)));
      offset_written = true;
      if (!options_.before_commit) return {};
      report.ingest = reports;
      return options_.before_commit(store_, report);
    };
    auto reports = IngestFiles(store_, policy_, inputs, ingest);
    if (!reports) {
      remove_spooled();
      return tl::unexpected(reports.error());
    }
    report.ingest = std::move(*reports);
    if (!offset_written) {
      // Every file had been ingested before (only a replay of a committed
      // batch could be): the offset still moves, in a unit of its own.
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store_.Begin());
      RETURN_IF_ERROR(store_.PutMeta(part.key, std::to_string(last_applied)));
      RETURN_IF_ERROR(unit->Commit());
    }
    part.offset = last_applied;
    if (options_.after_commit_for_test) options_.after_commit_for_test(report);
  }
  // Committed: now, and only now, the server may forget these messages. A
  // lost acknowledgement means a redelivery, which the offset skips.
  for (natsMsg* msg : to_ack) natsMsg_Ack(msg, nullptr);
  remove_spooled();
  if (lost_delivery) {
    spdlog::warn("stream consume: partition {} missed a delivery; its consumer starts again after sequence {}",
                 part.number, part.offset);
    RETURN_IF_ERROR(Attach(client_, part, options_));
    report.consumer_reset = true;
  }
  report.seconds = SecondsSince(started);
  return report;
}

}  // namespace

Result<std::vector<uint64_t>> StoredStreamOffsets(Store& store, int count) {
  std::vector<uint64_t> out;
  for (int p = 0; p < count; ++p) {
    const std::string key = StreamOffsetKey(p);
    ASSIGN_OR_RETURN(std::optional<std::string> text, store.GetMeta(key));
    ASSIGN_OR_RETURN(uint64_t offset, ParseOffset(text, key));
    out.push_back(offset);
  }
  return out;
}

Result<ConsumeTotals> ConsumeFeedStream(Store& store, const Policy& policy, const ConsumeOptions& options) {
  if (options.partitions.empty()) return InvalidArgument("--partitions: no partition to consume");
  if (options.batch < 1) return InvalidArgument("--batch: expected at least 1 message");
  if (options.spool_dir.empty()) return InvalidArgument("no spool directory for the batch files");
  ASSIGN_OR_RETURN(std::unique_ptr<NatsClient> client, NatsClient::Connect(options.stream));
  RETURN_IF_ERROR(client->EnsureFeedStream());
  std::vector<std::unique_ptr<Partition>> parts;
  for (int p : options.partitions) {
    if (p < 0 || p >= kMaxFeedPartitions) return InvalidArgument(fmt::format("--partitions: {} is out of range", p));
    auto part = std::make_unique<Partition>();
    part->number = p;
    part->key = StreamOffsetKey(p);
    part->subject = FeedSubject(p);
    part->durable = FeedConsumerName(p);
    ASSIGN_OR_RETURN(std::optional<std::string> text, store.GetMeta(part->key));
    ASSIGN_OR_RETURN(part->offset, ParseOffset(text, part->key));
    RETURN_IF_ERROR(Attach(*client, *part, options));
    parts.push_back(std::move(part));
  }

  Consumer consumer(store, policy, options, *client);
  ConsumeTotals totals;
  const Clock::time_point started = Clock::now();
  Clock::time_point last_message = started;
  const auto stopping = [&] { return options.stop && options.stop(); };
  while (!stopping()) {
    bool any = false;
    for (auto& part : parts) {
      if (stopping()) break;
      ASSIGN_OR_RETURN(ConsumeBatchReport batch, consumer.Batch(*part));
      if (batch.messages == 0 && !batch.consumer_reset) continue;
      any = true;
      totals.resets += batch.consumer_reset ? 1 : 0;
      if (batch.messages == 0) continue;
      ++totals.batches;
      totals.messages += batch.messages;
      totals.applied += batch.applied;
      totals.skipped += batch.skipped;
      for (const IngestFileReport& r : batch.ingest) {
        if (r.already_ingested) continue;
        totals.linked += r.batch.linked;
        totals.unlinked += r.batch.unlinked;
        totals.dropped += r.batch.dropped;
        totals.rejected += r.batch.rejected;
        totals.duplicates += r.batch.duplicates;
      }
      if (options.on_batch) options.on_batch(batch);
    }
    if (any) {
      last_message = Clock::now();
    } else if (options.idle_exit_s > 0 && SecondsSince(last_message) >= options.idle_exit_s) {
      break;
    }
  }
  totals.seconds = SecondsSince(started);
  return totals;
}

}  // namespace tacit
