#include "actors/worker/launch_plan.hpp"

namespace ever::worker {

namespace {

expected<volume_files> volume_for(const volume_spec& v, const std::string& ns,
                                  const config_snapshot& configs) {
  bool secret = v.kind == key_ref::source::secret;
  const auto& table = secret ? configs.secrets : configs.config_maps;
  auto it = table.find(qualified_name(ns, v.source_name));
  if (it == table.end())
    return make_error(errc::not_found, "volume " + v.name + ": " + (secret ? "secret" : "configmap")
                                         + " '" + v.source_name + "' not found");
  volume_files out;
  out.dir = "volumes/" + v.name;
  out.mode = secret ? 0600 : 0644;
  const auto& data = it->second.data;
  if (v.items.empty()) {
    out.files = data;
    return out;
  }
  for (const auto& [key, path] : v.items) {
    auto kv = data.find(key);
    if (kv == data.end())
      return make_error(errc::not_found, "volume " + v.name + ": key '" + key + "' not in '"
                                           + v.source_name + "'");
    out.files[path] = kv->second;
  }
  return out;
}

} // namespace

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
  for (const auto& v : spec.volumes) {
    auto files = volume_for(v, spec.ns, configs);
    if (!files)
      return files.error();
    plan.volumes.push_back(std::move(*files));
  }
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
