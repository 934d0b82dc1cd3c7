#include "actors/policy/pipeline.hpp"

#include "actors/policy/registry.hpp"

namespace ever::policy {

namespace {

// Parses the raw arguments a policy knows; the others are ignored here because the manifest
// layer already rejects unknown names.
expected<argument_values> resolve_arguments(const policy_entry& policy, const raw_arguments& raw) {
  argument_values out = policy.defaults;
  for (auto& [name, value] : out) {
    auto it = raw.find(name);
    if (it == raw.end())
      continue; // §16.1 default
    auto parsed = parse_int_argument("argument " + name, it->second);
    if (!parsed)
      return parsed.error();
    if (*parsed < 0)
      return make_error(errc::invalid_argument, "argument " + name + " must be >= 0, got " +
                                                  std::to_string(*parsed));
    value = *parsed;
  }
  return out;
}

int64_t epoch_seconds(time_ms t) {
  return t / 1000 - (t % 1000 < 0 ? 1 : 0);
}

} // namespace

expected<decision_output> decide(const decision_input& in) {
  auto policy = find_policy(in.policy);
  if (!policy)
    return policy.error();

  // §16.5: factors decorators, then arguments decorators, each list in order.
  // The input is copied only by a decorator that changes it: the scaler decides on every queue
  // change, and copying 100 workers' factors each time was a measurable part of a restart.
  std::optional<factors> decorated;
  const std::optional<factors>* current = &in.input;
  for (const auto& call : in.factor_decorators) {
    auto decorator = find_factors_decorator(call.name);
    if (!decorator)
      return decorator.error();
    auto next = (*decorator)->apply(call.arguments, *current);
    if (!next)
      return next.error();
    decorated = std::move(*next);
    current = &decorated;
  }
  raw_arguments raw = in.arguments;
  for (const auto& call : in.argument_decorators) {
    auto decorator = find_arguments_decorator(call.name);
    if (!decorator)
      return decorator.error();
    auto next = (*decorator)->apply(call.arguments, raw, in.now);
    if (!next)
      return next.error();
    raw = std::move(*next);
  }

  auto arguments = resolve_arguments(**policy, raw);
  if (!arguments)
    return arguments.error();
  policy_decision d = (*policy)->decide(*arguments, *current, epoch_seconds(in.now));

  decision_output out;
  out.result = std::move(d.result);
  out.arguments = std::move(*arguments);
  if (!in.factor_decorators.empty())
    out.decorated = std::move(decorated);
  out.reason = std::move(d.reason);
  return out;
}

expected<std::map<std::string, int64_t>> policy_parameters(const std::string& policy) {
  auto entry = find_policy(policy);
  if (!entry)
    return entry.error();
  return (*entry)->defaults;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> names;
  for (const auto& e : policy_registry())
    names.push_back(e.name);
  return names;
}

std::vector<std::string> factor_decorator_names() {
  std::vector<std::string> names;
  for (const auto& e : factors_decorator_registry())
    names.push_back(e.name);
  return names;
}

std::vector<std::string> argument_decorator_names() {
  std::vector<std::string> names;
  for (const auto& e : arguments_decorator_registry())
    names.push_back(e.name);
  return names;
}

} // namespace ever::policy
