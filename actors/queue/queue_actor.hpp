#pragma once
// Role: one app's request queue: FIFO of waiting requests, dispatch to workers, per-worker
//       in-flight counts, sessions, idle times.
// Handles: see queue_messages.hpp.
// Persists: waiting requests in the queue table (relaxed durability) while they wait; knob
//           queue_durability: 0 = not written, 2 = fsynced.
// On failure: a failed queue-table write does not refuse the request (the entry is an
//             observation, not acknowledged state); the waiter still gets served or times out.

#include "actors/common/context.hpp"
#include "actors/queue/queue_messages.hpp"

#include <caf/fwd.hpp>

namespace ever::queue {

/// The logic a queue actor of `cfg` runs, to share with local gateways before spawning it.
std::shared_ptr<shared_queue> make_shared_queue(const control_context& ctx,
                                                const queue_config& cfg);

/// Spawns the queue actor; `scaler` may be set later with (caf::actor) via set_scaler below.
caf::actor spawn_queue(caf::actor_system& sys, const control_context& ctx, queue_config cfg);

using scaler_atom = caf::atom_constant<caf::atom("scaler")>;

} // namespace ever::queue
