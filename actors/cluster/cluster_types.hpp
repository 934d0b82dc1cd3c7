#pragma once
// Every message type that crosses the cluster link, registered with CAF under one fixed name.
// Every everd (and `ever console`) calls this before creating its actor system: CAF checks remote
// types only at run time, and both ends must use identical names (caf-0.17-notes §3).

#include <caf/fwd.hpp>

namespace ever::cluster {

/// Adds the cluster's message types to `cfg`.
void register_cluster_types(caf::actor_system_config& cfg);

} // namespace ever::cluster
