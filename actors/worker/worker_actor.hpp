#pragma once
// Role: one worker's lifecycle and its row in the workers table.
// Handles: see worker_messages.hpp.
// Persists: the worker_record on every status change (fsynced) and usage (relaxed, ~every 100 ms
//           while serving) so idle timers resume from disk after a restart. Writes go through a
//           durable_writer: the actor takes no other message until its write is on disk, but its
//           scheduler thread is free meanwhile and the store commits the writes of all workers
//           together (one fsync per group). A record equal to the one on disk is not rewritten.
// On failure: a failed write leaves the in-memory record as it was on disk; the next change
//             retries with the full record. The process is never left running unrecorded:
//             a worker that cannot record its start is stopped.

#include "actors/common/context.hpp"
#include "actors/common/journal.hpp"
#include "actors/worker/worker_messages.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace ever::worker {

struct worker_config {
  worker_record record;
  /// The revision this worker runs, shared with the app's other workers of that revision (a
  /// copy each was measurable when a restart spawns 100,000 workers).
  std::shared_ptr<const app_spec> spec;
  start_mode mode = start_mode::launch;
  caf::actor app;
  caf::actor queue;
  caf::actor node;           ///< its node agent; null while the worker's node is away
  std::string host = "127.0.0.1"; ///< where the gateway reaches the worker (the node's address)
  std::shared_ptr<app_journal> journal;
};

/// Spawns a worker actor; it starts (or re-adopts) its process at once.
caf::actor spawn_worker(caf::actor_system& sys, const control_context& ctx, worker_config cfg);

} // namespace ever::worker
