// Bytes that arrive while the gateway is busy with something else must not be lost or left
// unread: requests pipelined in one write or sent while the previous answer is still being made
// (with and without the client watch running), a request header that arrives in pieces, and a
// worker whose header arrives in pieces after an interim answer. Each runs on the fast path (no
// lease()) and the queued path.

#include "gateway_fixture.hpp"

#include <catch2/catch.hpp>

using namespace gwtest;

TEST_CASE("pipelining: requests pipelined in one write are all answered, in order") {
  bool fast = GENERATE(true, false);
  fixture f;
  f.port.fast_grants = fast;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed") +
                 fixture::req("GET", "/api/routes/v1/pub/echo", {}, "two") +
                 fixture::req("GET", "/api/routes/v1/pub/fixed")));
  auto a = c.read_response();
  auto b = c.read_response();
  auto d = c.read_response();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(d);
  CHECK(a->body == "hello world");
  CHECK(b->body == "two");
  CHECK(d->body == "hello world");
  REQUIRE(f.port.wait_releases(3));
}

TEST_CASE("pipelining: a request sent while the previous answer is pending is served") {
  bool fast = GENERATE(true, false);
  // A watch delay longer than the slow answer (the exchange runs unwatched) and a short one
  // (the watch sees the pipelined bytes and must leave them for the next read).
  int64_t watch_delay = GENERATE(50, 10000);
  fixture f([&](ever::knobs& k) { k.client_watch_delay_ms = watch_delay; });
  f.port.fast_grants = fast;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/slow"))); // answers after 300 ms
  std::this_thread::sleep_for(100ms);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  auto first = c.read_response();
  auto second = c.read_response();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->body == "slow done");
  CHECK(second->body == "hello world");
  REQUIRE(f.port.wait_releases(2));
  CHECK(f.port.ends() ==
        std::vector<ever::net::lease_end>{ever::net::lease_end::ok, ever::net::lease_end::ok});
}

TEST_CASE("pipelining: a header arriving in pieces is read as each piece comes") {
  bool fast = GENERATE(true, false);
  fixture f;
  f.port.fast_grants = fast;
  raw_client c(f.gw_port);
  for (int round = 0; round < 2; ++round) { // the second on a connection that has waited before
    auto request = fixture::req("GET", "/api/routes/v1/pub/fixed");
    auto third = request.size() / 3;
    REQUIRE(c.send(request.substr(0, third)));
    std::this_thread::sleep_for(20ms);
    REQUIRE(c.send(request.substr(third, third)));
    std::this_thread::sleep_for(20ms);
    REQUIRE(c.send(request.substr(2 * third)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == "hello world");
  }
  REQUIRE(f.port.wait_releases(2));
}

TEST_CASE("pipelining: a worker's header after an interim answer, in two pieces") {
  bool fast = GENERATE(true, false);
  fixture f;
  f.port.fast_grants = fast;
  raw_client c(f.gw_port);
  for (int round = 0; round < 2; ++round) { // the second on the pooled worker connection
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/split-head")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("content-type") == "text/plain");
    CHECK(r->body == "split head");
  }
  CHECK(f.upstream.accepts() == 1);
  REQUIRE(f.port.wait_releases(2));
}
