#pragma once
// The cluster's members and where every worker is placed, as pure logic (no CAF, no clock: the
// time is an argument). The membership actor drives it from joins, heartbeats, lost connections
// and a timer; the app actors place and release workers through cluster_state.
//
// A node's life: join -> ready; a lost connection -> unreachable; no heartbeat and no rejoin for
// node_timeout -> dead (its workers are released, their app actors mark them ERROR). Every join
// gets a new generation; a heartbeat with an older one is refused, so an incarnation that was
// declared dead (e.g. SIGSTOPped past node_timeout) learns it is stale and stops its workers.

#include "actors/cluster/cluster_messages.hpp"
#include "actors/cluster/placement.hpp"

#include <map>
#include <string>
#include <vector>

namespace ever::cluster {

/// A worker held against a node's capacity.
struct placed_worker {
  std::string node;
  std::string app; ///< "ns/name"
  resource_spec need;
};

class membership {
public:
  /// A node joins (or rejoins) with generation `generation` (the caller persists the counter).
  /// Returns the workers still placed on it, which it must keep; it stops any other of its own.
  /// An `in_process` node (the control node's own) lives as long as the control node: it never
  /// beats and never times out.
  std::vector<std::string> join(const node_info& info, uint64_t generation, time_ms now,
                                bool in_process = false);

  /// A heartbeat. False if `generation` is not the node's current one or the node is dead.
  bool beat(const std::string& node, uint64_t generation, time_ms now);

  /// The connection to the node's current incarnation broke (a stale one's breaking is ignored).
  /// It stays dead-able from its last heartbeat, not from now.
  void lost(const std::string& node, uint64_t generation, time_ms now);

  /// A node that recorded workers name but that has not joined yet (the control node restarted):
  /// counted as unreachable from `now`, so it is declared dead if it does not come back.
  void expect(const std::string& node, time_ms now);

  /// Declares dead every node silent for `timeout_ms`. Returns them, each with the workers that
  /// were placed on it (now released).
  std::vector<std::pair<std::string, std::vector<std::string>>> expire(time_ms now,
                                                                      int64_t timeout_ms);

  /// Places one worker of `app`. errc::unavailable "Insufficient resources: ..." if none fits.
  expected<std::string> place(const std::string& worker_id, const std::string& app,
                              const resource_spec& need);

  /// Records a worker already on `node` (re-adopted after a restart of the control node).
  void claim(const std::string& worker_id, const std::string& node, const std::string& app,
             const resource_spec& need);

  /// Frees a worker's share (it ended).
  void release(const std::string& worker_id);

  /// The node's state, if known.
  const node_row* find(const std::string& node) const;

  /// Every node with usage, sorted by name.
  std::vector<node_row> rows() const;

  /// Generation of `node`'s current incarnation, 0 if unknown.
  uint64_t generation(const std::string& node) const;

private:
  struct member {
    node_row row;
    time_ms silent_since = 0; ///< last heartbeat (or join), or when it was first expected
    bool in_process = false;
  };

  void recount();

  std::map<std::string, member> nodes_;
  std::map<std::string, placed_worker> workers_;
};

} // namespace ever::cluster
