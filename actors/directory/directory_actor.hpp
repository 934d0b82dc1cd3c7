#pragma once
// Role: names -> handles on the control node: apps and their routes, ConfigMaps and Secrets.
//       The only writer of the shared view (routes, config snapshot).
// Handles: see directory_messages.hpp.
// Persists: ConfigMaps and Secrets (fsynced) before answering; new app records (fsynced) before
//           their actors start.
// On failure: a failed write answers with the error; memory and the shared view are unchanged.

#include "actors/common/context.hpp"
#include "actors/directory/directory_messages.hpp"

#include <caf/fwd.hpp>

namespace ever::directory {

/// Spawns the directory, which loads ConfigMaps, Secrets and apps from the store and starts
/// (re-adopting) every app. Errors while loading a record are reported on stderr and skip it.
caf::actor spawn_directory(caf::actor_system& sys, const control_context& ctx, caf::actor node);

} // namespace ever::directory
