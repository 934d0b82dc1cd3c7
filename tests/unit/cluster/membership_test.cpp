#include "actors/cluster/membership.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::cluster;

namespace {

node_info info(std::string name, double cpu = 4, int64_t mem = 4096) {
  node_info i;
  i.name = std::move(name);
  i.address = "127.0.0.1";
  i.total = capacity{cpu, mem, 0};
  return i;
}

resource_spec one_cpu() {
  resource_spec r;
  r.cpu = 1;
  r.memory_mb = 256;
  return r;
}

} // namespace

TEST_CASE("membership places min_workers 2 one on each node") {
  membership m;
  m.join(info("n1"), 1, 0);
  m.join(info("n2"), 1, 0);
  auto a = m.place("w1", "default/app", one_cpu());
  auto b = m.place("w2", "default/app", one_cpu());
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  auto rows = m.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].workers == 1);
  CHECK(rows[1].workers == 1);
  CHECK(rows[0].used.cpu == 1);
}

TEST_CASE("membership declares a silent node dead after the timeout and releases its workers") {
  membership m;
  m.join(info("n1"), 1, 0);
  m.join(info("n2"), 1, 0);
  REQUIRE(m.place("w1", "default/app", one_cpu()));
  REQUIRE(m.place("w2", "default/app", one_cpu()));
  CHECK(m.beat("n1", 1, 900));
  CHECK(m.expire(999, 1000).empty()); // n2 silent for 999 ms: not yet
  auto dead = m.expire(1000, 1000);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].first == "n2");
  REQUIRE(dead[0].second.size() == 1);
  CHECK(m.find("n2")->status == node_status::dead);
  CHECK(m.find("n2")->workers == 0);
  // Replacement goes to the live node; the dead one is never chosen.
  auto again = m.place("w3", "default/app", one_cpu());
  REQUIRE(again);
  CHECK(*again == "n1");
  CHECK(m.expire(5000, 1000).size() == 1); // n1 silent since 900 now
}

TEST_CASE("a lost connection counts from the last heartbeat, a rejoin in time keeps the workers") {
  membership m;
  m.join(info("n1"), 1, 0);
  REQUIRE(m.place("w1", "default/app", one_cpu()));
  CHECK(m.beat("n1", 1, 500));
  m.lost("n1", 1, 600);
  CHECK(m.find("n1")->status == node_status::unreachable);
  CHECK(m.expire(1400, 1000).empty()); // last heard of at 500: 900 ms
  auto keep = m.join(info("n1"), 2, 1450);
  REQUIRE(keep.size() == 1);
  CHECK(keep[0] == "w1");
  CHECK(m.find("n1")->status == node_status::ready);
  CHECK(m.expire(2400, 1000).empty());
  m.lost("n1", 2, 2420);
  CHECK(m.expire(2449, 1000).empty());
  CHECK(m.expire(2450, 1000).size() == 1); // 1000 ms after the rejoin, its last sign of life
}

TEST_CASE("a stale generation is refused, and a dead node's rejoin keeps nothing") {
  membership m;
  m.join(info("n1"), 1, 0);
  REQUIRE(m.place("w1", "default/app", one_cpu()));
  CHECK(m.expire(2000, 1000).size() == 1);
  CHECK_FALSE(m.beat("n1", 1, 2100)); // SIGCONT after being declared dead: stale
  auto keep = m.join(info("n1"), 2, 2200);
  CHECK(keep.empty()); // its old workers were replaced: the node stops them
  CHECK(m.beat("n1", 2, 2300));
  CHECK_FALSE(m.beat("n1", 1, 2300)); // the old incarnation still refused
  m.lost("n1", 1, 2400);              // and its connection breaking changes nothing
  CHECK(m.find("n1")->status == node_status::ready);
}

TEST_CASE("the control node's own node never times out") {
  membership m;
  m.join(info("local"), 1, 0, true);
  m.join(info("remote"), 1, 0);
  auto dead = m.expire(60'000, 1000);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].first == "remote");
  CHECK(m.find("local")->status == node_status::ready);
}

TEST_CASE("an expected node that never comes back is declared dead") {
  membership m;
  m.expect("gone", 0);
  m.claim("w1", "gone", "default/app", one_cpu());
  auto dead = m.expire(1000, 1000);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].second == std::vector<std::string>{"w1"});
}

TEST_CASE("placement reports insufficient resources once the nodes are full") {
  membership m;
  m.join(info("n1", 1, 1024), 1, 0);
  REQUIRE(m.place("w1", "default/app", one_cpu()));
  auto full = m.place("w2", "default/app", one_cpu());
  REQUIRE_FALSE(full);
  CHECK(message_of(full.error()).rfind("Insufficient resources", 0) == 0);
  m.release("w1");
  CHECK(m.place("w2", "default/app", one_cpu()));
}
