#include "standin/loopback_server.h"

#include <algorithm>
#include <chrono>

namespace tacit::standin {

LoopbackServer::LoopbackServer(int threads, const std::string& tls_cert, const std::string& tls_key,
                               Handler handler) {
  tls_ = !tls_cert.empty() && !tls_key.empty();
  if (tls_) {
    server_ = std::make_unique<httplib::SSLServer>(tls_cert.c_str(), tls_key.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const size_t n = static_cast<size_t>(std::max(1, threads));
  server_->new_task_queue = [n] { return new httplib::ThreadPool(n); };
  server_->set_tcp_nodelay(true);
  server_->Post(".*", handler);
  server_->Get(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing before the accept loop runs: a stand-in made
  // and dropped at once would leave the loop running and the join hanging.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

LoopbackServer::~LoopbackServer() { Stop(); }

void LoopbackServer::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void LoopbackServer::Wait(int ms) {
  std::unique_lock<std::mutex> lk(mu_);
  stop_cv_.wait_for(lk, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

std::string LoopbackServer::Endpoint() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

}  // namespace tacit::standin
