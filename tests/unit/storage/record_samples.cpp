#include "unit/storage/record_samples.hpp"

#include <limits>

namespace ever::test {

namespace {

std::string join(const std::string& path, const char* field) {
  return path.empty() ? std::string{field} : path + "." + field;
}

template <class T>
void same(field_diff& d, const std::string& path, const char* field, const T& a, const T& b) {
  d.leaf(join(path, field), a == b);
}

/// Element-wise for vectors of structs; a size mismatch is one differing leaf.
template <class T>
void each(field_diff& d, const std::string& path, const char* field, const std::vector<T>& a,
          const std::vector<T>& b) {
  auto p = join(path, field);
  if (a.size() != b.size() || a.empty()) {
    d.leaf(p, a.size() == b.size());
    return;
  }
  for (size_t i = 0; i < a.size(); ++i)
    compare(d, p + "[" + std::to_string(i) + "]", a[i], b[i]);
}

/// Key-wise for maps of structs; different key sets are one differing leaf.
template <class V>
void each(field_diff& d, const std::string& path, const char* field,
          const std::map<std::string, V>& a, const std::map<std::string, V>& b) {
  auto p = join(path, field);
  bool same_keys = a.size() == b.size();
  for (auto i = a.begin(), j = b.begin(); same_keys && i != a.end(); ++i, ++j)
    same_keys = i->first == j->first;
  if (!same_keys || a.empty()) {
    d.leaf(p, same_keys);
    return;
  }
  for (const auto& [k, v] : a)
    compare(d, p + "[" + k + "]", v, b.at(k));
}

} // namespace

// -- comparisons: one line per field, written from core/model.hpp ------------------------------

void compare(field_diff& d, const std::string& p, const key_ref& a, const key_ref& b) {
  same(d, p, "kind", a.kind, b.kind);
  same(d, p, "name", a.name, b.name);
  same(d, p, "key", a.key, b.key);
}

void compare(field_diff& d, const std::string& p, const value_source& a, const value_source& b) {
  same(d, p, "value", a.value, b.value);
  if (a.ref && b.ref)
    compare(d, join(p, "ref"), *a.ref, *b.ref);
  else
    d.leaf(join(p, "ref"), a.ref.has_value() == b.ref.has_value());
}

void compare(field_diff& d, const std::string& p, const env_var& a, const env_var& b) {
  same(d, p, "name", a.name, b.name);
  compare(d, join(p, "value"), a.value, b.value);
}

void compare(field_diff& d, const std::string& p, const volume_spec& a, const volume_spec& b) {
  same(d, p, "name", a.name, b.name);
  same(d, p, "kind", a.kind, b.kind);
  same(d, p, "source_name", a.source_name, b.source_name);
  same(d, p, "items", a.items, b.items);
  same(d, p, "mount_path", a.mount_path, b.mount_path);
}

void compare(field_diff& d, const std::string& p, const resource_spec& a,
             const resource_spec& b) {
  same(d, p, "cpu", a.cpu, b.cpu);
  same(d, p, "memory_mb", a.memory_mb, b.memory_mb);
  same(d, p, "gpu", a.gpu, b.gpu);
}

void compare(field_diff& d, const std::string& p, const decorator_spec& a,
             const decorator_spec& b) {
  same(d, p, "name", a.name, b.name);
  each(d, p, "arguments", a.arguments, b.arguments);
}

void compare(field_diff& d, const std::string& p, const autoscaler_spec& a,
             const autoscaler_spec& b) {
  same(d, p, "kind", a.kind, b.kind);
  same(d, p, "name", a.name, b.name);
  each(d, p, "arguments", a.arguments, b.arguments);
  each(d, p, "factor_decorators", a.factor_decorators, b.factor_decorators);
  each(d, p, "argument_decorators", a.argument_decorators, b.argument_decorators);
  same(d, p, "default_worker_num", a.default_worker_num, b.default_worker_num);
  same(d, p, "container_command", a.container_command, b.container_command);
  same(d, p, "container_port", a.container_port, b.container_port);
  same(d, p, "container_entry_path", a.container_entry_path, b.container_entry_path);
}

void compare(field_diff& d, const std::string& p, const queue_spec& a, const queue_spec& b) {
  same(d, p, "max_length", a.max_length, b.max_length);
  same(d, p, "wait_timeout_ms", a.wait_timeout_ms, b.wait_timeout_ms);
}

void compare(field_diff& d, const std::string& p, const app_spec& a, const app_spec& b) {
  same(d, p, "name", a.name, b.name);
  same(d, p, "ns", a.ns, b.ns);
  same(d, p, "labels", a.labels, b.labels);
  same(d, p, "command", a.command, b.command);
  each(d, p, "env", a.env, b.env);
  same(d, p, "readiness_path", a.readiness_path, b.readiness_path);
  compare(d, join(p, "resource"), a.resource, b.resource);
  each(d, p, "volumes", a.volumes, b.volumes);
  same(d, p, "route_path", a.route_path, b.route_path);
  compare(d, join(p, "autoscaler"), a.autoscaler, b.autoscaler);
  same(d, p, "concurrency", a.concurrency, b.concurrency);
  compare(d, join(p, "queue"), a.queue, b.queue);
  same(d, p, "is_public", a.is_public, b.is_public);
}

void compare(field_diff& d, const std::string& p, const app_record& a, const app_record& b) {
  compare(d, join(p, "spec"), a.spec, b.spec);
  same(d, p, "manifest", a.manifest, b.manifest);
  same(d, p, "revision", a.revision, b.revision);
  same(d, p, "status", a.status, b.status);
  same(d, p, "created_at", a.created_at, b.created_at);
  same(d, p, "updated_at", a.updated_at, b.updated_at);
}

void compare(field_diff& d, const std::string& p, const config_record& a,
             const config_record& b) {
  same(d, p, "ns", a.ns, b.ns);
  same(d, p, "name", a.name, b.name);
  same(d, p, "data", a.data, b.data);
  same(d, p, "revision", a.revision, b.revision);
  same(d, p, "created_at", a.created_at, b.created_at);
  same(d, p, "updated_at", a.updated_at, b.updated_at);
}

void compare(field_diff& d, const std::string& p, const worker_record& a,
             const worker_record& b) {
  same(d, p, "id", a.id, b.id);
  same(d, p, "ns", a.ns, b.ns);
  same(d, p, "app", a.app, b.app);
  same(d, p, "node", a.node, b.node);
  same(d, p, "status", a.status, b.status);
  same(d, p, "detail", a.detail, b.detail);
  same(d, p, "pid", a.pid, b.pid);
  same(d, p, "proc_start_time", a.proc_start_time, b.proc_start_time);
  same(d, p, "port", a.port, b.port);
  same(d, p, "app_revision", a.app_revision, b.app_revision);
  same(d, p, "created_at", a.created_at, b.created_at);
  same(d, p, "started_at", a.started_at, b.started_at);
  same(d, p, "deleted_at", a.deleted_at, b.deleted_at);
  same(d, p, "last_service_at", a.last_service_at, b.last_service_at);
  same(d, p, "success_count", a.success_count, b.success_count);
  same(d, p, "failure_count", a.failure_count, b.failure_count);
  same(d, p, "message", a.message, b.message);
}

void compare(field_diff& d, const std::string& p, const queue_entry_record& a,
             const queue_entry_record& b) {
  same(d, p, "seq", a.seq, b.seq);
  same(d, p, "created_at", a.created_at, b.created_at);
  same(d, p, "reason", a.reason, b.reason);
  same(d, p, "session", a.session, b.session);
}

void compare(field_diff& d, const std::string& p, const decision_record& a,
             const decision_record& b) {
  same(d, p, "seq", a.seq, b.seq);
  same(d, p, "at", a.at, b.at);
  same(d, p, "policy", a.policy, b.policy);
  same(d, p, "arguments", a.arguments, b.arguments);
  same(d, p, "factors_json", a.factors_json, b.factors_json);
  same(d, p, "result_json", a.result_json, b.result_json);
  same(d, p, "reason", a.reason, b.reason);
}

void compare(field_diff& d, const std::string& p, const event_record& a, const event_record& b) {
  same(d, p, "seq", a.seq, b.seq);
  same(d, p, "type", a.type, b.type);
  same(d, p, "from", a.from, b.from);
  same(d, p, "created_at", a.created_at, b.created_at);
  same(d, p, "message", a.message, b.message);
}

// -- samples: every field differs from its default; enums at their highest value ---------------

key_ref sample_key_ref() { return {key_ref::source::secret, "creds", "api-token"}; }

value_source sample_value_source() { return {"literal-7", sample_key_ref()}; }

env_var sample_env_var() { return {"API_TOKEN", sample_value_source()}; }

volume_spec sample_volume_spec() {
  // A repeated key keeps its order: items are a list, not a map.
  return {"conf-vol", key_ref::source::secret, "tls-secret",
          {{"tls.crt", "certs/server.crt"}, {"tls.crt", "copy/server.crt"}}, "/etc/tls"};
}

resource_spec sample_resource_spec() { return {2.5, 4096, 2}; }

decorator_spec sample_decorator_spec() {
  return {"nighttime", {{"start", sample_value_source()}, {"end", {"06:00", std::nullopt}}}};
}

autoscaler_spec sample_autoscaler_spec() {
  autoscaler_spec a;
  a.kind = autoscaler_spec::kind_t::container;
  a.name = "queue-length";
  a.arguments = {{"min_workers", sample_value_source()}, {"max_workers", {"8", std::nullopt}}};
  a.factor_decorators = {sample_decorator_spec()};
  a.argument_decorators = {{"weekend", {{"factor", {"2", std::nullopt}}}},
                           sample_decorator_spec()};
  a.default_worker_num = 3;
  a.container_command = {"/bin/policy", "--verbose"};
  a.container_port = 9090;
  a.container_entry_path = "/scale";
  return a;
}

queue_spec sample_queue_spec() { return {50, 30'000}; }

app_spec sample_app_spec() {
  app_spec s;
  s.name = "hello-app";
  s.ns = "team-a";
  s.labels = {{"tier", "gold"}, {"owner", "ops"}};
  s.command = {"python3", "app.py", "--port", "8080"};
  s.env = {sample_env_var(), {"MODE", {"fast", std::nullopt}}};
  s.readiness_path = "/ready";
  s.resource = sample_resource_spec();
  s.volumes = {sample_volume_spec()};
  s.route_path = "/hello";
  s.autoscaler = sample_autoscaler_spec();
  s.concurrency = 4;
  s.queue = sample_queue_spec();
  s.is_public = true;
  return s;
}

app_record sample_app_record() {
  app_record r;
  r.spec = sample_app_spec();
  // Arbitrary bytes survive: a NUL, UTF-8, and a byte that is not valid UTF-8.
  r.manifest = std::string{"name: hello-app\n\0k\xc3\xbc\xff", 21};
  r.revision = 7;
  r.status = app_status::deleting;
  r.created_at = 1'700'000'000'001;
  r.updated_at = 1'700'000'000'002;
  return r;
}

config_record sample_config_record() {
  config_record r;
  r.ns = "team-b";
  r.name = "creds";
  r.data = {{"token", "s3cr3t"}, {"blob", std::string{"\0\x01\xfe", 3}}, {"empty", ""}};
  r.revision = 5;
  r.created_at = 1'700'000'000'003;
  r.updated_at = 1'700'000'000'004;
  return r;
}

worker_record sample_worker_record() {
  worker_record r;
  r.id = "6xBTCtJ6mJ3MQwVQvRN5fA";
  r.ns = "team-c";
  r.app = "hello-app";
  r.node = "node-7";
  r.status = worker_status::error;
  r.detail = worker_detail::remove;
  r.pid = 123'456;
  r.proc_start_time = 987'654'321'012;
  r.port = 65'535;
  r.app_revision = 9;
  r.created_at = 1'700'000'000'005;
  r.started_at = 1'700'000'000'006;
  r.deleted_at = 1'700'000'000'007;
  r.last_service_at = 1'700'000'000'008;
  r.success_count = std::numeric_limits<uint64_t>::max();
  r.failure_count = 17;
  r.message = "exited with code 1";
  return r;
}

queue_entry_record sample_queue_entry_record() {
  return {uint64_t{1} << 40, 1'700'000'000'009, queue_reason::not_dispatch, "session-42"};
}

decision_record sample_decision_record() {
  decision_record r;
  r.seq = 4242;
  r.at = 1'700'000'000'010;
  r.policy = "queue-length";
  r.arguments = {{"min_workers", 1},
                 {"max_workers", std::numeric_limits<int64_t>::max()},
                 {"offset", std::numeric_limits<int64_t>::min()},
                 {"delta", -5}};
  r.factors_json = R"({"queue":{"WorkerBusy":3}})";
  r.result_json = R"({"max_workers":8})";
  r.reason = "queue grew past 3";
  return r;
}

event_record sample_event_record() {
  return {77, event_type::warning, "Scheduler", 1'700'000'000'011, "worker failed its probe"};
}

} // namespace ever::test
