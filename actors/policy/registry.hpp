#pragma once
// The builtin policies and decorators by name (everai-reference §1.1). Adding one is one line
// in registry.cpp.

#include "actors/policy/factors.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/policy/policy_decision.hpp"
#include "core/errc.hpp"
#include "core/time.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ever::policy {

/// A builtin policy: its parameters with defaults and its pure decision function.
struct policy_entry {
  std::string name;
  argument_values defaults;
  policy_decision (*decide)(const argument_values& args, const std::optional<factors>& input,
                            int64_t now_s);
};

/// A factors decorator: rewrites the factors given its own settings.
struct factors_decorator_entry {
  std::string name;
  expected<std::optional<factors>> (*apply)(const raw_arguments& settings,
                                            const std::optional<factors>& input);
};

/// An arguments decorator: rewrites the raw policy arguments given its settings and the time.
struct arguments_decorator_entry {
  std::string name;
  expected<raw_arguments> (*apply)(const raw_arguments& settings, const raw_arguments& arguments,
                                   time_ms now);
};

/// All builtin policies, sorted by name.
const std::vector<policy_entry>& policy_registry();
/// All factors decorators, sorted by name.
const std::vector<factors_decorator_entry>& factors_decorator_registry();
/// All arguments decorators, sorted by name.
const std::vector<arguments_decorator_entry>& arguments_decorator_registry();

/// The policy named `name`, or errc::invalid_argument listing the valid names.
expected<const policy_entry*> find_policy(const std::string& name);
/// The factors decorator named `name`, or errc::invalid_argument listing the valid names.
expected<const factors_decorator_entry*> find_factors_decorator(const std::string& name);
/// The arguments decorator named `name`, or errc::invalid_argument listing the valid names.
expected<const arguments_decorator_entry*> find_arguments_decorator(const std::string& name);

} // namespace ever::policy
