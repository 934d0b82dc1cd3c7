#include "net/bridge/caf_control_port.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/queue/shared_queue.hpp"

#include <caf/send.hpp>

namespace ever::net {

std::optional<route_match> match_route(const shared_view::route_map& routes,
                                       std::string_view path) {
  path = path.substr(0, path.find('?'));
  auto first_end = path.find('/');
  auto first = path.substr(0, first_end);
  auto rest_of = [&](size_t from) {
    return from == std::string_view::npos || from >= path.size()
             ? std::string{"/"}
             : std::string{path.substr(from)};
  };
  if (auto it = routes.find(std::string{first}); it != routes.end())
    return route_match{it->second.ns, it->second.app, it->second.is_public, rest_of(first_end),
                       it->second.lane};
  if (first_end == std::string_view::npos)
    return std::nullopt;
  auto second_end = path.find('/', first_end + 1);
  auto key = std::string{path.substr(0, second_end)}; // "ns/app"
  if (auto it = routes.find(key); it != routes.end())
    return route_match{it->second.ns, it->second.app, it->second.is_public, rest_of(second_end),
                       it->second.lane};
  return std::nullopt;
}

lease_grant to_lease_grant(queue::grant g) {
  return lease_grant{g.lease_id, std::move(g.worker_id), std::move(g.host), g.port};
}

caf_control_port::caf_control_port(shared_view& view, metrics_registry& metrics, caf::actor admin)
  : view_(view), metrics_(metrics), admin_(std::move(admin)) {
}

std::optional<route_match> caf_control_port::resolve(std::string_view path) {
  return match_route(*view_.routes(), path);
}

bool caf_control_port::check_token(std::string_view token) {
  return view_.check_token(token);
}

caf::actor caf_control_port::queue_of(const route_match& route) const {
  auto routes = view_.routes();
  auto it = routes->find(route.ns + "/" + route.app);
  return it == routes->end() ? caf::actor{} : it->second.queue;
}

std::optional<lease_grant> caf_control_port::try_lease(const route_match& route,
                                                      const std::string& session) {
  if (!route.lane)
    return std::nullopt;
  auto g = route.lane->try_lease(session);
  if (!g)
    return std::nullopt;
  return to_lease_grant(std::move(*g));
}

void caf_control_port::lease(const route_match& route, std::string session, lease_callback cb) {
  auto queue = queue_of(route);
  if (!queue) {
    cb(make_error(errc::not_found, "app " + route.ns + "/" + route.app + " not found"));
    return;
  }
  queue::lease_callback qcb{[cb = std::move(cb)](expected<queue::grant> g) {
    if (!g) {
      cb(g.error());
      return;
    }
    cb(to_lease_grant(std::move(*g)));
  }};
  caf::anon_send(queue, queue::lease_atom::value, std::move(session), std::move(qcb));
}

void caf_control_port::release(const route_match& route, const lease_grant& grant, lease_end how) {
  // A client that went away says nothing about the worker: only worker_failed counts as failure.
  bool success = how != lease_end::worker_failed;
  if (route.lane && route.lane->try_release(grant.lease_id, success))
    return;
  auto queue = queue_of(route);
  if (!queue)
    return; // app deleted meanwhile: its queue is gone with its leases
  caf::anon_send(queue, queue::release_atom::value, grant.lease_id, success);
}

void caf_control_port::manage(http_call call, reply_callback cb) {
  admin::mgmt_request req{std::move(call.method), std::move(call.target), std::move(call.body)};
  admin::mgmt_callback acb{[cb = std::move(cb)](admin::mgmt_reply r) {
    cb(http_reply{r.status, std::move(r.content_type), std::move(r.body), std::move(r.headers)});
  }};
  caf::anon_send(admin_, admin::mgmt_atom::value, std::move(req), std::move(acb));
}

std::string caf_control_port::metrics() {
  return metrics_.render();
}

} // namespace ever::net
