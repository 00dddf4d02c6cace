// A connection to NATS with its JetStream context (libnats), owned; the
// stream module's only door to the C client's handles.
//
//   ASSIGN_OR_RETURN(auto client, NatsClient::Connect(options));
//   RETURN_IF_ERROR(client->EnsureFeedStream());
//   js_PublishMsgAsync(client->js(), &msg, nullptr);
#ifndef TACIT_SRC_STREAM_NATS_CLIENT_H_
#define TACIT_SRC_STREAM_NATS_CLIENT_H_

#include <nats/nats.h>

#include <memory>
#include <string>
#include <string_view>

#include "tacit/result.h"
#include "tacit/stream.h"

namespace tacit::stream_internal {

// An Error for a failed libnats call: kUnavailable when the server cannot be
// reached or did not answer in time, kNotFound for a missing stream or
// consumer, kInternal otherwise. The message names `what`, the client's
// status text and JetStream's error code; never a message's content.
Error NatsError(std::string_view what, natsStatus s, jsErrCode code = static_cast<jsErrCode>(0));

class NatsClient {
 public:
  // Connects to options.url (reconnecting on its own for a while after a
  // drop). `publish_async` sets the JetStream context's asynchronous publish
  // handler and limit; null for a consumer. Errors: kUnavailable.
  struct AsyncPublish {
    jsPubAckHandler handler = nullptr;
    void* closure = nullptr;
    int max_pending = 4096;
  };
  static Result<std::unique_ptr<NatsClient>> Connect(const StreamOptions& options,
                                                     const AsyncPublish* publish_async = nullptr);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  natsConnection* connection() { return conn_; }
  jsCtx* js() { return js_; }
  int64_t timeout_ms() const { return timeout_ms_; }

  // EnsureFeedStream (tacit/stream.h) on this connection.
  Status EnsureFeedStream();

 private:
  NatsClient() = default;
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
  int64_t timeout_ms_ = 10000;
};

}  // namespace tacit::stream_internal

#endif  // TACIT_SRC_STREAM_NATS_CLIENT_H_
