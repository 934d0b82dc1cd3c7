#pragma once
// Where the next worker of an app goes, as pure logic. Spreading is the default: among the ready
// nodes whose free capacity fits the request, the one running the fewest workers of this app
// wins, then the one with the most free CPU, then the lowest name (deterministic).

#include "actors/cluster/cluster_messages.hpp"
#include "core/errc.hpp"
#include "core/model.hpp"

#include <string>
#include <vector>

namespace ever::cluster {

/// One node as placement sees it.
struct node_load {
  std::string name;
  bool ready = false;
  capacity total;
  capacity used;
  int64_t app_workers = 0; ///< workers of the app being placed already on this node
};

/// True if `need` fits in total - used.
bool fits(const node_load& n, const resource_spec& need);

/// The node for one more worker needing `need`. errc::unavailable with a message that starts
/// "Insufficient resources:" and says what was asked and what the best node has free.
expected<std::string> choose_node(const std::vector<node_load>& nodes, const resource_spec& need);

} // namespace ever::cluster
