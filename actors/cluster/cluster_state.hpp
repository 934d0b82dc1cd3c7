#pragma once
// The membership table shared by the membership actor (joins, heartbeats, deaths) and the app
// actors (placing and releasing workers), behind one mutex: placement must answer inside the
// app actor's scale-up, synchronously, so that one decision never places two workers on a node
// that has room for one. Every call is short; nothing blocks while holding the lock.

#include "actors/cluster/membership.hpp"

#include <caf/actor.hpp>

#include <mutex>
#include <optional>

namespace ever::cluster {

/// Where a worker runs: the node's name, its node agent (null while the node is away) and the
/// address the gateway uses for it.
struct placement {
  std::string node;
  caf::actor agent;
  std::string address = "127.0.0.1";
};

class cluster_state {
public:
  /// A node joined: records its agent; returns its generation and the workers it must keep.
  /// `in_process`: the control node's own node agent (never times out).
  join_reply join(const node_info& info, caf::actor agent, uint64_t generation, time_ms now,
                  bool in_process = false);

  bool beat(const std::string& node, uint64_t generation, time_ms now);
  void lost(const std::string& node, uint64_t generation, time_ms now);
  void expect(const std::string& node, time_ms now);
  std::vector<std::pair<std::string, std::vector<std::string>>> expire(time_ms now,
                                                                      int64_t timeout_ms);

  /// Places one worker; errc::unavailable "Insufficient resources: ..." if nothing fits.
  expected<placement> place(const std::string& worker_id, const std::string& app,
                            const resource_spec& need);

  /// Records a recovered worker on `node` and returns where it is (agent null if the node has
  /// not joined yet: the worker waits for node_back).
  placement claim(const std::string& worker_id, const std::string& node, const std::string& app,
                  const resource_spec& need);

  void release(const std::string& worker_id);

  /// The agent and address of a node, if it is ready.
  std::optional<placement> locate(const std::string& node) const;

  std::vector<node_row> rows() const;

  /// Drops every node agent handle. Called once the actors are done: a strong handle to a
  /// detached actor would keep ~actor_system waiting for its thread.
  void forget_agents();

private:
  placement locate_locked(const std::string& node) const;

  mutable std::mutex mtx_;
  membership members_;
  std::map<std::string, caf::actor> agents_;
};

} // namespace ever::cluster
