#include "actors/scaler/scaler_actor.hpp"

#include "actors/queue/queue_messages.hpp"
#include "actors/scaler/scaler_logic.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <utility>

namespace ever::scaler {

namespace {

struct scaler_state {
  const control_context* ctx = nullptr;
  scaler_config cfg;
  history_ring histories;
  bool deciding = false;
  bool dirty = false;
  time_ms pending_change_at = 0; // first change no snapshot request has covered yet
  time_ms covering = 0;          // that change, once the in-flight snapshot request covers it
  std::string last_error;
  std::string label;
  static inline const char* name = "ever.scaler";
};

using self_ptr = caf::stateful_actor<scaler_state>*;

void start_decision(self_ptr self);

void finish(self_ptr self) {
  auto& st = self->state;
  st.deciding = false;
  if (st.dirty)
    start_decision(self);
}

void warn_once(self_ptr self, const std::string& msg) {
  auto& st = self->state;
  if (msg == st.last_error)
    return;
  st.last_error = msg;
  st.cfg.journal->event(event_type::warning, "Autoscaler", msg);
}

void act(self_ptr self, const scaler_decision& d) {
  auto& st = self->state;
  std::vector<std::string> down;
  int64_t up = 0;
  for (const auto& a : d.output.result.actions) {
    if (a.kind == policy::action::kind_t::scale_up)
      up += a.count;
    else
      down.push_back(a.worker_id);
  }
  st.ctx->metrics->add_counter("ever_scale_actions_total", st.label + ",direction=\"up\"",
                               static_cast<double>(up));
  st.ctx->metrics->add_counter("ever_scale_actions_total", st.label + ",direction=\"down\"",
                               static_cast<double>(down.size()));
  auto done = [=](int64_t) { finish(self); };
  auto failed = [=](caf::error& err) {
    warn_once(self, "scale action failed: " + message_of(err));
    finish(self);
  };
  if (up > 0)
    self->request(st.cfg.app_actor, std::chrono::seconds(10), scale_up_atom::value, up,
                  d.output.reason)
      .then(done, failed);
  else
    self->request(st.cfg.app_actor, std::chrono::seconds(10), scale_down_atom::value,
                  std::move(down), d.output.reason)
      .then(done, failed);
}

void on_snapshot(self_ptr self, const app_snapshot& snap) {
  auto& st = self->state;
  auto now = st.ctx->now();
  if (now - st.histories.last_sample_at() >= st.ctx->limits.history_sample_interval_ms) {
    auto f = build_factors(snap, history_ring{0}, now);
    st.histories.push(now, *f.queue, *f.worker);
    // Decorators read these histories: keep them across restarts (an observation: relaxed).
    storage::write_batch b;
    b.put(storage::table::meta, history_key(st.cfg.ns, st.cfg.app), st.histories.to_json());
    st.ctx->db->write(b, storage::durability::relaxed);
  }
  auto covered = std::exchange(st.covering, 0);
  if (st.cfg.paused) {
    finish(self); // a paused app's wait is not decision latency
    return;
  }
  auto d = decide(st.cfg.spec, st.cfg.ns, *st.ctx->view->configs(), snap, st.histories, now);
  if (covered)
    st.ctx->metrics->observe("ever_decision_latency_seconds", st.label,
                             static_cast<double>(now - covered) / 1000.0);
  if (!d) {
    warn_once(self, "autoscaler not applied: " + message_of(d.error()));
    finish(self);
    return;
  }
  st.last_error.clear();
  if (d->output.result.actions.empty()) {
    finish(self);
    return;
  }
  // The record goes to disk before anything acts on it (G4).
  if (auto seq = st.cfg.journal->decision(to_record(*d, now)); !seq) {
    warn_once(self, "decision not persisted, no action taken: " + message_of(seq.error()));
    finish(self);
    return;
  }
  act(self, *d);
}

void start_decision(self_ptr self) {
  auto& st = self->state;
  if (st.deciding) {
    st.dirty = true;
    return;
  }
  st.deciding = true;
  st.dirty = false;
  // Only a snapshot asked for after a change can answer it: that is what latency measures.
  st.covering = std::exchange(st.pending_change_at, 0);
  self->request(st.cfg.queue, std::chrono::seconds(10), queue::snapshot_atom::value)
    .then([=](const app_snapshot& snap) { on_snapshot(self, snap); },
          [=](caf::error& err) {
            warn_once(self, "queue did not answer: " + message_of(err));
            finish(self);
          });
}

void note_change(self_ptr self) {
  auto& st = self->state;
  if (!st.pending_change_at)
    st.pending_change_at = st.ctx->now();
  start_decision(self);
}

caf::behavior scaler_actor(self_ptr self, const control_context* ctx, scaler_config cfg) {
  auto& st = self->state;
  st.ctx = ctx;
  st.cfg = std::move(cfg);
  st.label = app_label(st.cfg.ns, st.cfg.app);
  if (auto saved = ctx->db->get(storage::table::meta, history_key(st.cfg.ns, st.cfg.app));
      saved && *saved) {
    if (auto ring = history_ring::from_json(**saved))
      st.histories = std::move(*ring);
    else
      warn_once(self, "scaler histories not restored: " + message_of(ring.error()));
  }
  auto interval = std::chrono::milliseconds(ctx->limits.idle_check_interval_ms);
  self->delayed_send(self, interval, tick_atom::value);
  start_decision(self);
  return {
    [=](changed_atom) { note_change(self); },
    [=](tick_atom) {
      start_decision(self);
      self->delayed_send(self, std::chrono::milliseconds(self->state.ctx->limits.idle_check_interval_ms),
                         tick_atom::value);
    },
    [=](update_atom, const autoscaler_spec& spec) {
      self->state.cfg.spec = spec;
      self->state.last_error.clear();
      note_change(self);
    },
    [=](pause_atom, bool paused) {
      self->state.cfg.paused = paused;
      note_change(self);
    },
    [=](delete_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_scaler(caf::actor_system& sys, const control_context& ctx, scaler_config cfg) {
  return sys.spawn(scaler_actor, &ctx, std::move(cfg));
}

} // namespace ever::scaler
