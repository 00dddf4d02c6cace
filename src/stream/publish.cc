// `tacit stream publish`: feed files to messages, with JetStream's
// acknowledgements. Asynchronous: up to max_pending messages are in flight
// while the file is read; each file ends when all of its messages are
// acknowledged, and those the server did not acknowledge are sent again.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "stream/nats_client.h"
#include "tacit/stream.h"

namespace tacit {
namespace {

using stream_internal::NatsClient;
using stream_internal::NatsError;

constexpr int kAttempts = 3;

// A message to send again: its subject, body and id.
struct Resend {
  std::string subject, body, id;
};

// What the acknowledgements said, shared with libnats' callback thread.
struct AckState {
  std::atomic<int64_t> published{0}, duplicates{0};
  std::mutex mu;
  std::vector<Resend> failed;             // GUARDED_BY(mu)
  std::vector<uint64_t> last_sequences;  // GUARDED_BY(mu)
};

int PartitionOfSubject(const char* subject) {
  const std::string_view s(subject == nullptr ? "" : subject);
  if (s.size() <= kFeedSubjectPrefix.size()) return -1;
  int p = 0;
  for (char c : s.substr(kFeedSubjectPrefix.size())) {
    if (c < '0' || c > '9') return -1;
    p = p * 10 + (c - '0');
    if (p >= kMaxFeedPartitions) return -1;
  }
  return p;
}

Resend CopyOf(natsMsg* msg) {
  Resend r;
  r.subject = natsMsg_GetSubject(msg);
  r.body.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) r.id = id;
  return r;
}

void Acknowledged(AckState& state, natsMsg* msg, uint64_t sequence, bool duplicate) {
  if (duplicate) {
    ++state.duplicates;
    return;
  }
  ++state.published;
  const int p = PartitionOfSubject(natsMsg_GetSubject(msg));
  if (p < 0) return;
  std::lock_guard<std::mutex> lock(state.mu);
  if (state.last_sequences.size() <= static_cast<size_t>(p)) state.last_sequences.resize(static_cast<size_t>(p) + 1);
  state.last_sequences[static_cast<size_t>(p)] = std::max(state.last_sequences[static_cast<size_t>(p)], sequence);
}

// With an acknowledgement handler the message is the handler's to destroy
// (nats.h, jsPubAckHandler): before, every published message stayed in
// memory, 13 GB for a province's 21 million records.
void OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
  auto& state = *static_cast<AckState*>(closure);
  if (err == nullptr && ack != nullptr) {
    Acknowledged(state, msg, ack->Sequence, ack->Duplicate);
  } else {
    Resend copy = CopyOf(msg);  // sent again by Settle
    std::lock_guard<std::mutex> lock(state.mu);
    state.failed.push_back(std::move(copy));
  }
  natsMsg_Destroy(msg);
}

Result<natsMsg*> MakeMessage(const std::string& subject, const std::string& body, const std::string& id) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id.c_str());
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return tl::unexpected(NatsError("cannot make a message", s));
  }
  return msg;
}

// Waits for every acknowledgement; what the server has not acknowledged by
// then, or refused, is sent again one by one. Returns the messages that could
// not be published after kAttempts.
Result<int64_t> Settle(NatsClient& client, AckState& state) {
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = client.timeout_ms();
  natsStatus s = js_PublishAsyncComplete(client.js(), &wait);
  if (s == NATS_TIMEOUT) {
    natsMsgList pending = {};
    if (js_PublishAsyncGetPendingList(&pending, client.js()) == NATS_OK) {
      std::lock_guard<std::mutex> lock(state.mu);
      for (int i = 0; i < pending.Count; ++i) state.failed.push_back(CopyOf(pending.Msgs[i]));
      natsMsgList_Destroy(&pending);
    }
  } else if (s != NATS_OK) {
    return tl::unexpected(NatsError("waiting for the stream's acknowledgements", s));
  }
  std::vector<Resend> again;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    again.swap(state.failed);
  }
  int64_t lost = 0;
  for (const Resend& r : again) {
    bool done = false;
    for (int attempt = 1; attempt < kAttempts && !done; ++attempt) {
      ASSIGN_OR_RETURN(natsMsg * msg, MakeMessage(r.subject, r.body, r.id));
      jsPubAck* ack = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      s = js_PublishMsg(&ack, client.js(), msg, nullptr, &code);
      if (s == NATS_OK) {
        Acknowledged(state, msg, ack->Sequence, ack->Duplicate);
        jsPubAck_Destroy(ack);
        done = true;
      } else {
        spdlog::warn("stream publish: a message to {} was not acknowledged ({}), attempt {}", r.subject,
                     natsStatus_GetText(s), attempt + 1);
      }
      natsMsg_Destroy(msg);
    }
    if (!done) ++lost;
  }
  return lost;
}

}  // namespace

Result<PublishTotals> PublishFeedFiles(const std::vector<PublishInput>& inputs, const PublishOptions& options) {
  if (options.policy == nullptr) return InvalidArgument("PublishFeedFiles: no policy");
  const int partitions = options.stream.partitions;
  if (partitions < 1 || partitions > kMaxFeedPartitions) {
    return InvalidArgument(fmt::format("--partitions: expected 1 to {} partitions", kMaxFeedPartitions));
  }
  AckState state;
  state.last_sequences.assign(static_cast<size_t>(partitions), 0);
  NatsClient::AsyncPublish async{.handler = OnAck, .closure = &state, .max_pending = options.max_pending};
  ASSIGN_OR_RETURN(std::unique_ptr<NatsClient> client, NatsClient::Connect(options.stream, &async));
  RETURN_IF_ERROR(client->EnsureFeedStream());
  const Policy& policy = *options.policy;

  PublishTotals totals;
  for (const PublishInput& in : inputs) {
    PublishFileReport report;
    report.file = in.path;
    Mapping mapping;
    FeedReadOptions read;
    if (!in.mapping.empty()) {
      ASSIGN_OR_RETURN(mapping, LoadMapping(in.mapping));
      read.mapping = &mapping;
    }
    read.default_source = in.source;
    read.today = options.today;
    if (in.registration) read.registration = &*in.registration;
    // As ingest: staff decisions are no partner's kinds, the agency no partner's source.
    read.is_known_kind = [&policy](std::string_view kind) {
      const EvidenceKindSpec* spec = policy.FindKind(kind);
      return spec != nullptr && spec->cls != EvidenceClass::kFraud && spec->cls != EvidenceClass::kEvidenceVoided;
    };
    read.is_known_source = [&policy](std::string_view source) {
      return source != kAgencySource && policy.FindSource(source) != nullptr;
    };
    const int64_t published_before = state.published, duplicates_before = state.duplicates;
    std::vector<FeedReject> rejects;
    Status send_error;
    auto summary = ReadFeedFile(
        in.path, read,
        [&](const FeedRow& row) {
          if (!send_error) return;
          const StreamRecord record = StreamRecordFromRow(row, in.received_on);
          const int p = FeedPartition(row.id_number, row.source, row.ref, partitions, options.today);
          auto msg = MakeMessage(FeedSubject(p), EncodeStreamRecord(record), FeedMessageId(row.source, row.ref));
          if (!msg) {
            send_error = tl::unexpected(msg.error());
            return;
          }
          natsMsg* m = *msg;
          natsStatus s = js_PublishMsgAsync(client->js(), &m, nullptr);
          // Stalled (max_pending in flight for the whole stall wait): let the
          // acknowledgements catch up, then try again, a few times.
          for (int attempt = 1; s == NATS_TIMEOUT && attempt < kAttempts; ++attempt) {
            jsPubOptions wait;
            jsPubOptions_Init(&wait);
            wait.MaxWait = client->timeout_ms();
            (void)js_PublishAsyncComplete(client->js(), &wait);
            s = js_PublishMsgAsync(client->js(), &m, nullptr);
          }
          // On success the library owns the message (and cleared m).
          natsMsg_Destroy(m);
          if (s != NATS_OK) send_error = tl::unexpected(NatsError("cannot publish to the stream", s));
        },
        [&](const FeedReject& r) { rejects.push_back(r); });
    if (!summary) return tl::unexpected(summary.error());
    RETURN_IF_ERROR(send_error);
    ASSIGN_OR_RETURN(int64_t lost, Settle(*client, state));
    if (lost > 0) {
      return Unavailable(fmt::format("{}: {} records were not acknowledged by the stream after {} attempts; "
                                     "publish the file again (records already stored are dropped as duplicates)",
                                     in.path, lost, kAttempts));
    }
    report.rows = summary->rows;
    report.rejected = summary->rejected;
    report.published = state.published - published_before;
    report.duplicates = state.duplicates - duplicates_before;
    if (!rejects.empty()) {
      report.quarantine_path = QuarantinePathFor(in.path);
      RETURN_IF_ERROR(WriteQuarantine(report.quarantine_path, rejects));
      for (size_t i = 0; i < rejects.size() && i < options.reject_sample; ++i) {
        report.reject_sample.push_back(std::move(rejects[i]));
      }
    }
    // Counts only: a file name may name a person, so the log says "a file".
    spdlog::info("stream publish: {} rows, {} published, {} duplicates, {} rejected", report.rows, report.published,
                 report.duplicates, report.rejected);
    totals.files.push_back(std::move(report));
  }
  std::lock_guard<std::mutex> lock(state.mu);
  totals.last_sequences = state.last_sequences;
  totals.last_sequences.resize(static_cast<size_t>(partitions));
  return totals;
}

}  // namespace tacit
