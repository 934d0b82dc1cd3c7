#pragma once
// `ever policy simulate`: an app's queue, workers and scaler in virtual time. Pure and
// deterministic: the same config gives the same result. It reuses the live code's pure parts —
// queue::queue_logic (who serves whom, queue reasons) and scaler::decide / history_ring (Factors,
// histories, the policy pipeline, scale-from-zero) — and models only what the actors add: workers
// that take `start_delay` to start, a decision on every tick and after every change.

#include "actors/sim/trace.hpp"
#include "core/errc.hpp"
#include "core/model.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ever::sim {

/// What to simulate.
struct sim_config {
  autoscaler_spec autoscaler;         ///< builtin or manual; literal arguments only
  trace load;
  time_ms service_ms = 1000;          ///< per request of closed-loop clients
  int64_t jitter_pct = 0;             ///< service time varies uniformly by +-this % (seeded)
  uint64_t seed = 1;
  int64_t concurrency = 1;            ///< requests one worker serves at once (spec.concurrency)
  time_ms start_delay_ms = 2000;      ///< from scale-up to the worker serving
  time_ms tick_ms = 1000;             ///< the scaler's timer (knob idle_check_interval_ms)
  time_ms duration_ms = 0;            ///< 0: the trace's last change + 120 s
  time_ms history_interval_ms = 10'000; ///< knob history_sample_interval_ms
  int64_t queue_max_length = 1000;
  time_ms queue_wait_timeout_ms = 120'000;
  time_ms epoch_ms = 1'700'000'000'000; ///< wall clock of virtual time 0 (policies see it)
};

/// One line of the timeline.
struct timeline_row {
  time_ms t = 0;        ///< ms since the start
  int64_t workers = 0;  ///< running, not draining
  int64_t starting = 0;
  int64_t busy = 0;     ///< running workers serving at least one request
  int64_t queue = 0;    ///< requests waiting
  std::vector<std::string> actions; ///< e.g. "ScaleUp +2", "ScaleDown w3"
  std::string reason;   ///< the decision's reason when it acted
};

/// Totals of a run.
struct sim_summary {
  int64_t requests = 0;   ///< sent
  int64_t served = 0;     ///< granted a worker
  int64_t rejected = 0;   ///< queue full (429)
  int64_t timed_out = 0;  ///< waited past the queue timeout (504)
  time_ms wait_p50_ms = 0; ///< queue wait of served requests (nearest rank)
  time_ms wait_p99_ms = 0;
  time_ms wait_max_ms = 0;
  double worker_seconds = 0; ///< from scale-up to removal, starting time included
  int64_t decisions = 0;     ///< decisions that acted
  int64_t scale_ups = 0;     ///< ScaleUp actions
  int64_t scale_downs = 0;   ///< workers scaled down
  int64_t max_workers = 0;   ///< most workers at once (running + starting)
  time_ms duration_ms = 0;
};

struct sim_result {
  std::vector<timeline_row> timeline;
  sim_summary summary;
};

/// Runs the simulation. errc::invalid_argument for a config it cannot run (container autoscaler,
/// a ConfigMap reference, a bad argument the policy refuses — the first decision's error).
expected<sim_result> simulate(const sim_config& cfg);

} // namespace ever::sim
