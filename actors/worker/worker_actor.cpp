#include "actors/worker/worker_actor.hpp"

#include "actors/cluster/cluster_messages.hpp"
#include "actors/node/node_messages.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "actors/worker/durable_writer.hpp"
#include "actors/worker/worker_lifecycle.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <cstdlib>


namespace ever::worker {

namespace {

using drain_timeout_atom = caf::atom_constant<caf::atom("draintime")>;

struct worker_state {
  const control_context* ctx = nullptr;
  worker_config cfg;
  bool stopping = false;
  bool drained = false;
  bool terminate_sent = false;
  bool launching = false; // a start request is out: its reply may still bring a process
  durable_writer writer;  // record writes: in order, without blocking the scheduler thread
  static inline const char* name = "ever.worker";
};

using self_ptr = caf::stateful_actor<worker_state>*;


std::string worker_path() {
  const char* p = std::getenv("PATH");
  return runtime::self_exe_dir() + ":" + (p ? p : "/usr/local/bin:/usr/bin:/bin");
}

/// Writes the record; once it is on disk makes it current and tells the app, then runs
/// `then(true)`; after a failed write `then(false)` with the record unchanged. The actor takes no
/// other message in between (durable_writer). A record equal to the one on disk (a re-adopted
/// worker turning RUNNING again) is not written again.
void commit(self_ptr self, const worker_record& next, storage::durability d,
            std::function<void(bool)> then = nullptr) {
  auto& st = self->state;
  auto bytes = storage::encode(next);
  if (bytes == storage::encode(st.cfg.record)) {
    self->send(st.cfg.app, status_atom::value, next);
    if (then)
      then(true);
    return;
  }
  storage::write_batch b;
  b.put(storage::table::workers, storage::worker_key(next.ns, next.app, next.id), std::move(bytes));
  st.writer.write(self, *st.ctx->db, std::move(b), d, [self, next, then](caf::error err) {
    auto& st = self->state;
    if (err) {
      st.cfg.journal->event_async(event_type::warning, "Worker",
                                  "worker/" + next.id + " state not saved: " + message_of(err));
      if (then)
        then(false);
      return;
    }
    st.cfg.record = next;
    self->send(st.cfg.app, status_atom::value, next);
    if (then)
      then(true);
  });
}

void tell_queue(self_ptr self, queue::slot_phase phase) {
  auto& st = self->state;
  auto s = slot_of(st.cfg.record, st.cfg.spec->concurrency, phase);
  s.host = st.cfg.host;
  self->send(st.cfg.queue, queue::upsert_atom::value, std::move(s),
             caf::actor_cast<caf::actor>(self));
}

void finish(self_ptr self, const worker_record& final_record) {
  commit(self, final_record, storage::durability::sync, [self, id = final_record.id](bool) {
    self->send(self->state.cfg.queue, queue::remove_atom::value, id);
    self->quit();
  });
}

void terminate_process(self_ptr self) {
  auto& st = self->state;
  if (st.terminate_sent)
    return;
  const auto& r = st.cfg.record;
  // Stopped while its start is on the way: the start reply stops the process (st.stopping is
  // set). Finishing now would leave that process running with nobody to stop it.
  if (r.pid == 0 && st.launching)
    return;
  st.terminate_sent = true;
  if (r.pid == 0) { // never started: nothing to signal
    finish(self, on_exited(r, true, "never started", st.ctx->now()));
    return;
  }
  self->send(st.cfg.node, stop_atom::value, r.id, runtime::process_id{static_cast<pid_t>(r.pid), r.proc_start_time},
             st.ctx->limits.terminate_grace_ms);
}

void fail(self_ptr self, const std::string& why) {
  auto& st = self->state;
  auto r = on_failed(st.cfg.record, why, st.ctx->now());
  st.cfg.journal->event_async(event_type::warning, "Worker", "Worker/" + r.id + " failed: " + why);
  if (st.cfg.record.pid != 0)
    self->send(st.cfg.node, stop_atom::value, r.id,
               runtime::process_id{static_cast<pid_t>(r.pid), r.proc_start_time}, int64_t{0});
  finish(self, r);
}

void launch(self_ptr self) {
  auto& st = self->state;
  auto plan = build_launch_plan(*st.cfg.spec, st.cfg.record.id, *st.ctx->view->configs(),
                                st.ctx->data_dir, runtime::current_environment(), worker_path());
  if (!plan) {
    fail(self, message_of(plan.error()));
    return;
  }
  st.launching = true;
  self->request(st.cfg.node, std::chrono::seconds(30), start_atom::value, std::move(*plan))
    .then(
      [=](const node::started& s) {
        auto& st = self->state;
        st.launching = false;
        auto next = on_started(st.cfg.record, s.id.pid, s.id.start_time, s.port);
        commit(self, next, storage::durability::sync, [self, next, id = s.id](bool saved) {
          auto& st = self->state;
          if (!saved) {
            // An unrecorded process would leak across a restart: stop it now.
            self->send(st.cfg.node, stop_atom::value, next.id, id, int64_t{0});
            st.stopping = true;
            st.terminate_sent = true;
            st.cfg.record = next; // so the exit report finishes this worker
            return;
          }
          if (st.stopping)
            terminate_process(self);
        });
      },
      [=](caf::error& err) {
        self->state.launching = false;
        fail(self, "start failed: " + message_of(err));
      });
}

void adopt(self_ptr self) {
  auto& st = self->state;
  const auto& r = st.cfg.record;
  if (!st.cfg.node) {
    // Its node has not (re)joined yet: node_back re-adopts, or node_lost ends the worker.
    st.cfg.journal->event_async(event_type::normal, "Worker",
                          "Worker/" + r.id + " waits for node/" + r.node + " to rejoin");
    return;
  }
  runtime::process_id id{static_cast<pid_t>(r.pid), r.proc_start_time};
  self->request(st.cfg.node, std::chrono::seconds(10), node::adopt_atom::value, r.id, id, r.port,
                st.cfg.spec->readiness_path)
    .then(
      [=](bool alive) {
        if (!alive)
          fail(self, "process " + std::to_string(self->state.cfg.record.pid)
                       + " is gone (it ended while everd was down)");
        else
          self->state.cfg.journal->event_async(event_type::normal, "Worker",
                                         "Worker/" + self->state.cfg.record.id + " re-adopted (pid "
                                           + std::to_string(self->state.cfg.record.pid) + ")");
      },
      [=](caf::error& err) { fail(self, "re-adoption failed: " + message_of(err)); });
}

caf::behavior worker_actor(self_ptr self, const control_context* ctx, worker_config cfg) {
  auto& st = self->state;
  st.ctx = ctx;
  st.cfg = std::move(cfg);
  // The app has already put this worker in the queue as starting (see app_actor start_worker).
  if (st.cfg.mode == start_mode::adopt)
    adopt(self);
  else if (st.cfg.mode == start_mode::launch)
    launch(self);
  return {
    [=](ready_atom) {
      auto& st = self->state;
      if (st.stopping || is_final(st.cfg.record.status))
        return;
      if (already_ready(st.cfg.record)) {
        // Re-adopted after a restart, serving and idle before it: nothing to write or to tell
        // its app (which wrote the "re-adopted" event and holds this record); it serves again.
        tell_queue(self, queue::slot_phase::running);
        return;
      }
      // A re-adopted worker that was RUNNING (busy) before the restart: no "ready now" event.
      bool was_running = st.cfg.record.status == worker_status::running;
      auto next = on_ready(st.cfg.record, st.ctx->now());
      commit(self, next, storage::durability::sync, [self, was_running, id = next.id](bool saved) {
        if (!saved)
          return;
        tell_queue(self, queue::slot_phase::running);
        if (!was_running)
          self->state.cfg.journal->event_async(event_type::normal, "AppServer",
                                               "Worker/" + id + " is ready now");
      });
    },
    [=](failed_atom, const std::string& why) { fail(self, why); },
    [=](cluster::node_lost_atom, const std::string& why) {
      auto& st = self->state;
      auto r = on_exited(st.cfg.record, st.stopping, why, st.ctx->now());
      st.cfg.journal->event_async(event_type::warning, "Node", "Worker/" + r.id + " lost: " + why);
      finish(self, r);
    },
    [=](cluster::node_back_atom, caf::actor& agent, const std::string& address) {
      auto& st = self->state;
      st.cfg.node = std::move(agent);
      st.cfg.host = address;
      if (is_final(st.cfg.record.status) || st.cfg.record.pid == 0)
        return;
      adopt(self);
      if (st.stopping) { // a stop cut off by the node's absence: send it to the new agent
        st.terminate_sent = false;
        terminate_process(self);
      }
    },
    [=](exited_atom, const std::string& how) {
      auto& st = self->state;
      auto r = on_exited(st.cfg.record, st.stopping, how, st.ctx->now());
      if (!st.stopping)
        st.cfg.journal->event_async(event_type::warning, "Worker",
                                    "Worker/" + r.id + " exited unexpectedly: " + how);
      finish(self, r);
    },
    [=](stop_atom, const std::string& reason) {
      auto& st = self->state;
      if (st.stopping || is_final(st.cfg.record.status))
        return;
      st.stopping = true;
      commit(self, on_stopping(st.cfg.record, reason), storage::durability::sync, [self](bool) {
        auto& st = self->state;
        // A worker that never became RUNNING has nothing to drain.
        if (st.drained || st.cfg.record.started_at == 0) {
          terminate_process(self);
          return;
        }
        self->delayed_send(self, std::chrono::milliseconds(st.ctx->limits.drain_timeout_ms),
                           drain_timeout_atom::value);
      });
    },
    [=](queue::idle_atom, const std::string&) {
      auto& st = self->state;
      st.drained = true;
      if (st.stopping)
        terminate_process(self);
    },
    [=](drain_timeout_atom) { terminate_process(self); },
    [=](queue::usage_atom, time_ms last, uint64_t ok, uint64_t failed) {
      auto& st = self->state;
      if (is_final(st.cfg.record.status))
        return;
      commit(self, on_usage(st.cfg.record, last, ok, failed), storage::durability::relaxed);
    },
    [=](view_atom) { return self->state.cfg.record; },
  };
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, const control_context& ctx, worker_config cfg) {
  auto label = cfg.record.ns + "/" + cfg.record.app + " " + cfg.record.id;
  // An adopted worker has nothing to do until its node agent or app writes to it; lazily
  // initialized, it is not scheduled before. A restart spawns ~100 per app at once: scheduled,
  // 100,000 of them would sit in one scheduler thread's run queue, which CAF 0.17's steal walks
  // in full (docs/benchmarks.md, section 3).
  auto h = cfg.mode == start_mode::adopted
             ? sys.spawn<caf::lazy_init>(worker_actor, &ctx, std::move(cfg))
             : sys.spawn(worker_actor, &ctx, std::move(cfg));
  return registry::enroll(std::move(h), "ever.worker", ctx, label);
}

} // namespace ever::worker
