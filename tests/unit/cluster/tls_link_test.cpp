// Real TLS on loopback: several actor systems in one process, each with its own certificate.
#include "actors/cluster/cluster_link.hpp"
#include "test_pki.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

using namespace ever;
using namespace ever::cluster;
using ever::cluster::test::shared_pki;

namespace {

using clock_type = std::chrono::steady_clock;

/// One cluster member: an actor system set up by configure_link.
struct member {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  link_options opts;

  explicit member(link_options o) : opts(std::move(o)) {
    cfg.set("scheduler.max-threads", 1);
    register_error_category(cfg);
    configure_link(cfg, opts);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  /// Connects to `port` on loopback; also returns how long that took.
  std::pair<expected<caf::actor>, std::chrono::milliseconds> connect(uint16_t port) {
    auto start = clock_type::now();
    auto res = connect_gate(*sys, "127.0.0.1", port, opts);
    return {std::move(res), std::chrono::duration_cast<std::chrono::milliseconds>(
                              clock_type::now() - start)};
  }
};

/// A gate that doubles ints: enough to prove a message crossed the link and came back.
caf::behavior doubler() {
  return {[](int x) { return 2 * x; }};
}

/// Asks `gate` to double 21 from `m`; empty string on success, else what went wrong.
std::string ask(member& m, const caf::actor& gate) {
  std::string problem = "no reply";
  caf::scoped_actor self{*m.sys};
  self->request(gate, std::chrono::seconds(3), 21)
    .receive([&](int r) { problem = r == 42 ? "" : "wrong reply " + std::to_string(r); },
             [&](caf::error& e) { problem = m.sys->render(e); });
  return problem;
}

struct gate_server {
  member m;
  caf::actor gate;
  uint16_t port = 0;

  explicit gate_server(link_options o) : m(std::move(o)) {
    gate = m.sys->spawn(doubler);
    auto p = publish_gate(*m.sys, gate, m.opts);
    REQUIRE(p);
    port = *p;
    REQUIRE(port != 0);
  }

  ~gate_server() { caf::anon_send_exit(gate, caf::exit_reason::user_shutdown); }
};

constexpr int64_t connect_timeout_ms = 1500;

link_options with_timeout(link_options o) {
  o.connect_timeout_ms = connect_timeout_ms;
  return o;
}

} // namespace

TEST_CASE("cluster TLS: a node with a certificate of the cluster CA joins and is answered") {
  const auto& pki = shared_pki();
  gate_server a{with_timeout(pki.node("node-a"))};
  member b{with_timeout(pki.node("node-b"))};
  auto [gate, took] = b.connect(a.port);
  INFO("connect took " << took.count() << " ms");
  REQUIRE(gate);
  CHECK(ask(b, *gate).empty());
}

TEST_CASE("cluster TLS: a node whose certificate another CA signed cannot join") {
  const auto& pki = shared_pki();
  gate_server a{with_timeout(pki.node("node-a"))};
  // The rogue trusts the real CA (so it would accept the server) but the server must refuse it.
  member rogue{with_timeout(pki.node("rogue", "ca"))};
  auto [gate, took] = rogue.connect(a.port);
  INFO("rogue connect took " << took.count() << " ms");
  CHECK_FALSE(gate);
  if (!gate)
    CHECK_THAT(message_of(gate.error()), Catch::Contains("cannot reach the control node"));
  CHECK(took.count() < connect_timeout_ms + 1000);
  // The refused handshake did not hurt the server: a good node still gets in.
  member b{with_timeout(pki.node("node-b"))};
  auto [good, took_b] = b.connect(a.port);
  REQUIRE(good);
  CHECK(ask(b, *good).empty());
}

TEST_CASE("cluster TLS: a node that does not trust the server's CA refuses to join") {
  const auto& pki = shared_pki();
  gate_server a{with_timeout(pki.node("node-a"))};
  member rogue{with_timeout(pki.node("rogue", "rogue-ca"))};
  auto [gate, took] = rogue.connect(a.port);
  INFO("connect took " << took.count() << " ms");
  CHECK_FALSE(gate);
  CHECK(took.count() < connect_timeout_ms + 1000);
}

TEST_CASE("cluster TLS: a plain TCP node cannot join a TLS port, nor a TLS node a plain port") {
  const auto& pki = shared_pki();
  gate_server a{with_timeout(pki.node("node-a"))};
  link_options plain_opts;
  plain_opts.connect_timeout_ms = connect_timeout_ms;
  member plain{plain_opts};
  auto [gate, took] = plain.connect(a.port);
  INFO("plain to TLS took " << took.count() << " ms");
  CHECK_FALSE(gate);
  CHECK(took.count() < connect_timeout_ms + 1000);

  plain_opts.port = 0;
  gate_server plain_server{plain_opts};
  member b{with_timeout(pki.node("node-b"))};
  auto [gate2, took2] = b.connect(plain_server.port);
  INFO("TLS to plain took " << took2.count() << " ms");
  CHECK_FALSE(gate2);
  CHECK(took2.count() < connect_timeout_ms + 1000);
}
