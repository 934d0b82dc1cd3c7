#pragma once
// Interface of the queue actor (one per app). Protocol, local to the control node except the
// request-style lease and release, which remote gateways also send:
//   (lease_atom, std::string session, lease_callback)   gateway: wants a worker; callback runs
//                                                       once with a grant or an error
//   (lease_atom, std::string session) -> queue::grant   remote gateway (cluster): the same
//                                                       lease as a request; errors as above.
//                                                       grant crosses processes (queue_wire.hpp);
//                                                       the queue monitors the requester and
//                                                       returns its leases if it goes away
//   (release_atom, uint64_t lease_id, bool success)     gateway: request finished
//   (upsert_atom, queue::slot, caf::actor worker)       worker: appeared / changed phase
//   (drain_atom, std::string worker_id)                 app: no new requests; worker gets
//                                                       (idle_atom, worker_id) once idle
//   (remove_atom, std::string worker_id)                worker: gone
//   (snapshot_atom) -> scaler::app_snapshot             scaler/admin: inputs of a decision
//   (ready_atom)                                        scaler: took the last pushed snapshot
//   (view_atom) -> std::vector<queue::waiter>           admin: `ever app queue`
//   (limits_atom, int64_t max_length, int64_t wait_ms)  app: spec changed
//   (pause_atom, bool paused)                           app
//   (blocked_atom, std::string why)                     app: workers cannot be placed ("" =
//                                                       they can again); waiters show it
//   (delete_atom)                                       app: fail every waiter, quit
// The queue pushes its scaler (changed_atom, scaler::app_snapshot) when anything a decision reads
// changed, at most once until the scaler answers (ready_atom); and sends (usage_atom, time_ms
// last_service_at, uint64_t successes, uint64_t failures) to worker actors whose usage changed,
// every tick. Fast-path leases and releases (shared_queue.hpp) are not pushed: the scaler's tick
// reads them.

#include "actors/common/atoms.hpp"
#include "actors/queue/queue_logic.hpp"
#include "actors/scaler/scaler_logic.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <functional>
#include <memory>

namespace ever::queue {

class shared_queue;

using lease_atom = caf::atom_constant<caf::atom("lease")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using upsert_atom = caf::atom_constant<caf::atom("upsert")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using limits_atom = caf::atom_constant<caf::atom("limits")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using usage_atom = caf::atom_constant<caf::atom("usage")>;
using blocked_atom = caf::atom_constant<caf::atom("blocked")>;

/// Delivers a lease result back to the gateway; runs on an actor thread, must not block.
struct lease_callback {
  std::function<void(expected<grant>)> fn;
};

/// Spawns the queue actor of app ns/name. `last_seq` continues waiter numbering after a restart.
struct queue_config {
  std::string ns;
  std::string app;
  int64_t max_length = 1000;
  int64_t wait_timeout_ms = 120'000;
  uint64_t last_seq = 0;
  /// The logic the actor runs, shared with local gateways (shared_queue.hpp); made by
  /// spawn_queue when empty.
  std::shared_ptr<shared_queue> shared;
};

} // namespace ever::queue

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::queue::lease_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::queue::slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ever::queue::waiter>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::scaler::app_snapshot)
