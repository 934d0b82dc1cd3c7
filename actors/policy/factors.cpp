#include "actors/policy/factors.hpp"

namespace ever::policy {

const char* to_string(worker_state s) {
  switch (s) {
    case worker_state::inflight: return "Inflight";
    case worker_state::free: return "Free";
    case worker_state::busy: return "Busy";
  }
  return "Unknown";
}

const char* to_string(queue_cause c) {
  switch (c) {
    case queue_cause::not_dispatch: return "NotDispatch";
    case queue_cause::queue_due_busy: return "QueueDueBusy";
    case queue_cause::queue_due_session: return "QueueDueSession";
  }
  return "Unknown";
}

} // namespace ever::policy
