#pragma once
// `free-worker`: keep at least N idle workers (everai-reference §3). Pure.

#include "actors/policy/factors.hpp"
#include "actors/policy/policy_decision.hpp"

#include <cstdint>
#include <optional>

namespace ever::policy {

/// Arguments of `free-worker`; the member defaults are Ever's defaults (§16.1).
struct free_worker_arguments {
  int64_t min_workers = 1;
  int64_t max_workers = 1;
  int64_t min_free_workers = 1; ///< scale up when the Free summary is below this (strict <)
  int64_t max_idle_time = 120;  ///< seconds
  int64_t scale_up_step = 1;
};

/// One decision of `free-worker` (§3) at `now_s` (epoch seconds).
policy_decision decide_free_worker(const free_worker_arguments& args,
                                   const std::optional<factors>& input, int64_t now_s);

/// Same, with arguments by name; missing ones take the defaults. The registry's entry point.
policy_decision decide_free_worker_values(const argument_values& args,
                                          const std::optional<factors>& input, int64_t now_s);

/// The arguments of `free-worker` by name with their defaults.
argument_values free_worker_defaults();

} // namespace ever::policy
