#pragma once
// control_port of a gateway-only everd (--roles gateway --join HOST:PORT): the HTTP front door on
// another host, dispatching through the control node's queue actors, so every gateway of the
// cluster shares one queue per app.
// - resolve/check_token read a local shared_view, refreshed from the control service
//   (control_messages.hpp) every knob remote_refresh_ms, and at once after a route miss
//   (at most 5 times per refresh interval) or a management call made through this gateway.
// - lease is a request to the app's remote queue with a finite timeout (queue wait timeout +
//   knob remote_lease_margin_ms: a request to a dead peer never answers otherwise).
// - release is a one-way send to the queue that granted the lease.
// - manage is a request to the control service.
// While the control node is unreachable every lease and management call fails at once with
// errc::unavailable (503) and a link thread reconnects every knob remote_reconnect_ms; a lost
// connection (down_msg, or a failed poll) fails the requests in flight at once.

#include "actors/cluster/cluster_link.hpp"
#include "actors/cluster/control_messages.hpp"
#include "actors/common/shared_view.hpp"
#include "core/knobs.hpp"
#include "net/control_port.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace ever::net {

/// Where the control node is and how to prove who we are.
struct remote_target {
  std::string host;
  uint16_t port = 0;
  cluster::link_options link; ///< TLS settings for the dial
  std::string token;          ///< admin token, checked by the gate
};

/// The route table and each app's queue wait timeout ("ns/app" -> ms) of a snapshot. Pure.
struct remote_tables {
  shared_view::route_map routes;
  std::map<std::string, int64_t> waits;
};
remote_tables tables_of(const cluster::route_snapshot& s);

/// How long a remote lease may wait for the queue's answer: its wait timeout plus the margin,
/// the knob's queue_wait_timeout_ms when unknown (<= 0). Pure.
int64_t lease_timeout_ms(int64_t wait_timeout_ms, const knobs& k);

/// An error of a remote call as the client sees it: Ever's errors pass through (queue_full,
/// queue_timeout, not_found...); CAF's (timeout, peer gone, cannot connect) become
/// errc::unavailable naming `what`. Pure.
caf::error remote_error(const caf::error& e, const std::string& what);

struct remote_state;

class remote_control_port final : public control_port {
public:
  /// Does not connect yet. `sys` must outlive this object and be configured with
  /// cluster::configure_link and cluster::register_cluster_types.
  remote_control_port(caf::actor_system& sys, const knobs& k, remote_target target);
  ~remote_control_port() override; ///< stop()

  /// Starts the link thread (connect, poll, reconnect) and the bridge actor.
  void start();
  /// Stops both; leases still waiting fail with errc::unavailable. Idempotent.
  void stop();

  /// True while the control service answers.
  bool connected() const;
  /// Waits until connected (true) or `limit` passed (false, `why` = the last connect error).
  /// Returns false at once if the gate refused the token (errc::unauthorized).
  bool wait_connected(std::chrono::milliseconds limit, caf::error& why);

  std::optional<route_match> resolve(std::string_view path) override;
  bool check_token(std::string_view token) override;
  void lease(const route_match& route, std::string session, lease_callback cb) override;
  void release(const route_match& route, const lease_grant& grant, lease_end how) override;
  void manage(http_call call, reply_callback cb) override;
  std::string metrics() override;

private:
  std::shared_ptr<remote_state> st_;
  std::thread link_;
};

} // namespace ever::net
