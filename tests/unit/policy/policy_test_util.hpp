#pragma once
// Builders for policy tests: workers in the style of upstream tests/test_utils.py (started_at
// and last_service_time default to `now`, no sessions).

#include "actors/policy/factors.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ever::policy::test {

/// A fixed "now" for every policy test: 2024-06-19 03:55:02 UTC (a Wednesday).
inline constexpr int64_t now_s = 1'718'769'302;

/// One worker; timestamps default to now_s like upstream make_worker.
inline worker_factor worker(std::string id, worker_state status, int64_t started_at = now_s,
                            int64_t last_service_time = now_s, int64_t sessions = 0) {
  worker_factor w;
  w.worker_id = std::move(id);
  w.region = "us-east-1";
  w.status = status;
  w.started_at = started_at;
  w.last_service_time = last_service_time;
  w.number_of_sessions = sessions;
  w.average_response_time = 0.3;
  return w;
}

/// Factors with a queue {QueueDueBusy: busy, NotDispatch: 0, QueueDueSession: 0} and `workers`.
inline factors with_queue(int64_t busy, std::vector<worker_factor> workers) {
  factors f;
  f.queue = queue_counts{{queue_cause::queue_due_busy, busy},
                         {queue_cause::not_dispatch, 0},
                         {queue_cause::queue_due_session, 0}};
  f.workers = std::move(workers);
  return f;
}

/// `n` workers with the same status, ids prefix0..prefix(n-1).
inline std::vector<worker_factor> workers(int n, worker_state status, const std::string& prefix) {
  std::vector<worker_factor> out;
  for (int i = 0; i < n; ++i)
    out.push_back(worker(prefix + std::to_string(i), status));
  return out;
}

/// A compact picture of a decision: "up 2", "down a,b", "none".
inline std::string summary(const decide_result& r) {
  if (r.actions.empty())
    return "none";
  if (r.actions.front().kind == action::kind_t::scale_up) {
    std::string s = "up " + std::to_string(r.actions.front().count);
    for (size_t i = 1; i < r.actions.size(); ++i)
      s += " +?"; // never expected: one ScaleUp at most
    return s;
  }
  std::string s = "down ";
  for (size_t i = 0; i < r.actions.size(); ++i) {
    if (r.actions[i].kind != action::kind_t::scale_down)
      return s + "MIXED";
    s += (i ? "," : "") + r.actions[i].worker_id;
  }
  return s;
}

} // namespace ever::policy::test
