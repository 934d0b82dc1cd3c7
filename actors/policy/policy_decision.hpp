#pragma once
// What a builtin policy function returns: the decision plus the words explaining it.

#include "actors/policy/factors.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace ever::policy {

/// Policy arguments after parsing, by name (e.g. "min_workers" -> 1).
using argument_values = std::map<std::string, int64_t>;

/// The value of `name` in `args`, or `fallback` when it is absent.
inline int64_t argument_or(const argument_values& args, const char* name, int64_t fallback) {
  auto it = args.find(name);
  return it == args.end() ? fallback : it->second;
}

/// A policy's decision and the one-line reason naming the rule that fired.
struct policy_decision {
  decide_result result;
  std::string reason;
};

} // namespace ever::policy
