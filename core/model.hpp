#pragma once
// Ever's data model: the app spec parsed from a manifest, and the records kept in the durable
// tables (apps, configmaps, secrets, workers, queue, decisions, events). Plain structs: storage
// encodes them, actors own them, the management API renders them.

#include "core/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever {

// -- app spec -------------------------------------------------------------------------------------

/// Where a value comes from: a ConfigMap or a Secret key.
struct key_ref {
  enum class source : uint8_t { config_map, secret };
  source kind = source::config_map;
  std::string name; ///< ConfigMap/Secret name (same namespace as the app)
  std::string key;
};

/// A literal value or a reference resolved at use time.
struct value_source {
  std::string value;          ///< used when `ref` is empty
  std::optional<key_ref> ref; ///< resolved at every use (autoscaler args) or at worker start (env)
};

/// One environment variable of the worker process.
struct env_var {
  std::string name;
  value_source value;
};

/// A ConfigMap or Secret materialised as files for the worker.
struct volume_spec {
  std::string name;
  key_ref::source kind = key_ref::source::config_map;
  std::string source_name;                              ///< ConfigMap/Secret name
  std::vector<std::pair<std::string, std::string>> items; ///< key -> relative path; empty = all keys
  std::string mount_path;                               ///< from volumeMounts; informational
};

/// Placement requirements of one worker.
struct resource_spec {
  double cpu = 1;
  int64_t memory_mb = 1024;
  int64_t gpu = 0;
};

/// A factors or arguments decorator of a builtin autoscaler.
struct decorator_spec {
  std::string name;
  std::map<std::string, value_source> arguments;
};

/// How the app scales.
struct autoscaler_spec {
  enum class kind_t : uint8_t { builtin, manual, container };
  kind_t kind = kind_t::builtin;
  std::string name = "simple";                    ///< builtin policy name
  std::map<std::string, value_source> arguments;  ///< builtin arguments (strings, int() semantics)
  std::vector<decorator_spec> factor_decorators;  ///< applied first, in order
  std::vector<decorator_spec> argument_decorators;///< applied second, in order
  int64_t default_worker_num = 1;                 ///< manual
  std::vector<std::string> container_command;     ///< container: the policy process
  int64_t container_port = 0;                     ///< container: 0 = assign one
  std::string container_entry_path = "/-everai-/autoscaler";
};

/// Queue limits of the app (Ever's addition).
struct queue_spec {
  int64_t max_length = 1000;          ///< over it: 429
  int64_t wait_timeout_ms = 120'000;  ///< longer: 504
};

/// Everything a manifest says about an app.
struct app_spec {
  std::string name;
  std::string ns = "default";
  std::map<std::string, std::string> labels;
  std::vector<std::string> command;
  std::vector<env_var> env;
  std::string readiness_path = "/-everai-/healthy";
  resource_spec resource;
  std::vector<volume_spec> volumes;
  std::string route_path; ///< defaults to the app name
  autoscaler_spec autoscaler;
  int64_t concurrency = 1; ///< requests in flight per worker
  queue_spec queue;
  bool is_public = false; ///< no bearer token needed on its route
};

// -- records --------------------------------------------------------------------------------------

enum class app_status : uint8_t { deployed, paused, deleting };

/// apps table, key "ns/name".
struct app_record {
  app_spec spec;
  std::string manifest; ///< the YAML as submitted, for `app get -o yaml`
  uint64_t revision = 1;
  app_status status = app_status::deployed;
  time_ms created_at = 0;
  time_ms updated_at = 0;
};

/// configmaps and secrets tables, key "ns/name".
struct config_record {
  std::string ns = "default";
  std::string name;
  std::map<std::string, std::string> data;
  uint64_t revision = 1;
  time_ms created_at = 0;
  time_ms updated_at = 0;
};

enum class worker_status : uint8_t {
  created, initialized, pending, running, terminating, terminated, error
};
enum class worker_detail : uint8_t { none, in_flight, free, busy, remove };

/// workers table, key "ns/app/worker_id".
struct worker_record {
  std::string id;
  std::string ns = "default";
  std::string app;
  std::string node = "local";
  worker_status status = worker_status::created;
  worker_detail detail = worker_detail::in_flight;
  int64_t pid = 0;
  uint64_t proc_start_time = 0; ///< /proc/<pid>/stat field 22 (clock ticks since boot)
  uint16_t port = 0;
  uint64_t app_revision = 1;
  time_ms created_at = 0;
  time_ms started_at = 0;      ///< became RUNNING
  time_ms deleted_at = 0;
  time_ms last_service_at = 0; ///< end of the last request; = started_at if never used
  uint64_t success_count = 0;
  uint64_t failure_count = 0;
  std::string message; ///< why it is in ERROR / TERMINATED
};

/// insufficient_resources is only shown (the queue's view while no node has room), never stored.
enum class queue_reason : uint8_t { worker_busy, session, not_dispatch, insufficient_resources };

/// queue table, key "ns/app/" + be64(seq): a request waiting for a worker.
struct queue_entry_record {
  uint64_t seq = 0;
  time_ms created_at = 0;
  queue_reason reason = queue_reason::worker_busy;
  std::string session; ///< x-everai-session-id, if any
};

/// decisions table, key "ns/app/" + be64(seq): one scaler decision that acted.
struct decision_record {
  uint64_t seq = 0;
  time_ms at = 0;
  std::string policy;
  std::map<std::string, int64_t> arguments; ///< resolved, after argument decorators
  std::string factors_json;                 ///< the Factors given to decide (§1.2 shape)
  std::string result_json;                  ///< the DecideResult (§1.3 shape)
  std::string reason;                       ///< one line in words
};

enum class event_type : uint8_t { normal, warning };

/// events table, key "ns/app/" + be64(seq).
struct event_record {
  uint64_t seq = 0;
  event_type type = event_type::normal;
  std::string from; ///< e.g. "Scheduler", "AppServer", "Autoscaler", "Node"
  time_ms created_at = 0;
  std::string message;
};

// -- display names (CLI / JSON) -------------------------------------------------------------------

const char* to_string(app_status s);     ///< "DEPLOYED", "PAUSED", "DELETING"
const char* to_string(worker_status s);  ///< "CREATED" ... "ERROR"
const char* to_string(worker_detail d);  ///< "", "IN_FLIGHT", "FREE", "BUSY", "REMOVE"
const char* to_string(queue_reason r);   ///< "WorkerBusy", "Session", "NotDispatch"
const char* to_string(event_type t);     ///< "NORMAL", "WARNING"

/// True for TERMINATED and ERROR: the worker will never serve again.
inline bool is_final(worker_status s) {
  return s == worker_status::terminated || s == worker_status::error;
}

/// "ns/name": the key of an app, ConfigMap or Secret.
inline std::string qualified_name(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

} // namespace ever
