#pragma once
// Interface of the control service: what a remote gateway (everd --roles gateway) asks of the
// control node. The gate hands it out under the name "control" (cluster_messages.hpp). Every
// message crosses processes; the types are registered by register_cluster_types.
//   (routes_atom) -> cluster::route_snapshot
//        the route table (with each app's queue actor and queue wait timeout) and the token
//        hashes; the gateway polls it and answers resolve/check_token from its own copy
//   (admin::mgmt_atom, admin::mgmt_request) -> admin::mgmt_reply
//        one management API call, served by the control node's admin actor
// Leases and releases go straight to the app's queue actor (queue_messages.hpp), so every
// gateway of the cluster shares one queue per app.

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ever::cluster {

using routes_atom = caf::atom_constant<caf::atom("routes")>;

/// One entry of the route table (shared_view::route_map) as it travels.
struct route_row {
  std::string key; ///< route path or "ns/app"
  std::string ns;
  std::string app;
  bool is_public = false;
  caf::actor queue;
  int64_t wait_timeout_ms = 0; ///< the app's queue wait timeout: a remote lease waits this long
};

/// Everything a remote gateway needs to route and authenticate without asking an actor.
struct route_snapshot {
  uint64_t version = 0; ///< grows whenever routes or tokens changed on the control node
  std::vector<route_row> routes;
  std::vector<std::string> token_hashes; ///< SHA-256 hex of the valid bearer tokens
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_row& x) {
  return f(caf::meta::type_name("ever.route_row"), x.key, x.ns, x.app, x.is_public, x.queue,
           x.wait_timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_snapshot& x) {
  return f(caf::meta::type_name("ever.route_snapshot"), x.version, x.routes, x.token_hashes);
}

} // namespace ever::cluster
