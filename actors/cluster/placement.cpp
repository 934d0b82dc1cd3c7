#include "actors/cluster/placement.hpp"

#include <sstream>
#include <tuple>

namespace ever::cluster {

namespace {

std::string describe(double cpu, int64_t memory_mb, int64_t gpu) {
  std::ostringstream out;
  out << "cpu " << cpu << ", memory " << memory_mb << " MiB, gpu " << gpu;
  return out.str();
}

} // namespace

bool fits(const node_load& n, const resource_spec& need) {
  // A tiny tolerance so that 0.1 + 0.2 CPUs fit in 0.3.
  return n.total.cpu - n.used.cpu + 1e-9 >= need.cpu
         && n.total.memory_mb - n.used.memory_mb >= need.memory_mb
         && n.total.gpu - n.used.gpu >= need.gpu;
}

expected<std::string> choose_node(const std::vector<node_load>& nodes, const resource_spec& need) {
  const node_load* best = nullptr;
  auto rank = [](const node_load& n) {
    return std::make_tuple(n.app_workers, -(n.total.cpu - n.used.cpu), n.name);
  };
  int ready = 0;
  for (const auto& n : nodes) {
    if (!n.ready)
      continue;
    ++ready;
    if (fits(n, need) && (!best || rank(n) < rank(*best)))
      best = &n;
  }
  if (best)
    return best->name;
  std::string why = "Insufficient resources: a worker needs "
                    + describe(need.cpu, need.memory_mb, need.gpu);
  if (ready == 0)
    return make_error(errc::unavailable, why + "; no node is ready");
  const node_load* roomiest = nullptr;
  for (const auto& n : nodes)
    if (n.ready && (!roomiest || n.total.cpu - n.used.cpu > roomiest->total.cpu - roomiest->used.cpu))
      roomiest = &n;
  return make_error(errc::unavailable,
                    why + "; " + std::to_string(ready) + " ready node(s), the most free is "
                      + roomiest->name + " with "
                      + describe(roomiest->total.cpu - roomiest->used.cpu,
                                 roomiest->total.memory_mb - roomiest->used.memory_mb,
                                 roomiest->total.gpu - roomiest->used.gpu));
}

} // namespace ever::cluster
