// The HTTP server (`tacit serve`): a JSON API under /api/v1 for the agency's
// systems, partner departments, attestors and the web pages; /healthz;
// /metrics (Prometheus text); /api/v1/openapi.json generated from the same
// route table that dispatches requests.
//
// Handlers parse, authorise (tacit/access.h), call the library and render;
// no rule lives in the server. Every error body has one shape:
//   {"error": {"code": "invalid_argument", "message": "…", "field": "birth_date"}}
//
//   ServerDeps deps{.open_store = [&] { return OpenSqliteStore(path); }, .policy = policy, .secrets = secrets};
//   ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::Create(std::move(deps), ServerOptions{}));
//   ASSIGN_OR_RETURN(int port, server->Bind());   // "127.0.0.1:0" picks a free port
//   server->Run();                                // until Stop() (another thread or a signal)
#ifndef TACIT_SERVER_H_
#define TACIT_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tacit/access.h"
#include "tacit/channel.h"
#include "tacit/citizen.h"
#include "tacit/face.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string tls_cert, tls_key;          // PEM files; both or neither
  int threads = 8;                        // worker threads (requests in flight at once)
  // Largest request body: a feed upload; JSON requests are held to 1 MiB.
  size_t max_upload_bytes = 512ull << 20;
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 60;
  // Token buckets: requests per second (and burst) per client address and per
  // authenticated key (session user, partner or attestor). 0 turns one off.
  double rate_per_address = 2000, burst_per_address = 4000;
  double rate_per_key = 1000, burst_per_key = 2000;
  // Sign-in attempts per client address (each costs an Argon2id hash); the
  // citizen page's code entries (POST /api/v1/citizen/session) count here too.
  double login_rate_per_address = 2, login_burst_per_address = 20;
  // Requests for a citizen's SMS sign-in code per client address (each may
  // send an SMS, which the agency pays for): 10 an hour, bursts of 10.
  double citizen_code_rate_per_address = 10.0 / 3600, citizen_code_burst_per_address = 10;
  // The citizen sign-in's own limits: code lifetime, tries, per-number
  // limits, session life (tacit/citizen.h).
  CitizenOptions citizen;
  // Signed attestations: the largest clock difference accepted (seconds).
  int64_t signature_window_seconds = 300;
  AccessOptions access;
  // Where uploaded feed files and their quarantine reports are kept.
  std::string upload_dir = "uploads";
  // Where the monthly runs started through the API write their payroll files
  // (created when missing). They hold identity numbers: keep it private.
  std::string payroll_dir = "payroll";
  // The department mappings an upload may name (?mapping=NAME reads NAME.toml
  // here; a client never gives a path). Default: the shipped examples.
  std::string mapping_dir = "examples/mappings";
  // The built web pages (web/build.mjs writes build/web); served under / with
  // a strict Content-Security-Policy. Empty: the API only.
  std::string web_dir;
  // When set (a nats:// URL), records pushed to POST /api/v1/records are
  // published to the feed stream (tacit/stream.h) for the consumers to apply,
  // instead of being applied by this server; file uploads are applied as ever.
  std::string stream_url;
  int stream_partitions = 16;  // kDefaultFeedPartitions: every publisher of a stream must agree
  // The clock (Unix milliseconds); tests inject their own.
  std::function<int64_t()> now_ms;
};

struct ServerDeps {
  // Opens a connection to the store; called once per worker thread that needs one.
  std::function<Result<std::unique_ptr<Store>>()> open_store;
  Policy policy;
  Secrets secrets;
  // The face pipeline for /api/v1/face (tacit/face_engine.h's FaceEngine);
  // owned by the caller and outliving the server. Null: those routes answer 503.
  const FaceAnalyser* face = nullptr;
  // The channel adapters (tacit/channel_http.h's MakeHttpChannelFactory) for
  // the citizen page's SMS sign-in codes, sent through the store's "sms"
  // channel; owned by the caller and outliving the server. Null:
  // POST /api/v1/citizen/code answers 503.
  ChannelFactory* channels = nullptr;
};

class Server {
 public:
  virtual ~Server() = default;
  // Errors: kInvalidArgument (listen address, one TLS file without the other),
  // kNotFound (a TLS file), kUnavailable (the store).
  static Result<std::unique_ptr<Server>> Create(ServerDeps deps, ServerOptions options);
  // Binds the listening socket; returns the port. Errors: kUnavailable.
  virtual Result<int> Bind() = 0;
  // Serves until Stop(); requests in flight finish first. REQUIRES: Bind() succeeded.
  virtual void Run() = 0;
  // Thread-safe; also safe from a signal-watching thread.
  virtual void Stop() = 0;
};

}  // namespace tacit

#endif  // TACIT_SERVER_H_
