#pragma once
// What the node agent needs to start one worker: the process (argv, complete environment, work
// dir, log file), the volume files to write first, and the readiness path. Built from the app
// spec with ConfigMap/Secret references resolved at this moment. Pure: no I/O.

#include "actors/common/shared_view.hpp"
#include "actors/common/volume_files.hpp"
#include "actors/runtime/process.hpp"
#include "core/model.hpp"

#include <map>
#include <string>
#include <vector>

namespace ever::worker {

struct launch_plan {
  std::string worker_id;
  std::string ns;
  std::string app;
  runtime::process_spec process; ///< env without PORT: the node agent picks the port
  std::vector<volume_files> volumes;
  std::string readiness_path;
};

/// Inherited from everd's environment when set (the rest of it is not passed on).
inline const std::vector<std::string>& inherited_env_names() {
  static const std::vector<std::string> names{"HOME", "LANG", "LC_ALL", "TZ", "USER", "TMPDIR"};
  return names;
}

/// Builds the plan. `base_path` is PATH for the worker (the dir of everd's binaries first).
/// errc::not_found names the env var or volume whose reference is missing.
expected<launch_plan> build_launch_plan(const app_spec& spec, const std::string& worker_id,
                                        const config_snapshot& configs,
                                        const std::string& data_dir,
                                        const std::map<std::string, std::string>& parent_env,
                                        const std::string& base_path);

/// Points the plan's paths (work dir, log, volumes dir, EVER_OWNER) at `data_dir`: the control
/// node builds plans with its own data dir, and a node in another process keeps its workers in
/// its own.
void localize(launch_plan& plan, const std::string& data_dir);

} // namespace ever::worker
