#pragma once
// Pure checks the directory makes before it stores an app or changes a ConfigMap/Secret.

#include "actors/common/shared_view.hpp"
#include "core/model.hpp"

#include <map>
#include <string>
#include <vector>

namespace ever::directory {

/// Every ConfigMap/Secret reference of `spec` must resolve now, and autoscaler arguments that
/// come from references must hold non-negative integers. errc::invalid_manifest names the path.
caf::error check_references(const app_spec& spec, const config_snapshot& configs);

/// The route of an app: spec.route_path or its name.
std::string route_of(const app_spec& spec);

/// errc::conflict if another app (not ns/name itself) already uses `spec`'s route.
caf::error check_route(const app_spec& spec,
                       const std::map<std::string, std::string>& route_owners);

/// Apps (ns/name) whose spec refers to ConfigMap/Secret `name` in `ns`.
std::vector<std::string> apps_using(const std::map<std::string, app_spec>& apps,
                                    const std::string& ns, const std::string& name, bool secret);

/// errc::invalid_argument unless the name is a DNS label and keys are non-empty.
caf::error check_config(const config_record& r);

} // namespace ever::directory
