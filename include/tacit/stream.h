// The durable feed stream (issue 9): partner records through NATS JetStream.
//
// A publisher (a partner's system, `tacit stream publish`, the HTTP API)
// reads a feed file with the feed reader and publishes each good record as one
// message to the JetStream stream TACIT_FEEDS, subject tacit.feed.<partition>,
// where the partition is a stable hash of the person key (the normalised
// identity number) modulo P, so that one person's records are applied in
// order by one instance. Each tacit instance consumes its own partitions
// (`tacit stream consume --partitions 0-7`): a batch of messages becomes one
// canonical JSON Lines file that IngestFiles applies (linking, strangers'
// rows dropped, summaries: exactly the ingest path), and the partition's
// highest applied stream sequence is stored in the same unit of work
// (Store::PutMeta). Messages are acknowledged only after the commit; a
// redelivered message at or below the stored sequence is acknowledged without
// being applied. A killed instance so loses nothing and applies nothing twice,
// and (source, ref) stays the store's second guard.
//
//   StreamOptions s{.url = "nats://127.0.0.1:4222"};
//   ASSIGN_OR_RETURN(auto reports, PublishFeedFiles({{.path = "rail.csv", .received_on = today}},
//                                                   PublishOptions{.stream = s, .policy = &policy, .today = today}));
//   ConsumeOptions c{.stream = s, .partitions = {0, 1, 2, 3}, .spool_dir = "spool", .today = today};
//   ASSIGN_OR_RETURN(ConsumeTotals t, ConsumeFeedStream(store, policy, c));
#ifndef TACIT_STREAM_H_
#define TACIT_STREAM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/feed.h"
#include "tacit/ingest.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

// The JetStream stream that holds partner records (file storage).
inline constexpr std::string_view kFeedStreamName = "TACIT_FEEDS";
// Subjects are kFeedSubjectPrefix + partition ("tacit.feed.7").
inline constexpr std::string_view kFeedSubjectPrefix = "tacit.feed.";
// P, the number of partitions, when not given. Every publisher of a stream
// must use the same P (a person's records must land in one partition).
inline constexpr int kDefaultFeedPartitions = 16;
// The most partitions a stream may have (consumers are per partition).
inline constexpr int kMaxFeedPartitions = 1024;
inline constexpr std::string_view kDefaultNatsUrl = "nats://127.0.0.1:4222";

// ---- Records as messages (no server needed) --------------------------------

// One record of a partner feed as it travels on the stream: the canonical
// feed fields as read (id_number as sent, not normalised) and the day the
// agency learned it.
struct StreamRecord {
  std::string source, kind, id_number, name, sex, birth_date, region_code, occurred_on, ref;
  std::string detail;  // a JSON object as text, or empty
  Date received_on;
};

// The record of a good feed row (dates as YYYY-MM-DD, sex as M / F / empty).
StreamRecord StreamRecordFromRow(const FeedRow& row, Date received_on);

// The message body: one canonical JSON object on one line, with the canonical
// feed field names in canonical order, `detail` as an object (left out when
// empty) and `received_on` last. Fields that are empty are left out.
std::string EncodeStreamRecord(const StreamRecord& record);

// The record of a message body. Errors (kInvalidArgument; the message never
// names a value of the record): not a JSON object, a field that is not a
// string (detail: not an object), received_on missing or not a date.
Result<StreamRecord> DecodeStreamRecord(std::string_view body);

// The message body as a line of a canonical JSON Lines feed file, for
// IngestFiles: the body without received_on (which IngestInput carries).
// A body that is not a JSON object comes back with its line breaks made
// spaces, so that the feed reader rejects it as one bad line.
std::string CanonicalLineOfMessage(std::string_view body);

// A stable 64-bit hash (FNV-1a; the same on every machine and build, unlike
// std::hash) of bytes.
uint64_t StableHash64(std::string_view bytes);

// The partition (0..partitions-1) of a record: a hash of its person key when
// `id_number` is a valid identity number on `today` (so every spelling of one
// number, 15 or 18 digits, full-width, goes to the same partition), else a
// hash of (source, ref). REQUIRES: partitions >= 1.
int FeedPartition(std::string_view id_number, std::string_view source, std::string_view ref, int partitions,
                  Date today);

// "tacit.feed.<partition>".
std::string FeedSubject(int partition);

// The JetStream message id (header Nats-Msg-Id) of a record: "source/ref",
// so that the stream's duplicate window drops a resend. Line breaks, which a
// header cannot carry, become spaces.
std::string FeedMessageId(std::string_view source, std::string_view ref);

// The store meta key of a partition's applied offset: "stream/TACIT_FEEDS/<p>".
std::string StreamOffsetKey(int partition);

// The name of the durable pull consumer of a partition: "tacit-p<p>".
std::string FeedConsumerName(int partition);

// Partitions from a list like "0-7", "3", "0-3,8,10-11": ascending, each once.
// Errors (kInvalidArgument): empty, not numbers, a range backwards, a
// partition at or above kMaxFeedPartitions.
Result<std::vector<int>> ParsePartitionList(std::string_view text);

// ---- The server --------------------------------------------------------------

struct StreamOptions {
  // The NATS server(s), comma-separated URLs. Credentials, if the server
  // wants them, come in the URL (nats://user:pass@host:4222); messages and
  // logs show the URL without them.
  std::string url = std::string(kDefaultNatsUrl);
  // P: partitions of the stream (publishing). Consumers need not know P.
  int partitions = kDefaultFeedPartitions;
  // Seconds to wait for the server to answer (connect, requests, acks).
  int timeout_s = 10;
};

// The URL for messages: without a user and password.
std::string RedactedNatsUrl(std::string_view url);

// Creates the stream TACIT_FEEDS (file storage, subjects tacit.feed.*) if the
// server has none; an existing one is left as it is. Idempotent. Errors:
// kUnavailable (no server, no JetStream), kInternal (the server refused).
Status EnsureFeedStream(const StreamOptions& options);

// The last stream sequence of each partition 0..count-1 (0: the partition has
// no message), for status and the tests. Errors as EnsureFeedStream.
Result<std::vector<uint64_t>> FeedStreamLastSequences(const StreamOptions& options, int count);

// Removes the stream TACIT_FEEDS with its messages and consumers (tests
// start from an empty stream). A missing stream is fine.
Status DeleteFeedStreamForTest(const StreamOptions& options);

// ---- Publishing ---------------------------------------------------------------

struct PublishInput {
  std::string path;
  std::string mapping;  // mapping TOML path; empty for the canonical layout
  std::string source;   // default source when neither file nor mapping names one
  Date received_on;     // when the agency learned the data
  // The sender's registration, for records a partner sent itself (the HTTP
  // API): rows of another source or of a kind it does not list are rejected,
  // as ingest rejects them (FeedReadOptions::registration).
  std::optional<FeedRegistration> registration;
};

struct PublishFileReport {
  std::string file;
  int64_t rows = 0;        // data rows read
  int64_t published = 0;   // new messages the stream stored
  int64_t duplicates = 0;  // messages the stream's duplicate window dropped (same source/ref)
  int64_t rejected = 0;    // rows that went to the quarantine file
  std::string quarantine_path;  // empty when nothing was rejected
  std::vector<FeedReject> reject_sample;
};

struct PublishOptions {
  StreamOptions stream;
  // The kinds and sources a row may have, as for ingest. REQUIRES: not null.
  const Policy* policy = nullptr;
  Date today;  // occurred_on after today is rejected
  size_t reject_sample = 5;
  // Messages awaiting their acknowledgement at once (publishing is
  // asynchronous; a file ends when all its messages are acknowledged).
  int max_pending = 4096;
};

struct PublishTotals {
  std::vector<PublishFileReport> files;
  // The highest stream sequence the acknowledgements named, per partition
  // (index = partition; 0: nothing was stored there by this call).
  std::vector<uint64_t> last_sequences;
};

// Publishes the good rows of each file, one message each, and waits for the
// server's acknowledgement of every message; a message not acknowledged is
// sent again (at most three times; the message id makes a resend harmless).
// Rejected rows go to the quarantine file beside the file (QuarantinePathFor),
// as ingest writes it; the publisher cannot tell a stranger's row from a
// recipient's (it knows no registry), so its quarantine keeps every raw row.
// Never touches the store. Errors: a file or mapping cannot be read (files
// before it are published), no server (kUnavailable), messages the server
// would not store after three attempts (kUnavailable: publishing the file
// again is safe).
Result<PublishTotals> PublishFeedFiles(const std::vector<PublishInput>& inputs, const PublishOptions& options);

// ---- Consuming ------------------------------------------------------------------

// One applied (or skipped) batch of one partition.
struct ConsumeBatchReport {
  int partition = 0;
  uint64_t first_sequence = 0, last_sequence = 0;  // stream sequences of the batch's messages
  int64_t messages = 0;  // fetched
  int64_t applied = 0;   // written to the batch file and ingested
  int64_t skipped = 0;   // at or below the stored offset: acknowledged, not applied
  std::vector<IngestFileReport> ingest;  // one per received_on day; empty when nothing was applied
  uint64_t offset = 0;   // the partition's stored offset after the batch
  // A delivery never reached this process: the batch stopped before it and
  // the partition's consumer was made again from the offset.
  bool consumer_reset = false;
  double seconds = 0;    // fetch to acknowledgement
};

struct ConsumeTotals {
  int64_t batches = 0, messages = 0, applied = 0, skipped = 0;
  int64_t linked = 0, unlinked = 0, dropped = 0, rejected = 0, duplicates = 0;
  int64_t resets = 0;  // consumers made again after a lost delivery
  double seconds = 0;
};

struct ConsumeOptions {
  StreamOptions stream;
  std::vector<int> partitions;  // REQUIRES: not empty, each in [0, kMaxFeedPartitions)
  int batch = 5000;             // most messages per batch (per unit of work)
  // Seconds a fetch waits for the first message of a batch before trying the
  // next partition.
  double fetch_wait_s = 0.2;
  // Stop after this many seconds in which no message arrived; 0: never.
  double idle_exit_s = 0;
  // The batch files are written here (created if missing) and removed once
  // committed; the quarantine files of rejected rows stay in its quarantine/.
  std::string spool_dir;
  Date today;
  // Seconds a delivered message may wait for its acknowledgement before the
  // server delivers it again.
  int ack_wait_s = 60;
  // Polled between batches: true stops the loop after the batch in hand.
  std::function<bool()> stop;
  // Called inside each batch's unit of work, after the records and the offset
  // are written and before the commit (the caller's audit entry). An error
  // rolls the batch back, leaves it unacknowledged and is returned.
  std::function<Status(Store& store, const ConsumeBatchReport& batch)> before_commit;
  // Called after each batch is committed and acknowledged (progress).
  std::function<void(const ConsumeBatchReport& batch)> on_batch;
  // Called after a batch's commit and before its acknowledgements: the crash
  // tests end the process there.
  std::function<void(const ConsumeBatchReport& batch)> after_commit_for_test;
};

// Consumes the partitions until `stop` or the idle time: for each, a durable
// pull consumer (explicit acks) made afresh at the start from the stored
// offset + 1, so that what a killed instance had fetched but not committed
// comes again at once, in order. Each batch: fetched, skipped up to the
// stored offset, written to the spool as canonical JSON Lines (one file per
// received_on day; a day before the last monthly run's cut-off becomes the
// cut-off, since the run decided without it), ingested with the offset in
// one unit, committed, acknowledged. A delivery that never reached this
// process (a gap in the consumer's delivery sequence) stops the batch before
// it, and the partition's consumer is made again from the offset. Errors:
// the server or the store fails (kUnavailable and the store's errors), a
// stored offset that is not a number (kDataLoss); what was committed stays.
// REQUIRES: one instance consumes a partition at a time (a second one would
// make its consumer again under it).
Result<ConsumeTotals> ConsumeFeedStream(Store& store, const Policy& policy, const ConsumeOptions& options);

// The stored offsets of partitions 0..count-1 (0: none).
Result<std::vector<uint64_t>> StoredStreamOffsets(Store& store, int count);

}  // namespace tacit

#endif  // TACIT_STREAM_H_
