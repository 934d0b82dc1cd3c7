#include "actors/cluster/membership.hpp"

namespace ever::cluster {

std::vector<std::string> membership::join(const node_info& info, uint64_t generation, time_ms now,
                                          bool in_process) {
  auto& m = nodes_[info.name];
  m.in_process = in_process;
  m.row.info = info;
  m.row.status = node_status::ready;
  m.row.generation = generation;
  m.row.last_heartbeat = in_process ? 0 : now; // it has no heartbeat: shown empty
  m.silent_since = now;
  std::vector<std::string> keep;
  for (const auto& [id, w] : workers_)
    if (w.node == info.name)
      keep.push_back(id);
  recount();
  return keep;
}

bool membership::beat(const std::string& node, uint64_t generation, time_ms now) {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.row.generation != generation
      || it->second.row.status == node_status::dead)
    return false;
  auto& m = it->second;
  m.row.status = node_status::ready;
  m.row.last_heartbeat = now;
  m.silent_since = now;
  return true;
}

void membership::lost(const std::string& node, uint64_t generation, time_ms now) {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.row.generation != generation
      || it->second.row.status != node_status::ready)
    return;
  // The clock keeps running from the last heartbeat: a node is dead node_timeout after it was
  // last heard of, however its connection ended.
  it->second.row.status = node_status::unreachable;
  (void) now;
}

void membership::expect(const std::string& node, time_ms now) {
  if (nodes_.count(node))
    return;
  auto& m = nodes_[node];
  m.row.info.name = node;
  m.row.status = node_status::unreachable;
  m.silent_since = now;
}

std::vector<std::pair<std::string, std::vector<std::string>>>
membership::expire(time_ms now, int64_t timeout_ms) {
  std::vector<std::pair<std::string, std::vector<std::string>>> dead;
  for (auto& [name, m] : nodes_) {
    if (m.in_process || m.row.status == node_status::dead || now - m.silent_since < timeout_ms)
      continue;
    m.row.status = node_status::dead;
    std::vector<std::string> lost_workers;
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second.node == name) {
        lost_workers.push_back(it->first);
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    dead.emplace_back(name, std::move(lost_workers));
  }
  if (!dead.empty())
    recount();
  return dead;
}

expected<std::string> membership::place(const std::string& worker_id, const std::string& app,
                                        const resource_spec& need) {
  std::vector<node_load> loads;
  for (const auto& [name, m] : nodes_) {
    node_load l;
    l.name = name;
    l.ready = m.row.status == node_status::ready;
    l.total = m.row.info.total;
    l.used = m.row.used;
    for (const auto& [id, w] : workers_)
      if (w.node == name && w.app == app)
        ++l.app_workers;
    loads.push_back(std::move(l));
  }
  auto node = choose_node(loads, need);
  if (node)
    claim(worker_id, *node, app, need);
  return node;
}

void membership::claim(const std::string& worker_id, const std::string& node,
                       const std::string& app, const resource_spec& need) {
  workers_[worker_id] = placed_worker{node, app, need};
  recount();
}

void membership::release(const std::string& worker_id) {
  if (workers_.erase(worker_id) > 0)
    recount();
}

const node_row* membership::find(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : &it->second.row;
}

std::vector<node_row> membership::rows() const {
  std::vector<node_row> out;
  for (const auto& [name, m] : nodes_)
    out.push_back(m.row);
  return out;
}

uint64_t membership::generation(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? 0 : it->second.row.generation;
}

void membership::recount() {
  for (auto& [name, m] : nodes_) {
    m.row.used = capacity{};
    m.row.workers = 0;
  }
  for (const auto& [id, w] : workers_) {
    auto it = nodes_.find(w.node);
    if (it == nodes_.end())
      continue;
    auto& row = it->second.row;
    row.used.cpu += w.need.cpu;
    row.used.memory_mb += w.need.memory_mb;
    row.used.gpu += w.need.gpu;
    ++row.workers;
  }
}

} // namespace ever::cluster
