#include "actors/worker/worker_lifecycle.hpp"

#include <algorithm>

namespace ever::worker {

worker_record on_started(worker_record r, int64_t pid, uint64_t start_time, uint16_t port) {
  if (is_final(r.status))
    return r;
  r.status = worker_status::initialized;
  r.detail = worker_detail::in_flight;
  r.pid = pid;
  r.proc_start_time = start_time;
  r.port = port;
  return r;
}

worker_record on_ready(worker_record r, time_ms now) {
  if (is_final(r.status))
    return r;
  r.status = worker_status::running;
  r.detail = worker_detail::free;
  if (r.started_at == 0)
    r.started_at = now;
  // A never-used worker counts as served when it became ready (§16.4); a re-adopted one keeps the
  // persisted value so idle timers survive restarts (G6).
  if (r.last_service_at == 0)
    r.last_service_at = now;
  return r;
}

bool already_ready(const worker_record& r) {
  return r.status == worker_status::running && r.detail == worker_detail::free
         && r.started_at != 0 && r.last_service_at != 0;
}

worker_record on_stopping(worker_record r, const std::string& reason) {
  if (is_final(r.status))
    return r;
  r.status = worker_status::terminating;
  r.detail = worker_detail::remove;
  r.message = reason;
  return r;
}

worker_record on_exited(worker_record r, bool was_stopping, const std::string& how, time_ms now) {
  if (is_final(r.status))
    return r;
  r.status = was_stopping ? worker_status::terminated : worker_status::error;
  r.detail = worker_detail::none;
  r.deleted_at = now;
  if (!was_stopping)
    r.message = "process " + how;
  return r;
}

worker_record on_failed(worker_record r, const std::string& why, time_ms now) {
  if (is_final(r.status))
    return r;
  r.status = worker_status::error;
  r.detail = worker_detail::none;
  r.deleted_at = now;
  r.message = why;
  return r;
}

worker_record on_usage(worker_record r, time_ms last_service_at, uint64_t successes,
                       uint64_t failures) {
  r.last_service_at = std::max(r.last_service_at, last_service_at);
  r.success_count = successes;
  r.failure_count = failures;
  return r;
}

queue::slot slot_of(const worker_record& r, int64_t concurrency, queue::slot_phase phase) {
  queue::slot s;
  s.worker_id = r.id;
  s.port = r.port;
  s.phase = phase;
  s.capacity = concurrency;
  s.created_at = r.created_at;
  s.started_at = r.started_at;
  s.last_service_at = r.last_service_at;
  s.success_count = r.success_count;
  s.failure_count = r.failure_count;
  return s;
}

} // namespace ever::worker
