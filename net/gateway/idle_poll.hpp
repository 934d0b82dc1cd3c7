#pragma once
// Whether a gateway loop that has run out of ready handlers polls for a while before it sleeps in
// epoll_wait. Pure logic: the loop (gateway_server.cpp) measures, this decides. ADR 0009.
//
// Sleeping costs a wake-up when the next event comes. On the 2-vCPU VMs we measured, a wake-up
// is tens of µs of latency on each hop of a request (docs/benchmarks.md §1), more than the
// gateway's own work. Polling costs CPU, and pays only when an event comes within the budget:
// a fast app answering, or a client sending its next request on a kept-alive connection. So the
// loop polls while recent polls found work in time, and otherwise sleeps at once, trying a poll
// now and then (a probe) to notice when traffic turns fast. Slow apps and sparse traffic make
// the probes fail, and the loop then costs at most one budget per `probe_every` idle periods.

#include <chrono>
#include <cstdint>

namespace ever::net::gateway_detail {

class idle_poll {
public:
  using duration = std::chrono::nanoseconds;

  /// Idle periods per probe while polling does not pay.
  static constexpr uint32_t probe_every = 16;

  /// `budget` 0 turns polling off.
  explicit idle_poll(duration budget) : budget_(budget) {}

  bool enabled() const { return budget_ > duration::zero(); }

  /// The loop has nothing to run: how long to poll before sleeping (0: sleep now).
  duration next_idle();

  /// A poll of next_idle()'s length ended: did an event come within it?
  void record_poll(bool found_work);

  /// Share of recent polls that found work in time, in [0, 1] (for tests).
  double hit_rate() const { return hit_rate_; }

private:
  duration budget_;
  double hit_rate_ = 0;       ///< moving average over roughly the last 8 polls
  uint32_t since_probe_ = 0;  ///< idle periods slept through since the last poll
};

} // namespace ever::net::gateway_detail
