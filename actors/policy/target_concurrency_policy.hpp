#pragma once
// `target-concurrency`: a policy in the style of Knative's KPA. Workers = ceil(demand / target),
// where demand = requests being served + requests waiting; scale up at once, scale down only what
// the whole stable window agrees on, and only workers idle for that window. Pure and stateless
// like the builtins: the window is read from the factors' histories. The worked example of
// docs/extending.md.

#include "actors/policy/factors.hpp"
#include "actors/policy/policy_decision.hpp"

#include <cstdint>
#include <optional>

namespace ever::policy {

/// Arguments of `target-concurrency` with their defaults.
struct target_concurrency_arguments {
  int64_t min_workers = 1;
  int64_t max_workers = 1;
  int64_t target = 1;         ///< requests one worker should serve at once; 0 counts as 1
  int64_t stable_window = 60; ///< seconds: scale-down looks this far back, and only removes
                              ///< workers idle at least this long
};

/// Demand (in-flight + queued requests) at one moment.
/// `in_flight`: Factors.in_flight if present, else the number of Busy workers (exact when every
/// worker serves one request at a time). Queued: every reason counts.
int64_t current_demand(const factors& f);

/// One decision at `now_s` (epoch seconds).
policy_decision decide_target_concurrency(const target_concurrency_arguments& args,
                                          const std::optional<factors>& input, int64_t now_s);

/// Same with arguments by name (the registry's entry point).
policy_decision decide_target_concurrency_values(const argument_values& args,
                                                 const std::optional<factors>& input,
                                                 int64_t now_s);

/// The arguments by name with their defaults.
argument_values target_concurrency_defaults();

} // namespace ever::policy
