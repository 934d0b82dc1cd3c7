#pragma once
// Interface of the gate: the one actor published on the cluster port (cluster_link.hpp).
// Protocol (every message may cross processes; the types are registered by
// register_cluster_types on both ends, with identical names):
//   (lookup_atom, std::string service, std::string token) -> caf::actor
//        a control-node service by name ("console", "control"); errc::unauthorized if the token
//        is not the admin token, errc::not_found for an unknown service
//   (join_atom, node_info, caf::actor agent, std::string token) -> join_reply
//        a node (its node agent) joins or rejoins; it gets a new generation and the workers the
//        control node still counts on it (every other process of its own it stops)
//   (beat_atom, std::string node, uint64_t generation) -> bool
//        heartbeat; false means the generation is stale (the node was declared dead or rejoined
//        since): the node must stop its workers and join again
// Membership (control node only, local):
//   (nodes_atom) -> std::vector<cluster::node_row>      `ever node list`

#include "actors/common/atoms.hpp"
#include "core/time.hpp"

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ever::cluster {

using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using beat_atom = caf::atom_constant<caf::atom("beat")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using node_lost_atom = caf::atom_constant<caf::atom("nodelost")>;
using node_back_atom = caf::atom_constant<caf::atom("nodeback")>;

/// What a node offers to workers.
struct capacity {
  double cpu = 0;
  int64_t memory_mb = 0;
  int64_t gpu = 0;
};

/// A node as it introduces itself when joining.
struct node_info {
  std::string name;    ///< unique in the cluster; a node rejoining uses the same name
  std::string address; ///< host the gateway connects to for this node's workers
  capacity total;
  std::map<std::string, std::string> labels;
};

/// The answer to a join.
struct join_reply {
  uint64_t generation = 0;
  std::vector<std::string> keep_workers; ///< worker ids the control node still counts on
  int64_t heartbeat_ms = 1000;           ///< how often the node must beat
};

enum class node_status : uint8_t { ready, unreachable, dead };

/// `ever node list`: a node as the control node sees it.
struct node_row {
  node_info info;
  node_status status = node_status::ready;
  uint64_t generation = 0;
  capacity used;
  int64_t workers = 0;
  time_ms last_heartbeat = 0;
};

/// "Ready", "Unreachable", "Dead".
const char* to_string(node_status s);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capacity& x) {
  return f(caf::meta::type_name("ever.capacity"), x.cpu, x.memory_mb, x.gpu);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("ever.node_info"), x.name, x.address, x.total, x.labels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("ever.join_reply"), x.generation, x.keep_workers, x.heartbeat_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_row& x) {
  auto status = static_cast<uint8_t>(x.status);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.status = static_cast<node_status>(status);
    return caf::none;
  });
  return f(caf::meta::type_name("ever.node_row"), x.info, status, x.generation, x.used, x.workers,
           x.last_heartbeat, load);
}

} // namespace ever::cluster
