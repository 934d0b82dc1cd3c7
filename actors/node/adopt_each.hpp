#pragma once
// How both node agents (the real one and the simulated one) answer adopt_many_atom: item by item,
// collecting the workers whose process is gone.

#include "actors/node/node_messages_types.hpp"

#include <caf/actor.hpp>

#include <string>
#include <vector>

namespace ever::node {

/// Calls `adopt_one(items[i], workers[i])` for each pair (a surplus on either side is ignored);
/// returns the worker ids of the items it answered false for.
template <class AdoptOne>
std::vector<std::string> adopt_each(const std::vector<adoption>& items,
                                    const std::vector<caf::actor>& workers, AdoptOne&& adopt_one) {
  std::vector<std::string> gone;
  for (size_t i = 0; i < items.size() && i < workers.size(); ++i)
    if (!adopt_one(items[i], workers[i]))
      gone.push_back(items[i].worker_id);
  return gone;
}

} // namespace ever::node
