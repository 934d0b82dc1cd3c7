#pragma once
// Role: the cluster's membership on the control node: takes joins (new generation each time,
//       persisted so a restarted control node never reuses one), heartbeats, lost connections
//       (it monitors every node agent), and declares nodes dead after node_timeout_ms of
//       silence; then tells the directory, whose apps mark that node's workers ERROR and let
//       their policies replace them on live nodes.
// Handles: see cluster_messages.hpp (join, beat, nodes).
// Persists: the last generation per node name (meta table, fsynced before the join answer).
// On failure: a join whose generation cannot be persisted is refused (errc::unavailable); the
//             node retries.

#include "actors/cluster/cluster_messages.hpp"
#include "actors/common/context.hpp"

#include <caf/actor.hpp>

namespace ever::cluster {

/// The next generation for `node` (persisted, fsynced). errc::unavailable if the write failed.
expected<uint64_t> next_generation(storage::store& db, const std::string& node);

/// Spawns the membership actor. `directory` gets (node_lost_atom, name, worker ids, why) and
/// (node_back_atom, name).
caf::actor spawn_membership(caf::actor_system& sys, const control_context& ctx,
                            caf::actor directory);

} // namespace ever::cluster
