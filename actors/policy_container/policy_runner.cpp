#include "actors/policy_container/policy_runner.hpp"

#include "actors/common/volume_files.hpp"
#include "actors/policy/factors_json.hpp"
#include "actors/policy_container/container_logic.hpp"
#include "actors/runtime/loopback_post.hpp"
#include "actors/runtime/watcher.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>


namespace ever::policy_container {

namespace {

/// Restart delays start here; a run this long counts as stable and resets the backoff.
constexpr int64_t restart_first_ms = 1000;
constexpr int64_t stable_run_ms = 60'000;
/// A running policy's volume files are rewritten at most this often (before a decision): the
/// reference reloads a container autoscaler's secrets and configmaps lazily, after 60 s.
constexpr int64_t volume_refresh_ms = 60'000;

struct runner_state {
  const control_context* ctx = nullptr;
  runner_config cfg;
  std::unique_ptr<runtime::process_watcher> watcher;
  std::optional<runtime::process_id> proc;
  uint16_t port = 0;
  time_ms started_at = 0;
  time_ms next_start_at = 0;
  std::string work_dir;                   // the running policy's, where its volumes are
  time_ms volumes_written_at = 0;
  std::string last_exit;                  // why the process is not running, for decide errors
  restart_backoff backoff{restart_first_ms, 30'000, stable_run_ms};
  bool stopping = false;
  static inline const char* name = "ever.policy_runner";

  ~runner_state() {
    // The actor is gone (everd stopping, or a kill): a stateless policy does not outlive it.
    if (proc)
      runtime::signal_group(*proc, SIGKILL);
  }
};

using self_ptr = caf::stateful_actor<runner_state>*;


std::string base_path() {
  const char* p = std::getenv("PATH");
  return runtime::self_exe_dir() + ":" + (p ? p : "/usr/local/bin:/usr/bin:/bin");
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv)
    out += (out.empty() ? "" : " ") + a;
  return out;
}

void schedule_restart(self_ptr self, const std::string& why) {
  auto& st = self->state;
  auto ran = st.started_at ? st.ctx->now() - st.started_at : 0;
  auto delay = st.backoff.next(ran);
  st.next_start_at = st.ctx->now() + delay;
  st.last_exit = why;
  st.cfg.journal->event(event_type::warning, "Autoscaler",
                        "container autoscaler policy " + why + "; restarting in "
                          + std::to_string(delay / 1000) + " s");
  // No timer: the next decision after next_start_at starts it (the scaler asks every second).
  // A pending delayed message would keep this detached actor, and so everd's shutdown, waiting.
}

/// Writes the app's volumes under the policy's work dir, resolved against the ConfigMaps and
/// Secrets as they are now.
caf::error write_volumes(self_ptr self) {
  auto& st = self->state;
  st.volumes_written_at = st.ctx->now();
  if (st.cfg.volumes.empty())
    return {};
  auto volumes = resolve_volumes(st.cfg.volumes, st.cfg.ns, *st.ctx->view->configs());
  if (!volumes)
    return volumes.error();
  return write_volume_files(st.work_dir, *volumes);
}

void start_process(self_ptr self) {
  auto& st = self->state;
  const auto& limits = st.ctx->limits;
  uint16_t port = static_cast<uint16_t>(st.cfg.spec.container_port);
  if (port == 0) {
    auto picked = runtime::pick_free_port(limits.container_policy_port_first,
                                          limits.container_policy_port_last, {});
    if (!picked) {
      schedule_restart(self, "cannot start: no free port: " + message_of(picked.error()));
      return;
    }
    port = *picked;
  }
  auto spec = policy_process(st.cfg.spec, st.cfg.ns, st.cfg.app, st.ctx->data_dir, port,
                             runtime::current_environment(), base_path());
  st.work_dir = spec.work_dir;
  if (auto err = write_volumes(self)) {
    schedule_restart(self, "cannot start: " + message_of(err));
    return;
  }
  auto id = runtime::spawn_process(spec);
  if (!id) {
    st.started_at = 0;
    schedule_restart(self, "cannot start: " + message_of(id.error()));
    return;
  }
  st.proc = *id;
  st.port = port;
  st.started_at = st.ctx->now();
  st.last_exit.clear();
  st.watcher->watch(*id);
  st.cfg.journal->event(event_type::normal, "Autoscaler",
                        "Started container autoscaler policy (pid " + std::to_string(id->pid)
                          + ", port " + std::to_string(port) + "): "
                          + command_text(st.cfg.spec.container_command));
}

/// SIGTERM, then SIGKILL after terminate_grace_ms, then quit. Waits on this (own) thread rather
/// than on a timer, so nothing keeps the actor alive after it quits.
void stop(self_ptr self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  if (st.proc && runtime::signal_group(*st.proc, SIGTERM)) {
    auto deadline = std::chrono::steady_clock::now()
                    + std::chrono::milliseconds(st.ctx->limits.terminate_grace_ms);
    while (runtime::is_alive(*st.proc) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    runtime::signal_group(*st.proc, SIGKILL); // no-op if gone; else it ignored SIGTERM
  }
  st.proc.reset();
  self->quit();
}

caf::result<std::string> decide(self_ptr self, const std::string& factors_json) {
  auto& st = self->state;
  if (!st.proc && !st.stopping && st.ctx->now() >= st.next_start_at)
    start_process(self); // restart after the backoff; the POST below waits for it to listen
  if (!st.proc) {
    auto wait = std::max<int64_t>(0, st.next_start_at - st.ctx->now());
    return make_error(errc::unavailable,
                      "policy process not running ("
                        + (st.last_exit.empty() ? std::string("stopped") : st.last_exit)
                        + "), next start in " + std::to_string((wait + 999) / 1000) + " s");
  }
  if (st.ctx->now() - st.volumes_written_at >= volume_refresh_ms) {
    // A ConfigMap/Secret that went missing leaves the files as they were; workers would fail to
    // start on it, and the event says so there.
    (void)write_volumes(self);
  }
  auto reply = runtime::post_loopback(st.port, st.cfg.spec.container_entry_path, factors_json,
                                      static_cast<int>(st.ctx->limits.container_policy_timeout_ms));
  if (!reply)
    return make_error(code_of(reply.error()), "POST " + st.cfg.spec.container_entry_path
                                                + " on port " + std::to_string(st.port) + ": "
                                                + message_of(reply.error()));
  auto result = check_reply(*reply);
  if (!result)
    return result.error();
  return policy::to_json(*result);
}

caf::behavior policy_runner(self_ptr self, const control_context* ctx, runner_config cfg) {
  auto& st = self->state;
  st.ctx = ctx;
  st.cfg = std::move(cfg);
  st.backoff = restart_backoff{restart_first_ms, ctx->limits.container_policy_restart_max_ms,
                               stable_run_ms};
  // The watcher thread only posts a message; all bookkeeping stays on the actor.
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.watcher = std::make_unique<runtime::process_watcher>(
    [me](pid_t pid, std::string how) { caf::anon_send(me, exited_atom::value, pid, std::move(how)); });
  if (st.cfg.owner) {
    self->monitor(st.cfg.owner);
    self->set_down_handler([=](caf::down_msg&) { stop(self); });
  }
  start_process(self);
  return {
    [=](decide_atom, const std::string& factors_json) { return decide(self, factors_json); },
    [=](exited_atom, pid_t pid, const std::string& how) {
      auto& st = self->state;
      if (!st.proc || st.proc->pid != pid)
        return;
      ::kill(-pid, SIGKILL); // whatever the policy started must not outlive it
      st.proc.reset();
      auto ran = (st.ctx->now() - st.started_at) / 1000;
      schedule_restart(self, how + " after " + std::to_string(ran) + " s");
    },
    [=](stop_atom) { stop(self); },
  };
}

} // namespace

caf::actor spawn_policy_runner(caf::actor_system& sys, const control_context& ctx,
                               runner_config cfg) {
  return sys.spawn<caf::detached>(policy_runner, &ctx, std::move(cfg));
}

bool same_policy(const runner_config& a, const runner_config& b) {
  return a.spec.container_command == b.spec.container_command
         && a.spec.container_port == b.spec.container_port
         && a.spec.container_entry_path == b.spec.container_entry_path
         && same_volumes(a.volumes, b.volumes);
}

} // namespace ever::policy_container
