#include "actors/cluster/placement.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::cluster;

namespace {

node_load node(std::string name, double cpu, int64_t mem, int64_t gpu, int64_t app_workers = 0,
               bool ready = true) {
  node_load n;
  n.name = std::move(name);
  n.ready = ready;
  n.total = capacity{cpu, mem, gpu};
  n.app_workers = app_workers;
  return n;
}

resource_spec need(double cpu, int64_t mem, int64_t gpu = 0) {
  resource_spec r;
  r.cpu = cpu;
  r.memory_mb = mem;
  r.gpu = gpu;
  return r;
}

} // namespace

TEST_CASE("placement spreads an app's workers over the nodes that fit") {
  std::vector<node_load> nodes{node("a", 4, 4096, 0, 1), node("b", 4, 4096, 0, 0)};
  CHECK(*choose_node(nodes, need(1, 512)) == "b");
  nodes[1].app_workers = 1;
  // Equal spread: the one with more free CPU wins.
  nodes[0].used.cpu = 3;
  CHECK(*choose_node(nodes, need(1, 512)) == "b");
}

TEST_CASE("placement breaks full ties by name so it is deterministic") {
  std::vector<node_load> nodes{node("b", 2, 1024, 0), node("a", 2, 1024, 0)};
  CHECK(*choose_node(nodes, need(1, 512)) == "a");
}

TEST_CASE("placement skips nodes that are not ready or lack any one resource") {
  std::vector<node_load> nodes{node("down", 64, 65536, 8, 0, false), node("small", 1, 256, 0),
                               node("nogpu", 8, 8192, 0), node("gpu", 8, 8192, 1, 3)};
  CHECK(*choose_node(nodes, need(1, 1024, 1)) == "gpu");
  CHECK(*choose_node(nodes, need(2, 512)) == "nogpu");
  nodes[3].used.gpu = 1;
  auto none = choose_node(nodes, need(1, 1024, 1));
  REQUIRE_FALSE(none);
  CHECK(code_of(none.error()) == errc::unavailable);
  CHECK(message_of(none.error()).rfind("Insufficient resources: a worker needs cpu 1, memory "
                                       "1024 MiB, gpu 1",
                                       0)
        == 0);
  CHECK(message_of(none.error()).find("3 ready node(s), the most free is") != std::string::npos);
}

TEST_CASE("placement with no ready node says so") {
  auto none = choose_node({node("a", 4, 4096, 0, 0, false)}, need(1, 1));
  REQUIRE_FALSE(none);
  CHECK(message_of(none.error()).find("no node is ready") != std::string::npos);
}

TEST_CASE("fractional CPU requests add up without rounding errors") {
  auto n = node("a", 0.3, 1024, 0);
  n.used.cpu = 0.1 + 0.1;
  CHECK(fits(n, need(0.1, 1)));
  CHECK_FALSE(fits(n, need(0.2, 1)));
}
