#pragma once
// `simple`: the queue-length policy (everai-reference §2). Pure: same inputs, same decision.

#include "actors/policy/factors.hpp"
#include "actors/policy/policy_decision.hpp"

#include <cstdint>
#include <optional>

namespace ever::policy {

/// Arguments of `simple`; the member defaults are Ever's defaults (§16.1).
struct simple_arguments {
  int64_t min_workers = 1;
  int64_t max_workers = 1;
  int64_t max_queue_size = 1; ///< scale up when queue QueueDueBusy exceeds this (strict >)
  int64_t max_idle_time = 120; ///< seconds
  int64_t scale_up_step = 1;
};

/// One decision of `simple` (§2.2) at `now_s` (epoch seconds).
policy_decision decide_simple(const simple_arguments& args, const std::optional<factors>& input,
                              int64_t now_s);

/// Same, with arguments by name; missing ones take the defaults. The registry's entry point.
policy_decision decide_simple_values(const argument_values& args,
                                     const std::optional<factors>& input, int64_t now_s);

/// The arguments of `simple` by name with their defaults.
argument_values simple_defaults();

} // namespace ever::policy
