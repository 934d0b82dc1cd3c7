// `everai/v1alpha1` App manifests -> app_spec. Strict: every unknown field and every wrong value is
// refused with its path, because a typo that is silently ignored (say `max_worker: 5`) would
// deploy an app that scales differently from what its author reads.

#include "actors/manifest/detail.hpp"
#include "actors/manifest/manifest.hpp"

#include "core/ids.hpp"

#include <algorithm>
#include <set>

namespace ever::manifest {

namespace {

using namespace detail;

using ref_source = key_ref::source;

/// A name in an error: 'name', or the escaped "..." form if it holds quotes or control bytes.
std::string named(std::string_view name) {
  auto quoted = quote(name);
  if (quoted.size() == name.size() + 2 && name.find('\'') == std::string_view::npos)
    return "'" + std::string{name} + "'";
  return quoted;
}

/// "(valid: a, b)" from a set of names.
std::string valid_list(const std::set<std::string>& names) {
  return "(valid: " + (names.empty() ? std::string{"none"}
                                     : join(std::vector<std::string>(names.begin(), names.end())))
         + ")";
}

/// Throws unless exactly one of `names` is present in `f`; returns the one present.
std::string exactly_one(const fields& f, std::initializer_list<std::string_view> names) {
  std::vector<std::string> all(names.begin(), names.end());
  std::vector<std::string> present;
  for (const auto& name : all)
    if (f.get(name))
      present.push_back(name);
  if (present.empty())
    fail(f.path(), "needs one of: " + join(all));
  if (present.size() > 1)
    fail(f.path(present[1]), "conflicts with " + f.path(present[0]) + " (give only one of: "
                               + join(all) + ")");
  return present.front();
}

/// `{configMapKeyRef|secretKeyRef: {name, key}}` — the inside of a valueFrom.
key_ref parse_value_from(const YAML::Node& node, const std::string& path) {
  fields f(node, path, {"configMapKeyRef", "secretKeyRef"});
  auto which = exactly_one(f, {"configMapKeyRef", "secretKeyRef"});
  fields r(*f.get(which), f.path(which), {"name", "key"});
  key_ref ref;
  ref.kind = which == "configMapKeyRef" ? ref_source::config_map : ref_source::secret;
  ref.name = dns_label_value(r.require("name"), r.path("name"));
  ref.key = config_key_value(r.require("key"), r.path("key"));
  return ref;
}

/// An autoscaler or decorator argument: a scalar or `{valueFrom: ...}`. Builtin arguments are
/// checked with Python's int() semantics now, as the policy will read them; a reference can only
/// be checked when it is resolved.
value_source parse_argument(const YAML::Node& node, const std::string& path, bool integer) {
  value_source out;
  if (node.IsMap()) {
    fields f(node, path, {"valueFrom"});
    out.ref = parse_value_from(f.require("valueFrom"), f.path("valueFrom"));
    return out;
  }
  if (integer) {
    auto v = node.IsScalar() ? parse_python_int(node.Scalar()) : std::nullopt;
    if (!v || *v < 0)
      fail(path, std::string{"must be a non-negative integer"}
                   + (node.IsScalar() ? "" : " or {valueFrom: ...}") + ", got " + describe(node));
    out.value = std::to_string(*v);
    return out;
  }
  if (!node.IsScalar())
    fail(path, "must be a string or {valueFrom: ...}, got " + describe(node));
  out.value = node.Scalar();
  return out;
}

// -- spec parts -----------------------------------------------------------------------------------

std::vector<env_var> parse_env(const YAML::Node& node, const std::string& path) {
  require_sequence(node, path);
  std::vector<env_var> out;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    fields f(node[i], index(path, i), {"name", "value", "valueFrom", "envValue"});
    env_var var;
    var.name = string_value(f.require("name"), f.path("name"));
    // The name goes into the worker's environment block: '=' or a control byte would corrupt it.
    bool bad_name = var.name.empty() || var.name.find('=') != std::string::npos;
    for (char c : var.name)
      bad_name = bad_name || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (bad_name)
      fail(f.path("name"),
           "must be a non-empty name without '=' or control characters, got " + quote(var.name));
    if (!names.insert(var.name).second)
      fail(f.path("name"), "duplicate env name " + named(var.name));
    auto which = exactly_one(f, {"value", "valueFrom", "envValue"});
    if (which == "value") {
      var.value.value = string_value(*f.get("value"), f.path("value"));
    } else if (which == "valueFrom") {
      var.value.ref = parse_value_from(*f.get("valueFrom"), f.path("valueFrom"));
    } else {
      // The newest EverAI examples nest the same choice one level down.
      fields ev(*f.get("envValue"), f.path("envValue"), {"value", "valueFrom"});
      if (exactly_one(ev, {"value", "valueFrom"}) == "value")
        var.value.value = string_value(*ev.get("value"), ev.path("value"));
      else
        var.value.ref = parse_value_from(*ev.get("valueFrom"), ev.path("valueFrom"));
    }
    out.push_back(std::move(var));
  }
  return out;
}

std::string parse_readiness(const YAML::Node& node, const std::string& path) {
  fields f(node, path, {"httpGet"});
  fields get(f.require("httpGet"), f.path("httpGet"), {"path"});
  return http_path_value(get.require("path"), get.path("path"));
}

resource_spec parse_resource(const YAML::Node& node, const std::string& path) {
  fields f(node, path, {"cpu", "memory", "gpu", "filters"});
  resource_spec out;
  if (auto cpu = f.get("cpu"))
    out.cpu = positive_number_value(*cpu, f.path("cpu"));
  if (auto memory = f.get("memory")) {
    auto text = string_value(*memory, f.path("memory"));
    std::string why;
    if (!parse_memory(text, out.memory_mb, why))
      fail(f.path("memory"), why);
  }
  if (auto gpu = f.get("gpu"))
    out.gpu = int_value(*gpu, f.path("gpu"), 0);
  // EverAI's placement filters (GPU models, regions, CUDA versions) mean nothing on our nodes;
  // accepted so EverAI manifests load, but only in their documented shape: a mapping.
  if (auto filters = f.get("filters"); filters && !filters->IsMap())
    fail(f.path("filters"), "must be a mapping, got " + describe(*filters));
  return out;
}

/// A volume's `items`: which keys become which files. Paths stay inside the volume.
std::vector<std::pair<std::string, std::string>> parse_items(const YAML::Node& node,
                                                             const std::string& path) {
  require_sequence(node, path);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < node.size(); ++i) {
    fields f(node[i], index(path, i), {"key", "path"});
    auto key = config_key_value(f.require("key"), f.path("key"));
    auto file = string_value(f.require("path"), f.path("path"));
    bool escapes = file.empty() || file.front() == '/';
    for (size_t start = 0; !escapes && start <= file.size();) {
      auto end = file.find('/', start);
      if (end == std::string::npos)
        end = file.size();
      escapes = file.compare(start, end - start, "..") == 0;
      start = end + 1;
    }
    if (escapes)
      fail(f.path("path"), "must be a relative path without '..', got " + quote(file));
    out.emplace_back(std::move(key), std::move(file));
  }
  return out;
}

std::vector<volume_spec> parse_volumes(const YAML::Node& node, const std::string& path) {
  require_sequence(node, path);
  std::vector<volume_spec> out;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    fields f(node[i], index(path, i), {"name", "configMap", "secret"});
    volume_spec v;
    v.name = dns_label_value(f.require("name"), f.path("name"));
    if (!names.insert(v.name).second)
      fail(f.path("name"), "duplicate volume name " + named(v.name));
    auto which = exactly_one(f, {"configMap", "secret"});
    if (which == "configMap") {
      fields src(*f.get("configMap"), f.path("configMap"), {"name", "items"});
      v.kind = ref_source::config_map;
      v.source_name = dns_label_value(src.require("name"), src.path("name"));
      if (auto items = src.get("items"))
        v.items = parse_items(*items, src.path("items"));
    } else {
      fields src(*f.get("secret"), f.path("secret"), {"secretName", "items"});
      v.kind = ref_source::secret;
      v.source_name = dns_label_value(src.require("secretName"), src.path("secretName"));
      if (auto items = src.get("items"))
        v.items = parse_items(*items, src.path("items"));
    }
    out.push_back(std::move(v));
  }
  return out;
}

void parse_mounts(const YAML::Node& node, const std::string& path,
                  std::vector<volume_spec>& volumes) {
  require_sequence(node, path);
  for (size_t i = 0; i < node.size(); ++i) {
    fields f(node[i], index(path, i), {"name", "mountPath", "readOnly"});
    auto name = string_value(f.require("name"), f.path("name"));
    auto mount = string_value(f.require("mountPath"), f.path("mountPath"));
    if (mount.empty())
      fail(f.path("mountPath"), "must not be empty");
    // The files are written once per worker start; EverAI also supports read-only mounts only.
    if (auto ro = f.get("readOnly"); ro && !bool_value(*ro, f.path("readOnly")))
      fail(f.path("readOnly"), "only read-only mounts are supported (readOnly: true)");
    auto it = std::find_if(volumes.begin(), volumes.end(),
                           [&](const volume_spec& v) { return v.name == name; });
    if (it == volumes.end())
      fail(f.path("name"), "no volume named " + named(name) + " in spec.volumes");
    if (!it->mount_path.empty())
      fail(f.path("name"), "volume " + named(name) + " is already mounted");
    it->mount_path = std::move(mount);
  }
}

/// `factors: [{name, arguments}]` or `arguments: [...]` under builtin.decorators.
std::vector<decorator_spec> parse_decorator_list(const YAML::Node& node, const std::string& path,
                                                 const std::set<std::string>& known,
                                                 const char* kind) {
  require_sequence(node, path);
  std::vector<decorator_spec> out;
  for (size_t i = 0; i < node.size(); ++i) {
    fields f(node[i], index(path, i), {"name", "arguments"});
    decorator_spec d;
    d.name = string_value(f.require("name"), f.path("name"));
    if (!known.count(d.name))
      fail(f.path("name"),
           std::string{"unknown "} + kind + " decorator " + named(d.name) + " " + valid_list(known));
    // Decorator arguments are free-form (time-match takes `match(<cron>)` keys); the decorator
    // checks them when it runs.
    if (auto args = f.get("arguments"))
      for_each_entry(*args, f.path("arguments"),
                     [&](const std::string& key, const YAML::Node& value, const std::string& p) {
                       d.arguments[key] = parse_argument(value, p, false);
                     });
    out.push_back(std::move(d));
  }
  return out;
}

void parse_builtin(const YAML::Node& node, const std::string& path, const policy_catalog& catalog,
                   autoscaler_spec& out) {
  fields f(node, path, {"name", "arguments", "decorators"});
  out.kind = autoscaler_spec::kind_t::builtin;
  out.name = string_value(f.require("name"), f.path("name"));
  std::set<std::string> names;
  for (const auto& [name, params] : catalog.policies)
    names.insert(name);
  auto policy = catalog.policies.find(out.name);
  if (policy == catalog.policies.end())
    fail(f.path("name"), "unknown autoscaler " + named(out.name) + " " + valid_list(names));
  const auto& params = policy->second;
  if (auto args = f.get("arguments"))
    for_each_entry(*args, f.path("arguments"),
                   [&](const std::string& key, const YAML::Node& value, const std::string& p) {
                     if (!params.count(key))
                       fail(p, "unknown argument of autoscaler " + named(out.name) + " "
                                 + valid_list(params));
                     out.arguments[key] = parse_argument(value, p, true);
                   });
  if (auto decorators = f.get("decorators")) {
    fields d(*decorators, f.path("decorators"), {"factors", "arguments"});
    if (auto list = d.get("factors"))
      out.factor_decorators =
        parse_decorator_list(*list, d.path("factors"), catalog.factor_decorators, "factors");
    if (auto list = d.get("arguments"))
      out.argument_decorators =
        parse_decorator_list(*list, d.path("arguments"), catalog.argument_decorators, "arguments");
  }
}

void parse_container(const YAML::Node& node, const std::string& path, autoscaler_spec& out) {
  fields f(node, path, {"command", "port", "entryPath"});
  out.kind = autoscaler_spec::kind_t::container;
  out.container_command = command_value(f.require("command"), f.path("command"));
  if (auto port = f.get("port"))
    out.container_port = int_value(*port, f.path("port"), 0, 65535);
  if (auto entry = f.get("entryPath")) {
    if (entry->IsMap()) {
      fields e(*entry, f.path("entryPath"), {"httpPost"});
      fields post(e.require("httpPost"), e.path("httpPost"), {"path"});
      out.container_entry_path = http_path_value(post.require("path"), post.path("path"));
    } else {
      out.container_entry_path = http_path_value(*entry, f.path("entryPath"));
    }
  }
}

autoscaler_spec parse_autoscaler(const YAML::Node& node, const std::string& path,
                                 const policy_catalog& catalog) {
  fields f(node, path, {"scheduler", "builtin", "manual", "container"});
  autoscaler_spec out;
  if (auto scheduler = f.get("scheduler")) {
    auto s = string_value(*scheduler, f.path("scheduler"));
    if (s != "queue")
      fail(f.path("scheduler"), "must be queue (the only scheduler), got " + quote(s));
  }
  auto which = exactly_one(f, {"builtin", "manual", "container"});
  if (which == "builtin") {
    parse_builtin(*f.get("builtin"), f.path("builtin"), catalog, out);
  } else if (which == "manual") {
    fields m(*f.get("manual"), f.path("manual"), {"defaultWorkerNum"});
    out.kind = autoscaler_spec::kind_t::manual;
    if (auto n = m.get("defaultWorkerNum"))
      out.default_worker_num = int_value(*n, m.path("defaultWorkerNum"), 0);
  } else {
    parse_container(*f.get("container"), f.path("container"), out);
  }
  return out;
}

queue_spec parse_queue(const YAML::Node& node, const std::string& path) {
  fields f(node, path, {"maxLength", "waitTimeout"});
  queue_spec out;
  if (auto n = f.get("maxLength"))
    out.max_length = int_value(*n, f.path("maxLength"), 1);
  if (auto t = f.get("waitTimeout")) {
    auto text = string_value(*t, f.path("waitTimeout"));
    std::string why;
    if (!parse_duration(text, out.wait_timeout_ms, why))
      fail(f.path("waitTimeout"), why);
    if (out.wait_timeout_ms <= 0)
      fail(f.path("waitTimeout"), "must be longer than 0, got " + quote(text));
  }
  return out;
}

void parse_spec(const YAML::Node& node, const std::string& path, const policy_catalog& catalog,
                app_spec& out) {
  fields f(node, path,
           {"command", "env", "readinessProbe", "resource", "resources", "volumes", "volumeMounts",
            "routePath", "image", "imagePullSecrets", "port", "autoscaler", "concurrency", "queue",
            "public"});
  out.command = command_value(f.require("command"), f.path("command"));
  if (auto env = f.get("env"))
    out.env = parse_env(*env, f.path("env"));
  if (auto probe = f.get("readinessProbe"))
    out.readiness_path = parse_readiness(*probe, f.path("readinessProbe"));
  auto resource = f.get("resource");
  auto resources = f.get("resources");
  if (resource && resources)
    fail(f.path("resources"), "conflicts with " + f.path("resource") + " (use one spelling)");
  if (resource)
    out.resource = parse_resource(*resource, f.path("resource"));
  if (resources)
    out.resource = parse_resource(*resources, f.path("resources"));
  if (auto volumes = f.get("volumes"))
    out.volumes = parse_volumes(*volumes, f.path("volumes"));
  if (auto mounts = f.get("volumeMounts"))
    parse_mounts(*mounts, f.path("volumeMounts"), out.volumes);
  if (auto route = f.get("routePath"))
    out.route_path = dns_label_value(*route, f.path("routePath"));
  // Ever runs processes, not images: these are accepted so EverAI manifests load, and ignored.
  if (auto image = f.get("image"))
    string_value(*image, f.path("image"));
  if (auto port = f.get("port"))
    int_value(*port, f.path("port"), 1, 65535);
  if (auto autoscaler = f.get("autoscaler"))
    out.autoscaler = parse_autoscaler(*autoscaler, f.path("autoscaler"), catalog);
  if (auto n = f.get("concurrency"))
    out.concurrency = int_value(*n, f.path("concurrency"), 1);
  if (auto queue = f.get("queue"))
    out.queue = parse_queue(*queue, f.path("queue"));
  if (auto pub = f.get("public"))
    out.is_public = bool_value(*pub, f.path("public"));
}

app_spec parse_document(std::string_view yaml, const policy_catalog& catalog,
                        const std::string& ns_override) {
  auto doc = load_document(yaml);
  if (doc.IsNull())
    fail({}, "manifest is empty");
  fields top(doc, {}, {"version", "kind", "metadata", "spec"});
  auto version = string_value(top.require("version"), "version");
  if (version != "everai/v1alpha1")
    fail("version", "must be everai/v1alpha1, got " + quote(version));
  auto kind = string_value(top.require("kind"), "kind");
  if (kind != "App")
    fail("kind", "must be App, got " + quote(kind));

  app_spec out;
  fields meta(top.require("metadata"), "metadata", {"name", "namespace", "labels"});
  out.name = dns_label_value(meta.require("name"), meta.path("name"));
  if (auto ns = meta.get("namespace"))
    out.ns = dns_label_value(*ns, meta.path("namespace"));
  if (!ns_override.empty()) {
    if (!is_dns_label(ns_override))
      fail("namespace", "must be a DNS label, got " + quote(ns_override));
    out.ns = ns_override;
  }
  if (auto labels = meta.get("labels"))
    for_each_entry(*labels, meta.path("labels"),
                   [&](const std::string& key, const YAML::Node& value, const std::string& p) {
                     out.labels[key] = string_value(value, p);
                   });

  parse_spec(top.require("spec"), "spec", catalog, out);
  if (out.route_path.empty())
    out.route_path = out.name;
  return out;
}

} // namespace

expected<app_spec> parse_manifest(std::string_view yaml, const policy_catalog& catalog,
                                  const std::string& ns_override) {
  try {
    return parse_document(yaml, catalog, ns_override);
  } catch (const field_error& e) {
    return make_error(errc::invalid_manifest, e.message());
  } catch (const YAML::Exception& e) {
    // Reading nodes cannot fail once they are loaded, but a yaml-cpp bug must not escape.
    return make_error(errc::invalid_manifest, std::string{"malformed YAML: "} + e.what());
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string{"reading the manifest: "} + e.what());
  }
}

} // namespace ever::manifest
