// Membership under CAF's test coordinator: joins, missed heartbeats, death, a stale generation
// refused, rejoin with a new generation, a lost connection, generations surviving a restart.
#include "actor_fixture.hpp"

#include "actors/cluster/cluster_state.hpp"
#include "actors/cluster/membership_actor.hpp"

using namespace ever;
using namespace ever::cluster;
using namespace std::chrono_literals;

namespace {

/// What the stand-ins saw.
struct cluster_log {
  std::map<std::string, uint64_t> generation;       ///< node -> last join's generation
  std::map<std::string, std::vector<std::string>> kept; ///< node -> keep list of its last join
  std::map<std::string, bool> last_beat;            ///< node -> last beat's answer
  std::vector<std::string> lost;                    ///< "node:worker,worker" per node_lost
  std::vector<std::string> back;                    ///< nodes announced back
};

using beat_now_atom = caf::atom_constant<caf::atom("beatnow")>;

/// Plays a node agent and its link: joins and beats when told to.
caf::behavior node_stub(caf::event_based_actor* self, caf::actor membership, std::string name,
                        std::shared_ptr<cluster_log> log) {
  return {
    [=](join_atom) {
      node_info info;
      info.name = name;
      info.address = "127.0.0.1";
      info.total = capacity{4, 4096, 0};
      self->request(membership, caf::infinite, join_atom::value, info,
                    caf::actor_cast<caf::actor>(self))
        .then([=](const join_reply& r) {
          log->generation[name] = r.generation;
          log->kept[name] = r.keep_workers;
        });
    },
    [=](beat_now_atom, uint64_t generation) {
      self->request(membership, caf::infinite, beat_atom::value, name, generation)
        .then([=](bool ok) { log->last_beat[name] = ok; });
    },
  };
}

/// Plays the directory: records what membership tells it.
caf::behavior directory_stub(caf::event_based_actor*, std::shared_ptr<cluster_log> log) {
  return {
    [=](node_lost_atom, const std::string& node, const std::vector<std::string>& ids,
        const std::string&) {
      std::string line = node + ":";
      for (const auto& id : ids)
        line += id + ",";
      log->lost.push_back(line);
    },
    [=](node_back_atom, const std::string& node) { log->back.push_back(node); },
  };
}

struct membership_fixture : test::actor_fixture {
  cluster_state members;
  std::shared_ptr<cluster_log> log = std::make_shared<cluster_log>();
  caf::actor directory;
  caf::actor membership;

  membership_fixture() {
    ctx.cluster = &members;
    ctx.limits.node_heartbeat_ms = 100;
    ctx.limits.node_timeout_ms = 1000;
    directory = keep(sys.spawn(directory_stub, log));
    membership = keep(spawn_membership(sys, ctx, directory));
  }

  caf::actor node(const std::string& name) {
    return keep(sys.spawn(node_stub, membership, name, log));
  }

  std::string status(const std::string& name) {
    for (const auto& r : members.rows())
      if (r.info.name == name)
        return to_string(r.status);
    return "";
  }

  void beat(const caf::actor& n, const std::string& name) {
    caf::anon_send(n, beat_now_atom::value, log->generation[name]);
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(membership_fixture, "membership: join, missed heartbeats, death, stale beat, "
                                     "rejoin with a new generation") {
  auto n1 = node("n1");
  auto n2 = node("n2");
  caf::anon_send(n1, join_atom::value);
  caf::anon_send(n2, join_atom::value);
  sched.run();
  CHECK(log->generation["n1"] == 1);
  CHECK(log->generation["n2"] == 1);
  CHECK(status("n1") == "Ready");
  resource_spec one;
  one.cpu = 1;
  one.memory_mb = 100;
  auto placed = members.place("w-on-n2", "default/demo", one);
  REQUIRE(placed);
  // n1 and n2 both empty: the tie goes to the lower name; place a second to land on n2.
  if (placed->node != "n2") {
    auto second = members.place("w-second", "default/demo", one);
    REQUIRE(second);
    REQUIRE(second->node == "n2");
  }

  // n1 beats every 200 ms, n2 falls silent.
  for (int i = 0; i < 4; ++i) {
    advance(200ms);
    beat(n1, "n1");
  }
  CHECK(log->last_beat["n1"]);
  CHECK(status("n2") == "Ready"); // 800 ms: not yet
  CHECK(log->lost.empty());
  advance(300ms);
  beat(n1, "n1");
  CHECK(status("n2") == "Dead");
  CHECK(status("n1") == "Ready");
  REQUIRE(log->lost.size() == 1);
  CHECK(log->lost[0].rfind("n2:", 0) == 0);
  CHECK(log->lost[0].find("w-") != std::string::npos);

  // The frozen node wakes up and beats with its old generation: refused.
  beat(n2, "n2");
  CHECK_FALSE(log->last_beat["n2"]);
  // It rejoins: a new generation, nothing to keep (its worker was replaced), announced back.
  caf::anon_send(n2, join_atom::value);
  sched.run();
  CHECK(log->generation["n2"] == 2);
  CHECK(log->kept["n2"].empty());
  CHECK(status("n2") == "Ready");
  CHECK(std::count(log->back.begin(), log->back.end(), "n2") == 2); // first join, rejoin
  beat(n2, "n2");
  CHECK(log->last_beat["n2"]);
}

TEST_CASE_METHOD(membership_fixture, "membership: a lost connection makes a node Unreachable, "
                                     "then Dead at node_timeout after its last heartbeat") {
  auto n1 = node("n1");
  caf::anon_send(n1, join_atom::value);
  sched.run();
  advance(200ms);
  beat(n1, "n1");
  caf::anon_send_exit(n1, caf::exit_reason::kill); // its agent is gone: a down message
  sched.run();
  CHECK(status("n1") == "Unreachable");
  advance(700ms); // 700 ms since its last beat
  CHECK(status("n1") == "Unreachable");
  advance(400ms);
  CHECK(status("n1") == "Dead");
}

TEST_CASE_METHOD(membership_fixture, "membership: generations continue after the control node "
                                     "restarts") {
  auto n1 = node("n1");
  caf::anon_send(n1, join_atom::value);
  sched.run();
  CHECK(log->generation["n1"] == 1);
  // A new membership actor on the same store, as after a restart.
  auto again = keep(spawn_membership(sys, ctx, directory));
  auto n1b = keep(sys.spawn(node_stub, again, std::string{"n1"}, log));
  caf::anon_send(n1b, join_atom::value);
  sched.run();
  CHECK(log->generation["n1"] == 2);
}
