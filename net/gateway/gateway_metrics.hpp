#pragma once
// The gateway's own counters, rendered in Prometheus text format ahead of control_port::metrics().

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace ever::net::gateway_detail {

/// Thread-safe counters: requests by app and status code, upstream latency histogram per app.
/// Requests that reached no app are counted under empty namespace and app labels.
class gateway_metrics {
public:
  /// Upper bounds (seconds) of the upstream latency histogram buckets; +Inf is implied.
  /// Starts at 50 µs: a loopback worker answering at once takes 50-200 µs, and the benchmarks
  /// read percentiles from here.
  static constexpr std::array<double, 16> latency_bounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    10};

  /// Counts one answered request.
  void count_request(std::string_view ns, std::string_view app, int status);

  /// Records the time from sending a request to a worker until its response header arrived.
  void observe_upstream(std::string_view ns, std::string_view app, int64_t nanoseconds);

  /// Appends the Prometheus text of every counter plus the two gauges given.
  void render(std::string& out, int64_t in_flight, int64_t connections) const;

  /// What the event loops did when they ran out of work (idle_poll.hpp): polls that found the
  /// next event within the budget, polls that ran it out, and sleeps in epoll_wait. Written by
  /// the loops with relaxed increments, no lock.
  std::atomic<uint64_t> idle_polls_found{0};
  std::atomic<uint64_t> idle_polls_missed{0};
  std::atomic<uint64_t> loop_sleeps{0};

private:
  struct app_stats {
    std::map<int, uint64_t> by_status;
    std::array<uint64_t, latency_bounds.size() + 1> buckets{}; ///< non-cumulative; last = +Inf
    uint64_t latency_count = 0;
    int64_t latency_sum_ns = 0;
  };
  using key = std::pair<std::string, std::string>;
  using key_view = std::pair<std::string_view, std::string_view>;
  // Transparent so lookups on the request path build no strings.
  struct key_less {
    using is_transparent = void;
    static key_view view(const key& k) { return {k.first, k.second}; }
    static const key_view& view(const key_view& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };

  app_stats& stats_for(std::string_view ns, std::string_view app); // mu_ held

  mutable std::mutex mu_;
  std::map<key, app_stats, key_less> apps_;
};

} // namespace ever::net::gateway_detail
