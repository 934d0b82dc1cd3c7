#pragma once
// Role: one app: its record (spec, revision, status), its queue, scaler and worker actors.
// Handles: see app_messages.hpp.
// Persists: the app record (fsynced) before answering update/pause/resume; new worker records
//           before their processes start; on delete, erases every row of the app in one batch
//           once its workers are gone.
// On failure: a failed write answers the caller with the error and changes nothing in memory.

#include "actors/app/app_messages.hpp"
#include "actors/common/context.hpp"

#include <caf/actor.hpp>

#include <optional>
#include <vector>

namespace ever::app {

struct app_config {
  app_record record;
  caf::actor node; ///< the node agent that runs this app's workers
  bool recovering = false; ///< loaded from disk at start: re-adopt recorded workers
  /// Recovering: the app's live (not final) worker records when the caller has read them
  /// already (the directory does, to reconcile); otherwise the app reads them.
  std::optional<std::vector<worker_record>> recorded;
  caf::actor queue;        ///< set by spawn_app
};

/// The handles of a new app.
struct spawned_app {
  caf::actor app;
  caf::actor queue;
  std::shared_ptr<queue::shared_queue> lane; ///< the queue's logic, shared with local gateways
};

/// Spawns the app's queue, then the app actor (which spawns its scaler and workers).
spawned_app spawn_app(caf::actor_system& sys, const control_context& ctx, app_config cfg);

} // namespace ever::app
