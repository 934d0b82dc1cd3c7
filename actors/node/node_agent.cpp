#include "actors/node/node_agent.hpp"

#include "actors/node/adopt_each.hpp"
#include "actors/registry/census.hpp"
#include "actors/runtime/watcher.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <set>

namespace ever::node {

namespace {

/// A worker process this node looks after.
struct tracked {
  std::string worker_id;
  runtime::process_id id;
  uint16_t port = 0;
  std::string readiness_path;
  caf::actor worker;   // the worker actor to report to
  time_ms probe_deadline = 0;
  bool probing = false;
  std::string log_path;
};

struct node_state {
  const control_context* ctx = nullptr;
  std::unique_ptr<runtime::process_watcher> watcher;
  std::map<std::string, tracked> workers; // worker id -> process
  std::map<pid_t, std::string> by_pid;
  std::map<pid_t, runtime::process_id> reaping; // orphans being stopped (no worker actor)
  static inline const char* name = "ever.node";
};

using self_ptr = caf::stateful_actor<node_state>*;

/// Probe timeout per attempt: loopback answers in microseconds; a hung worker must not stall us.
constexpr int probe_timeout_ms = 250;

std::vector<uint16_t> taken_ports(const node_state& st) {
  std::vector<uint16_t> out;
  for (const auto& [id, t] : st.workers)
    out.push_back(t.port);
  return out;
}

void schedule_probe(self_ptr self, const std::string& worker_id) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.ctx->limits.readiness_poll_ms),
                     probe_atom::value, worker_id);
}

void forget(self_ptr self, const std::string& worker_id) {
  auto& st = self->state;
  auto it = st.workers.find(worker_id);
  if (it == st.workers.end())
    return;
  st.by_pid.erase(it->second.id.pid);
  st.workers.erase(it);
}

expected<started> start(self_ptr self, worker::launch_plan& plan, caf::actor worker) {
  auto& st = self->state;
  worker::localize(plan, st.ctx->data_dir);
  if (auto err = write_volume_files(plan.process.work_dir, plan.volumes))
    return err;
  auto port = runtime::pick_free_port(st.ctx->limits.worker_port_first,
                                      st.ctx->limits.worker_port_last, taken_ports(st));
  if (!port)
    return port.error();
  plan.process.env["PORT"] = std::to_string(*port);
  auto id = runtime::spawn_process(plan.process);
  if (!id)
    return id.error();
  tracked t;
  t.worker_id = plan.worker_id;
  t.id = *id;
  t.port = *port;
  t.readiness_path = plan.readiness_path;
  t.worker = std::move(worker);
  t.probe_deadline = st.ctx->now() + st.ctx->limits.readiness_timeout_ms;
  t.probing = true;
  t.log_path = plan.process.log_path;
  st.by_pid[id->pid] = plan.worker_id;
  st.workers[plan.worker_id] = std::move(t);
  st.watcher->watch(*id);
  schedule_probe(self, plan.worker_id);
  return started{*id, *port};
}

/// SIGTERMs each group whose pid and start time still match and that no worker actor owns;
/// SIGKILL follows after terminate_grace_ms. Returns those signalled.
std::vector<runtime::owned_process> reap(self_ptr self,
                                         const std::vector<runtime::owned_process>& orphans) {
  auto& st = self->state;
  std::vector<runtime::owned_process> signalled;
  for (const auto& p : orphans) {
    // A process a worker actor looks after is never an orphan, whatever the caller planned
    // from: its record may simply have been read before the worker started.
    if (st.by_pid.count(p.pid) || st.reaping.count(p.pid))
      continue;
    // signal_group checks pid and start time: a process that ended since the scan, or whose
    // pid was reused meanwhile, is not touched.
    if (!runtime::signal_group(p.id(), SIGTERM))
      continue;
    st.reaping[p.pid] = p.id();
    // Watched so that, once the leader is gone, what is left of its group is killed too
    // (see exited_atom); the delayed SIGKILL covers a leader that ignores SIGTERM.
    st.watcher->watch(p.id());
    self->delayed_send(self, std::chrono::milliseconds(st.ctx->limits.terminate_grace_ms),
                       kill_atom::value, p.id());
    signalled.push_back(p);
  }
  return signalled;
}

/// Looks after a process recorded before a restart, if it still runs: probes it, then tells
/// `worker` (ready_atom or failed_atom), and reports its exit. False if it is gone.
bool adopt(self_ptr self, const adoption& a, caf::actor worker) {
  auto& st = self->state;
  if (!runtime::is_alive(a.id))
    return false;
  tracked t;
  t.worker_id = a.worker_id;
  t.id = a.id;
  t.port = a.port;
  t.readiness_path = a.readiness_path;
  t.worker = std::move(worker);
  t.probe_deadline = st.ctx->now() + st.ctx->limits.readiness_timeout_ms;
  t.probing = true;
  t.log_path = st.ctx->data_dir + "/workers/" + a.worker_id + "/worker.log";
  st.by_pid[a.id.pid] = a.worker_id;
  st.workers[a.worker_id] = std::move(t);
  st.watcher->watch(a.id);
  schedule_probe(self, a.worker_id);
  return true;
}

caf::behavior node_agent(self_ptr self, const control_context* ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  // The watcher thread only posts a message; all bookkeeping stays on the actor.
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.watcher = std::make_unique<runtime::process_watcher>(
    [me](pid_t pid, std::string how) { caf::anon_send(me, exited_atom::value, pid, std::move(how)); });
  // The watcher dies with the state (its destructor joins the thread); a late exit report to a
  // dead actor is dropped by CAF.
  return {
    [=](start_atom, worker::launch_plan& plan) -> caf::result<started> {
      auto worker = caf::actor_cast<caf::actor>(self->current_sender());
      auto r = start(self, plan, std::move(worker));
      if (!r)
        return r.error();
      return *r;
    },
    [=](adopt_atom, const std::string& worker_id, const runtime::process_id& id, uint16_t port,
        const std::string& path) {
      return adopt(self, adoption{worker_id, id, port, path},
                   caf::actor_cast<caf::actor>(self->current_sender()));
    },
    [=](adopt_many_atom, const std::vector<adoption>& items,
        const std::vector<caf::actor>& workers) {
      return adopt_each(items, workers, [&](const adoption& a, const caf::actor& w) {
        return adopt(self, a, w);
      });
    },
    [=](probe_atom, const std::string& worker_id) {
      auto& st = self->state;
      auto it = st.workers.find(worker_id);
      if (it == st.workers.end() || !it->second.probing)
        return;
      auto& t = it->second;
      if (runtime::probe_http(t.port, t.readiness_path, probe_timeout_ms)) {
        t.probing = false;
        self->send(t.worker, ready_atom::value);
        return;
      }
      if (st.ctx->now() >= t.probe_deadline) {
        t.probing = false;
        self->send(t.worker, failed_atom::value,
                   "not ready after " + std::to_string(st.ctx->limits.readiness_timeout_ms / 1000)
                     + "s (readiness probe GET " + t.readiness_path + " never returned 200)");
        runtime::signal_group(t.id, SIGKILL);
        return;
      }
      schedule_probe(self, worker_id);
    },
    [=](stop_atom, const std::string& worker_id, const runtime::process_id& id, int64_t grace_ms) {
      if (auto it = self->state.workers.find(worker_id); it != self->state.workers.end())
        it->second.probing = false;
      if (!runtime::signal_group(id, SIGTERM))
        return; // already gone: the watcher reports the exit
      self->delayed_send(self, std::chrono::milliseconds(grace_ms), kill_atom::value, id);
    },
    [=](kill_atom, const runtime::process_id& id) { runtime::signal_group(id, SIGKILL); },
    [=](scan_atom) { return runtime::scan_owned_processes(self->state.ctx->data_dir); },
    [=](fence_atom, const std::vector<std::string>& keep) {
      // This node rejoined: the control node counts only on `keep`. Every other process of
      // ours goes, including those this agent still looks after (their worker actors were
      // declared lost while this node was away).
      auto& st = self->state;
      std::set<std::string> kept{keep.begin(), keep.end()};
      std::vector<runtime::owned_process> stale;
      for (auto& p : runtime::scan_owned_processes(st.ctx->data_dir))
        if (!kept.count(p.worker_id)) {
          forget(self, p.worker_id);
          stale.push_back(std::move(p));
        }
      return reap(self, stale);
    },
    [=](reap_atom, const std::vector<runtime::owned_process>& orphans) {
      return reap(self, orphans);
    },
    [=](exited_atom, pid_t pid, std::string& how) {
      auto& st = self->state;
      if (st.reaping.erase(pid) > 0) {
        // A reaped orphan's group: as for workers below. Unless a worker now has the pid (reused
        // in the meantime): its group is not the orphan's.
        if (st.by_pid.count(pid) == 0)
          ::kill(-pid, SIGKILL);
        return;
      }
      auto it = st.by_pid.find(pid);
      if (it == st.by_pid.end())
        return;
      auto worker_id = it->second;
      auto& t = st.workers[worker_id];
      // Children of a group leader may linger; make sure nothing of the worker survives it.
      ::kill(-pid, SIGKILL);
      self->send(t.worker, exited_atom::value, std::move(how));
      forget(self, worker_id);
    },
    [=](logs_atom, const std::string& worker_id, uint64_t max_bytes) -> caf::result<std::string> {
      auto& st = self->state;
      std::string path = st.ctx->data_dir + "/workers/" + worker_id + "/worker.log";
      auto text = runtime::read_log_tail(path, max_bytes);
      if (!text)
        return make_error(errc::not_found, "no log for worker " + worker_id);
      return *text;
    },
  };
}

} // namespace

caf::actor spawn_node_agent(caf::actor_system& sys, const control_context& ctx) {
  return registry::enroll(sys.spawn<caf::detached>(node_agent, &ctx), "ever.node", ctx);
}

} // namespace ever::node
