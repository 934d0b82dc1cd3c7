#include "core/model.hpp"

namespace ever {

const char* to_string(app_status s) {
  switch (s) {
    case app_status::deployed: return "DEPLOYED";
    case app_status::paused: return "PAUSED";
    case app_status::deleting: return "DELETING";
  }
  return "UNSPECIFIED";
}

const char* to_string(worker_status s) {
  switch (s) {
    case worker_status::created: return "CREATED";
    case worker_status::initialized: return "INITIALIZED";
    case worker_status::pending: return "PENDING";
    case worker_status::running: return "RUNNING";
    case worker_status::terminating: return "TERMINATING";
    case worker_status::terminated: return "TERMINATED";
    case worker_status::error: return "ERROR";
  }
  return "UNSPECIFIED";
}

const char* to_string(worker_detail d) {
  switch (d) {
    case worker_detail::none: return "";
    case worker_detail::in_flight: return "IN_FLIGHT";
    case worker_detail::free: return "FREE";
    case worker_detail::busy: return "BUSY";
    case worker_detail::remove: return "REMOVE";
  }
  return "";
}

const char* to_string(queue_reason r) {
  switch (r) {
    case queue_reason::worker_busy: return "WorkerBusy";
    case queue_reason::session: return "Session";
    case queue_reason::not_dispatch: return "NotDispatch";
    case queue_reason::insufficient_resources: return "InsufficientResources";
  }
  return "Unspecified";
}

const char* to_string(event_type t) {
  return t == event_type::warning ? "WARNING" : "NORMAL";
}

} // namespace ever
