#pragma once
// control_port implemented with actor messages: routes and tokens come from the shared view
// (no actor asked), leases and management calls are one-way sends carrying a callback, so no
// gateway thread ever blocks on an actor.

#include "actors/common/metrics.hpp"
#include "actors/common/shared_view.hpp"
#include "actors/queue/queue_logic.hpp"
#include "net/control_port.hpp"

#include <caf/actor.hpp>

#include <functional>

namespace ever::net {

class caf_control_port final : public control_port {
public:
  /// `view` and `metrics` must outlive this object. `extra_metrics` (may be empty) appends text.
  caf_control_port(shared_view& view, metrics_registry& metrics, caf::actor admin);

  std::optional<route_match> resolve(std::string_view path) override;
  bool check_token(std::string_view token) override;
  std::optional<lease_grant> try_lease(const route_match& route,
                                       const std::string& session) override;
  void lease(const route_match& route, std::string session, lease_callback cb) override;
  void release(const route_match& route, const lease_grant& grant, lease_end how) override;
  void manage(http_call call, reply_callback cb) override;
  std::string metrics() override;

private:
  caf::actor queue_of(const route_match& route) const;

  shared_view& view_;
  metrics_registry& metrics_;
  caf::actor admin_;
};

/// The gateway's view of a queue's grant (local or remote queue alike).
lease_grant to_lease_grant(queue::grant g);

/// Splits a gateway path (after "/api/routes/v1/", query removed) against a route table:
/// "<route>/<rest>" wins over "<ns>/<app>/<rest>". Pure; exposed for tests.
std::optional<route_match> match_route(const shared_view::route_map& routes,
                                       std::string_view path);

} // namespace ever::net
