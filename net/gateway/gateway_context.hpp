#pragma once
// State shared by the listener and every session of one gateway_server. Internal.

#include "core/knobs.hpp"
#include "net/control_port.hpp"
#include "net/gateway/gateway_metrics.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace ever::net::gateway_detail {

class session;

/// Port callbacks can fire on any thread at any time, even after the server is gone. They post
/// to the io_context only while the gate is open (shared lock held across the post); stop()
/// closes it before the io_context goes away.
struct port_gate {
  std::shared_mutex mu;
  bool open = true;
};

/// Owns one grant until it is released; a guard dropped unreleased (server stopping, session
/// gone) releases as client_gone, so every grant is released exactly once on every path.
class lease_guard {
public:
  lease_guard(control_port& port, std::shared_ptr<const route_match> route, lease_grant grant)
      : port_(&port), route_(std::move(route)), grant_(std::move(grant)) {}
  lease_guard(lease_guard&& other) noexcept
      : port_(std::exchange(other.port_, nullptr)), route_(std::move(other.route_)),
        grant_(std::move(other.grant_)) {}
  lease_guard& operator=(lease_guard&&) = delete;
  lease_guard(const lease_guard&) = delete;
  ~lease_guard() { release(lease_end::client_gone); }

  /// Releases now with `how`; later calls do nothing.
  void release(lease_end how) noexcept {
    if (auto* p = std::exchange(port_, nullptr)) {
      try {
        p->release(*route_, grant_, how);
      } catch (...) {
        // The port broke its contract; nothing sensible to do from here.
      }
    }
  }
  const lease_grant& grant() const { return grant_; }

private:
  control_port* port_;
  std::shared_ptr<const route_match> route_;
  lease_grant grant_;
};

/// Shared by all sessions of a server.
struct gateway_context {
  gateway_context(control_port& p, const knobs& kn);

  control_port& port;
  const knobs k;
  gateway_metrics metrics;
  std::shared_ptr<port_gate> gate = std::make_shared<port_gate>();
  std::atomic<bool> stopping{false}; ///< no new requests: answer the current one, then close
  std::atomic<int64_t> connections{0};

  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void request_finished();
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  /// Waits until in_flight() is 0 (true) or `grace` passes (false).
  bool wait_idle(std::chrono::milliseconds grace);

  // The registry keeps sessions alive while they wait on the port (port callbacks hold only
  // weak references, see port_gate) and lets stop() reach every connection.
  void add(std::shared_ptr<session> s);
  void forget(session* s);
  std::vector<std::shared_ptr<session>> sessions_snapshot();
  size_t session_count();
  void clear_sessions();

private:
  std::atomic<int64_t> in_flight_{0};
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  std::mutex sessions_mu_;
  std::unordered_map<session*, std::shared_ptr<session>> sessions_;
};

} // namespace ever::net::gateway_detail
