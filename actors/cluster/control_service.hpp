#pragma once
// Role: the control node's service for remote gateways ("control" at the gate): serves the route
//       table and token hashes as a serializable snapshot, and management API calls.
// Handles: see control_messages.hpp (routes, mgmt).
// Persists: nothing; reads app records (queue wait timeouts) when the route table changed.
// On failure: an app record that cannot be read falls back to knob queue_wait_timeout_ms; a
//             management call the admin actor does not answer is the caller's timeout.

#include "actors/cluster/control_messages.hpp"
#include "actors/common/context.hpp"
#include "actors/common/shared_view.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace ever::cluster {

/// The queue wait timeout of app ns/name, in ms.
using wait_lookup = std::function<int64_t(const std::string& ns, const std::string& app)>;

/// Builds the snapshot from a route table and token hashes. Pure; exposed for tests.
route_snapshot make_route_snapshot(const shared_view::route_map& routes,
                                   const std::vector<std::string>& token_hashes,
                                   const wait_lookup& wait_of, uint64_t version);

/// Spawns the control service. `admin` serves management calls; the service is linked to it
/// (exits with it). `ctx` must outlive it.
caf::actor spawn_control_service(caf::actor_system& sys, const control_context& ctx,
                                 caf::actor admin);

} // namespace ever::cluster
