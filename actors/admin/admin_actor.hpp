#pragma once
// Role: the management API (docs/http-api.md): turns authenticated calls into requests to the
//       directory, app, queue and node actors, and reads history tables from the store.
// Handles: see admin_messages.hpp.
// Persists: nothing itself; writes go through the actors that own them.
// On failure: every call gets exactly one reply; errors carry their errc and HTTP status.

#include "actors/admin/admin_messages.hpp"
#include "actors/common/context.hpp"

#include <caf/fwd.hpp>

#include <functional>

namespace ever::admin {

struct admin_config {
  caf::actor directory;
  caf::actor node;
  /// Called once `POST /api/apps/v1/system:shutdown` has stopped what it should; everd exits.
  std::function<void()> request_exit;
};

/// Spawns the admin actor.
caf::actor spawn_admin(caf::actor_system& sys, const control_context& ctx, admin_config cfg);

} // namespace ever::admin
