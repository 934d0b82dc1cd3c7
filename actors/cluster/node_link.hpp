#pragma once
// Role: a joined node's side of membership: connects to the control node's gate (retrying while
//       it is away), joins with this node's name, address, capacity and labels, has the node
//       agent stop every process of ours the control node no longer counts on, then beats every
//       heartbeat interval. A refused beat (stale generation: this incarnation was declared
//       dead) or a lost connection leads to a new join, which stops the old workers.
//       Detached: connecting blocks.
// Handles: nothing from outside; its own connect/beat timers.
// Persists: nothing.
// On failure: an unreachable control node is retried every retry interval, said once on stderr
//             per outage; workers keep running meanwhile (they are fenced only on rejoin).

#include "actors/cluster/cluster_link.hpp"
#include "actors/cluster/cluster_messages.hpp"

#include <caf/actor.hpp>

namespace ever::cluster {

struct node_link_config {
  std::string control_host;
  uint16_t control_port = 0;
  link_options link;
  std::string token;
  node_info info;
  caf::actor agent;          ///< this node's agent
  int64_t retry_ms = 500;    ///< between connection attempts
};

/// Spawns the node link; it starts connecting at once.
caf::actor spawn_node_link(caf::actor_system& sys, node_link_config cfg);

} // namespace ever::cluster
