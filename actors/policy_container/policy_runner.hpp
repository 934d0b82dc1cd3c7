#pragma once
// Role: runs one app's container autoscaler: the user's policy process (started with PORT,
//       restarted with backoff when it exits) and the HTTP calls to it, one at a time.
//       Detached (own thread): each call blocks for up to container_policy_timeout_ms.
// Handles: see container_messages.hpp.
// Persists: nothing; events (policy started, exited, cannot start) go to the app's journal.
// On failure: a policy that cannot start or exits is restarted after 1 s, 2 s, 4 s ... up to
//             container_policy_restart_max_ms (by the first decide after that); meanwhile decide
//             answers with an error and the scaler keeps the app's size. When the owner goes
//             down, the process is stopped.

#include "actors/common/context.hpp"
#include "actors/common/journal.hpp"
#include "actors/policy_container/container_messages.hpp"
#include "core/model.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ever::policy_container {

struct runner_config {
  std::string ns;
  std::string app;
  autoscaler_spec spec; ///< kind container: command, port (0 = pick one), entry path
  /// The app's volumes: written under the policy's work dir before it starts, and again at most
  /// once a minute before a decision, so ConfigMap/Secret changes reach a running policy.
  std::vector<volume_spec> volumes;
  std::shared_ptr<app_journal> journal;
  caf::actor owner;     ///< monitored: the runner stops with it
};

/// Spawns a detached policy runner and starts the policy process.
caf::actor spawn_policy_runner(caf::actor_system& sys, const control_context& ctx,
                               runner_config cfg);

/// True if the two would run the same policy process (command, port, entry path, volumes).
bool same_policy(const runner_config& a, const runner_config& b);

} // namespace ever::policy_container
