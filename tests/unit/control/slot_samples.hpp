#pragma once
// Queue slots the queue tests start from.

#include "actors/queue/queue_logic.hpp"

#include <string>

namespace ever::test {

/// A RUNNING worker's slot that started (and was last used) at `started_at`, created 5 s before.
inline queue::slot running(const std::string& id, time_ms started_at, int64_t capacity = 1) {
  queue::slot s;
  s.worker_id = id;
  s.port = static_cast<uint16_t>(9000 + id.size());
  s.phase = queue::slot_phase::running;
  s.capacity = capacity;
  s.created_at = started_at - 5'000;
  s.started_at = started_at;
  s.last_service_at = started_at;
  return s;
}

} // namespace ever::test
