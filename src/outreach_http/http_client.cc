#include "outreach_http/http_client.h"

#include <httplib.h>

#include <chrono>
#include <fstream>

#include <fmt/format.h>

namespace tacit::outreach_http {

std::string_view HttpFailureCode(HttpFailure f) {
  switch (f) {
    case HttpFailure::kNone: return "";
    case HttpFailure::kConnect: return "connect";
    case HttpFailure::kWrite: return "write";
    case HttpFailure::kRead: return "timeout";
    case HttpFailure::kTls: return "tls";
    case HttpFailure::kTlsVerify: return "tls_verify";
    case HttpFailure::kOther: return "http_error";
  }
  return "http_error";
}

std::string Redact(std::string text, std::initializer_list<std::string_view> secrets) {
  for (std::string_view s : secrets) {
    if (s.empty()) continue;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) text.replace(at, s.size(), "***");
  }
  return text;
}

namespace {

HttpFailure FailureOf(httplib::Error e) {
  switch (e) {
    case httplib::Error::Success: return HttpFailure::kNone;
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress: return HttpFailure::kConnect;
    case httplib::Error::Write: return HttpFailure::kWrite;
    case httplib::Error::Read: return HttpFailure::kRead;
    case httplib::Error::SSLConnection: return HttpFailure::kTls;
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification: return HttpFailure::kTlsVerify;
    default: return HttpFailure::kOther;
  }
}

class HttplibClient final : public HttpClient {
 public:
  HttplibClient(const Endpoint& endpoint, const HttpClientOptions& options)
      : client_(endpoint.SchemeHostPort()) {
    client_.set_connection_timeout(std::chrono::milliseconds(options.connect_timeout_ms));
    client_.set_read_timeout(std::chrono::milliseconds(options.read_timeout_ms));
    client_.set_write_timeout(std::chrono::milliseconds(options.read_timeout_ms));
    client_.set_keep_alive(true);
    client_.set_follow_location(false);
    // Targets come encoded already (acs3.h, the token is URL-safe).
    client_.set_url_encode(false);
    client_.set_tcp_nodelay(true);
    if (endpoint.tls) {
      client_.enable_server_certificate_verification(true);
      if (!options.ca_file.empty()) client_.set_ca_cert_path(options.ca_file);
    }
  }

  HttpExchange Send(const HttpRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    httplib::Request req;
    req.method = request.method;
    req.path = request.target;
    for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
    if (!request.body.empty() || request.method == "POST") {
      req.body = request.body;
      if (!request.content_type.empty() && !req.has_header("Content-Type")) {
        req.headers.emplace("Content-Type", request.content_type);
      }
    }
    HttpExchange x;
    try {
      httplib::Result res = client_.send(req);
      x.failure = FailureOf(res.error());
      if (res) {
        x.failure = HttpFailure::kNone;
        x.status = res->status;
        x.body = std::move(res->body);
      } else if (x.failure == HttpFailure::kNone) {
        x.failure = HttpFailure::kOther;
      }
    } catch (const std::exception&) {
      x.failure = HttpFailure::kOther;
    }
    x.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return x;
  }

 private:
  httplib::Client client_;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> MakeHttpClient(const Endpoint& endpoint, const HttpClientOptions& options) {
  if (endpoint.tls && !options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return InvalidArgument(fmt::format("CA 证书文件无法读取 (ca_file {} cannot be read)", options.ca_file));
  }
  return std::unique_ptr<HttpClient>(std::make_unique<HttplibClient>(endpoint, options));
}

}  // namespace tacit::outreach_http
