#pragma once
// Role: decides how many workers one app needs, on every event that can change the answer and
//       on a 1 s timer for idle checks.
// Handles: see scaler_messages.hpp.
// Persists: every decision that acts (decisions table, fsynced) before its actions are sent.
// On failure: an unresolvable argument (missing ConfigMap key, non-integer) or a failed decision
//             write means no action; a WARNING event says why (once per distinct error).
//             A container autoscaler (decided by the policy runner, asynchronously) that fails
//             (not running, timeout, HTTP error, invalid DecideResult) keeps the app's size; a
//             WARNING event says why (the same failure at most once per
//             container_policy_event_interval_ms).

#include "actors/common/context.hpp"
#include "actors/common/journal.hpp"
#include "actors/scaler/scaler_messages.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <vector>

namespace ever::scaler {

struct scaler_config {
  std::string ns;
  std::string app;
  autoscaler_spec spec;
  std::vector<volume_spec> volumes; ///< the app's; a container autoscaler gets them as files
  bool paused = false;
  caf::actor queue;
  caf::actor app_actor;
  std::shared_ptr<app_journal> journal;
  caf::actor policy_runner; ///< container autoscaler: a given runner (tests); none = spawn one
};

/// Spawns the scaler actor of one app.
caf::actor spawn_scaler(caf::actor_system& sys, const control_context& ctx, scaler_config cfg);

} // namespace ever::scaler
