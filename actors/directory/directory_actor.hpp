#pragma once
// Role: names -> handles on the control node: apps and their routes, ConfigMaps and Secrets.
//       The only writer of the shared view (routes, config snapshot). At start, reconciles
//       (reconcile.hpp): has the node agent stop processes of ours that no live worker record
//       accounts for, before any app actor runs.
// Handles: see directory_messages.hpp.
// Persists: ConfigMaps and Secrets (fsynced) before answering; new app records (fsynced) before
//           their actors start; a WARNING event per orphan stopped at start, in its app if the
//           app exists (else a line on stderr).
// On failure: a failed write answers with the error; memory and the shared view are unchanged.
//             If the node agent cannot scan or reap at start, reconciliation is skipped (stderr)
//             and the apps start anyway; the next start tries again.

#include "actors/common/context.hpp"
#include "actors/directory/directory_messages.hpp"

#include <caf/fwd.hpp>

namespace ever::directory {

/// Spawns the directory, which loads ConfigMaps, Secrets and apps from the store, stops orphan
/// processes through `node` (skipped if `node` is null), and starts (re-adopting) every app.
/// Errors while loading a record are reported on stderr and skip it.
caf::actor spawn_directory(caf::actor_system& sys, const control_context& ctx, caf::actor node);

} // namespace ever::directory
