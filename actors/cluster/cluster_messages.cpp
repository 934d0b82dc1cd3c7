#include "actors/cluster/cluster_messages.hpp"

namespace ever::cluster {

const char* to_string(node_status s) {
  switch (s) {
    case node_status::ready: return "Ready";
    case node_status::unreachable: return "Unreachable";
    case node_status::dead: return "Dead";
  }
  return "Unknown";
}

} // namespace ever::cluster
