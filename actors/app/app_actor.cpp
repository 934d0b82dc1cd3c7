#include "actors/app/app_actor.hpp"

#include "actors/app/app_logic.hpp"
#include "actors/cluster/cluster_state.hpp"
#include "actors/common/journal.hpp"
#include "actors/common/worker_gauges.hpp"
#include "actors/node/node_messages.hpp"
#include "actors/queue/queue_actor.hpp"
#include "actors/registry/census.hpp"
#include "actors/scaler/scaler_actor.hpp"
#include "actors/worker/worker_actor.hpp"
#include "actors/worker/worker_lifecycle.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <deque>
#include <set>

namespace ever::app {

namespace {

struct live_worker {
  worker_record record;
  caf::actor actor;
};

struct app_state {
  const control_context* ctx = nullptr;
  app_config cfg;
  std::shared_ptr<const app_spec> spec; ///< cfg.record.spec, shared by new workers
  std::shared_ptr<app_journal> journal;
  caf::actor queue;
  caf::actor scaler;
  std::map<std::string, live_worker> workers;
  std::deque<std::string> to_retire; // old-revision workers to stop as replacements become ready
  std::vector<caf::response_promise> on_empty; // answered once no live worker remains
  bool deleting = false;
  std::string unplaced; // why the last scale-up could not place a worker ("" = it could)
  bool stopping_all = false; // everd stops with its workers: no new worker may start
  static inline const char* name = "ever.app";
};

using self_ptr = caf::stateful_actor<app_state>*;

const app_record& rec(self_ptr self) { return self->state.cfg.record; }

app_view view_of(self_ptr self) {
  std::map<std::string, worker_record> ws;
  for (const auto& [id, w] : self->state.workers)
    ws[id] = w.record;
  auto [ready, desired] = count_workers(ws);
  return app_view{rec(self), ready, desired};
}

caf::error save_app(self_ptr self, const app_record& next) {
  storage::write_batch b;
  b.put(storage::table::apps, storage::object_key(next.spec.ns, next.spec.name),
        storage::encode(next));
  return self->state.ctx->db->write(b, storage::durability::sync);
}

/// /metrics: the live workers by status (after every change of st.workers).
void publish_workers(self_ptr self) {
  std::vector<worker_status> statuses;
  for (const auto& [id, w] : self->state.workers)
    statuses.push_back(w.record.status);
  publish_worker_gauges(*self->state.ctx->metrics, app_label(rec(self).spec.ns, rec(self).spec.name),
                        statuses);
}

/// Where a worker of this app runs: the cluster's answer, or the app's own node agent when the
/// control node runs alone without a cluster table (tests).
cluster::placement local_placement(self_ptr self) {
  cluster::placement p;
  p.node = self->state.ctx->node_name;
  p.agent = self->state.cfg.node;
  return p;
}

/// `publish`: update the worker gauges now (recover() publishes once for all its workers: doing
/// it per worker is quadratic in the app's workers).
caf::actor start_worker(self_ptr self, const worker_record& w, worker::start_mode mode,
                        const cluster::placement& where, bool publish = true) {
  auto& st = self->state;
  worker::worker_config wc;
  wc.record = w;
  wc.spec = st.spec;
  wc.mode = mode;
  wc.app = caf::actor_cast<caf::actor>(self);
  wc.queue = st.queue;
  wc.node = where.agent;
  wc.host = where.address;
  wc.journal = st.journal;
  auto h = worker::spawn_worker(self->system(), *st.ctx, std::move(wc));
  self->link_to(h); // everd shutting down takes the worker actors along (processes keep running)
  st.workers[w.id] = live_worker{w, h};
  if (publish)
    publish_workers(self);
  // Sent by the app, before it answers the scaler: the scaler's next snapshot then counts this
  // worker as starting (CAF orders messages per sender), so one order never starts two workers.
  auto slot = worker::slot_of(w, rec(self).spec.concurrency, queue::slot_phase::starting);
  slot.host = where.address;
  self->send(st.queue, queue::upsert_atom::value, std::move(slot), h);
  return h;
}

void stop_worker(self_ptr self, const std::string& id, const std::string& reason) {
  auto& st = self->state;
  auto it = st.workers.find(id);
  if (it == st.workers.end() || is_final(it->second.record.status))
    return;
  // Drain first (queue), then stop (worker): the worker waits for the queue's idle notice.
  self->send(st.queue, queue::drain_atom::value, id);
  self->send(it->second.actor, stop_atom::value, reason);
}

using erase_atom = caf::atom_constant<caf::atom("erase")>;

/// Erases every row of the app in one batch. False if the write failed (retried later).
bool erase_app_rows(self_ptr self) {
  auto& st = self->state;
  const auto& spec = rec(self).spec;
  storage::write_batch b;
  b.del(storage::table::apps, storage::object_key(spec.ns, spec.name));
  b.del(storage::table::meta, scaler::history_key(spec.ns, spec.name));
  auto prefix = storage::app_prefix(spec.ns, spec.name);
  for (auto t : {storage::table::workers, storage::table::queue, storage::table::decisions,
                 storage::table::events})
    st.ctx->db->scan(t, prefix, [&](std::string_view key, std::string_view) {
      b.del(t, std::string{key});
      return true;
    });
  return !st.ctx->db->write(b, storage::durability::sync);
}

/// Last step of a delete: once the rows are gone, the app's actors go too. A failed erase is
/// retried every second; the app stays listed as DELETING until it succeeds (G1: an accepted
/// delete is finished even across faults and restarts).
void finish_delete(self_ptr self) {
  auto& st = self->state;
  if (!erase_app_rows(self)) {
    self->delayed_send(self, std::chrono::seconds(1), erase_atom::value);
    return;
  }
  self->send(st.queue, delete_atom::value);
  self->send(st.scaler, delete_atom::value);
  self->quit();
}

void check_empty(self_ptr self) {
  auto& st = self->state;
  if (!st.workers.empty())
    return;
  for (auto& rp : st.on_empty)
    rp.deliver(true);
  st.on_empty.clear();
  if (st.deleting)
    finish_delete(self);
}

void stop_all(self_ptr self, const std::string& reason) {
  std::vector<std::string> ids;
  for (const auto& [id, w] : self->state.workers)
    ids.push_back(id);
  for (const auto& id : ids)
    stop_worker(self, id, reason);
}

/// Says once (not at every decision) that workers cannot be placed, and again when it is over.
void report_unplaced(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (why == st.unplaced)
    return;
  st.unplaced = why;
  if (!why.empty())
    st.journal->event(event_type::warning, "Scheduler", why);
  self->send(st.queue, queue::blocked_atom::value, why);
}

int64_t scale_up(self_ptr self, int64_t n, const std::string& reason) {
  auto& st = self->state;
  if (st.deleting || st.stopping_all || rec(self).status != app_status::deployed || n <= 0)
    return 0;
  std::vector<worker_record> fresh;
  std::vector<cluster::placement> where;
  storage::write_batch b;
  const auto& spec = rec(self).spec;
  for (int64_t i = 0; i < n; ++i) {
    auto w = new_worker(rec(self), st.ctx->node_name, st.ctx->now());
    auto p = local_placement(self);
    if (st.ctx->cluster) {
      auto placed = st.ctx->cluster->place(w.id, qualified_name(spec.ns, spec.name),
                                           spec.resource);
      if (!placed) {
        report_unplaced(self, message_of(placed.error()));
        break;
      }
      p = std::move(*placed);
    }
    w.node = p.node;
    b.put(storage::table::workers, storage::worker_key(w.ns, w.app, w.id), storage::encode(w));
    fresh.push_back(std::move(w));
    where.push_back(std::move(p));
  }
  if (fresh.size() == static_cast<size_t>(n))
    report_unplaced(self, {});
  if (fresh.empty())
    return 0;
  if (auto err = st.ctx->db->write(b, storage::durability::sync)) {
    for (const auto& w : fresh)
      if (st.ctx->cluster)
        st.ctx->cluster->release(w.id);
    st.journal->event(event_type::warning, "Scheduler", "scale up failed: " + message_of(err));
    return 0;
  }
  for (size_t i = 0; i < fresh.size(); ++i) {
    const auto& w = fresh[i];
    start_worker(self, w, worker::start_mode::launch, where[i]);
    st.journal->event_async(event_type::normal, "Scheduler",
                            "Successfully assigned worker/" + w.id + " to node/" + w.node + " ("
                              + reason + ")");
  }
  return static_cast<int64_t>(fresh.size());
}

/// Recorded workers whose processes one node agent is asked to re-adopt together.
struct adoption_batch {
  caf::actor agent;
  std::vector<node::adoption> items;
  std::vector<caf::actor> workers; ///< workers[i] is told about items[i]
};

/// One request per node agent, not one per worker: at 100,000 workers a restart's per-worker
/// requests (and their timeouts on CAF's clock thread) were most of its cost. The agent reports
/// readiness to each worker; the app tells the workers whose process is gone, and writes the
/// re-adoptions as one batch of events.
void adopt_together(self_ptr self, adoption_batch b) {
  std::vector<std::pair<std::string, int64_t>> pids; // for the events
  for (const auto& a : b.items)
    pids.emplace_back(a.worker_id, static_cast<int64_t>(a.id.pid));
  auto workers = b.workers;
  self->request(b.agent, std::chrono::seconds(30), node::adopt_many_atom::value, std::move(b.items),
                std::move(b.workers))
    .then(
      [=](const std::vector<std::string>& gone) {
        std::set<std::string> dead{gone.begin(), gone.end()};
        std::vector<std::string> adopted;
        for (size_t i = 0; i < pids.size(); ++i) {
          const auto& [id, pid] = pids[i];
          if (dead.count(id))
            self->send(workers[i], failed_atom::value,
                       "process " + std::to_string(pid)
                         + " is gone (it ended while everd was down)");
          else
            adopted.push_back("Worker/" + id + " re-adopted (pid " + std::to_string(pid) + ")");
        }
        self->state.journal->events_async(event_type::normal, "Worker", std::move(adopted));
      },
      [=](caf::error& err) {
        for (const auto& w : workers)
          self->send(w, failed_atom::value, "re-adoption failed: " + message_of(err));
      });
}

void recover(self_ptr self) {
  auto& st = self->state;
  const auto& spec = rec(self).spec;
  std::vector<worker_record> recorded;
  if (st.cfg.recorded) {
    recorded = std::move(*st.cfg.recorded);
    st.cfg.recorded.reset();
  } else {
    st.ctx->db->scan(storage::table::workers, storage::app_prefix(spec.ns, spec.name),
                     [&](std::string_view, std::string_view v) {
                       if (auto w = storage::decode<worker_record>(v); w && !is_final(w->status))
                         recorded.push_back(std::move(*w));
                       return true;
                     });
  }
  std::vector<adoption_batch> batches; // one per node agent
  for (const auto& w : recorded) {
    auto where = local_placement(self);
    if (st.ctx->cluster) {
      // Held against its node's capacity again; a node that has not rejoined yet is expected
      // back within node_timeout, or declared dead (its workers then become ERROR).
      where = st.ctx->cluster->claim(w.id, w.node, qualified_name(spec.ns, spec.name),
                                     spec.resource);
      if (!where.agent)
        st.ctx->cluster->expect(w.node, st.ctx->now());
    }
    bool interrupted = w.pid == 0 || w.status == worker_status::terminating;
    // A worker waiting for its node, or whose stop was interrupted, adopts on its own (rare).
    bool together = where.agent && !interrupted;
    auto agent = where.agent;
    auto h = start_worker(self, w, together ? worker::start_mode::adopted : worker::start_mode::adopt,
                          where, false);
    if (together) {
      auto b = std::find_if(batches.begin(), batches.end(),
                            [&](const adoption_batch& x) { return x.agent == agent; });
      if (b == batches.end())
        b = batches.insert(batches.end(), adoption_batch{agent, {}, {}});
      b->items.push_back(node::adoption{w.id, runtime::process_id{static_cast<pid_t>(w.pid),
                                                                  w.proc_start_time},
                                        w.port, spec.readiness_path});
      b->workers.push_back(h);
    }
    if (interrupted) {
      // Never started, or was being stopped: make sure no process is left, then record the end.
      stop_worker(self, w.id, "stopping was interrupted by a restart");
    }
  }
  for (auto& b : batches)
    adopt_together(self, std::move(b));
  publish_workers(self);
}

caf::behavior app_actor(self_ptr self, const control_context* ctx, app_config cfg) {
  auto& st = self->state;
  st.ctx = ctx;
  st.cfg = std::move(cfg);
  const auto& spec = rec(self).spec;
  st.spec = std::make_shared<const app_spec>(spec);
  st.journal = std::make_shared<app_journal>(*ctx->db, *ctx->clock, ctx->limits, spec.ns,
                                             spec.name);
  st.journal->load();
  st.queue = st.cfg.queue;
  self->link_to(st.queue);
  // Recorded workers first: their queue slots are then enqueued before the scaler exists, so its
  // first snapshot already counts them and it does not start extra workers.
  if (st.cfg.recovering)
    recover(self);
  scaler::scaler_config sc;
  sc.ns = spec.ns;
  sc.app = spec.name;
  sc.spec = spec.autoscaler;
  sc.volumes = spec.volumes;
  sc.paused = rec(self).status != app_status::deployed;
  sc.queue = st.queue;
  sc.app_actor = caf::actor_cast<caf::actor>(self);
  sc.journal = st.journal;
  st.scaler = scaler::spawn_scaler(self->system(), *ctx, std::move(sc));
  self->link_to(st.scaler);
  self->send(st.queue, queue::scaler_atom::value, st.scaler);
  self->send(st.queue, pause_atom::value, rec(self).status != app_status::deployed);
  if (rec(self).status == app_status::deleting) {
    // A delete was accepted before a restart: finish it.
    st.deleting = true;
    self->send(st.scaler, pause_atom::value, true);
    stop_all(self, "app deleted");
    if (st.workers.empty()) // otherwise the last worker's exit finishes the delete
      self->send(self, erase_atom::value);
  }
  return {
    [=](scaler::scale_up_atom, int64_t n, const std::string& reason) {
      return scale_up(self, n, reason);
    },
    [=](scaler::scale_down_atom, const std::vector<std::string>& ids, const std::string& reason) {
      int64_t n = 0;
      for (const auto& id : ids) {
        auto it = self->state.workers.find(id);
        if (it == self->state.workers.end() || it->second.record.status != worker_status::running)
          continue;
        stop_worker(self, id, "scale down: " + reason);
        self->state.journal->event_async(event_type::normal, "Autoscaler",
                                         "Scaled down worker/" + id + " (" + reason + ")");
        ++n;
      }
      return n;
    },
    [=](status_atom, const worker_record& w) {
      auto& st = self->state;
      auto it = st.workers.find(w.id);
      if (it == st.workers.end())
        return;
      auto before = it->second.record.status;
      it->second.record = w;
      if (before != w.status)
        self->send(st.scaler, changed_atom::value);
      // A replacement from a rolling update is serving: retire one old worker.
      if (before != worker_status::running && w.status == worker_status::running
          && w.app_revision == rec(self).revision && !st.to_retire.empty()) {
        auto old = st.to_retire.front();
        st.to_retire.pop_front();
        stop_worker(self, old, "replaced by worker/" + w.id + " (revision "
                                 + std::to_string(w.app_revision) + ")");
      }
      if (is_final(w.status)) {
        if (st.ctx->cluster)
          st.ctx->cluster->release(w.id);
        st.workers.erase(it);
        count_worker_exit(*st.ctx->metrics, app_label(rec(self).spec.ns, rec(self).spec.name),
                          w.status);
      }
      if (before != w.status)
        publish_workers(self);
      if (is_final(w.status))
        check_empty(self);
    },
    [=](cluster::node_lost_atom a, const std::string& node, const std::vector<std::string>&,
        const std::string& why) {
      for (const auto& [id, w] : self->state.workers)
        if (w.record.node == node && !is_final(w.record.status))
          self->send(w.actor, a, why);
    },
    [=](cluster::node_back_atom a, const std::string& node) {
      auto& st = self->state;
      if (!st.ctx->cluster)
        return;
      auto where = st.ctx->cluster->locate(node);
      if (!where)
        return;
      for (const auto& [id, w] : st.workers)
        if (w.record.node == node && !is_final(w.record.status))
          self->send(w.actor, a, where->agent, where->address);
    },
    [=](view_atom) { return view_of(self); },
    [=](queue_atom) { return self->state.queue; },
    [=](update_atom, app_spec& spec, std::string& manifest) -> caf::result<app_view> {
      auto& st = self->state;
      auto next = rec(self);
      bool rollout = needs_rollout(next.spec, spec);
      next.spec = std::move(spec);
      next.manifest = std::move(manifest);
      next.revision += 1;
      next.updated_at = st.ctx->now();
      if (auto err = save_app(self, next))
        return err;
      st.cfg.record = next;
      st.spec = std::make_shared<const app_spec>(next.spec);
      self->send(st.queue, queue::limits_atom::value, next.spec.queue.max_length,
                 next.spec.queue.wait_timeout_ms);
      self->send(st.scaler, update_atom::value, next.spec);
      st.journal->event(event_type::normal, "AppServer",
                        "Updated app to revision " + std::to_string(next.revision)
                          + (rollout ? ", rolling workers" : ""));
      if (rollout && next.status == app_status::deployed) {
        int64_t live = 0;
        for (const auto& [id, w] : st.workers)
          if (!is_final(w.record.status) && w.record.status != worker_status::terminating) {
            st.to_retire.push_back(id);
            ++live;
          }
        scale_up(self, live, "rolling update to revision " + std::to_string(next.revision));
      }
      return view_of(self);
    },
    [=](pause_atom) -> caf::result<app_view> {
      auto& st = self->state;
      auto next = rec(self);
      if (next.status == app_status::paused)
        return view_of(self);
      next.status = app_status::paused;
      next.updated_at = st.ctx->now();
      if (auto err = save_app(self, next))
        return err;
      st.cfg.record = next;
      self->send(st.scaler, pause_atom::value, true);
      self->send(st.queue, pause_atom::value, true);
      stop_all(self, "app paused");
      st.journal->event(event_type::normal, "AppServer", "App paused");
      return view_of(self);
    },
    [=](resume_atom) -> caf::result<app_view> {
      auto& st = self->state;
      auto next = rec(self);
      if (next.status == app_status::deployed)
        return view_of(self);
      next.status = app_status::deployed;
      next.updated_at = st.ctx->now();
      if (auto err = save_app(self, next))
        return err;
      st.cfg.record = next;
      self->send(st.scaler, pause_atom::value, false);
      self->send(st.queue, pause_atom::value, false);
      st.journal->event(event_type::normal, "AppServer", "App resumed");
      return view_of(self);
    },
    [=](delete_atom) -> caf::result<bool> {
      auto& st = self->state;
      auto next = rec(self);
      next.status = app_status::deleting;
      if (auto err = save_app(self, next))
        return err;
      st.cfg.record = next;
      st.deleting = true;
      self->send(st.scaler, pause_atom::value, true);
      stop_all(self, "app deleted");
      check_empty(self);
      return true;
    },
    [=](changed_atom) { self->send(self->state.scaler, changed_atom::value); },
    [=](erase_atom) { finish_delete(self); },
    [=](shutdown_atom, bool stop_workers) {
      auto& st = self->state;
      auto rp = self->make_response_promise();
      if (!stop_workers || st.workers.empty()) {
        rp.deliver(true);
        return rp;
      }
      self->send(st.scaler, pause_atom::value, true);
      st.stopping_all = true;
      st.on_empty.push_back(rp);
      stop_all(self, "everd stopped with its workers");
      return rp;
    },
  };
}

} // namespace

spawned_app spawn_app(caf::actor_system& sys, const control_context& ctx, app_config cfg) {
  const auto& spec = cfg.record.spec;
  queue::queue_config qc;
  qc.ns = spec.ns;
  qc.app = spec.name;
  qc.max_length = spec.queue.max_length;
  qc.wait_timeout_ms = spec.queue.wait_timeout_ms;
  if (auto last = last_seq(*ctx.db, storage::table::queue, spec.ns, spec.name))
    qc.last_seq = *last;
  if (cfg.recovering) {
    // Requests that waited before a restart have no client any more.
    storage::write_batch b;
    ctx.db->scan(storage::table::queue, storage::app_prefix(spec.ns, spec.name),
                 [&](std::string_view key, std::string_view) {
                   b.del(storage::table::queue, std::string{key});
                   return true;
                 });
    if (!b.empty())
      ctx.db->write(b, storage::durability::relaxed);
  }
  qc.shared = queue::make_shared_queue(ctx, qc);
  auto lane = qc.shared;
  cfg.queue = queue::spawn_queue(sys, ctx, qc);
  auto queue = cfg.queue;
  auto label = spec.ns + "/" + spec.name;
  return {registry::enroll(sys.spawn(app_actor, &ctx, std::move(cfg)), "ever.app", ctx, label), queue,
          std::move(lane)};
}

} // namespace ever::app
