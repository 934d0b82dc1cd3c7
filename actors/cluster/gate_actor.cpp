#include "actors/cluster/gate_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

namespace ever::cluster {

namespace {

std::string known_names(const std::map<std::string, caf::actor>& services) {
  std::string out;
  for (const auto& [name, h] : services)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

caf::behavior gate(caf::event_based_actor* self, const control_context* ctx, gate_config cfg) {
  return {
    [=](lookup_atom, const std::string& service,
        const std::string& token) -> caf::result<caf::actor> {
      if (!ctx->view->check_token(token))
        return make_error(errc::unauthorized, "the admin token was not accepted");
      auto it = cfg.services.find(service);
      if (it == cfg.services.end())
        return make_error(errc::not_found, "no service '" + service + "' (known: "
                                             + known_names(cfg.services) + ")");
      return it->second;
    },
    [=](join_atom a, node_info& info, caf::actor& agent,
        const std::string& token) -> caf::result<join_reply> {
      if (!ctx->view->check_token(token))
        return make_error(errc::unauthorized, "the join token was not accepted");
      auto rp = self->make_response_promise();
      rp.delegate(cfg.membership, a, std::move(info), std::move(agent));
      return rp;
    },
    [=](beat_atom a, const std::string& node, uint64_t generation) {
      return self->delegate(cfg.membership, a, node, generation);
    },
  };
}

} // namespace

caf::actor spawn_gate(caf::actor_system& sys, const control_context& ctx, gate_config cfg) {
  return sys.spawn(gate, &ctx, std::move(cfg));
}

} // namespace ever::cluster
