// The remote gateway's control port: its pure parts, and what it does while the control node
// cannot be reached (a real actor system dialling a closed loopback port).

#include "actors/cluster/cluster_link.hpp"
#include "actors/cluster/cluster_types.hpp"
#include "net/bridge/caf_control_port.hpp"
#include "net/bridge/remote_control_port.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/sec.hpp>

#include <catch2/catch.hpp>

#include <future>

using namespace ever;
using namespace std::chrono_literals;

TEST_CASE("remote port: a snapshot becomes the route table and per-app wait timeouts",
          "[gateway][remote]") {
  cluster::route_snapshot s;
  s.version = 2;
  s.routes.push_back({"shop", "default", "shop", true, {}, 3000});
  s.routes.push_back({"default/shop", "default", "shop", true, {}, 3000});
  s.routes.push_back({"team/api", "team", "api", false, {}, 500});
  auto t = net::tables_of(s);
  REQUIRE(t.routes.size() == 3);
  CHECK(t.routes.at("shop").app == "shop");
  CHECK(t.routes.at("shop").is_public);
  CHECK(!t.routes.at("team/api").is_public);
  CHECK(t.waits.size() == 2);
  CHECK(t.waits.at("team/api") == 500);
  // resolve uses the same matcher as the local port
  auto m = net::match_route(t.routes, "shop/work?ms=5");
  REQUIRE(m);
  CHECK(m->ns == "default");
  CHECK(m->rest == "/work");
}

TEST_CASE("remote port: a lease waits the queue wait timeout plus the margin",
          "[gateway][remote]") {
  knobs k;
  k.remote_lease_margin_ms = 5000;
  k.queue_wait_timeout_ms = 120'000;
  CHECK(net::lease_timeout_ms(2000, k) == 7000);
  CHECK(net::lease_timeout_ms(0, k) == 125'000); // unknown: the default wait timeout
}

TEST_CASE("remote port: Ever errors pass through and CAF errors become unavailable",
          "[gateway][remote]") {
  auto full = net::remote_error(make_error(errc::queue_full, "full"), "q");
  CHECK(code_of(full) == errc::queue_full);
  auto timeout = net::remote_error(caf::make_error(caf::sec::request_timeout), "the queue");
  CHECK(code_of(timeout) == errc::unavailable);
  CHECK(message_of(timeout).find("the queue") != std::string::npos);
  CHECK(code_of(net::remote_error(caf::error{}, "x")) == errc::unavailable);
}

TEST_CASE("remote port: with the control node unreachable leases and management calls get 503 "
          "at once",
          "[gateway][remote]") {
  cluster::link_options link;
  link.port = 1; // nothing listens on port 1 of loopback: connection refused
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  cluster::configure_link(cfg, link);
  cluster::register_cluster_types(cfg);
  register_error_category(cfg);
  caf::actor_system sys{cfg};
  knobs k;
  k.remote_reconnect_ms = 100;
  net::remote_control_port port{sys, k, net::remote_target{"127.0.0.1", 1, link, "tok"}};
  port.start();
  caf::error why;
  CHECK(!port.wait_connected(300ms, why));
  CHECK(!port.connected());
  CHECK(why);

  // An unknown route is let through to lease (no 404/401 for an app we cannot see right now)...
  auto m = port.resolve("shop/work");
  REQUIRE(m);
  CHECK(m->is_public);
  CHECK(m->rest == "/work");
  // ...which answers 503 without waiting.
  std::promise<errc> leased;
  auto t0 = std::chrono::steady_clock::now();
  port.lease(*m, "", [&](expected<net::lease_grant> g) {
    leased.set_value(g ? errc::ok : code_of(g.error()));
  });
  auto f = leased.get_future();
  REQUIRE(f.wait_for(1s) == std::future_status::ready);
  CHECK(f.get() == errc::unavailable);
  CHECK(std::chrono::steady_clock::now() - t0 < 200ms);

  std::promise<int> managed;
  port.manage(net::http_call{"GET", "/api/apps/v1/apps", ""},
              [&](net::http_reply r) { managed.set_value(r.status); });
  auto g = managed.get_future();
  REQUIRE(g.wait_for(1s) == std::future_status::ready);
  CHECK(g.get() == 503);
  CHECK(!port.check_token("tok")); // no tokens known yet
  CHECK(port.metrics().find("ever_remote_connected 0") != std::string::npos);
  port.stop();
}
