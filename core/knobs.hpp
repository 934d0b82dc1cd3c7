#pragma once
// Every timeout and limit in one place, so tests can shrink them. everd fills this from its
// command line (`--knob name=value`); defaults are the production values.

#include <cstdint>
#include <string>

namespace ever {

struct knobs {
  // scaler
  int64_t idle_check_interval_ms = 1000;   ///< timer for idle scale-down checks
  int64_t history_sample_interval_ms = 10'000; ///< queue/worker history samples for decorators
  // container autoscaler (the user's policy process)
  int64_t container_policy_timeout_ms = 2000;        ///< one call to the policy, connect to reply
  int64_t container_policy_restart_max_ms = 30'000;  ///< restart backoff cap (1 s, 2 s, 4 s ...)
  int64_t container_policy_event_interval_ms = 60'000; ///< same failure event at most this often
  uint16_t container_policy_port_first = 30000;      ///< policy ports (manifest port 0) from here
  uint16_t container_policy_port_last = 30999;
  // workers
  int64_t readiness_timeout_ms = 120'000;  ///< worker not ready by then -> ERROR
  int64_t readiness_poll_ms = 50;          ///< probe interval while starting
  int64_t drain_timeout_ms = 300'000;      ///< wait for in-flight requests before SIGTERM anyway
  int64_t terminate_grace_ms = 10'000;     ///< SIGTERM -> SIGKILL
  uint16_t worker_port_first = 20000;      ///< worker ports are picked from this range
  uint16_t worker_port_last = 29999;
  // queue and sessions
  int64_t queue_max_length = 1000;         ///< default when the manifest sets none
  int64_t queue_wait_timeout_ms = 120'000; ///< default when the manifest sets none
  int64_t session_ttl_ms = 600'000;        ///< session forgotten after this long unused
  int64_t retry_after_s = 1;               ///< Retry-After on 429
  /// How waiting requests are written to the queue table: 0 = not at all (no `queue` rows;
  /// `ever app queue` still works, it reads the queue actor), 1 = relaxed (WAL, no fsync),
  /// 2 = fsynced. The rows are observations, never acknowledged state (see queue_actor.hpp).
  int64_t queue_durability = 1;
  // gateway
  int64_t upstream_connect_timeout_ms = 5000;
  int64_t header_timeout_ms = 10'000;      ///< whole request header must arrive by then
  /// A proxied request still running after this long gets its client watched for hang-ups.
  int64_t client_watch_delay_ms = 1000;
  int64_t max_body_bytes = 64 << 20;       ///< 413 above
  int64_t max_header_bytes = 16 << 10;     ///< 431 above
  int64_t max_uri_bytes = 8 << 10;         ///< 414 above
  int64_t upstream_pool_per_worker = 64;   ///< idle keep-alive connections per worker and loop
  int gateway_threads = 1;                 ///< HTTP server threads, one event loop each (ADR 0008)
  /// An idle gateway loop polls this long for the next event before sleeping, while such polls
  /// keep finding work in time (ADR 0009); 0 = always sleep at once.
  int64_t gateway_idle_poll_us = 100;
  // remote gateway (everd --roles gateway --join HOST:PORT)
  int64_t remote_refresh_ms = 500;          ///< poll of the control node's routes and tokens
  int64_t remote_call_timeout_ms = 5000;    ///< gate lookup and one routes snapshot request
  int64_t remote_manage_timeout_ms = 60'000; ///< one management API call via the control node
  int64_t remote_lease_margin_ms = 5000;    ///< a remote lease waits queue wait timeout + this
  int64_t remote_reconnect_ms = 1000;       ///< retry interval while the control node is away
  // retention
  int64_t events_kept_per_app = 1000;
  int64_t decisions_kept_per_app = 10'000;
  // cluster
  int64_t node_heartbeat_ms = 1000;        ///< nodes beat this often; the middleman beats too
  int64_t node_timeout_ms = 10'000;        ///< a node silent this long is declared dead
  int64_t cpu_overcommit_percent = 400;    ///< detected cores offered as this % of CPU requests
  // shutdown
  int64_t shutdown_grace_ms = 30'000;      ///< SIGTERM: in-flight requests get this long

  /// Sets knob `name` (e.g. "idle_check_interval_ms") from text; false if unknown or not a number.
  bool set(const std::string& name, const std::string& value);
};

} // namespace ever
