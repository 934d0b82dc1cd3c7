#pragma once
// Internal to the codec: the msgpack field names of every model struct, listed once and used by
// both encode and decode so the two directions cannot drift apart. Renaming a field here changes
// the on-disk format; adding one is compatible (old readers ignore it, new readers default it).

#include "core/model.hpp"

#include <type_traits>

namespace ever::storage::detail {

/// Enables an overload for S = T or S = const T (encode visits const records, decode mutable).
template <class T, class S>
using if_struct = std::enable_if_t<std::is_same_v<std::remove_const_t<S>, T>, int>;

// -- app spec -------------------------------------------------------------------------------------

/// Calls f(name, member) for every field of a key_ref.
template <class S, class F, if_struct<key_ref, S> = 0>
void fields_of(S& s, F&& f) {
  f("kind", s.kind);
  f("name", s.name);
  f("key", s.key);
}

/// Calls f(name, member) for every field of a value_source.
template <class S, class F, if_struct<value_source, S> = 0>
void fields_of(S& s, F&& f) {
  f("value", s.value);
  f("ref", s.ref);
}

/// Calls f(name, member) for every field of an env_var.
template <class S, class F, if_struct<env_var, S> = 0>
void fields_of(S& s, F&& f) {
  f("name", s.name);
  f("value", s.value);
}

/// Calls f(name, member) for every field of a volume_spec.
template <class S, class F, if_struct<volume_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("name", s.name);
  f("kind", s.kind);
  f("source_name", s.source_name);
  f("items", s.items);
  f("mount_path", s.mount_path);
}

/// Calls f(name, member) for every field of a resource_spec.
template <class S, class F, if_struct<resource_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("cpu", s.cpu);
  f("memory_mb", s.memory_mb);
  f("gpu", s.gpu);
}

/// Calls f(name, member) for every field of a decorator_spec.
template <class S, class F, if_struct<decorator_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("name", s.name);
  f("arguments", s.arguments);
}

/// Calls f(name, member) for every field of an autoscaler_spec.
template <class S, class F, if_struct<autoscaler_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("kind", s.kind);
  f("name", s.name);
  f("arguments", s.arguments);
  f("factor_decorators", s.factor_decorators);
  f("argument_decorators", s.argument_decorators);
  f("default_worker_num", s.default_worker_num);
  f("container_command", s.container_command);
  f("container_port", s.container_port);
  f("container_entry_path", s.container_entry_path);
}

/// Calls f(name, member) for every field of a queue_spec.
template <class S, class F, if_struct<queue_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("max_length", s.max_length);
  f("wait_timeout_ms", s.wait_timeout_ms);
}

/// Calls f(name, member) for every field of an app_spec.
template <class S, class F, if_struct<app_spec, S> = 0>
void fields_of(S& s, F&& f) {
  f("name", s.name);
  f("ns", s.ns);
  f("labels", s.labels);
  f("command", s.command);
  f("env", s.env);
  f("readiness_path", s.readiness_path);
  f("resource", s.resource);
  f("volumes", s.volumes);
  f("route_path", s.route_path);
  f("autoscaler", s.autoscaler);
  f("concurrency", s.concurrency);
  f("queue", s.queue);
  f("is_public", s.is_public);
}

// -- records --------------------------------------------------------------------------------------

/// Calls f(name, member) for every field of an app_record.
template <class S, class F, if_struct<app_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("spec", s.spec);
  f("manifest", s.manifest);
  f("revision", s.revision);
  f("status", s.status);
  f("created_at", s.created_at);
  f("updated_at", s.updated_at);
}

/// Calls f(name, member) for every field of a config_record.
template <class S, class F, if_struct<config_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("ns", s.ns);
  f("name", s.name);
  f("data", s.data);
  f("revision", s.revision);
  f("created_at", s.created_at);
  f("updated_at", s.updated_at);
}

/// Calls f(name, member) for every field of a worker_record.
template <class S, class F, if_struct<worker_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("id", s.id);
  f("ns", s.ns);
  f("app", s.app);
  f("node", s.node);
  f("status", s.status);
  f("detail", s.detail);
  f("pid", s.pid);
  f("proc_start_time", s.proc_start_time);
  f("port", s.port);
  f("app_revision", s.app_revision);
  f("created_at", s.created_at);
  f("started_at", s.started_at);
  f("deleted_at", s.deleted_at);
  f("last_service_at", s.last_service_at);
  f("success_count", s.success_count);
  f("failure_count", s.failure_count);
  f("message", s.message);
}

/// Calls f(name, member) for every field of a queue_entry_record.
template <class S, class F, if_struct<queue_entry_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("seq", s.seq);
  f("created_at", s.created_at);
  f("reason", s.reason);
  f("session", s.session);
}

/// Calls f(name, member) for every field of a decision_record.
template <class S, class F, if_struct<decision_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("seq", s.seq);
  f("at", s.at);
  f("policy", s.policy);
  f("arguments", s.arguments);
  f("factors_json", s.factors_json);
  f("result_json", s.result_json);
  f("reason", s.reason);
}

/// Calls f(name, member) for every field of an event_record.
template <class S, class F, if_struct<event_record, S> = 0>
void fields_of(S& s, F&& f) {
  f("seq", s.seq);
  f("type", s.type);
  f("from", s.from);
  f("created_at", s.created_at);
  f("message", s.message);
}

// -- enum ranges ----------------------------------------------------------------------------------
// The highest valid value of each enum: decode refuses anything above it. Update with the enum.

constexpr key_ref::source last_value(key_ref::source) { return key_ref::source::secret; }
constexpr autoscaler_spec::kind_t last_value(autoscaler_spec::kind_t) {
  return autoscaler_spec::kind_t::container;
}
constexpr app_status last_value(app_status) { return app_status::deleting; }
constexpr worker_status last_value(worker_status) { return worker_status::error; }
constexpr worker_detail last_value(worker_detail) { return worker_detail::remove; }
constexpr queue_reason last_value(queue_reason) { return queue_reason::not_dispatch; }
constexpr event_type last_value(event_type) { return event_type::warning; }

/// A callable accepting any field, used to detect which types have a field list.
struct any_field {
  template <class T>
  void operator()(const char*, T&) const {}
};

/// True for the model structs that have a fields_of overload.
template <class S, class = void>
struct has_fields : std::false_type {};
template <class S>
struct has_fields<S, std::void_t<decltype(fields_of(std::declval<S&>(), any_field{}))>>
  : std::true_type {};

} // namespace ever::storage::detail
