#include "actors/registry/policy_actor.hpp"

#include "actors/common/atoms.hpp"
#include "actors/policy/factors_json.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/policy/registry.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace ever::registry {

namespace {

using nlohmann::json;

struct policy_actor_state {
  static inline const char* name = "ever.policy";
};

struct decorator_actor_state {
  static inline const char* name = "ever.decorator";
};

time_ms wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

expected<std::optional<policy::factors>> parse_factors(const std::string& text) {
  if (text.empty() || text == "null")
    return std::optional<policy::factors>{};
  auto f = policy::factors_from_json(text);
  if (!f)
    return f.error();
  return std::optional<policy::factors>{std::move(*f)};
}

caf::result<std::string> run(policy::decision_input in, const std::string& factors_json) {
  auto f = parse_factors(factors_json);
  if (!f)
    return f.error();
  in.input = std::move(*f);
  in.now = wall_now();
  auto out = policy::decide(in);
  if (!out)
    return out.error();
  json j;
  j["result"] = json::parse(policy::to_json(out->result));
  j["arguments"] = out->arguments;
  j["reason"] = out->reason;
  const auto& shown = in.factor_decorators.empty() ? in.input : out->decorated;
  j["factors"] = shown ? json::parse(policy::to_json(*shown)) : json();
  return j.dump();
}

caf::behavior policy_actor(caf::stateful_actor<policy_actor_state>* self, std::string name,
                           spawn_args defaults) {
  auto decide = [=](const std::string& factors_json, const spawn_args& extra) {
    policy::decision_input in;
    in.policy = name;
    in.arguments = defaults;
    for (const auto& [k, v] : extra)
      in.arguments[k] = v;
    return run(std::move(in), factors_json);
  };
  return {
    [=](decide_atom, const std::string& factors_json) { return decide(factors_json, {}); },
    [=](decide_atom, const std::string& factors_json, const spawn_args& extra) {
      return decide(factors_json, extra);
    },
    [=](view_atom) -> std::string {
      json j{{"name", name}, {"kind", "policy"}, {"arguments", defaults}};
      if (auto p = policy::policy_parameters(name))
        j["defaults"] = *p;
      return j.dump();
    },
  };
}

bool contains(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

caf::behavior decorator_actor(caf::stateful_actor<decorator_actor_state>* self, std::string name,
                              spawn_args settings) {
  bool factors = contains(policy::factor_decorator_names(), name);
  bool arguments = contains(policy::argument_decorator_names(), name);
  auto decide = [=](const std::string& factors_json, spawn_args extra) {
    policy::decision_input in;
    auto p = extra.find("policy");
    if (p != extra.end()) {
      in.policy = p->second;
      extra.erase(p);
    }
    in.arguments = std::move(extra);
    if (factors)
      in.factor_decorators.push_back({name, settings});
    if (arguments)
      in.argument_decorators.push_back({name, settings});
    return run(std::move(in), factors_json);
  };
  return {
    [=](decide_atom, const std::string& factors_json) { return decide(factors_json, {}); },
    [=](decide_atom, const std::string& factors_json, const spawn_args& extra) {
      return decide(factors_json, extra);
    },
    [=](view_atom) -> std::string {
      json applies = json::array();
      if (factors)
        applies.push_back("factors");
      if (arguments)
        applies.push_back("arguments");
      return json{{"name", name}, {"kind", "decorator"}, {"applies_to", applies},
                  {"settings", settings}}
        .dump();
    },
  };
}

} // namespace

expected<caf::actor> spawn_policy_actor(caf::actor_system& sys, const std::string& policy_name,
                                        spawn_args args) {
  auto params = policy::policy_parameters(policy_name);
  if (!params)
    return params.error();
  for (const auto& [k, v] : args) {
    if (!params->count(k))
      return make_error(errc::invalid_argument, "policy " + policy_name + " has no argument '"
                                                  + k + "'");
    if (auto n = policy::parse_int_argument(k, v); !n)
      return n.error();
  }
  return sys.spawn(policy_actor, policy_name, std::move(args));
}

expected<caf::actor> spawn_decorator_actor(caf::actor_system& sys, const std::string& decorator,
                                           spawn_args args) {
  if (!contains(policy::factor_decorator_names(), decorator)
      && !contains(policy::argument_decorator_names(), decorator))
    return make_error(errc::invalid_argument, "no decorator '" + decorator + "'");
  return sys.spawn(decorator_actor, decorator, std::move(args));
}

} // namespace ever::registry
