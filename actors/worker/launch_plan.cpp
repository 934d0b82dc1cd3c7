#include "actors/worker/launch_plan.hpp"

namespace ever::worker {

expected<launch_plan> build_launch_plan(const app_spec& spec, const std::string& worker_id,
                                        const config_snapshot& configs,
                                        const std::string& data_dir,
                                        const std::map<std::string, std::string>& parent_env,
                                        const std::string& base_path) {
  launch_plan plan;
  plan.worker_id = worker_id;
  plan.ns = spec.ns;
  plan.app = spec.name;
  plan.readiness_path = spec.readiness_path;
  auto& proc = plan.process;
  proc.argv = spec.command;
  for (const auto& name : inherited_env_names())
    if (auto it = parent_env.find(name); it != parent_env.end())
      proc.env[name] = it->second;
  proc.env["PATH"] = base_path;
  for (const auto& e : spec.env) {
    auto v = resolve_value(e.value, spec.ns, configs);
    if (!v)
      return make_error(code_of(v.error()), "env " + e.name + ": " + message_of(v.error()));
    proc.env[e.name] = std::move(*v);
  }
  // Ever's own variables win over the manifest's: the worker must be findable and addressable.
  proc.env["EVER_WORKER_ID"] = worker_id;
  proc.env["EVER_APP"] = spec.name;
  proc.env["EVER_NAMESPACE"] = spec.ns;
  localize(plan, data_dir);
  auto volumes = resolve_volumes(spec.volumes, spec.ns, configs);
  if (!volumes)
    return volumes.error();
  plan.volumes = std::move(*volumes);
  return plan;
}

void localize(launch_plan& plan, const std::string& data_dir) {
  auto& proc = plan.process;
  proc.work_dir = data_dir + "/workers/" + plan.worker_id;
  proc.log_path = proc.work_dir + "/worker.log";
  proc.env["EVER_VOLUMES_DIR"] = proc.work_dir + "/volumes";
  proc.env[runtime::owner_env] = data_dir;
}

} // namespace ever::worker
