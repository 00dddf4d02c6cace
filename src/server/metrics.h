// Prometheus metrics kept in memory by one server process: request counts and
// latency histograms by route, and counters the handlers add (batches, rows,
// links, errors). Thread-safe.
#ifndef TACIT_SRC_SERVER_METRICS_H_
#define TACIT_SRC_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace tacit::server {

class Metrics {
 public:
  // One finished request: its route template ("" when no route matched).
  void Request(const std::string& method, const std::string& route, int status, double seconds);
  // Adds to a counter: `name` a metric name, `labels` the label text ("source=\"railway\"").
  void Add(const std::string& name, const std::string& help, const std::string& labels, double value);
  // Everything in the Prometheus text exposition format (version 0.0.4).
  std::string Text() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> requests_;      // GUARDED_BY(mu_): labels -> count
  std::map<std::string, Histogram> latency_;      // GUARDED_BY(mu_): labels -> histogram
  std::map<std::string, std::pair<std::string, std::map<std::string, double>>> counters_;  // GUARDED_BY(mu_)
};

}  // namespace tacit::server

#endif  // TACIT_SRC_SERVER_METRICS_H_
