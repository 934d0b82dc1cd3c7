#pragma once
// Role: runs worker processes on this machine: spawn, readiness probe, SIGTERM/SIGKILL, exit
//       reports, logs; lists this daemon's processes and stops orphans for reconciliation.
//       Detached (own thread): probes, spawns and /proc scans may block briefly.
// Handles: see node_messages.hpp.
// Persists: nothing; worker actors own the workers table.
// On failure: spawn errors and readiness timeouts are reported to the worker actor as
//             (failed_atom, message); the process, if any, is killed. A process to reap that is
//             gone or whose pid now names another process is left alone.

#include "actors/common/context.hpp"
#include "actors/node/node_messages.hpp"

#include <caf/fwd.hpp>

namespace ever::node {

/// Spawns the node agent.
caf::actor spawn_node_agent(caf::actor_system& sys, const control_context& ctx);

} // namespace ever::node
