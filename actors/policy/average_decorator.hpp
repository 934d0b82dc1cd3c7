#pragma once
// `average` factors decorator (everai-reference §4.1): smooths the queue and the worker summary
// over the most recent histories so one spike does not scale.

#include "actors/policy/factors.hpp"
#include "actors/policy/pipeline.hpp"
#include "core/errc.hpp"

#include <optional>

namespace ever::policy {

/// Applies `average` with its `settings` (used_histories, default 5, must be >= 0). Null factors
/// stay null; too few histories give a null queue / worker summary. Unknown settings are ignored.
expected<std::optional<factors>> apply_average(const raw_arguments& settings,
                                               const std::optional<factors>& input);

} // namespace ever::policy
