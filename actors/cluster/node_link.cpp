#include "actors/cluster/node_link.hpp"

#include "actors/node/node_messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <iostream>

namespace ever::cluster {

namespace {

using connect_atom = caf::atom_constant<caf::atom("connect")>;

struct link_state {
  node_link_config cfg;
  caf::actor gate;
  uint64_t generation = 0;
  int64_t heartbeat_ms = 1000;
  bool said_unreachable = false;
  static inline const char* name = "ever.node_link";
};

using self_ptr = caf::stateful_actor<link_state>*;

void schedule_connect(self_ptr self) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.cfg.retry_ms),
                     connect_atom::value);
}

/// Stops every process of ours that the control node does not count on any more: after a
/// restart of this node, or when this incarnation was declared dead and its workers replaced.
void fence(self_ptr self, std::vector<std::string> keep) {
  self->request(self->state.cfg.agent, std::chrono::seconds(10), node::fence_atom::value,
                std::move(keep))
    .then(
      [](const std::vector<runtime::owned_process>& stopped) {
        if (!stopped.empty())
          std::cerr << "everd: stopping " << stopped.size()
                    << " worker process(es) the control node no longer counts on" << std::endl;
      },
      [](caf::error& err) {
        std::cerr << "everd: cannot stop stale workers: " << message_of(err) << std::endl;
      });
}

void join(self_ptr self) {
  auto& st = self->state;
  self->request(st.gate, std::chrono::seconds(10), join_atom::value, st.cfg.info, st.cfg.agent,
                st.cfg.token)
    .then(
      [=](join_reply& r) {
        auto& st = self->state;
        st.generation = r.generation;
        st.heartbeat_ms = r.heartbeat_ms > 0 ? r.heartbeat_ms : 1000;
        st.said_unreachable = false;
        std::cout << "everd: node " << st.cfg.info.name << " joined " << st.cfg.control_host << ':'
                  << st.cfg.control_port << " as generation " << r.generation << " ("
                  << r.keep_workers.size() << " worker(s) kept)" << std::endl;
        fence(self, std::move(r.keep_workers));
        self->send(self, tick_atom::value, r.generation);
      },
      [=](caf::error& err) {
        std::cerr << "everd: join refused: " << message_of(err) << std::endl;
        if (code_of(err) == errc::unauthorized) {
          // A wrong token will not get better by retrying fast.
          self->delayed_send(self, std::chrono::seconds(5), connect_atom::value);
          return;
        }
        schedule_connect(self);
      });
}

caf::behavior node_link(self_ptr self, node_link_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source != st.gate.address())
      return;
    std::cerr << "everd: lost the control node: " << self->system().render(dm.reason)
              << "; reconnecting" << std::endl;
    st.gate = nullptr;
    st.generation = 0;
    schedule_connect(self);
  });
  self->send(self, connect_atom::value);
  return {
    [=](connect_atom) {
      auto& st = self->state;
      if (st.gate)
        return;
      auto gate = connect_gate(self->system(), st.cfg.control_host, st.cfg.control_port,
                               st.cfg.link);
      if (!gate) {
        if (!st.said_unreachable)
          std::cerr << "everd: " << message_of(gate.error()) << "; retrying every "
                    << st.cfg.retry_ms << " ms" << std::endl;
        st.said_unreachable = true;
        schedule_connect(self);
        return;
      }
      st.gate = *gate;
      self->monitor(st.gate);
      join(self);
    },
    [=](tick_atom, uint64_t generation) {
      auto& st = self->state;
      if (!st.gate || generation != st.generation)
        return; // a timer of an earlier incarnation
      self->request(st.gate, std::chrono::milliseconds(st.heartbeat_ms * 3), beat_atom::value,
                    st.cfg.info.name, generation)
        .then(
          [=](bool current) {
            auto& st = self->state;
            if (current || generation != st.generation)
              return;
            std::cerr << "everd: the control node says generation " << generation
                      << " is stale (this node was declared dead); rejoining, old workers stop"
                      << std::endl;
            st.generation = 0;
            join(self);
          },
          [](caf::error&) {}); // a lost connection shows as a down message
      self->delayed_send(self, std::chrono::milliseconds(st.heartbeat_ms), tick_atom::value,
                         generation);
    },
  };
}

} // namespace

caf::actor spawn_node_link(caf::actor_system& sys, node_link_config cfg) {
  return sys.spawn<caf::detached>(node_link, std::move(cfg));
}

} // namespace ever::cluster
