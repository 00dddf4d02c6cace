#include "stream/nats_client.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace tacit {
namespace stream_internal {

Error NatsError(std::string_view what, natsStatus s, jsErrCode code) {
  ErrorCode ec = ErrorCode::kInternal;
  switch (s) {
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
      ec = ErrorCode::kUnavailable;
      break;
    case NATS_NOT_FOUND:
      ec = ErrorCode::kNotFound;
      break;
    default:
      break;
  }
  std::string message = fmt::format("{}: {}", what, natsStatus_GetText(s));
  if (code != 0) message += fmt::format(" (JetStream error {})", static_cast<int>(code));
  if (s == NATS_NO_RESPONDERS) message += "; is JetStream enabled on the server (nats-server -js)?";
  return Error{ec, std::move(message)};
}

Result<std::unique_ptr<NatsClient>> NatsClient::Connect(const StreamOptions& options,
                                                        const AsyncPublish* publish_async) {
  std::unique_ptr<NatsClient> client(new NatsClient());
  client->timeout_ms_ = std::max(1, options.timeout_s) * int64_t{1000};
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, options.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(opts, "tacit");
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, client->timeout_ms_);
  // A server restart (or a failover in a cluster) is ridden out for a minute.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, 30);
  if (s == NATS_OK) s = natsConnection_Connect(&client->conn_, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    return tl::unexpected(NatsError(fmt::format("cannot connect to NATS at {}", RedactedNatsUrl(options.url)), s));
  }
  jsOptions js_opts;
  jsOptions_Init(&js_opts);
  js_opts.Wait = client->timeout_ms_;
  if (publish_async != nullptr) {
    js_opts.PublishAsync.AckHandler = publish_async->handler;
    js_opts.PublishAsync.AckHandlerClosure = publish_async->closure;
    js_opts.PublishAsync.MaxPending = publish_async->max_pending;
    // With max_pending messages in flight, a publish waits this long for
    // acknowledgements to free a slot before it gives up. The default (200 ms)
    // is too short for a server writing millions of messages to disk: a
    // province's month of feeds stalled on it (bench/province.sh, 7 million).
    js_opts.PublishAsync.StallWait = client->timeout_ms_;
  }
  s = natsConnection_JetStream(&client->js_, client->conn_, &js_opts);
  if (s != NATS_OK) return tl::unexpected(NatsError("cannot open a JetStream context", s));
  return client;
}

NatsClient::~NatsClient() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
  }
}

Status NatsClient::EnsureFeedStream() {
  const std::string name(kFeedStreamName);
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, js_, name.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return {};
  }
  if (s != NATS_NOT_FOUND) return tl::unexpected(NatsError("cannot look up the stream " + name, s, code));
  const std::string subjects = std::string(kFeedSubjectPrefix) + "*";
  const char* subject_list[] = {subjects.c_str()};
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = name.c_str();
  config.Description = "tacit: partner records, partitioned by person (docs/feeds.md)";
  config.Subjects = subject_list;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;
  s = js_AddStream(&info, js_, &config, nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return {};
  }
  // Another publisher or instance made it in the meantime.
  if (code == JSStreamNameExistErr) return {};
  return tl::unexpected(NatsError("cannot create the stream " + name, s, code));
}

}  // namespace stream_internal

using stream_internal::NatsClient;
using stream_internal::NatsError;

Status EnsureFeedStream(const StreamOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<NatsClient> client, NatsClient::Connect(options));
  return client->EnsureFeedStream();
}

Status DeleteFeedStreamForTest(const StreamOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<NatsClient> client, NatsClient::Connect(options));
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_DeleteStream(client->js(), std::string(kFeedStreamName).c_str(), nullptr, &code);
  if (s == NATS_OK || s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return {};
  return tl::unexpected(NatsError("cannot delete the stream", s, code));
}

Result<std::vector<uint64_t>> FeedStreamLastSequences(const StreamOptions& options, int count) {
  ASSIGN_OR_RETURN(std::unique_ptr<NatsClient> client, NatsClient::Connect(options));
  const std::string stream(kFeedStreamName);
  std::vector<uint64_t> out(static_cast<size_t>(std::max(0, count)), 0);
  for (int p = 0; p < count; ++p) {
    natsMsg* msg = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetLastMsg(&msg, client->js(), stream.c_str(), FeedSubject(p).c_str(), nullptr, &code);
    if (s == NATS_NOT_FOUND) continue;  // no message in the partition (or no stream yet)
    if (s != NATS_OK) {
      return tl::unexpected(NatsError(fmt::format("cannot read the last message of partition {}", p), s, code));
    }
    out[static_cast<size_t>(p)] = natsMsg_GetSequence(msg);
    natsMsg_Destroy(msg);
  }
  return out;
}

}  // namespace tacit
