#pragma once
// Role: a builtin policy or decorator as an actor (ever.policy.NAME, ever.decorator.NAME), so
//       the registry can list and spawn it (also on another node) and the console can ask it.
//       Decides with the pure pipeline (actors/policy/pipeline.hpp), the same code the scaler
//       runs; holds no state between calls.
// Handles:
//   (decide_atom, std::string factors_json) -> std::string        decision JSON (below)
//   (decide_atom, std::string factors_json, spawn_args args) -> std::string
//        a policy: args are policy arguments over its spawn arguments;
//        a decorator: args are the policy's arguments (args "policy" picks it, default simple),
//        the decorator's own settings are its spawn arguments
//   (view_atom) -> std::string                                   {"name","kind","defaults"}
//   Decision JSON: {"result": DecideResult, "arguments": {...}, "reason": "...",
//                   "factors": decorated Factors or null}
// Persists: nothing.
// On failure: a bad Factors JSON, argument or name answers errc::invalid_argument naming it.

#include "actors/registry/registry.hpp"

#include <caf/atom.hpp>

namespace ever::registry {

using decide_atom = caf::atom_constant<caf::atom("decide")>;

/// Spawns the actor of builtin policy `policy` with default arguments `args`.
expected<caf::actor> spawn_policy_actor(caf::actor_system& sys, const std::string& policy,
                                        spawn_args args);

/// Spawns the actor of decorator `decorator` (a factors and/or an arguments decorator) with
/// settings `args`.
expected<caf::actor> spawn_decorator_actor(caf::actor_system& sys, const std::string& decorator,
                                           spawn_args args);

} // namespace ever::registry
