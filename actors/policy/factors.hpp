#pragma once
// Factors (the autoscaler's input) and DecideResult (its output), as in everai-reference §1.2-1.3.
// Pure data; JSON conversion in factors_json.hpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever::policy {

/// Worker state as an autoscaler sees it (JSON: "Inflight", "Free", "Busy").
enum class worker_state : uint8_t { inflight, free, busy };

/// Why a request waits (JSON: "NotDispatch", "QueueDueBusy", "QueueDueSession").
enum class queue_cause : uint8_t { not_dispatch, queue_due_busy, queue_due_session };

using queue_counts = std::map<queue_cause, int64_t>;
using worker_counts = std::map<worker_state, int64_t>;

/// One worker in Factors.workers.
struct worker_factor {
  std::string worker_id;
  std::optional<std::string> gpu_type;
  std::string region;
  int64_t started_at = 0;        ///< epoch seconds
  int64_t last_service_time = 0; ///< epoch seconds
  int64_t number_of_successes = 0;
  int64_t number_of_failures = 0;
  int64_t number_of_sessions = 0; ///< > 0 blocks scale-down
  double average_response_time = 0;
  worker_state status = worker_state::free;
};

/// The snapshot an autoscaler decides on.
struct factors {
  std::optional<queue_counts> queue;
  std::map<int64_t, queue_counts> queue_histories; ///< key: seconds ago
  std::vector<worker_factor> workers;
  std::optional<worker_counts> worker;
  std::map<int64_t, worker_counts> worker_histories;
  std::optional<int64_t> utilization;
  /// Ever extension: requests being served right now, over all workers (a worker with
  /// concurrency > 1 counts each). Absent when unknown; JSON "in_flight", omitted when absent so
  /// the §1.2 shape is unchanged for readers that do not know it.
  std::optional<int64_t> in_flight;
};

/// One scale action.
struct action {
  enum class kind_t : uint8_t { scale_up, scale_down };
  kind_t kind = kind_t::scale_up;
  int64_t count = 0;     ///< scale_up
  std::string worker_id; ///< scale_down
};

/// What decide returns.
struct decide_result {
  int64_t max_workers = 0;
  std::vector<action> actions;
};

const char* to_string(worker_state s); ///< "Inflight", "Free", "Busy"
const char* to_string(queue_cause c);  ///< "NotDispatch", "QueueDueBusy", "QueueDueSession"

} // namespace ever::policy
