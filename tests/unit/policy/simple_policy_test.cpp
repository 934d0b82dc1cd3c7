// `simple` (everai-reference §2): the upstream tests (§2.4), the doc walk-through and the rules
// of §2.2/§2.3 one by one, with Ever's clamp (§16.2).

#include "actors/policy/simple_policy.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ever::policy;
using namespace ever::policy::test;

namespace {

using ws = worker_state;

simple_arguments args(int64_t min, int64_t max, int64_t queue, int64_t idle, int64_t step) {
  simple_arguments a;
  a.min_workers = min;
  a.max_workers = max;
  a.max_queue_size = queue;
  a.max_idle_time = idle;
  a.scale_up_step = step;
  return a;
}

// Upstream SimpleAutoScaler(scale_up_step=2, max_workers=3), other arguments default.
simple_arguments upstream() {
  return args(1, 3, 1, 120, 2);
}

struct row {
  const char* name;
  simple_arguments a;
  factors f;
  const char* expected;
};

} // namespace

TEST_CASE("simple: upstream tests and worked examples (§2.4)") {
  std::vector<row> rows = {
    {"initial scale-up: min floor", upstream(), with_queue(0, {}), "up 1"},
    {"scale-up: 3 > 1, min(3-1, 2)", upstream(), with_queue(3, workers(1, ws::busy, "b")), "up 2"},
    {"scale-up capped by max_workers", upstream(), with_queue(3, workers(2, ws::busy, "b")),
     "up 1"},
    {"max_workers reached", upstream(), with_queue(3, workers(3, ws::busy, "b")), "none"},
    {"scale-down of the worker idle 180 s", upstream(),
     with_queue(0, {worker("f0", ws::free), worker("f1", ws::free),
                    worker("old", ws::free, now_s, now_s - 180)}),
     "down old"},
  };
  // upstream test_initial_scaleup uses queue={} (empty map): same result.
  factors empty_queue;
  empty_queue.queue = queue_counts{};
  rows.push_back({"initial scale-up, empty queue map", upstream(), empty_queue, "up 1"});

  for (const auto& r : rows) {
    SECTION(r.name) {
      auto d = decide_simple(r.a, r.f, now_s);
      CHECK(summary(d.result) == r.expected);
      CHECK(d.result.max_workers == r.a.max_workers);
    }
  }
}

TEST_CASE("simple: seed walk-through, max_queue_size 2 (strict >)") {
  auto a = args(1, 5, 2, 60, 1);
  auto at_limit = decide_simple(a, with_queue(2, workers(2, ws::busy, "b")), now_s);
  CHECK(summary(at_limit.result) == "none");
  CHECK(at_limit.reason == "no action: queue WorkerBusy 2 <= max_queue_size 2");

  auto over = decide_simple(a, with_queue(3, workers(2, ws::busy, "b")), now_s);
  CHECK(summary(over.result) == "up 1");
  CHECK(over.reason ==
        "queue WorkerBusy 3 > max_queue_size 2 and no worker starting: scale up 1 (step 1, "
        "max_workers 5)");
}

TEST_CASE("simple: only QueueDueBusy counts") {
  factors f = with_queue(0, workers(1, ws::busy, "b"));
  (*f.queue)[queue_cause::not_dispatch] = 50;
  (*f.queue)[queue_cause::queue_due_session] = 50;
  CHECK(summary(decide_simple(upstream(), f, now_s).result) == "none");

  f.queue = queue_counts{}; // a missing key is 0
  CHECK(summary(decide_simple(upstream(), f, now_s).result) == "none");
}

TEST_CASE("simple: null factors and null queue") {
  auto none = decide_simple(upstream(), std::nullopt, now_s);
  CHECK(summary(none.result) == "none");
  CHECK(none.result.max_workers == 3);
  CHECK(none.reason == "no action: no factors");

  // A null queue disables the queue test; the min floor and scale-down still run.
  factors f;
  CHECK(summary(decide_simple(upstream(), f, now_s).result) == "up 1");
  f.workers = {worker("f0", ws::free), worker("old", ws::free, now_s, now_s - 500)};
  auto d = decide_simple(upstream(), f, now_s);
  CHECK(summary(d.result) == "down old");
  f.workers.pop_back();
  CHECK(decide_simple(upstream(), f, now_s).reason == "no action: no queue in factors");
}

TEST_CASE("simple: in-flight guard blocks queue scale-up but not the min floor") {
  auto a = args(1, 5, 1, 120, 1);
  auto blocked = decide_simple(
    a, with_queue(10, {worker("b0", ws::busy), worker("i0", ws::inflight)}), now_s);
  CHECK(summary(blocked.result) == "none");
  CHECK(blocked.reason == "no action: queue WorkerBusy 10 > max_queue_size 1 but 1 worker "
                          "starting (Inflight)");

  a.min_workers = 3;
  auto floor = decide_simple(a, with_queue(10, {worker("i0", ws::inflight)}), now_s);
  CHECK(summary(floor.result) == "up 2");
  CHECK(floor.reason == "min floor: 1 worker < min_workers 3, scale up 2");
}

TEST_CASE("simple: min floor counts every listed worker, ignores max_workers and step") {
  auto a = args(4, 1, 1, 120, 1);
  auto d = decide_simple(a, with_queue(0, {}), now_s);
  CHECK(summary(d.result) == "up 4");
  CHECK(d.result.max_workers == 1);
  CHECK(d.reason == "min floor: 0 workers < min_workers 4, scale up 4");

  // Inflight, Busy and Free all count toward n.
  auto counted = decide_simple(
    a, with_queue(0, {worker("i", ws::inflight), worker("b", ws::busy), worker("f", ws::free)}),
    now_s);
  CHECK(summary(counted.result) == "up 1");

  // Even max_workers 0 does not cap the floor.
  CHECK(summary(decide_simple(args(1, 0, 1, 120, 1), with_queue(0, {}), now_s).result) ==
        "up 1");
}

TEST_CASE("simple: step and max_workers bound queue scale-up") {
  auto a = args(1, 10, 1, 120, 3);
  CHECK(summary(decide_simple(a, with_queue(2, workers(1, ws::busy, "b")), now_s).result) ==
        "up 3");
  CHECK(summary(decide_simple(a, with_queue(100, workers(8, ws::busy, "b")), now_s).result) ==
        "up 2");
  auto full = decide_simple(a, with_queue(100, workers(10, ws::busy, "b")), now_s);
  CHECK(summary(full.result) == "none");
  CHECK(full.reason ==
        "no action: queue WorkerBusy 100 > max_queue_size 1 but 10 workers >= max_workers 10");
  auto over = decide_simple(a, with_queue(100, workers(12, ws::busy, "b")), now_s);
  CHECK(summary(over.result) == "none"); // max_workers never forces a scale-down

  a.scale_up_step = 0;
  auto zero_step = decide_simple(a, with_queue(100, workers(2, ws::busy, "b")), now_s);
  CHECK(summary(zero_step.result) == "none");
  CHECK(zero_step.reason ==
        "no action: queue WorkerBusy 100 > max_queue_size 1 but scale_up_step is 0");
}

TEST_CASE("simple: idle scale-down (§2.3)") {
  auto a = args(1, 5, 1, 60, 1);
  const int64_t idle = now_s - 60; // exactly max_idle_time: idle enough (>=)

  SECTION("keeps min_workers Free workers") {
    auto d = decide_simple(a,
                           with_queue(0, {worker("f1", ws::free, 100, idle),
                                          worker("f2", ws::free, 200, idle),
                                          worker("f3", ws::free, 300, idle)}),
                           now_s);
    CHECK(summary(d.result) == "down f3,f2");
    CHECK(d.reason == "3 workers idle >= max_idle_time 60s: scale down 2 (Free 3, min_workers 1)");
  }
  SECTION("newest first, stable for equal started_at") {
    auto d = decide_simple(args(0, 5, 1, 60, 1),
                           with_queue(0, {worker("a", ws::free, 100, idle),
                                          worker("b", ws::free, 300, idle),
                                          worker("c", ws::free, 100, idle),
                                          worker("d", ws::free, 200, idle)}),
                           now_s);
    CHECK(summary(d.result) == "down b,d,a,c");
  }
  SECTION("one second short of max_idle_time is not idle") {
    auto d = decide_simple(a,
                           with_queue(0, {worker("f1", ws::free), worker("f2", ws::free, now_s,
                                                                         now_s - 59)}),
                           now_s);
    CHECK(summary(d.result) == "none");
  }
  SECTION("sessions block scale-down") {
    auto d = decide_simple(a,
                           with_queue(0, {worker("f1", ws::free, 100, idle),
                                          worker("f2", ws::free, 200, idle, 1),
                                          worker("f3", ws::free, 300, idle)}),
                           now_s);
    CHECK(summary(d.result) == "down f3,f1"); // f2 holds a session
  }
  SECTION("Busy workers do not count toward the floor") {
    // 2 workers >= min 2, but only 1 Free: nothing may go.
    auto d = decide_simple(args(2, 5, 1, 60, 1),
                           with_queue(0, {worker("b", ws::busy, 100, idle),
                                          worker("f", ws::free, 200, idle)}),
                           now_s);
    CHECK(summary(d.result) == "none");
    CHECK(d.reason == "no action: queue WorkerBusy 0 <= max_queue_size 1; 1 worker idle >= "
                      "max_idle_time 60s but Free 1 <= min_workers 2");
  }
  SECTION("§16.2: negative allowance is clamped to 0 (upstream would remove f2)") {
    auto d = decide_simple(args(3, 5, 1, 60, 1),
                           with_queue(0, {worker("f1", ws::free, 100, idle),
                                          worker("f2", ws::free, 200, idle),
                                          worker("b", ws::busy, 300, idle)}),
                           now_s);
    CHECK(summary(d.result) == "none");
  }
  SECTION("never both up and down: queue scale-up wins") {
    auto d = decide_simple(a,
                           with_queue(5, {worker("f1", ws::free, 100, idle),
                                          worker("f2", ws::free, 200, idle)}),
                           now_s);
    CHECK(summary(d.result) == "up 1");
  }
  SECTION("blocked scale-up falls through to scale-down") {
    auto d = decide_simple(a,
                           with_queue(5, {worker("f1", ws::free, 100, idle),
                                          worker("f2", ws::free, 200, idle),
                                          worker("i", ws::inflight, 300)}),
                           now_s);
    CHECK(summary(d.result) == "down f2");
  }
}

TEST_CASE("simple: by-name arguments take §16.1 defaults") {
  auto defaults = simple_defaults();
  CHECK(defaults == argument_values{{"min_workers", 1},
                                    {"max_workers", 1},
                                    {"max_queue_size", 1},
                                    {"max_idle_time", 120},
                                    {"scale_up_step", 1}});
  auto d = decide_simple_values({{"max_workers", 4}}, with_queue(2, workers(1, ws::busy, "b")),
                                now_s);
  CHECK(summary(d.result) == "up 1");
  CHECK(d.result.max_workers == 4);
}
