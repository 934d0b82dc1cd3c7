#include "actors/queue/queue_actor.hpp"

#include "actors/queue/queue_wire.hpp"
#include "actors/queue/shared_queue.hpp"
#include "actors/registry/census.hpp"

#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace ever::queue {

namespace {

/// How often waiters are checked for timeouts and usage is flushed to worker actors.
constexpr auto tick_interval = std::chrono::milliseconds(100);

struct queue_state {
  const control_context* ctx = nullptr;
  queue_config cfg;
  std::shared_ptr<shared_queue> shared; // the logic; local gateways use it directly too
  std::map<uint64_t, lease_callback> callbacks; // waiter seq -> gateway callback
  std::map<uint64_t, caf::actor_addr> remote_leases; // lease id -> remote gateway that holds it
  std::set<caf::actor_addr> watched;                 // remote gateways monitored (once each)
  std::map<std::string, caf::actor> workers;    // worker id -> worker actor
  caf::actor scaler;
  bool paused = false;
  bool scaler_ready = false;  // the scaler takes the next pushed snapshot (it said ready)
  bool changed_since = false; // something changed while the scaler was not ready
  bool flush_pending = false; // a flush_atom to self is on its way (see notify_scaler)
  bool lazy_change = false;   // a change pushed at the next tick at the latest (see upsert)
  int64_t published_length = -1; // last ever_queue_length set: the registry's lock is not free
  std::string blocked; // why workers cannot be placed, "" if they can
  std::string label;
  static inline const char* name = "ever.queue";
};

using self_ptr = caf::stateful_actor<queue_state>*;

/// To self: push the scaler what changed meanwhile (see notify_scaler).
using flush_atom = caf::atom_constant<caf::atom("qflush")>;

/// The queue table's write mode from knob queue_durability; nullopt: rows are not written.
std::optional<storage::durability> queue_writes(const control_context& ctx) {
  switch (ctx.limits.queue_durability) {
    case 0: return std::nullopt;
    case 1: return storage::durability::relaxed;
    default: return storage::durability::sync;
  }
}

/// Relaxed rows are observations: submitted without waiting, so the queue never stalls behind
/// another writer's fsync. A relaxed write in place had to wait for the group in flight: up to
/// 11 ms, measured on the path from a request that queues to the scale-up decision
/// (docs/benchmarks.md section 2). Sync rows (queue_durability=2) are written in place: waiting
/// for the disk is what that mode is for.
void write_rows(self_ptr self, storage::write_batch b, storage::durability mode) {
  if (mode == storage::durability::relaxed)
    self->state.ctx->db->write_async(std::move(b), mode, nullptr); // applied in order
  else
    self->state.ctx->db->write(b, mode);
}

void persist_waiter(self_ptr self, const waiter& w) {
  auto& st = self->state;
  auto mode = queue_writes(*st.ctx);
  if (!mode)
    return;
  queue_entry_record r{w.seq, w.created_at, w.reason, w.session};
  storage::write_batch b;
  b.put(storage::table::queue, storage::seq_key(st.cfg.ns, st.cfg.app, w.seq),
        storage::encode(r));
  write_rows(self, std::move(b), *mode); // observation only; see header
}

void forget_waiters(self_ptr self, const std::vector<uint64_t>& seqs) {
  auto& st = self->state;
  auto mode = queue_writes(*st.ctx);
  if (seqs.empty() || !mode)
    return;
  storage::write_batch b;
  for (auto s : seqs)
    b.del(storage::table::queue, storage::seq_key(st.cfg.ns, st.cfg.app, s));
  write_rows(self, std::move(b), *mode);
}

/// "120s", or "500ms" below a whole second.
std::string format_wait(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

scaler::app_snapshot make_snapshot(self_ptr self) {
  auto& st = self->state;
  scaler::app_snapshot snap;
  auto logic = st.shared->lock();
  snap.queue = logic->counts();
  for (const auto& [id, s] : logic->slots())
    snap.workers.push_back(s);
  snap.paused = st.paused;
  return snap;
}

void push_snapshot(self_ptr self) {
  auto& st = self->state;
  st.scaler_ready = false;
  st.changed_since = false;
  st.lazy_change = false;
  self->send(st.scaler, changed_atom::value, make_snapshot(self));
}

/// Pushes the scaler a snapshot with the change, so it decides without asking back (one round
/// trip less between a request that queues and the scale-up decision). At most one push is
/// outstanding: the next goes out when the scaler says (ready_atom), if anything changed since.
void notify_scaler(self_ptr self, bool urgent = true) {
  auto& st = self->state;
  auto length = static_cast<int64_t>(st.callbacks.size());
  if (length != st.published_length) {
    st.published_length = length;
    st.ctx->metrics->set_gauge("ever_queue_length", st.label, static_cast<double>(length));
  }
  if (!st.scaler)
    return;
  if (!urgent) {
    st.lazy_change = true;
    return;
  }
  if (!st.scaler_ready) {
    st.changed_since = true;
    return;
  }
  if (!self->mailbox().empty()) {
    // More messages wait, likely more changes (a restart: 100 workers of the app turning
    // RUNNING): one snapshot after them, not one decision per change. The flush queues behind
    // the messages waiting now, so the push is late by those only, never starved.
    st.changed_since = true;
    if (!std::exchange(st.flush_pending, true))
      self->send(self, flush_atom::value);
    return;
  }
  push_snapshot(self);
}

void deliver(self_ptr self, const std::vector<grant>& grants) {
  auto& st = self->state;
  std::vector<uint64_t> served;
  for (const auto& g : grants) {
    auto it = st.callbacks.find(g.waiter_seq);
    if (it == st.callbacks.end())
      continue;
    it->second.fn(g);
    st.callbacks.erase(it);
    served.push_back(g.waiter_seq);
  }
  forget_waiters(self, served);
}

void fail_waiters(self_ptr self, const std::vector<waiter>& ws, errc code, const std::string& msg) {
  auto& st = self->state;
  std::vector<uint64_t> seqs;
  for (const auto& w : ws) {
    if (auto it = st.callbacks.find(w.seq); it != st.callbacks.end()) {
      it->second.fn(make_error(code, msg));
      st.callbacks.erase(it);
    }
    seqs.push_back(w.seq);
  }
  forget_waiters(self, seqs);
}

void tell_idle(self_ptr self, const std::string& worker_id) {
  auto& st = self->state;
  if (auto it = st.workers.find(worker_id); it != st.workers.end())
    self->send(it->second, idle_atom::value, worker_id);
}

caf::behavior queue_actor(self_ptr self, const control_context* ctx, queue_config cfg) {
  auto& st = self->state;
  st.ctx = ctx;
  st.cfg = std::move(cfg);
  st.label = app_label(st.cfg.ns, st.cfg.app);
  st.shared = st.cfg.shared;
  st.shared->lock()->resume_after(st.cfg.last_seq);
  self->delayed_send(self, tick_interval, tick_atom::value);
  // A remote gateway holding leases went away (process died, link lost): return its leases as
  // successful (its requests say nothing about the workers).
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    st.watched.erase(dm.source);
    for (auto it = st.remote_leases.begin(); it != st.remote_leases.end();) {
      if (it->second != dm.source) {
        ++it;
        continue;
      }
      auto r = st.shared->lock()->release(it->first, true, st.ctx->now());
      it = st.remote_leases.erase(it);
      deliver(self, r.grants);
      if (r.idle)
        tell_idle(self, *r.idle);
    }
    notify_scaler(self);
  });
  return {
    [=](scaler_atom, caf::actor scaler) {
      self->state.scaler = std::move(scaler);
      self->state.scaler_ready = true;
      notify_scaler(self);
    },
    [=](ready_atom) {
      auto& st = self->state;
      st.scaler_ready = true;
      if (st.changed_since)
        notify_scaler(self);
    },
    [=](flush_atom) {
      auto& st = self->state;
      st.flush_pending = false;
      if (st.scaler_ready && st.changed_since)
        push_snapshot(self);
    },
    [=](lease_atom, const std::string& session, lease_callback& cb) {
      auto& st = self->state;
      auto r = st.shared->lock()->lease(session, st.ctx->now());
      if (r.granted) {
        cb.fn(*r.granted);
      } else if (r.queued) {
        st.callbacks.emplace(r.queued->seq, std::move(cb));
        persist_waiter(self, *r.queued);
      } else {
        cb.fn(make_error(r.rejected, "queue of " + st.cfg.ns + "/" + st.cfg.app + " is full ("
                                       + std::to_string(st.cfg.max_length) + " waiting)"));
      }
      notify_scaler(self);
    },
    [=](lease_atom a, std::string& session) -> caf::result<grant> {
      // A remote gateway (request-style: a std::function cannot cross processes). Same path as a
      // local lease: the callback delivers the promise, always from this actor.
      // Before the promise: making it takes the sender out of the current message.
      auto from = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto rp = self->make_response_promise<grant>();
      lease_callback cb{[self, rp, from](expected<grant> g) mutable {
        if (g && from) {
          // A gateway process that dies holding it never releases it: watch the holder.
          self->state.remote_leases.emplace(g->lease_id, from);
          if (self->state.watched.insert(from).second)
            self->monitor(from);
        }
        if (g)
          rp.deliver(std::move(*g));
        else
          rp.deliver(std::move(g.error()));
      }};
      self->send(self, a, std::move(session), std::move(cb));
      return caf::delegated<grant>{};
    },
    [=](release_atom, uint64_t lease_id, bool success) {
      auto& st = self->state;
      st.remote_leases.erase(lease_id);
      auto r = st.shared->lock()->release(lease_id, success, st.ctx->now());
      deliver(self, r.grants);
      if (r.idle)
        tell_idle(self, *r.idle);
      notify_scaler(self);
    },
    [=](upsert_atom, slot& s, caf::actor& worker) {
      auto& st = self->state;
      st.workers[s.worker_id] = std::move(worker);
      std::vector<grant> grants;
      bool waiting = false;
      {
        auto q = st.shared->lock();
        grants = q->upsert(std::move(s), st.ctx->now());
        waiting = q->next_deadline() != 0;
      }
      deliver(self, grants);
      // Capacity nobody waits for cannot call for a scale-up: the scaler hears of it at the
      // next tick (a restart turns an app's 100 workers RUNNING one by one: one decision per
      // tick instead of one per worker). With waiters their reasons may have changed (e.g.
      // NotDispatch -> WorkerBusy): at once.
      notify_scaler(self, waiting);
    },
    [=](drain_atom, const std::string& worker_id) {
      auto r = self->state.shared->lock()->drain(worker_id, self->state.ctx->now());
      deliver(self, r.grants);
      if (r.idle)
        tell_idle(self, worker_id);
      notify_scaler(self);
    },
    [=](remove_atom, const std::string& worker_id) {
      auto& st = self->state;
      st.workers.erase(worker_id);
      auto grants = st.shared->lock()->remove(worker_id, st.ctx->now());
      deliver(self, grants);
      notify_scaler(self);
    },
    [=](snapshot_atom) { return make_snapshot(self); },
    [=](view_atom) {
      auto waiting = self->state.shared->lock()->waiting();
      // Waiting because no node has room for another worker, not because workers are busy.
      if (!self->state.blocked.empty())
        for (auto& w : waiting)
          if (w.reason == queue_reason::worker_busy || w.reason == queue_reason::not_dispatch)
            w.reason = queue_reason::insufficient_resources;
      return waiting;
    },
    [=](blocked_atom, std::string& why) { self->state.blocked = std::move(why); },
    [=](limits_atom, int64_t max_length, int64_t wait_ms) {
      self->state.cfg.max_length = max_length;
      self->state.cfg.wait_timeout_ms = wait_ms;
      self->state.shared->lock()->set_limits(max_length, wait_ms);
    },
    [=](pause_atom, bool paused) {
      self->state.paused = paused;
      notify_scaler(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.lazy_change)
        notify_scaler(self);
      auto now = st.ctx->now();
      auto expired = st.shared->lock()->expire(now);
      if (!expired.empty()) {
        fail_waiters(self, expired, errc::queue_timeout,
                     "no worker of " + st.cfg.ns + "/" + st.cfg.app + " became free within "
                       + format_wait(st.cfg.wait_timeout_ms));
        notify_scaler(self);
      }
      for (const auto& s : st.shared->lock()->take_dirty_usage())
        if (auto it = st.workers.find(s.worker_id); it != st.workers.end())
          self->send(it->second, usage_atom::value, s.last_service_at, s.success_count,
                     s.failure_count);
      self->delayed_send(self, tick_interval, tick_atom::value);
    },
    [=](delete_atom) {
      auto& st = self->state;
      auto waiters = st.shared->lock()->take_all_waiters();
      fail_waiters(self, waiters, errc::unavailable,
                   "app " + st.cfg.ns + "/" + st.cfg.app + " was deleted");
      st.shared->close();
      st.ctx->metrics->forget(st.label);
      self->quit();
    },
  };
}

} // namespace

std::shared_ptr<shared_queue> make_shared_queue(const control_context& ctx,
                                                const queue_config& cfg) {
  return std::make_shared<shared_queue>(cfg.max_length, cfg.wait_timeout_ms,
                                        ctx.limits.session_ttl_ms, *ctx.clock);
}

caf::actor spawn_queue(caf::actor_system& sys, const control_context& ctx, queue_config cfg) {
  if (!cfg.shared)
    cfg.shared = make_shared_queue(ctx, cfg);
  auto label = cfg.ns + "/" + cfg.app;
  return registry::enroll(sys.spawn(queue_actor, &ctx, std::move(cfg)), "ever.queue", ctx, label);
}

} // namespace ever::queue
