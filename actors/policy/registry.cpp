#include "actors/policy/registry.hpp"

#include "actors/policy/average_decorator.hpp"
#include "actors/policy/free_worker_policy.hpp"
#include "actors/policy/simple_policy.hpp"
#include "actors/policy/target_concurrency_policy.hpp"
#include "actors/policy/time_match_decorator.hpp"

namespace ever::policy {

namespace {

expected<std::optional<factors>> noop_factors(const raw_arguments&,
                                              const std::optional<factors>& input) {
  return input;
}

expected<raw_arguments> noop_arguments(const raw_arguments&, const raw_arguments& arguments,
                                       time_ms) {
  return arguments;
}

// Finds `name` in a registry or names the valid choices, e.g.
// "unknown autoscaler 'foo' (valid: free-worker, simple)".
template <class Entry>
expected<const Entry*> find_in(const std::vector<Entry>& entries, const std::string& what,
                               const std::string& name) {
  std::string valid;
  for (const auto& e : entries) {
    if (e.name == name)
      return &e;
    valid += (valid.empty() ? "" : ", ") + e.name;
  }
  return make_error(errc::invalid_argument,
                    "unknown " + what + " '" + name + "' (valid: " + valid + ")");
}

} // namespace

const std::vector<policy_entry>& policy_registry() {
  static const std::vector<policy_entry> entries = {
    {"free-worker", free_worker_defaults(), &decide_free_worker_values},
    {"simple", simple_defaults(), &decide_simple_values},
    {"target-concurrency", target_concurrency_defaults(), &decide_target_concurrency_values},
  };
  return entries;
}

const std::vector<factors_decorator_entry>& factors_decorator_registry() {
  static const std::vector<factors_decorator_entry> entries = {
    {"average", &apply_average},
    {"noop", &noop_factors},
  };
  return entries;
}

const std::vector<arguments_decorator_entry>& arguments_decorator_registry() {
  static const std::vector<arguments_decorator_entry> entries = {
    {"noop", &noop_arguments},
    {"time-match", &apply_time_match},
  };
  return entries;
}

expected<const policy_entry*> find_policy(const std::string& name) {
  return find_in(policy_registry(), "autoscaler", name);
}

expected<const factors_decorator_entry*> find_factors_decorator(const std::string& name) {
  return find_in(factors_decorator_registry(), "factors decorator", name);
}

expected<const arguments_decorator_entry*> find_arguments_decorator(const std::string& name) {
  return find_in(arguments_decorator_registry(), "arguments decorator", name);
}

} // namespace ever::policy
