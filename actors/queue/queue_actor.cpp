#include "actors/queue/queue_actor.hpp"

#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>

namespace ever::queue {

namespace {

/// How often waiters are checked for timeouts and usage is flushed to worker actors.
constexpr auto tick_interval = std::chrono::milliseconds(100);

struct queue_state {
  const control_context* ctx = nullptr;
  queue_config cfg;
  std::unique_ptr<queue_logic> logic;
  std::map<uint64_t, lease_callback> callbacks; // waiter seq -> gateway callback
  std::map<std::string, caf::actor> workers;    // worker id -> worker actor
  caf::actor scaler;
  bool paused = false;
  bool scaler_notified = false;
  std::string label;
  static inline const char* name = "ever.queue";
};

using self_ptr = caf::stateful_actor<queue_state>*;

void persist_waiter(self_ptr self, const waiter& w) {
  auto& st = self->state;
  queue_entry_record r{w.seq, w.created_at, w.reason, w.session};
  storage::write_batch b;
  b.put(storage::table::queue, storage::seq_key(st.cfg.ns, st.cfg.app, w.seq),
        storage::encode(r));
  st.ctx->db->write(b, storage::durability::relaxed); // observation only; see header
}

void forget_waiters(self_ptr self, const std::vector<uint64_t>& seqs) {
  if (seqs.empty())
    return;
  auto& st = self->state;
  storage::write_batch b;
  for (auto s : seqs)
    b.del(storage::table::queue, storage::seq_key(st.cfg.ns, st.cfg.app, s));
  st.ctx->db->write(b, storage::durability::relaxed);
}

/// "120s", or "500ms" below a whole second.
std::string format_wait(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

void notify_scaler(self_ptr self) {
  auto& st = self->state;
  st.ctx->metrics->set_gauge("ever_queue_length", st.label,
                             static_cast<double>(st.callbacks.size()));
  if (st.scaler_notified || !st.scaler)
    return;
  st.scaler_notified = true;
  self->send(st.scaler, changed_atom::value);
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
  st.logic = std::make_unique<queue_logic>(st.cfg.max_length, st.cfg.wait_timeout_ms,
                                           ctx->limits.session_ttl_ms);
  st.logic->resume_after(st.cfg.last_seq);
  self->delayed_send(self, tick_interval, tick_atom::value);
  return {
    [=](scaler_atom, caf::actor scaler) {
      self->state.scaler = std::move(scaler);
      notify_scaler(self);
    },
    [=](lease_atom, const std::string& session, lease_callback& cb) {
      auto& st = self->state;
      auto r = st.logic->lease(session, st.ctx->now());
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
    [=](release_atom, uint64_t lease_id, bool success) {
      auto& st = self->state;
      auto r = st.logic->release(lease_id, success, st.ctx->now());
      deliver(self, r.grants);
      if (r.idle)
        tell_idle(self, *r.idle);
      notify_scaler(self);
    },
    [=](upsert_atom, slot& s, caf::actor& worker) {
      auto& st = self->state;
      st.workers[s.worker_id] = std::move(worker);
      deliver(self, st.logic->upsert(std::move(s), st.ctx->now()));
      notify_scaler(self);
    },
    [=](drain_atom, const std::string& worker_id) {
      auto r = self->state.logic->drain(worker_id, self->state.ctx->now());
      deliver(self, r.grants);
      if (r.idle)
        tell_idle(self, worker_id);
      notify_scaler(self);
    },
    [=](remove_atom, const std::string& worker_id) {
      auto& st = self->state;
      st.workers.erase(worker_id);
      deliver(self, st.logic->remove(worker_id, st.ctx->now()));
      notify_scaler(self);
    },
    [=](snapshot_atom) {
      auto& st = self->state;
      st.scaler_notified = false;
      scaler::app_snapshot snap;
      snap.queue = st.logic->counts();
      for (const auto& [id, s] : st.logic->slots())
        snap.workers.push_back(s);
      snap.paused = st.paused;
      return snap;
    },
    [=](view_atom) { return self->state.logic->waiting(); },
    [=](limits_atom, int64_t max_length, int64_t wait_ms) {
      self->state.cfg.max_length = max_length;
      self->state.cfg.wait_timeout_ms = wait_ms;
      self->state.logic->set_limits(max_length, wait_ms);
    },
    [=](pause_atom, bool paused) {
      self->state.paused = paused;
      notify_scaler(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = st.ctx->now();
      auto expired = st.logic->expire(now);
      if (!expired.empty()) {
        fail_waiters(self, expired, errc::queue_timeout,
                     "no worker of " + st.cfg.ns + "/" + st.cfg.app + " became free within "
                       + format_wait(st.cfg.wait_timeout_ms));
        notify_scaler(self);
      }
      for (const auto& s : st.logic->take_dirty_usage())
        if (auto it = st.workers.find(s.worker_id); it != st.workers.end())
          self->send(it->second, usage_atom::value, s.last_service_at, s.success_count,
                     s.failure_count);
      self->delayed_send(self, tick_interval, tick_atom::value);
    },
    [=](delete_atom) {
      auto& st = self->state;
      fail_waiters(self, st.logic->take_all_waiters(), errc::unavailable,
                   "app " + st.cfg.ns + "/" + st.cfg.app + " was deleted");
      st.ctx->metrics->forget(st.label);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_queue(caf::actor_system& sys, const control_context& ctx, queue_config cfg) {
  return sys.spawn(queue_actor, &ctx, std::move(cfg));
}

} // namespace ever::queue
