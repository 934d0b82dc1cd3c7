// The gateway's fast path: a port that grants on the calling thread (try_lease, as a local queue
// with a free worker does). Requests are proxied without lease(), each grant is released exactly
// once (the fixture checks), and a client that hangs up while a slow worker computes is still
// noticed, after client_watch_delay_ms.

#include "gateway_fixture.hpp"

#include <catch2/catch.hpp>

using namespace gwtest;
using ever::net::lease_end;

TEST_CASE("fast path: keep-alive requests are granted without lease() and released ok") {
  fixture f;
  f.port.fast_grants = true;
  raw_client c(f.gw_port);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
    auto r = c.read_response();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    REQUIRE(r->body == "hello world");
  }
  CHECK(f.port.fast_grants_made() == 20);
  CHECK(f.port.lease_calls() == 0);
  REQUIRE(f.port.wait_releases(20));
  auto ends = f.port.ends();
  CHECK(std::count(ends.begin(), ends.end(), lease_end::ok) == 20);
}

TEST_CASE("fast path: declined grants fall back to lease()") {
  fixture f;
  f.port.fast_grants = true;
  f.port.lease_error = ever::errc::queue_full; // try_lease declines, lease() answers 429
  auto r = f.get(fixture::req("GET", "/api/routes/v1/pub/fixed"));
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(f.port.lease_calls() == 1);
  CHECK(f.port.fast_grants_made() == 0);
}

TEST_CASE("fast path: a client gone while its worker is slow is noticed after the watch delay") {
  fixture f([](ever::knobs& k) { k.client_watch_delay_ms = 50; });
  f.port.fast_grants = true;
  auto t0 = clock::now();
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/slow"))); // answers after 300 ms
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(f.port.wait_releases(1, 3s));
  // Noticed by the watch (~50 ms), not by writing the answer at 300 ms.
  CHECK(clock::now() - t0 < 250ms);
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::client_gone});
}

TEST_CASE("fast path: a slow request whose client stays is answered in full") {
  fixture f([](ever::knobs& k) { k.client_watch_delay_ms = 50; });
  f.port.fast_grants = true;
  raw_client c(f.gw_port);
  for (int i = 0; i < 2; ++i) { // the watch of the first must not disturb the second
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/slow")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "slow done");
  }
  REQUIRE(f.port.wait_releases(2));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::ok, lease_end::ok});
}
