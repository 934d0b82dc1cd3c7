#pragma once
// The skeleton both builtin policies share (everai-reference §2.2 steps 2-6, §2.3): null
// factors, min floor, in-flight guard, step-limited scale-up, idle scale-down. A policy only
// supplies its own demand test (queue length for `simple`, free workers for `free-worker`).

#include "actors/policy/factors.hpp"
#include "actors/policy/policy_decision.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ever::policy {

/// Arguments every builtin policy has.
struct builtin_limits {
  int64_t min_workers = 1;
  int64_t max_workers = 1;
  int64_t max_idle_time = 120; ///< seconds
  int64_t scale_up_step = 1;
};

/// A policy's demand test, before the shared in-flight guard is applied.
struct scale_up_demand {
  bool wanted = false;   ///< e.g. queue WorkerBusy > max_queue_size
  std::string condition; ///< the test in words, true or false, e.g. "queue WorkerBusy 2 <= max_queue_size 2"
};

/// Result of the shared idle scale-down rule (§2.3), with the numbers the reason needs.
struct idle_scale_down {
  std::vector<std::string> worker_ids; ///< to remove, newest first
  int64_t candidates = 0;              ///< Free, no sessions, idle >= max_idle_time
  int64_t free = 0;                    ///< workers with status Free
  int64_t allowed = 0;                 ///< free - min_workers, clamped to >= 0 (§16.2)
};

/// §2.3 with Ever's clamp (§16.2): never removes a worker when Free <= min_workers, where
/// upstream's Python slice `candidates[:negative]` would still remove some.
idle_scale_down plan_idle_scale_down(const std::vector<worker_factor>& workers,
                                     int64_t min_workers, int64_t max_idle_time, int64_t now_s);

/// Runs §2.2 steps 2-6 with `demand` as the policy's scale-up test (called only when the
/// factors are not null and the min floor did not fire). `now_s` is epoch seconds.
policy_decision run_builtin(const builtin_limits& limits, const std::optional<factors>& input,
                            int64_t now_s,
                            const std::function<scale_up_demand(const factors&)>& demand);

/// "1 worker" / "3 workers": reason lines read as sentences.
std::string count_noun(int64_t n, const char* singular, const char* plural);

} // namespace ever::policy
