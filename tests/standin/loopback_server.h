// The HTTP server both stand-ins run on (test-only, private to them: it
// includes httplib.h): 127.0.0.1 and an ephemeral port, a thread pool, plain
// HTTP or HTTPS, and waits that end early when the server stops, so that a
// stand-in holding an answer back does not hold up the test's end.
#ifndef TACIT_TESTS_STANDIN_LOOPBACK_SERVER_H_
#define TACIT_TESTS_STANDIN_LOOPBACK_SERVER_H_

#include <httplib.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tacit::standin {

class LoopbackServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Listens at once (port() > 0) and serves GET and POST on every path with
  // `handler`, on `threads` threads; HTTPS when both PEM files are given.
  LoopbackServer(int threads, const std::string& tls_cert, const std::string& tls_key, Handler handler);
  ~LoopbackServer();  // Stop()
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // Ends the waits, stops serving and joins the server's thread. Idempotent.
  void Stop();
  // Sleeps `ms` milliseconds, or less when Stop() is called meanwhile.
  void Wait(int ms);

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" or "https://…".
  std::string Endpoint() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  bool tls_ = false;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace tacit::standin

#endif  // TACIT_TESTS_STANDIN_LOOPBACK_SERVER_H_
