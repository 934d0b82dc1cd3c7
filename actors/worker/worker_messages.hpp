#pragma once
// Interface of a worker actor (one per worker process). Protocol:
//   (stop_atom, std::string reason)       app: drain, then SIGTERM, then SIGKILL after the grace
//   (queue::idle_atom, std::string id)    queue: no request in flight any more
//   (queue::usage_atom, time_ms last_service_at, uint64_t successes, uint64_t failures)
//   (ready_atom) / (failed_atom, std::string) / (exited_atom, std::string)   node agent
//   (cluster::node_lost_atom, std::string why)  app: its node was declared dead -> ERROR
//   (cluster::node_back_atom, caf::actor agent, std::string address)
//                                         app: its node (re)joined: re-adopt through the new agent
//   (view_atom) -> worker_record
// The worker actor tells its app (status_atom, worker_record) after every persisted change, and
// the queue (upsert_atom / remove_atom) when it can or can no longer take requests.

#include "actors/common/atoms.hpp"
#include "actors/common/unsafe_types.hpp"

namespace ever::worker {

/// How a worker actor begins.
enum class start_mode : uint8_t {
  launch, ///< a new worker: start its process
  adopt,  ///< a worker recorded before a restart whose process may still run: re-adopt it
  adopted, ///< as adopt, but its app asked the node agent for it (with its app's other
           ///< workers, node::adopt_many_atom): wait for ready, or failed from the app
};

} // namespace ever::worker
