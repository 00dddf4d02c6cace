#include "server/metrics.h"

#include <fmt/format.h>

namespace tacit::server {

void Metrics::Request(const std::string& method, const std::string& route, int status, double seconds) {
  const std::string route_label = route.empty() ? "unmatched" : route;
  std::string labels = fmt::format("method=\"{}\",route=\"{}\",status=\"{}\"", method, route_label, status);
  std::string hist_labels = fmt::format("method=\"{}\",route=\"{}\"", method, route_label);
  std::lock_guard lock(mu_);
  requests_[labels] += 1;
  Histogram& h = latency_[hist_labels];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) h.counts[i] += 1;
  }
  h.count += 1;
  h.sum += seconds;
}

void Metrics::Add(const std::string& name, const std::string& help, const std::string& labels, double value) {
  std::lock_guard lock(mu_);
  auto& counter = counters_[name];
  counter.first = help;
  counter.second[labels] += value;
}

std::string Metrics::Text() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP tacit_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE tacit_http_requests_total counter\n";
  for (const auto& [labels, n] : requests_) out += fmt::format("tacit_http_requests_total{{{}}} {}\n", labels, n);
  out += "# HELP tacit_http_request_duration_seconds Time from a request's arrival to its reply.\n";
  out += "# TYPE tacit_http_request_duration_seconds histogram\n";
  for (const auto& [labels, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("tacit_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBuckets[i],
                         h.counts[i]);
    }
    out += fmt::format("tacit_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
    out += fmt::format("tacit_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("tacit_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  for (const auto& [name, counter] : counters_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, counter.first, name);
    for (const auto& [labels, v] : counter.second) {
      out += labels.empty() ? fmt::format("{} {}\n", name, v) : fmt::format("{}{{{}}} {}\n", name, labels, v);
    }
  }
  return out;
}

}  // namespace tacit::server
