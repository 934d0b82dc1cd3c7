#include "actors/common/volume_files.hpp"

#include "actors/runtime/process.hpp"

namespace ever {

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

expected<std::vector<volume_files>> resolve_volumes(const std::vector<volume_spec>& volumes,
                                                    const std::string& ns,
                                                    const config_snapshot& configs) {
  std::vector<volume_files> out;
  for (const auto& v : volumes) {
    auto files = volume_for(v, ns, configs);
    if (!files)
      return files.error();
    out.push_back(std::move(*files));
  }
  return out;
}

caf::error write_volume_files(const std::string& work_dir, const std::vector<volume_files>& volumes) {
  for (const auto& v : volumes)
    if (auto err = runtime::write_files(work_dir + "/" + v.dir, v.files, v.mode))
      return err;
  return {};
}

bool same_volumes(const std::vector<volume_spec>& a, const std::vector<volume_spec>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].kind != b[i].kind || a[i].source_name != b[i].source_name
        || a[i].items != b[i].items)
      return false;
  return true;
}

} // namespace ever
