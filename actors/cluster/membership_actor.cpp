#include "actors/cluster/membership_actor.hpp"

#include "actors/cluster/cluster_state.hpp"
#include "storage/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <charconv>
#include <iostream>
#include <map>

namespace ever::cluster {

expected<uint64_t> next_generation(storage::store& db, const std::string& node) {
  auto key = "node-generation/" + node;
  auto stored = db.get(storage::table::meta, key);
  if (!stored)
    return stored.error();
  uint64_t last = 0;
  if (*stored)
    std::from_chars((*stored)->data(), (*stored)->data() + (*stored)->size(), last);
  storage::write_batch b;
  b.put(storage::table::meta, key, std::to_string(last + 1));
  if (auto err = db.write(b, storage::durability::sync))
    return err;
  return last + 1;
}

namespace {

/// One incarnation of a node, as its agent's address identifies it.
struct incarnation {
  std::string node;
  uint64_t generation = 0;
};

struct membership_state {
  const control_context* ctx = nullptr;
  caf::actor directory;
  std::map<caf::actor_addr, incarnation> agents;
  static inline const char* name = "ever.membership";
};

using self_ptr = caf::stateful_actor<membership_state>*;

void schedule_tick(self_ptr self) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.ctx->limits.node_heartbeat_ms),
                     tick_atom::value);
}

caf::behavior membership_actor(self_ptr self, const control_context* ctx, caf::actor directory) {
  self->state.ctx = ctx;
  self->state.directory = std::move(directory);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.agents.find(dm.source);
    if (it == st.agents.end())
      return;
    std::cerr << "everd: lost the connection to node " << it->second.node << " (generation "
              << it->second.generation << "): " << self->system().render(dm.reason) << std::endl;
    st.ctx->cluster->lost(it->second.node, it->second.generation, st.ctx->now());
    st.agents.erase(it);
  });
  schedule_tick(self);
  return {
    [=](join_atom, node_info& info, caf::actor& agent) -> caf::result<join_reply> {
      auto& st = self->state;
      if (info.name.empty() || !agent)
        return make_error(errc::invalid_argument, "a join needs a node name and a node agent");
      auto gen = next_generation(*st.ctx->db, info.name);
      if (!gen)
        return make_error(errc::unavailable, "cannot record the node's generation: "
                                               + message_of(gen.error()));
      self->monitor(agent);
      st.agents[agent.address()] = incarnation{info.name, *gen};
      auto name = info.name;
      auto reply = st.ctx->cluster->join(info, agent, *gen, st.ctx->now());
      reply.heartbeat_ms = st.ctx->limits.node_heartbeat_ms;
      std::cerr << "everd: node " << name << " joined (generation " << *gen << ", "
                << reply.keep_workers.size() << " worker(s) to keep)" << std::endl;
      // Workers recorded on this node re-adopt their processes through its new agent.
      self->send(st.directory, node_back_atom::value, name);
      return reply;
    },
    [=](beat_atom, const std::string& node, uint64_t generation) {
      return self->state.ctx->cluster->beat(node, generation, self->state.ctx->now());
    },
    [=](nodes_atom) { return self->state.ctx->cluster->rows(); },
    [=](tick_atom) {
      auto& st = self->state;
      for (auto& [node, workers] : st.ctx->cluster->expire(st.ctx->now(),
                                                           st.ctx->limits.node_timeout_ms)) {
        auto why = "node " + node + " declared dead (silent for "
                   + std::to_string(st.ctx->limits.node_timeout_ms) + " ms)";
        std::cerr << "everd: " << why << "; " << workers.size() << " worker(s) to replace"
                  << std::endl;
        self->send(st.directory, node_lost_atom::value, node, std::move(workers), why);
      }
      schedule_tick(self);
    },
  };
}

} // namespace

caf::actor spawn_membership(caf::actor_system& sys, const control_context& ctx,
                            caf::actor directory) {
  return sys.spawn(membership_actor, &ctx, std::move(directory));
}

} // namespace ever::cluster
