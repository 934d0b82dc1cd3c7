// Every ConfigMap/Secret a spec depends on, with where it was named (for error messages such as
// "spec.autoscaler.builtin.arguments.min_workers: ConfigMap 'x' has no key 'min_workers'").

#include "actors/manifest/manifest.hpp"

namespace ever::manifest {

namespace {

void add_arguments(std::vector<located_ref>& out, const std::string& path,
                   const std::map<std::string, value_source>& arguments) {
  for (const auto& [name, value] : arguments)
    if (value.ref)
      out.push_back({path + "." + name, *value.ref});
}

void add_decorators(std::vector<located_ref>& out, const std::string& path,
                    const std::vector<decorator_spec>& decorators) {
  for (size_t i = 0; i < decorators.size(); ++i)
    add_arguments(out, path + "[" + std::to_string(i) + "].arguments", decorators[i].arguments);
}

} // namespace

std::vector<located_ref> collect_references(const app_spec& spec) {
  std::vector<located_ref> out;
  // env[i] rather than env[i].valueFrom: the manifest may have spelled it envValue.valueFrom.
  for (size_t i = 0; i < spec.env.size(); ++i)
    if (spec.env[i].value.ref)
      out.push_back({"spec.env[" + std::to_string(i) + "]", *spec.env[i].value.ref});
  // Only builtin autoscalers have arguments; a stale map on another kind is not a dependency.
  if (spec.autoscaler.kind == autoscaler_spec::kind_t::builtin) {
    const std::string builtin = "spec.autoscaler.builtin";
    add_arguments(out, builtin + ".arguments", spec.autoscaler.arguments);
    add_decorators(out, builtin + ".decorators.factors", spec.autoscaler.factor_decorators);
    add_decorators(out, builtin + ".decorators.arguments", spec.autoscaler.argument_decorators);
  }
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const auto& v = spec.volumes[i];
    out.push_back({"spec.volumes[" + std::to_string(i) + "]", key_ref{v.kind, v.source_name, {}}});
  }
  return out;
}

} // namespace ever::manifest
