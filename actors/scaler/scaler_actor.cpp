#include "actors/scaler/scaler_actor.hpp"

#include "actors/policy/factors_json.hpp"
#include "actors/policy_container/container_logic.hpp"
#include "actors/policy_container/policy_runner.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "actors/scaler/scaler_logic.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <optional>
#include <utility>

namespace ever::scaler {

namespace {

struct scaler_state {
  const control_context* ctx = nullptr;
  scaler_config cfg;
  history_ring histories;
  bool deciding = false;
  bool dirty = false;
  std::optional<app_snapshot> pushed; // from the queue, not yet decided on (the latest wins)
  // After an action the scaler decides next on a snapshot it asks for: a push may predate the
  // action's effect on the queue (new workers), and deciding on it would act twice.
  bool need_pull = false;
  time_ms pending_change_at = 0; // first change no snapshot request has covered yet
  time_ms covering = 0;          // that change, once the in-flight snapshot request covers it
  std::string last_error;
  std::string label;
  caf::actor runner; // container autoscaler: the policy runner (none for builtin/manual)
  policy_container::failure_events container_failures{60'000};
  static inline const char* name = "ever.scaler";
};

using self_ptr = caf::stateful_actor<scaler_state>*;

void start_decision(self_ptr self);
void decide_pushed(self_ptr self);

void finish(self_ptr self) {
  auto& st = self->state;
  st.deciding = false;
  if (st.pushed)
    decide_pushed(self); // newer than anything a pull would have covered
  else if (st.dirty)
    start_decision(self);
}

/// After a scale action: the next decision reads a snapshot asked for after it, which the queue
/// answers after the app's changes (the app told the queue before it answered us). Asked for
/// only once something changed: an action that changed nothing must not loop.
void finish_after_action(self_ptr self) {
  auto& st = self->state;
  st.deciding = false;
  st.need_pull = true;
  bool changed = st.dirty || st.pushed;
  st.pushed.reset();
  if (changed)
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
  auto done = [=](int64_t) { finish_after_action(self); };
  auto failed = [=](caf::error& err) {
    warn_once(self, "scale action failed: " + message_of(err));
    finish_after_action(self);
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

// -- container autoscaler: the user's policy answers through the runner, asynchronously ---------

policy_container::runner_config runner_config_of(self_ptr self) {
  auto& st = self->state;
  return {st.cfg.ns, st.cfg.app, st.cfg.spec, st.cfg.volumes, st.cfg.journal,
          caf::actor_cast<caf::actor>(self)};
}

/// Starts or stops the policy runner to match the config (`old`: the runner's config before an
/// update). A runner given in the config (tests) is used as is.
void sync_runner(self_ptr self, const policy_container::runner_config* old) {
  auto& st = self->state;
  if (st.cfg.policy_runner) {
    st.runner = st.cfg.policy_runner;
    return;
  }
  bool want = st.cfg.spec.kind == autoscaler_spec::kind_t::container;
  if (st.runner
      && (!want || (old && !policy_container::same_policy(*old, runner_config_of(self))))) {
    self->send(st.runner, stop_atom::value);
    st.runner = nullptr;
  }
  if (want && !st.runner)
    st.runner = policy_container::spawn_policy_runner(self->system(), *st.ctx,
                                                      runner_config_of(self));
}

/// The fallback: no action, so the app keeps its size; an event says why (rate-limited).
void container_failed(self_ptr self, size_t workers, const std::string& what) {
  auto& st = self->state;
  if (auto text = st.container_failures.failed(what, st.ctx->now()))
    st.cfg.journal->event(event_type::warning, "Autoscaler",
                          "container autoscaler failed, keeping the current "
                            + std::to_string(workers) + " worker(s): " + *text);
  finish(self);
}

void decide_by_container(self_ptr self, const app_snapshot& snap, time_ms now, time_ms covered) {
  auto& st = self->state;
  auto f = build_factors(snap, st.histories, now);
  auto n = f.workers.size();
  if (!st.runner) {
    container_failed(self, n, "no policy runner");
    return;
  }
  // The runner times the call out itself; this margin only covers a runner that is stuck.
  auto wait = st.ctx->limits.container_policy_timeout_ms + 1000;
  self->request(st.runner, std::chrono::milliseconds(wait), policy_container::decide_atom::value,
                policy::to_json(f))
    .then(
      [=](const std::string& result_json) {
        auto& st = self->state;
        if (covered)
          st.ctx->metrics->observe("ever_decision_latency_seconds", st.label,
                                   static_cast<double>(st.ctx->now() - covered) / 1000.0);
        auto r = policy::decide_result_from_json(result_json);
        auto out = r ? policy_container::to_decision(f, *r)
                     : expected<policy::decision_output>{r.error()};
        if (!out) {
          container_failed(self, n, message_of(out.error()));
          return;
        }
        st.container_failures.succeeded();
        // Paused (or everd stopping with its workers) while the policy was thinking: an answer
        // computed before must not start or stop anything now.
        if (out->result.actions.empty() || st.cfg.paused) {
          finish(self);
          return;
        }
        scaler_decision d{std::move(*out), f, "container"};
        // As for builtin policies: the record goes to disk before anything acts on it (G4).
        if (auto seq = st.cfg.journal->decision(to_record(d, st.ctx->now())); !seq) {
          warn_once(self, "decision not persisted, no action taken: " + message_of(seq.error()));
          finish(self);
          return;
        }
        act(self, d);
      },
      [=](caf::error& err) {
        container_failed(self, n, err == caf::sec::request_timeout
                                    ? "the policy runner did not answer within "
                                        + std::to_string(wait) + " ms"
                                    : message_of(err));
      });
}

void on_snapshot(self_ptr self, const app_snapshot& snap) {
  auto& st = self->state;
  auto now = st.ctx->now();
  if (now - st.histories.last_sample_at() >= st.ctx->limits.history_sample_interval_ms) {
    auto f = build_factors(snap, history_ring{0}, now);
    st.histories.push(now, *f.queue, *f.worker);
    // Decorators read these histories: keep them across restarts. An observation: relaxed, and
    // not waited for, so the decision below never waits behind another writer's fsync.
    storage::write_batch b;
    b.put(storage::table::meta, history_key(st.cfg.ns, st.cfg.app), st.histories.to_json());
    st.ctx->db->write_async(std::move(b), storage::durability::relaxed, nullptr);
  }
  auto covered = std::exchange(st.covering, 0);
  if (st.cfg.paused) {
    finish(self); // a paused app's wait is not decision latency
    return;
  }
  if (st.cfg.spec.kind == autoscaler_spec::kind_t::container) {
    decide_by_container(self, snap, now, covered);
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

/// Decides on the snapshot the queue pushed; tells the queue it may push the next one.
void decide_pushed(self_ptr self) {
  auto& st = self->state;
  auto snap = std::move(*st.pushed);
  st.pushed.reset();
  st.deciding = true;
  st.dirty = false;
  st.covering = std::exchange(st.pending_change_at, 0);
  self->send(st.cfg.queue, ready_atom::value);
  on_snapshot(self, snap);
}

void start_decision(self_ptr self) {
  auto& st = self->state;
  if (st.deciding) {
    st.dirty = true;
    return;
  }
  if (st.pushed) {
    decide_pushed(self);
    return;
  }
  st.deciding = true;
  st.dirty = false;
  // Only a snapshot asked for after a change can answer it: that is what latency measures.
  st.covering = std::exchange(st.pending_change_at, 0);
  // No timeout: the queue answers at once, and a dead queue bounces the request with an error.
  // A timeout costs two wake-ups of CAF's clock thread per decision (set, then cancel), which
  // under load is one decision per request or two (measured: ~12% of everd's CPU).
  self->request(st.cfg.queue, caf::infinite, queue::snapshot_atom::value)
    .then(
      [=](const app_snapshot& snap) {
        if (std::exchange(self->state.need_pull, false))
          self->send(self->state.cfg.queue, ready_atom::value); // pushes are current again
        on_snapshot(self, snap);
      },
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
  st.container_failures.set_interval(ctx->limits.container_policy_event_interval_ms);
  sync_runner(self, nullptr);
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
    [=](changed_atom, app_snapshot& snap) {
      auto& st = self->state;
      if (!st.pending_change_at)
        st.pending_change_at = st.ctx->now();
      if (st.need_pull) {
        start_decision(self); // the pull answers this change too (and re-enables pushes)
        return;
      }
      st.pushed = std::move(snap);
      if (!st.deciding)
        decide_pushed(self);
    },
    [=](tick_atom) {
      start_decision(self);
      self->delayed_send(self, std::chrono::milliseconds(self->state.ctx->limits.idle_check_interval_ms),
                         tick_atom::value);
    },
    [=](update_atom, const app_spec& spec) {
      auto old = runner_config_of(self);
      self->state.cfg.spec = spec.autoscaler;
      self->state.cfg.volumes = spec.volumes;
      sync_runner(self, &old);
      self->state.container_failures.succeeded();
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
  auto label = cfg.ns + "/" + cfg.app;
  return registry::enroll(sys.spawn(scaler_actor, &ctx, std::move(cfg)), "ever.scaler", ctx, label);
}

} // namespace ever::scaler
