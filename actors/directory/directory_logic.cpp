#include "actors/directory/directory_logic.hpp"

#include "actors/manifest/manifest.hpp"
#include "actors/policy/pipeline.hpp"
#include "core/ids.hpp"

namespace ever::directory {

caf::error check_references(const app_spec& spec, const config_snapshot& configs) {
  for (const auto& loc : manifest::collect_references(spec)) {
    const auto& ref = loc.ref;
    bool secret = ref.kind == key_ref::source::secret;
    const auto& table = secret ? configs.secrets : configs.config_maps;
    const char* what = secret ? "secret" : "configmap";
    auto it = table.find(qualified_name(spec.ns, ref.name));
    if (it == table.end())
      return make_error(errc::invalid_manifest, loc.path + ": " + what + " '" + ref.name
                                                  + "' not found in namespace " + spec.ns);
    if (ref.key.empty())
      continue; // a volume: its items are checked below
    auto kv = it->second.data.find(ref.key);
    if (kv == it->second.data.end())
      return make_error(errc::invalid_manifest, loc.path + ": " + what + " '" + ref.name
                                                  + "' has no key '" + ref.key + "'");
    bool is_argument = loc.path.rfind("spec.autoscaler.builtin.arguments.", 0) == 0;
    if (is_argument) {
      auto v = policy::parse_int_argument(ref.key, kv->second);
      if (!v || *v < 0)
        return make_error(errc::invalid_manifest,
                          loc.path + ": " + what + " '" + ref.name + "' key '" + ref.key
                            + "' must hold a non-negative integer, got \"" + kv->second + "\"");
    }
  }
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const auto& v = spec.volumes[i];
    bool secret = v.kind == key_ref::source::secret;
    const auto& table = secret ? configs.secrets : configs.config_maps;
    auto it = table.find(qualified_name(spec.ns, v.source_name));
    if (it == table.end())
      continue; // reported above with the reference's own path
    for (const auto& [key, path] : v.items)
      if (it->second.data.count(key) == 0)
        return make_error(errc::invalid_manifest,
                          "spec.volumes[" + std::to_string(i) + "].items: key '" + key
                            + "' is not in " + (secret ? "secret '" : "configmap '")
                            + v.source_name + "'");
  }
  return caf::none;
}

std::string route_of(const app_spec& spec) {
  return spec.route_path.empty() ? spec.name : spec.route_path;
}

caf::error check_route(const app_spec& spec,
                       const std::map<std::string, std::string>& route_owners) {
  auto route = route_of(spec);
  auto it = route_owners.find(route);
  if (it != route_owners.end() && it->second != qualified_name(spec.ns, spec.name))
    return make_error(errc::conflict, "spec.routePath: route '" + route + "' is already used by app "
                                        + it->second);
  return caf::none;
}

std::vector<std::string> apps_using(const std::map<std::string, app_spec>& apps,
                                    const std::string& ns, const std::string& name, bool secret) {
  std::vector<std::string> out;
  auto kind = secret ? key_ref::source::secret : key_ref::source::config_map;
  for (const auto& [key, spec] : apps) {
    if (spec.ns != ns)
      continue;
    for (const auto& loc : manifest::collect_references(spec))
      if (loc.ref.kind == kind && loc.ref.name == name) {
        out.push_back(key);
        break;
      }
  }
  return out;
}

caf::error check_config(const config_record& r) {
  if (!is_dns_label(r.name))
    return make_error(errc::invalid_argument,
                      "name: '" + r.name
                        + "' is not a valid name (lower-case letters, digits and '-', 1-63 chars)");
  if (!is_dns_label(r.ns))
    return make_error(errc::invalid_argument, "namespace: '" + r.ns + "' is not a valid name");
  // Keys become file names when the object is mounted as a volume.
  for (const auto& [k, v] : r.data)
    if (k.empty())
      return make_error(errc::invalid_argument, "data: empty key");
    else if (!manifest::is_config_key(k))
      return make_error(errc::invalid_argument,
                        "data: key '" + k
                          + "' is not valid (1-253 characters of a-z, A-Z, 0-9, '-', '_', '.')");
  return caf::none;
}

} // namespace ever::directory
