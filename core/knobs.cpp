#include "core/knobs.hpp"

#include <charconv>

namespace ever {

namespace {
template <class T>
bool parse_into(T& out, const std::string& text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v < 0)
    return false;
  out = static_cast<T>(v);
  return true;
}
} // namespace

bool knobs::set(const std::string& name, const std::string& value) {
#define EVER_KNOB(field)                                                                          \
  if (name == #field)                                                                             \
    return parse_into(field, value);
  EVER_KNOB(idle_check_interval_ms)
  EVER_KNOB(history_sample_interval_ms)
  EVER_KNOB(container_policy_timeout_ms)
  EVER_KNOB(container_policy_restart_max_ms)
  EVER_KNOB(container_policy_event_interval_ms)
  EVER_KNOB(container_policy_port_first)
  EVER_KNOB(container_policy_port_last)
  EVER_KNOB(readiness_timeout_ms)
  EVER_KNOB(readiness_poll_ms)
  EVER_KNOB(drain_timeout_ms)
  EVER_KNOB(terminate_grace_ms)
  EVER_KNOB(worker_port_first)
  EVER_KNOB(worker_port_last)
  EVER_KNOB(queue_max_length)
  EVER_KNOB(queue_wait_timeout_ms)
  EVER_KNOB(session_ttl_ms)
  EVER_KNOB(retry_after_s)
  EVER_KNOB(queue_durability)
  EVER_KNOB(upstream_connect_timeout_ms)
  EVER_KNOB(header_timeout_ms)
  EVER_KNOB(client_watch_delay_ms)
  EVER_KNOB(max_body_bytes)
  EVER_KNOB(max_header_bytes)
  EVER_KNOB(max_uri_bytes)
  EVER_KNOB(upstream_pool_per_worker)
  EVER_KNOB(gateway_threads)
  EVER_KNOB(gateway_idle_poll_us)
  EVER_KNOB(remote_refresh_ms)
  EVER_KNOB(remote_call_timeout_ms)
  EVER_KNOB(remote_manage_timeout_ms)
  EVER_KNOB(remote_lease_margin_ms)
  EVER_KNOB(remote_reconnect_ms)
  EVER_KNOB(node_heartbeat_ms)
  EVER_KNOB(node_timeout_ms)
  EVER_KNOB(cpu_overcommit_percent)
  EVER_KNOB(events_kept_per_app)
  EVER_KNOB(decisions_kept_per_app)
  EVER_KNOB(shutdown_grace_ms)
#undef EVER_KNOB
  return false;
}

} // namespace ever
