#pragma once
// Role: the only actor published on the cluster port. Checks the admin token and hands out the
//       control node's services by name; passes joins and heartbeats on to the membership actor.
// Handles: see cluster_messages.hpp (lookup, join, beat).
// Persists: nothing.
// On failure: a wrong token is refused (errc::unauthorized) without naming any service; an
//             unknown service is errc::not_found listing the known names.

#include "actors/cluster/cluster_messages.hpp"
#include "actors/common/context.hpp"

#include <caf/actor.hpp>

#include <map>
#include <string>

namespace ever::cluster {

struct gate_config {
  caf::actor membership;                     ///< gets join and beat messages
  std::map<std::string, caf::actor> services; ///< e.g. "console", "control"
};

/// Spawns the gate.
caf::actor spawn_gate(caf::actor_system& sys, const control_context& ctx, gate_config cfg);

} // namespace ever::cluster
