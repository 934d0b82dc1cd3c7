#pragma once
// The worker state machine as pure functions over a worker_record: each event yields the next
// record (or no change). CREATED -> INITIALIZED -> RUNNING (FREE/BUSY) -> TERMINATING ->
// TERMINATED, and ERROR from anywhere the process fails.

#include "actors/queue/queue_logic.hpp"
#include "core/model.hpp"

#include <optional>
#include <string>

namespace ever::worker {

/// The process was started (pid known).
worker_record on_started(worker_record r, int64_t pid, uint64_t start_time, uint16_t port);
/// The readiness probe passed: RUNNING/FREE. A re-adopted worker keeps its last_service_at.
worker_record on_ready(worker_record r, time_ms now);

/// True if on_ready would return `r` unchanged: RUNNING/FREE with both times set (a worker
/// re-adopted after a restart that was serving and idle before it), so there is nothing to write.
bool already_ready(const worker_record& r);
/// Scale-down or deletion began: TERMINATING/REMOVE.
worker_record on_stopping(worker_record r, const std::string& reason);
/// The process exited. After a stop: TERMINATED; otherwise: ERROR with `how`.
worker_record on_exited(worker_record r, bool was_stopping, const std::string& how, time_ms now);
/// Start or readiness failed: ERROR.
worker_record on_failed(worker_record r, const std::string& why, time_ms now);
/// Usage reported by the queue.
worker_record on_usage(worker_record r, time_ms last_service_at, uint64_t successes,
                       uint64_t failures);

/// The queue's view of a worker in `phase`, with capacity `concurrency`.
queue::slot slot_of(const worker_record& r, int64_t concurrency, queue::slot_phase phase);

/// True if the worker should be in the queue as able to take requests.
inline bool takes_requests(const worker_record& r) {
  return r.status == worker_status::running;
}

} // namespace ever::worker
