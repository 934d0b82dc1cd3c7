#pragma once
// An app's volumes (ConfigMaps and Secrets as files) resolved against a config snapshot: what
// is written under a worker's work dir before it starts, and under the container autoscaler
// policy's. Resolving and comparing are pure; write_volume_files is the one writer.

#include "actors/common/shared_view.hpp"
#include "core/model.hpp"

#include <caf/error.hpp>

#include <map>
#include <string>
#include <vector>

namespace ever {

/// Files of one volume, written under a process's work dir.
struct volume_files {
  std::string dir;                          ///< relative to work_dir, e.g. "volumes/cfg"
  std::map<std::string, std::string> files; ///< relative path -> content
  unsigned mode = 0644;                     ///< 0600 for secrets
};

/// The files of every volume of namespace `ns`. errc::not_found names the volume whose
/// ConfigMap/Secret or key is missing.
expected<std::vector<volume_files>> resolve_volumes(const std::vector<volume_spec>& volumes,
                                                    const std::string& ns,
                                                    const config_snapshot& configs);

/// Writes each volume's files under `work_dir` (runtime::write_files: directories created,
/// secrets 0600); stops at the first error.
caf::error write_volume_files(const std::string& work_dir, const std::vector<volume_files>& volumes);

/// True if both lists name the same volumes from the same sources (mount paths aside, which are
/// informational).
bool same_volumes(const std::vector<volume_spec>& a, const std::vector<volume_spec>& b);

} // namespace ever
