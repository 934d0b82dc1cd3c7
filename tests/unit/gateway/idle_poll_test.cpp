#include "net/gateway/idle_poll.hpp"

#include <catch2/catch.hpp>

using ever::net::gateway_detail::idle_poll;
using namespace std::chrono_literals;

namespace {
// Idle periods until the policy next asks for a poll (0 = the very next one), or -1 if it does
// not within `limit`.
int idles_until_poll(idle_poll& p, int limit = 100) {
  for (int i = 0; i < limit; ++i)
    if (p.next_idle() > 0ns)
      return i;
  return -1;
}
} // namespace

TEST_CASE("idle poll: a zero budget never polls") {
  idle_poll p(0ns);
  CHECK_FALSE(p.enabled());
  CHECK(idles_until_poll(p, 1000) == -1);
}

TEST_CASE("idle poll: without evidence it sleeps, probing once every probe_every idle periods") {
  idle_poll p(100us);
  CHECK(p.enabled());
  CHECK(idles_until_poll(p) == static_cast<int>(idle_poll::probe_every) - 1);
  p.record_poll(false);
  CHECK(idles_until_poll(p) == static_cast<int>(idle_poll::probe_every) - 1);
}

TEST_CASE("idle poll: the budget is what a poll asks for") {
  idle_poll p(70us);
  idles_until_poll(p);
  for (int i = 0; i < 20; ++i)
    p.record_poll(true);
  CHECK(p.next_idle() == 70us);
}

TEST_CASE("idle poll: polls that find work in time make it poll at every idle period") {
  idle_poll p(100us);
  int probes = 0;
  while (p.hit_rate() < 0.5) {
    REQUIRE(idles_until_poll(p) >= 0);
    p.record_poll(true);
    ++probes;
  }
  // A few successful probes are enough: fast traffic is noticed within ~100 idle periods.
  CHECK(probes <= 6);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(idles_until_poll(p, 1) == 0);
    p.record_poll(true);
  }
  CHECK(p.hit_rate() > 0.99);
}

TEST_CASE("idle poll: once polls stop finding work, it goes back to sleeping") {
  idle_poll p(100us);
  for (int i = 0; i < 40; ++i) {
    idles_until_poll(p);
    p.record_poll(true);
  }
  REQUIRE(idles_until_poll(p, 1) == 0);
  // Traffic turns slow: each poll runs out its budget. At most a handful more polls happen
  // before it sleeps at once again.
  int wasted = 0;
  while (idles_until_poll(p, 1) == 0) {
    p.record_poll(false);
    ++wasted;
    REQUIRE(wasted < 20);
  }
  CHECK(wasted <= 6);
  CHECK(idles_until_poll(p) == static_cast<int>(idle_poll::probe_every) - 2);
}

TEST_CASE("idle poll: a mix where most polls pay keeps polling, one where most miss does not") {
  auto settle = [](double share_found) {
    idle_poll p(100us);
    int polls = 0, idles = 0;
    double credit = 0;
    for (; idles < 4000; ++idles) {
      if (p.next_idle() == 0ns)
        continue;
      ++polls;
      credit += share_found;
      bool found = credit >= 1;
      if (found)
        credit -= 1;
      p.record_poll(found);
    }
    return static_cast<double>(polls) / idles;
  };
  CHECK(settle(0.8) > 0.9);
  CHECK(settle(0.2) < 0.1);
}
