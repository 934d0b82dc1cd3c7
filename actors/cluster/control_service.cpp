#include "actors/cluster/control_service.hpp"

#include "actors/admin/admin_messages.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <memory>

namespace ever::cluster {

namespace {

/// Local only: the admin actor answered management call `id`.
using mgmt_done_atom = caf::atom_constant<caf::atom("mgmtdone")>;

struct control_state {
  const control_context* ctx = nullptr;
  caf::actor admin;
  // The snapshot is rebuilt only when the directory published a new route table or new tokens
  // (shared_view is copy-on-write, so pointer identity says "unchanged"): gateways poll often.
  std::shared_ptr<const shared_view::route_map> routes_seen;
  std::shared_ptr<const std::vector<std::string>> tokens_seen;
  route_snapshot cached;
  uint64_t next_call = 1;
  std::map<uint64_t, caf::response_promise> calls; // management calls waiting for the admin
  static inline const char* name = "ever.control_service";
};

using self_ptr = caf::stateful_actor<control_state>*;

int64_t wait_timeout_of(const control_context& ctx, const std::string& ns, const std::string& app) {
  auto fallback = ctx.limits.queue_wait_timeout_ms;
  if (!ctx.db)
    return fallback;
  auto raw = ctx.db->get(storage::table::apps, storage::object_key(ns, app));
  if (!raw || !*raw)
    return fallback;
  auto rec = storage::decode<app_record>(**raw);
  return rec ? rec->spec.queue.wait_timeout_ms : fallback;
}

caf::behavior control_service(self_ptr self, const control_context* ctx, caf::actor admin) {
  self->state.ctx = ctx;
  self->state.admin = std::move(admin);
  // Lives and dies with the admin actor: everd's shutdown, which stops the admin, stops this too.
  if (self->state.admin)
    self->link_to(self->state.admin);
  return {
    [=](routes_atom) -> route_snapshot {
      auto& st = self->state;
      auto routes = st.ctx->view->routes();
      auto tokens = st.ctx->view->token_hashes();
      if (routes != st.routes_seen || tokens != st.tokens_seen) {
        st.cached = make_route_snapshot(
          *routes, *tokens,
          [&](const std::string& ns, const std::string& app) {
            return wait_timeout_of(*st.ctx, ns, app);
          },
          st.cached.version + 1);
        st.routes_seen = std::move(routes);
        st.tokens_seen = std::move(tokens);
      }
      return st.cached;
    },
    [=](admin::mgmt_atom a, admin::mgmt_request& req) -> caf::result<admin::mgmt_reply> {
      auto& st = self->state;
      auto id = st.next_call++;
      auto rp = self->make_response_promise();
      st.calls.emplace(id, rp);
      // The admin runs the callback on its own thread: hand the reply back to this actor, which
      // owns the promise, instead of delivering from there.
      caf::actor me = caf::actor_cast<caf::actor>(self);
      admin::mgmt_callback cb{[me, id](admin::mgmt_reply r) {
        caf::anon_send(me, mgmt_done_atom::value, id, std::move(r));
      }};
      self->send(st.admin, a, std::move(req), std::move(cb));
      return caf::delegated<admin::mgmt_reply>{};
    },
    [=](mgmt_done_atom, uint64_t id, admin::mgmt_reply& r) {
      auto& st = self->state;
      auto it = st.calls.find(id);
      if (it == st.calls.end())
        return;
      it->second.deliver(std::move(r));
      st.calls.erase(it);
    },
  };
}

} // namespace

route_snapshot make_route_snapshot(const shared_view::route_map& routes,
                                   const std::vector<std::string>& token_hashes,
                                   const wait_lookup& wait_of, uint64_t version) {
  route_snapshot out;
  out.version = version;
  out.token_hashes = token_hashes;
  std::map<std::string, int64_t> waits; // one lookup per app, however many routes lead to it
  for (const auto& [key, e] : routes) {
    auto app_key = e.ns + "/" + e.app;
    auto w = waits.find(app_key);
    if (w == waits.end())
      w = waits.emplace(app_key, wait_of(e.ns, e.app)).first;
    out.routes.push_back(route_row{key, e.ns, e.app, e.is_public, e.queue, w->second});
  }
  return out;
}

caf::actor spawn_control_service(caf::actor_system& sys, const control_context& ctx,
                                 caf::actor admin) {
  return sys.spawn(control_service, &ctx, std::move(admin));
}

} // namespace ever::cluster
