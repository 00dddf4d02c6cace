// The server: one dispatcher over the route table, authentication, rate
// limits, the store connections of the worker threads, and error rendering.
#include "tacit/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "server/routes.h"
#include "tacit/attestation.h"

namespace tacit {
namespace server {
namespace {

constexpr std::string_view kSessionCookie = "tacit_session";
constexpr std::string_view kCitizenCookie = "tacit_citizen";

// Store connections for the worker threads: a request borrows one and gives
// it back; at most one per thread is ever open at once.
class StorePool {
 public:
  explicit StorePool(std::function<Result<std::unique_ptr<Store>>()> open) : open_(std::move(open)) {}

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->Return(std::move(store_));
    }
    Store& operator*() { return *store_; }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Store> s = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(s));
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Store> s, open_());
    return Lease(this, std::move(s));
  }

 private:
  void Return(std::unique_ptr<Store> s) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(s));
  }
  std::function<Result<std::unique_ptr<Store>>()> open_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Store>> idle_;  // GUARDED_BY(mu_)
};

// One thread that runs jobs after their requests were answered (a citizen's
// SMS code: the answer must not wait for the gateway, nor take longer when a
// code is sent than when none is). Jobs run in order; the destructor runs
// those still queued, then joins.
class Background {
 public:
  explicit Background(StorePool& pool) : pool_(pool), thread_([this] { Loop(); }) {}
  ~Background() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Post(std::function<void(Store&)> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void(Store&)> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      auto lease = pool_.Acquire();
      if (!lease) {
        spdlog::error("background job dropped: store unavailable: {}", lease.error().ToString());
        continue;
      }
      job(**lease);
    }
  }
  StorePool& pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(Store&)>> jobs_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::thread thread_;
};

// Token buckets by key.
class RateLimiter {
 public:
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
  // Whether one more request may pass now; when not, `retry_after` is set.
  bool Allow(const std::string& key, double now_s, int& retry_after) {
    if (rate_ <= 0) return true;
    std::lock_guard lock(mu_);
    if (buckets_.size() > kPruneAbove) Prune(now_s);
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now_s});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens = std::min(burst_, b.tokens + (now_s - b.at) * rate_);
      b.at = now_s;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    retry_after = std::max(1, static_cast<int>((1 - b.tokens) / rate_ + 0.999));
    return false;
  }

 private:
  static constexpr size_t kPruneAbove = 100000;
  struct Bucket {
    double tokens;
    double at;
  };
  // Drops the buckets that have filled up again: a full bucket is what a new
  // key gets, so forgetting it changes nobody's allowance (a flood of new
  // addresses does not reset the buckets of those being limited).
  // REQUIRES: mu_ held.
  void Prune(double now_s) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + (now_s - kv.second.at) * rate_ >= burst_;
    });
  }
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

// Splits "/api/v1/persons/{handle}" into segments once.
struct CompiledRoute {
  const Route* route;
  std::vector<std::string> segments;
};

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool Match(const CompiledRoute& r, const std::vector<std::string>& segs, std::map<std::string, std::string>& params) {
  if (r.segments.size() != segs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& want = r.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      found[want.substr(1, want.size() - 2)] = segs[i];
    } else if (want != segs[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

std::string CookieValue(const httplib::Request& req, std::string_view name) {
  std::string cookies = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string_view part(cookies.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return std::string();
}

void Render(httplib::Response& res, const Reply& reply) {
  if (reply.file.empty()) {
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    return res.set_content(reply.body, reply.content_type);
  }
  // Opened here, so that a file that cannot be read is a 503 rather than a
  // download cut off half-way.
  auto in = std::make_shared<std::ifstream>(reply.file, std::ios::binary);
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(reply.file, ec);
  if (!*in || ec) {
    res.status = 503;
    return res.set_content(ErrorBody(HttpError(ErrorCode::kUnavailable, "文件暂不可读 (the file cannot be read)")).dump(),
                           "application/json; charset=utf-8");
  }
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content_provider(static_cast<size_t>(size), reply.content_type,
                           [in](size_t offset, size_t length, httplib::DataSink& sink) {
                             char buf[1 << 16];
                             in->clear();
                             in->seekg(static_cast<std::streamoff>(offset));
                             in->read(buf, static_cast<std::streamsize>(std::min(length, sizeof buf)));
                             const std::streamsize n = in->gcount();
                             if (n <= 0) return false;  // the file shrank: the client sees a short body
                             return sink.write(buf, static_cast<size_t>(n));
                           });
}

void RenderError(httplib::Response& res, const HttpError& e) {
  Reply r = Reply::Json(ErrorBody(e), e.status != 0 ? e.status : HttpStatus(e.code));
  if (e.retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after));
  Render(res, r);
}

class HttpServer final : public Server {
 public:
  HttpServer(ServerDeps deps, ServerOptions options)
      : deps_(std::move(deps)),
        options_(std::move(options)),
        pool_(deps_.open_store),
        ingest_groups_(deps_.policy),
        background_(pool_),
        services_{deps_.policy, deps_.secrets, options_, metrics_, ingest_groups_, deps_.face, deps_.channels,
                  [this](std::function<void(Store&)> job) { background_.Post(std::move(job)); }},
        by_address_(options_.rate_per_address, options_.burst_per_address),
        by_key_(options_.rate_per_key, options_.burst_per_key),
        logins_by_address_(options_.login_rate_per_address, options_.login_burst_per_address),
        codes_by_address_(options_.citizen_code_rate_per_address, options_.citizen_code_burst_per_address),
        routes_(AllRoutes()) {
    for (Route& r : routes_) {
      if (r.max_body == kUploadBody) r.max_body = options_.max_upload_bytes;
    }
    for (const Route& r : routes_) compiled_.push_back({&r, Segments(r.path)});
    openapi_ = OpenApi(routes_).dump();
    if (options_.tls_cert.empty()) {
      http_ = std::make_unique<httplib::Server>();
    } else {
      http_ = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
    }
    Configure();
  }

  Status Check() {
    if (!http_->is_valid()) {
      return InvalidArgument("TLS 证书或私钥无法加载 (the TLS certificate or key cannot be loaded)");
    }
    // One connection up front: a store that cannot be opened fails here, not
    // on the first request.
    ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
    return {};
  }

  Result<int> Bind() override {
    size_t colon = options_.listen.rfind(':');
    if (colon == std::string::npos) {
      return InvalidArgument(fmt::format("--listen {}: expected host:port", options_.listen));
    }
    host_ = options_.listen.substr(0, colon);
    int port = std::atoi(options_.listen.c_str() + colon + 1);
    if (port == 0) {
      port = http_->bind_to_any_port(host_.c_str());
    } else if (!http_->bind_to_port(host_.c_str(), port)) {
      port = -1;
    }
    if (port <= 0) return Unavailable(fmt::format("cannot listen on {}", options_.listen));
    return port;
  }

  void Run() override { http_->listen_after_bind(); }
  void Stop() override { http_->stop(); }

 private:
  void Configure() {
    const int threads = std::max(1, options_.threads);
    http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http_->set_payload_max_length(options_.max_upload_bytes);
    http_->set_read_timeout(options_.read_timeout_seconds, 0);
    http_->set_write_timeout(options_.write_timeout_seconds, 0);
    http_->set_keep_alive_timeout(5);
    // Replies are written in pieces (headers, body): without TCP_NODELAY the
    // second waits for the client's delayed ACK, 40 ms on Linux.
    http_->set_tcp_nodelay(true);
    http_->set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return PreRoute(req, res); });
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res); };
    for (const char* pattern : {".*"}) {
      http_->Get(pattern, handler);
      http_->Post(pattern, handler);
      http_->Put(pattern, handler);
      http_->Delete(pattern, handler);
      http_->Patch(pattern, handler);
    }
    http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      RenderError(res, HttpError(ErrorCode::kInternal, "服务器内部错误 (internal error)"));
    });
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    std::string route_label;
    HandleRequest(req, res, route_label);
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    // The pages load nothing from anywhere but this server (docs/web.md); the
    // camera of the citizen page is the only device any page may ask for.
    // Style attributes are allowed (ECharts positions its canvas and tooltip
    // with them); style sheets and every script come from the server only.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
                   "img-src 'self' data: blob:; "
                   "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                   "form-action 'self'; frame-ancestors 'none'");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Permissions-Policy", "camera=(self), microphone=(), geolocation=()");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.Request(req.method, route_label, res.status, seconds);
    if (res.status >= 500) {
      metrics_.Add("tacit_http_errors_total", "Replies with a 5xx status.", "", 1);
    }
    // The log names the route template, never the path: a path may carry a handle.
    spdlog::debug("{} {} {} {:.1f} ms", req.method, route_label.empty() ? "-" : route_label, res.status,
                  seconds * 1000);
  }

  void HandleRequest(const httplib::Request& req, httplib::Response& res, std::string& route_label) {
    const double now_s = static_cast<double>(services_.NowMs()) / 1000.0;
    int retry_after = 0;
    if (req.path == "/healthz") {
      route_label = "/healthz";
      return Health(res);
    }
    if (req.path == "/metrics" && req.method == "GET") {
      route_label = "/metrics";
      res.set_content(metrics_.Text(), "text/plain; version=0.0.4; charset=utf-8");
      return;
    }
    if (req.path == "/api/v1/openapi.json" && req.method == "GET") {
      route_label = "/api/v1/openapi.json";
      res.set_content(openapi_, "application/json; charset=utf-8");
      return;
    }
    if (!options_.web_dir.empty() && (req.method == "GET" || req.method == "HEAD") && !req.path.starts_with("/api/")) {
      route_label = "/web";
      if (ServeWebFile(options_.web_dir, req, res)) return;
    }
    bool path_known = false;
    std::map<std::string, std::string> params;
    const CompiledRoute* found = FindRoute(req, params, path_known);
    if (found == nullptr) {
      HttpError e(ErrorCode::kNotFound, path_known ? "该路径不支持此方法 (method not allowed on this path)"
                                                   : "没有这个接口 (no such endpoint)");
      e.status = path_known ? 405 : 404;
      e.code_name = path_known ? "method_not_allowed" : "no_route";
      return RenderError(res, e);
    }
    const Route& route = *found->route;
    route_label = route.path;
    if (req.body.size() > route.max_body) {
      HttpError e(ErrorCode::kInvalidArgument,
                  fmt::format("请求体过大 (the body exceeds {} bytes for this endpoint)", route.max_body));
      e.status = 413;
      e.code_name = "payload_too_large";
      return RenderError(res, e);
    }
    auto lease = pool_.Acquire();
    if (!lease) {
      spdlog::error("store unavailable: {}", lease.error().ToString());
      return RenderError(res, HttpError(ErrorCode::kUnavailable, "存储暂不可用 (the store is unavailable)"));
    }
    Context ctx(req, **lease, services_);
    ctx.params = std::move(params);
    if (auto auth = Authenticate(ctx, route); !auth) return RenderError(res, auth.error());
    if (route.auth != kPublic) {
      if (!by_key_.Allow(ctx.principal.Actor(), now_s, retry_after)) {
        return RenderError(res, RateLimited("请求过于频繁，请稍后再试 (too many requests for this key)", retry_after));
      }
    }
    if (route.action) {
      if (auto ok = Authorise(ctx.principal, *route.action); !ok) {
        // Refused attempts to change something or to see a full record are
        // kept in the trail: a pattern of them is what an auditor looks for.
        if (req.method != "GET") {
          (void)ctx.Audit(std::string(ActionName(*route.action)), req.method + " " + route.path, "",
                          "denied: permission_denied");
        }
        return RenderError(res, ok.error());
      }
    }
    HttpResult<Reply> reply = route.handler(ctx);
    if (!reply) {
      if (reply.error().code == ErrorCode::kInternal || reply.error().code == ErrorCode::kDataLoss) {
        spdlog::error("{} {}: {}", req.method, route.path, ErrorCodeName(reply.error().code));
      }
      return RenderError(res, reply.error());
    }
    Render(res, *reply);
  }

  const CompiledRoute* FindRoute(const httplib::Request& req, std::map<std::string, std::string>& params,
                                 bool& path_known) const {
    const std::vector<std::string> segs = Segments(req.path);
    for (const CompiledRoute& c : compiled_) {
      std::map<std::string, std::string> p;
      if (!Match(c, segs, p)) continue;
      path_known = true;
      if (c.route->method == req.method) {
        params = std::move(p);
        return &c;
      }
    }
    return nullptr;
  }

  static HttpError RateLimited(std::string message, int retry_after) {
    HttpError e(ErrorCode::kUnavailable, std::move(message));
    e.status = 429;
    e.retry_after = retry_after;
    e.code_name = "rate_limited";
    return e;
  }

  // Runs when a request's headers have arrived and before its body is read:
  // floods and oversized bodies are refused without reading (or buffering)
  // what the client sends.
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res) {
    const double now_s = static_cast<double>(services_.NowMs()) / 1000.0;
    int retry_after = 0;
    auto refuse = [&](const HttpError& e) {
      RenderError(res, e);
      res.set_header("Connection", "close");
      metrics_.Request(req.method, "", res.status, 0);
      return httplib::Server::HandlerResponse::Handled;
    };
    if (!by_address_.Allow(req.remote_addr, now_s, retry_after)) {
      return refuse(RateLimited("请求过于频繁，请稍后再试 (too many requests from this address)", retry_after));
    }
    bool path_known = false;
    std::map<std::string, std::string> params;
    const CompiledRoute* found = FindRoute(req, params, path_known);
    if (found == nullptr) return httplib::Server::HandlerResponse::Unhandled;  // the dispatcher says 404 or 405
    // The costly routes have buckets of their own, by the route matched (so
    // that "//api/v1/session" or a trailing slash counts the same).
    const std::string& route_path = found->route->path;
    // Each sign-in costs an Argon2id hash (19 MiB, ~15 ms of a core): its own,
    // much smaller bucket per address keeps guessing slow and the cores free.
    if ((route_path == "/api/v1/session" || route_path == "/api/v1/citizen/session") && req.method == "POST" &&
        !logins_by_address_.Allow(req.remote_addr, now_s, retry_after)) {
      return refuse(RateLimited("登录尝试过于频繁，请稍后再试 (too many sign-in attempts)", retry_after));
    }
    // Each code may cost an SMS.
    if (route_path == "/api/v1/citizen/code" && req.method == "POST" &&
        !codes_by_address_.Allow(req.remote_addr, now_s, retry_after)) {
      return refuse(RateLimited("获取验证码太频繁，请稍后再试 (too many requests for a sign-in code from this address)",
                                retry_after));
    }
    const size_t limit = found->route->max_body;
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      char* end = nullptr;
      const unsigned long long n = std::strtoull(length.c_str(), &end, 10);
      if (end == length.c_str() || *end != '\0' || n > limit) {
        HttpError e(ErrorCode::kInvalidArgument,
                    fmt::format("请求体过大 (the body exceeds {} bytes for this endpoint)", limit));
        e.status = 413;
        e.code_name = "payload_too_large";
        return refuse(e);
      }
    } else if (req.has_header("Transfer-Encoding")) {
      // A chunked body has no announced size: only where large bodies belong.
      if (limit < options_.max_upload_bytes) {
        HttpError e(ErrorCode::kInvalidArgument, "请提供 Content-Length (send Content-Length, not a chunked body)");
        e.status = 411;
        e.code_name = "length_required";
        return refuse(e);
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // Establishes ctx.principal by the route's allowed methods, in order:
  // signature, API key, session. A route open to several takes the first
  // whose credentials are present.
  HttpResult<void> Authenticate(Context& ctx, const Route& route) {
    if (route.auth == kPublic) return {};
    const httplib::Request& req = ctx.req;
    const auto unauthenticated = [](std::string message) {
      HttpError e(ErrorCode::kPermissionDenied, std::move(message));
      e.status = 401;
      e.code_name = "unauthenticated";
      return tl::unexpected(e);
    };
    if ((route.auth & kSignatureAuth) && req.has_header(std::string(kKeyIdHeader).c_str())) {
      const std::string key_id = req.get_header_value(std::string(kKeyIdHeader).c_str());
      const std::string timestamp = req.get_header_value(std::string(kTimestampHeader).c_str());
      const std::string nonce = req.get_header_value(std::string(kNonceHeader).c_str());
      const std::string signature = req.get_header_value(std::string(kSignatureHeader).c_str());
      // The body as received: verified before anything parses it.
      const SignedRequest signed_request{req.method, req.path, timestamp, nonce, req.body};
      auto p = VerifySignedRequest(ctx.store, deps_.secrets, key_id, signature, signed_request, services_.Now(),
                                   options_.signature_window_seconds);
      if (!p) {
        if (p.error().code != ErrorCode::kPermissionDenied) return tl::unexpected(HttpError(p.error()));
        metrics_.Add("tacit_signature_refusals_total", "Signed requests refused (bad signature, window, nonce).", "",
                     1);
        // The key id is public (it names the attestor, not a person).
        const bool plausible_key = key_id.size() == 17 && std::all_of(key_id.begin(), key_id.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0;
        });
        spdlog::warn("signed request refused for key {}: {}", plausible_key ? key_id : "?", p.error().message);
        return unauthenticated(p.error().message);
      }
      ctx.principal = std::move(*p);
      return {};
    }
    std::string authz = req.get_header_value("Authorization");
    if ((route.auth & kApiKeyAuth) && authz.rfind("Bearer ", 0) == 0) {
      auto p = CheckApiKey(ctx.store, std::string_view(authz).substr(7));
      if (!p) return unauthenticated(p.error().message);
      ctx.principal = std::move(*p);
      return {};
    }
    if (route.auth & kSessionAuth) {
      std::string token = CookieValue(req, kSessionCookie);
      if (token.empty()) return unauthenticated("未登录 (sign in first)");
      auto s = CheckSession(ctx.store, token, services_.Now(), options_.access);
      if (!s) return unauthenticated(s.error().message);
      // State changes carry the CSRF token the login returned: a page of
      // another site can make the browser send the cookie, not the header.
      // Signing out is the one change that needs no token: another site can
      // only end a session, and a tab that lost its token (a new tab, a
      // restarted browser) must still be able to sign out.
      const bool sign_out = req.method == "DELETE" && route.path == "/api/v1/session";
      if (req.method != "GET" && req.method != "HEAD" && !sign_out &&
          !CsrfMatches(*s, req.get_header_value("X-CSRF-Token"))) {
        HttpError e(ErrorCode::kPermissionDenied, "缺少或错误的 CSRF 令牌 (missing or wrong X-CSRF-Token)");
        e.code_name = "csrf";
        return tl::unexpected(e);
      }
      ctx.principal = s->principal;
      ctx.session = std::move(*s);
      return {};
    }
    // A citizen's cookie is read by the citizen routes only; a staff route
    // never looks at it, and the citizen routes never look at a staff cookie.
    if (route.auth & kCitizenAuth) {
      std::string token = CookieValue(req, kCitizenCookie);
      if (token.empty()) return unauthenticated("请先登录 (sign in first)");
      auto s = CheckCitizenSession(ctx.store, deps_.secrets, token, services_.NowMs());
      if (!s) return unauthenticated(s.error().message);
      if (req.method != "GET" && req.method != "HEAD" &&
          !CitizenCsrfMatches(*s, req.get_header_value("X-CSRF-Token"))) {
        HttpError e(ErrorCode::kPermissionDenied, "页面已过期，请刷新后再试 (missing or wrong X-CSRF-Token)");
        e.code_name = "csrf";
        return tl::unexpected(e);
      }
      ctx.principal = s->principal;
      ctx.citizen = std::move(*s);
      return {};
    }
    return unauthenticated("需要认证 (credentials required)");
  }

  void Health(httplib::Response& res) {
    auto lease = pool_.Acquire();
    json body = {{"status", "ok"}};
    int status = 200;
    if (!lease) {
      body = {{"status", "unavailable"}, {"store", "cannot open"}};
      status = 503;
    } else if (auto v = (**lease).SchemaVersion(); !v || *v != kSchemaVersion) {
      body = {{"status", "unavailable"}, {"store", "schema not current"}};
      status = 503;
    } else {
      body["schema_version"] = *v;
      body["policy"] = deps_.policy.name + " " + deps_.policy.version;
    }
    Render(res, Reply::Json(body, status));
  }

  ServerDeps deps_;
  ServerOptions options_;
  StorePool pool_;
  Metrics metrics_;
  IngestGroups ingest_groups_;
  Background background_;
  Services services_;
  RateLimiter by_address_, by_key_, logins_by_address_, codes_by_address_;
  std::vector<Route> routes_;
  std::vector<CompiledRoute> compiled_;
  std::string openapi_;
  std::string host_;
  std::unique_ptr<httplib::Server> http_;
};

}  // namespace
}  // namespace server

Result<std::unique_ptr<Server>> Server::Create(ServerDeps deps, ServerOptions options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return InvalidArgument("--tls-cert 与 --tls-key 须同时给出 (give both --tls-cert and --tls-key, or neither)");
  }
  for (const std::string& f : {options.tls_cert, options.tls_key}) {
    std::error_code ec;
    if (!f.empty() && !std::filesystem::is_regular_file(f, ec)) {
      return NotFound(fmt::format("TLS 文件 {} 不存在 (no such file)", f));
    }
  }
  if (!options.now_ms) {
    options.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  auto s = std::make_unique<server::HttpServer>(std::move(deps), std::move(options));
  RETURN_IF_ERROR(s->Check());
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace tacit
