// The small HTTP client the adapters speak through, so that they never see
// httplib.h (only http_client.cc includes it) and so that what went wrong is
// told apart by whether the request can have reached the provider.
//
//   ASSIGN_OR_RETURN(auto client, MakeHttpClient(endpoint, {.connect_timeout_ms = 3000, .read_timeout_ms = 10000}));
//   HttpExchange x = client->Send({.method = "POST", .target = "/", .headers = h, .body = b,
//                                  .content_type = "application/x-www-form-urlencoded"});
//   if (x.failure == HttpFailure::kNone) use(x.status, x.body);
//
// A client is not thread-safe: one per adapter, one adapter per worker.
#ifndef TACIT_SRC_OUTREACH_HTTP_HTTP_CLIENT_H_
#define TACIT_SRC_OUTREACH_HTTP_HTTP_CLIENT_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outreach_http/endpoint.h"
#include "tacit/result.h"

namespace tacit::outreach_http {

struct HttpRequest {
  std::string method = "POST";
  std::string target;  // path and query, already encoded ("/", "/cgi-bin/x?access_token=…")
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given (Host included when set)
  std::string body;
  std::string content_type;
};

enum class HttpFailure {
  kNone,            // an answer came back (any status)
  kConnect,         // no connection (refused, unreachable, connect timeout): nothing was sent
  kWrite,           // the connection broke while the request was written: the provider has no whole request
  kRead,            // the request was written and no whole answer came (read timeout, reset): it may have arrived
  kTls,             // the TLS handshake failed: nothing was sent
  kTlsVerify,       // the provider's certificate or host name did not verify: nothing was sent
  kOther,           // anything else (treated as "may have arrived")
};
// "connect", "write", "timeout", "tls", "tls_verify", "http_error": the raw
// code a SendResult carries for a failure without an HTTP answer.
std::string_view HttpFailureCode(HttpFailure f);

struct HttpExchange {
  HttpFailure failure = HttpFailure::kOther;
  int status = 0;  // 0 unless failure == kNone
  std::string body;
  int64_t duration_ms = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and waits for the whole answer. Never throws.
  virtual HttpExchange Send(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 10000;
  std::string ca_file;  // HTTPS: the CA bundle (empty: the system's)
};

// A client for one endpoint on cpp-httplib: keep-alive, no redirects followed,
// certificate and host-name verification on for HTTPS. Errors
// (kInvalidArgument): a ca_file that cannot be read.
Result<std::unique_ptr<HttpClient>> MakeHttpClient(const Endpoint& endpoint, const HttpClientOptions& options);

// `text` with every occurrence of each non-empty secret replaced by "***":
// the last guard before a provider's message goes into a result.
std::string Redact(std::string text, std::initializer_list<std::string_view> secrets);

}  // namespace tacit::outreach_http

#endif  // TACIT_SRC_OUTREACH_HTTP_HTTP_CLIENT_H_
