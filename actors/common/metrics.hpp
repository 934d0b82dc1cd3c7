#pragma once
// Control-plane metrics in Prometheus text format: gauges and counters keyed by name and labels,
// and latency histograms. Updated by actors at decision/transition rate (not per byte), read by
// /metrics. Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ever {

class metrics_registry {
public:
  /// Sets gauge `name{labels}` to `value`. `labels` is preformatted, e.g. `app="default/get-start"`.
  void set_gauge(const std::string& name, const std::string& labels, double value);
  /// Adds `delta` to counter `name{labels}`.
  void add_counter(const std::string& name, const std::string& labels, double delta = 1);
  /// Records one observation (seconds) in histogram `name{labels}`.
  void observe(const std::string& name, const std::string& labels, double seconds);
  /// Declares HELP/TYPE for a metric name.
  void describe(const std::string& name, const std::string& type, const std::string& help);
  /// Drops every series of every metric whose labels equal `labels` (an app was deleted).
  void forget(const std::string& labels);
  /// Prometheus text exposition of everything.
  std::string render() const;

private:
  struct histogram {
    std::vector<uint64_t> buckets; // cumulative counts per bound
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mtx_;
  std::map<std::string, std::pair<std::string, std::string>> meta_; // name -> type, help
  std::map<std::string, std::map<std::string, double>> values_;     // name -> labels -> value
  std::map<std::string, std::map<std::string, histogram>> histograms_;
};

/// Bucket bounds (seconds) used by every histogram: 100 µs to 10 s.
const std::vector<double>& latency_buckets();

/// `app="ns/name"` label text.
std::string app_label(const std::string& ns, const std::string& app);

} // namespace ever
