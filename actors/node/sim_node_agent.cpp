#include "actors/node/sim_node_agent.hpp"

#include "actors/node/adopt_each.hpp"
#include "actors/registry/census.hpp"
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>

namespace ever::node {

namespace {

using sim_tick_atom = caf::atom_constant<caf::atom("simtick")>;
using sim_exit_atom = caf::atom_constant<caf::atom("simexit")>;

/// A simulated worker process.
struct sim_process {
  caf::actor worker;  // the worker actor to report to
  runtime::process_id id;
  bool stopping = false;
};

struct sim_node_state {
  const control_context* ctx = nullptr;
  sim_node_options opts;
  std::mt19937_64 rng;
  std::unordered_map<std::string, sim_process> workers; // worker id -> process
  pid_t next_pid = sim_first_pid;
  uint64_t starts = 0;
  /// Simulated processes that turn ready at a time: (worker id, start time) by due time. One
  /// timer for the earliest, not one per process: 100,000 re-adoptions at a restart as single
  /// delayed messages made CAF's clock thread the bottleneck (each shipped message contends for
  /// the scheduler's queues), i.e. the simulator, not the control plane, was being measured.
  std::multimap<caf::actor_clock::time_point, std::pair<std::string, uint64_t>> due;
  std::optional<caf::actor_clock::time_point> tick_at; ///< when the armed timer fires
  static inline const char* name = "ever.sim_node";
};

using self_ptr = caf::stateful_actor<sim_node_state>*;

int64_t start_delay(sim_node_state& st) {
  if (st.opts.start_jitter_ms <= 0)
    return st.opts.start_delay_ms;
  std::uniform_int_distribution<int64_t> jitter{0, st.opts.start_jitter_ms};
  return st.opts.start_delay_ms + jitter(st.rng);
}

/// Arms the timer for the earliest due readiness unless one fires by then already.
void arm(self_ptr self) {
  auto& st = self->state;
  if (st.due.empty())
    return;
  auto first = st.due.begin()->first;
  if (st.tick_at && *st.tick_at <= first)
    return;
  st.tick_at = first;
  auto now = self->clock().now();
  auto delay = first > now ? std::chrono::duration_cast<std::chrono::microseconds>(first - now)
                           : std::chrono::microseconds{0};
  self->delayed_send(self, delay, sim_tick_atom::value);
}

/// Tracks a new simulated process for `worker_id` and schedules its readiness.
runtime::process_id track(self_ptr self, const std::string& worker_id, caf::actor worker,
                          runtime::process_id id, int64_t delay_ms) {
  auto& st = self->state;
  st.workers[worker_id] = sim_process{std::move(worker), id, false};
  st.due.emplace(self->clock().now() + std::chrono::milliseconds(delay_ms),
                 std::make_pair(worker_id, id.start_time));
  arm(self);
  return id;
}

/// Tells every process's worker whose readiness is due.
void deliver_due(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  st.tick_at.reset();
  size_t told = 0;
  while (!st.due.empty() && st.due.begin()->first <= now) {
    if (st.opts.ready_batch > 0 && told == st.opts.ready_batch) {
      // More are due: go on after the other messages waiting (everd's max-throughput lets the
      // workers just told run first).
      st.tick_at = now;
      self->send(self, sim_tick_atom::value);
      return;
    }
    auto [worker_id, start_time] = std::move(st.due.begin()->second);
    st.due.erase(st.due.begin());
    auto it = st.workers.find(worker_id);
    // Stopped before it was ready, or a newer process of the same id: nothing to report.
    if (it == st.workers.end() || it->second.stopping || it->second.id.start_time != start_time)
      continue;
    self->send(it->second.worker, ready_atom::value);
    ++told;
  }
  arm(self);
}

/// A process recorded before a restart: alive (and ready after adopt_delay_ms) if processes
/// survive restarts in this simulation.
bool adopt(self_ptr self, const std::string& worker_id, const runtime::process_id& id,
           caf::actor worker) {
  auto& st = self->state;
  if (!st.opts.survive_restart)
    return false;
  if (id.pid >= st.next_pid)
    st.next_pid = id.pid + 1;
  track(self, worker_id, std::move(worker), id, st.opts.adopt_delay_ms);
  return true;
}

caf::behavior sim_node_agent(self_ptr self, const control_context* ctx, sim_node_options opts) {
  auto& st = self->state;
  st.ctx = ctx;
  st.opts = std::move(opts);
  st.rng.seed(st.opts.seed);
  return {
    [=](start_atom, worker::launch_plan& plan) -> caf::result<started> {
      auto& st = self->state;
      if (st.opts.on_start)
        st.opts.on_start(plan);
      ++st.starts;
      if (st.opts.fail_every > 0 && st.starts % st.opts.fail_every == 0)
        return make_error(errc::unavailable, "simulated start failure of worker " + plan.worker_id);
      runtime::process_id id{st.next_pid++, st.starts};
      auto port = static_cast<uint16_t>(20000 + st.starts % 10000);
      track(self, plan.worker_id, caf::actor_cast<caf::actor>(self->current_sender()), id,
            start_delay(st));
      return started{id, port};
    },
    [=](adopt_atom, const std::string& worker_id, const runtime::process_id& id, uint16_t,
        const std::string&) {
      return adopt(self, worker_id, id, caf::actor_cast<caf::actor>(self->current_sender()));
    },
    [=](adopt_many_atom, const std::vector<adoption>& items,
        const std::vector<caf::actor>& workers) {
      return adopt_each(items, workers, [&](const adoption& a, const caf::actor& w) {
        return adopt(self, a.worker_id, a.id, w);
      });
    },
    [=](sim_tick_atom) { deliver_due(self); },
    [=](stop_atom, const std::string& worker_id, const runtime::process_id&, int64_t) {
      auto& st = self->state;
      auto it = st.workers.find(worker_id);
      if (it == st.workers.end()) {
        // Not ours (e.g. a record from before a restart that was never adopted): it is gone.
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), exited_atom::value,
                   std::string{"exited with status 0"});
        return;
      }
      if (it->second.stopping)
        return;
      it->second.stopping = true;
      self->delayed_send(self, std::chrono::milliseconds(st.opts.stop_delay_ms),
                         sim_exit_atom::value, worker_id);
    },
    [=](sim_exit_atom, const std::string& worker_id) {
      auto& st = self->state;
      auto it = st.workers.find(worker_id);
      if (it == st.workers.end())
        return;
      self->send(it->second.worker, exited_atom::value, std::string{"exited with status 0"});
      st.workers.erase(it);
    },
    [=](logs_atom, const std::string& worker_id, uint64_t) -> caf::result<std::string> {
      if (self->state.workers.count(worker_id) == 0)
        return make_error(errc::not_found, "no log for worker " + worker_id);
      return std::string{"(simulated worker: no log)\n"};
    },
    [=](scan_atom) { return std::vector<runtime::owned_process>{}; },
    [=](reap_atom, const std::vector<runtime::owned_process>&) {
      return std::vector<runtime::owned_process>{};
    },
  };
}

} // namespace

caf::actor spawn_sim_node_agent(caf::actor_system& sys, const control_context& ctx,
                                sim_node_options opts) {
  return registry::enroll(sys.spawn(sim_node_agent, &ctx, std::move(opts)), "ever.node.sim", ctx);
}

} // namespace ever::node
