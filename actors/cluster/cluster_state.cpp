#include "actors/cluster/cluster_state.hpp"

namespace ever::cluster {

join_reply cluster_state::join(const node_info& info, caf::actor agent, uint64_t generation,
                               time_ms now, bool in_process) {
  std::lock_guard<std::mutex> guard{mtx_};
  join_reply r;
  r.generation = generation;
  r.keep_workers = members_.join(info, generation, now, in_process);
  agents_[info.name] = std::move(agent);
  return r;
}

bool cluster_state::beat(const std::string& node, uint64_t generation, time_ms now) {
  std::lock_guard<std::mutex> guard{mtx_};
  return members_.beat(node, generation, now);
}

void cluster_state::lost(const std::string& node, uint64_t generation, time_ms now) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.lost(node, generation, now);
}

void cluster_state::expect(const std::string& node, time_ms now) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.expect(node, now);
}

std::vector<std::pair<std::string, std::vector<std::string>>>
cluster_state::expire(time_ms now, int64_t timeout_ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto dead = members_.expire(now, timeout_ms);
  for (const auto& d : dead)
    agents_.erase(d.first);
  return dead;
}

placement cluster_state::locate_locked(const std::string& node) const {
  placement p;
  p.node = node;
  const auto* row = members_.find(node);
  if (row && row->status == node_status::ready) {
    if (auto it = agents_.find(node); it != agents_.end())
      p.agent = it->second;
    if (!row->info.address.empty())
      p.address = row->info.address;
  }
  return p;
}

expected<placement> cluster_state::place(const std::string& worker_id, const std::string& app,
                                         const resource_spec& need) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto node = members_.place(worker_id, app, need);
  if (!node)
    return node.error();
  return locate_locked(*node);
}

placement cluster_state::claim(const std::string& worker_id, const std::string& node,
                               const std::string& app, const resource_spec& need) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.claim(worker_id, node, app, need);
  return locate_locked(node);
}

void cluster_state::release(const std::string& worker_id) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.release(worker_id);
}

std::optional<placement> cluster_state::locate(const std::string& node) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto p = locate_locked(node);
  if (!p.agent)
    return std::nullopt;
  return p;
}

void cluster_state::forget_agents() {
  std::lock_guard<std::mutex> guard{mtx_};
  agents_.clear();
}

std::vector<node_row> cluster_state::rows() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return members_.rows();
}

} // namespace ever::cluster
