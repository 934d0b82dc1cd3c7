#pragma once
// Role: a simulated node agent for benchmarks and `policy simulate`: speaks the node agent
//       protocol (node_messages.hpp) but runs no processes. A started worker becomes ready after
//       a simulated start delay; a stopped one exits after a simulated stop delay. Everything
//       above it (directory, app, queue, scaler, worker actors, policies) is the real thing.
// Handles: see node_messages.hpp. (scan_atom) and (reap_atom) answer empty lists: there are
//          no orphan processes to find. (logs_atom) answers a one-line placeholder.
// Persists: nothing.
// On failure: nothing fails unless told to: `fail_every` makes every n-th start fail.

#include "actors/common/context.hpp"
#include "actors/node/node_messages.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <memory>

namespace ever::node {

/// How the simulated machine behaves. Delays are in milliseconds of CAF time.
struct sim_node_options {
  int64_t start_delay_ms = 20;   ///< start -> ready
  int64_t start_jitter_ms = 0;   ///< plus a uniform draw in [0, jitter]
  int64_t adopt_delay_ms = 1;    ///< adopt -> ready (the first readiness probe)
  int64_t stop_delay_ms = 1;     ///< stop -> exited
  /// Readiness reports per message. A real agent reports one probe per message; 100,000 due at
  /// once (a restart) sent from one handler would make as many actors runnable on one scheduler
  /// thread, whose run queue CAF 0.17's steal walks in full.
  size_t ready_batch = 64; ///< 0: all due at once
  bool survive_restart = true;   ///< adopt answers alive: "processes" outlive the control plane
  uint64_t fail_every = 0;       ///< every n-th start fails (0 = never)
  uint64_t seed = 1;             ///< for the jitter
  /// Called on the agent's thread for every start request, before the reply (a benchmark's
  /// probe of when the scaler's order reached the machine). Must not block.
  std::function<void(const worker::launch_plan&)> on_start;
};

/// First simulated pid: above Linux's largest pid_max (4194304), so no real process is named.
constexpr pid_t sim_first_pid = 10'000'000;

/// Spawns the simulated node agent (event-based, not detached: it never blocks).
caf::actor spawn_sim_node_agent(caf::actor_system& sys, const control_context& ctx,
                                sim_node_options opts);

} // namespace ever::node
