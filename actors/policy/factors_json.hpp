#pragma once
// JSON wire format of Factors and DecideResult (everai-reference §1.2-1.3), used by
// `ever policy decide`, the container autoscaler and the decision log.

#include "actors/policy/factors.hpp"
#include "core/errc.hpp"

#include <string>
#include <string_view>

namespace ever::policy {

/// Parses Factors JSON; `{}` is valid. errc::invalid_argument names the bad field.
expected<factors> factors_from_json(std::string_view json);
/// Serialises Factors (map keys of histories as decimal strings).
std::string to_json(const factors& f);

/// Parses DecideResult JSON. errc::invalid_argument names the bad field.
expected<decide_result> decide_result_from_json(std::string_view json);
/// Serialises DecideResult: {"max_workers": N, "actions": [...]}.
std::string to_json(const decide_result& r);
/// Same as to_json(decide_result), indented by two spaces (what `ever policy decide` prints).
std::string to_pretty_json(const decide_result& r);

} // namespace ever::policy
