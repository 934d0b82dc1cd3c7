// `target-concurrency` (docs/extending.md worked example): table tests.

#include "actors/policy/pipeline.hpp"
#include "actors/policy/target_concurrency_policy.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;
using namespace ever::policy::test;

namespace {

factors with(int64_t in_flight, int64_t queued, std::vector<worker_factor> ws) {
  factors f = with_queue(queued, std::move(ws));
  f.in_flight = in_flight;
  return f;
}

} // namespace

TEST_CASE("target-concurrency: decisions") {
  target_concurrency_arguments a;
  a.min_workers = 1;
  a.max_workers = 5;
  a.target = 2;
  a.stable_window = 60;
  const int64_t long_ago = now_s - 300;
  struct row {
    const char* name;
    target_concurrency_arguments args;
    factors f;
    const char* expected;
  };
  auto max3 = a;
  max3.max_workers = 3;
  auto target0 = a;
  target0.target = 0;
  std::vector<row> rows = {
    {"no workers: min floor", a, with(0, 0, {}), "up 1"},
    {"demand 8 / 2 = 4 workers, have 1", a, with(2, 6, workers(1, worker_state::busy, "b")),
     "up 3"},
    {"ceil: demand 5 / 2 = 3, have 2", a, with(4, 1, workers(2, worker_state::busy, "b")), "up 1"},
    {"capped by max_workers", max3, with(2, 10, workers(1, worker_state::busy, "b")), "up 2"},
    {"at max: nothing", max3, with(6, 10, workers(3, worker_state::busy, "b")), "none"},
    {"starting workers count: no second scale-up",
     a, with(2, 2, {worker("b", worker_state::busy), worker("i", worker_state::inflight)}),
     "none"},
    {"exactly enough", a, with(4, 0, workers(2, worker_state::busy, "b")), "none"},
    {"target 0 counts as 1", target0, with(1, 2, workers(1, worker_state::busy, "b")), "up 2"},
    {"no demand: scale down idle workers to min, newest first", a,
     with(0, 0,
          {worker("old", worker_state::free, now_s - 900, long_ago),
           worker("new", worker_state::free, now_s - 600, long_ago),
           worker("mid", worker_state::free, now_s - 700, long_ago)}),
     "down new,mid"},
    {"scale down skips workers idle less than the window", a,
     with(0, 0,
          {worker("old", worker_state::free, now_s - 900, long_ago),
           worker("recent", worker_state::free, now_s - 600, now_s - 30)}),
     "down old"},
    {"nobody idle long enough: nothing", a,
     with(0, 0,
          {worker("a", worker_state::free, now_s - 900, now_s - 10),
           worker("b", worker_state::free, now_s - 600, now_s - 30)}),
     "none"},
    {"scale down skips busy workers and sessions", a,
     with(1, 0,
          {worker("busy", worker_state::busy, now_s - 100, long_ago),
           worker("sess", worker_state::free, now_s - 200, long_ago, 1),
           worker("idle", worker_state::free, now_s - 300, long_ago)}),
     "down idle"},
  };
  for (const auto& r : rows) {
    SECTION(r.name) {
      auto d = decide_target_concurrency(r.args, r.f, now_s);
      INFO(d.reason);
      CHECK(summary(d.result) == r.expected);
      CHECK(d.result.max_workers == r.args.max_workers);
      CHECK_FALSE(d.reason.empty());
    }
  }
}

TEST_CASE("target-concurrency: the stable window holds workers the recent past needed") {
  target_concurrency_arguments a;
  a.max_workers = 5;
  a.target = 1;
  a.stable_window = 60;
  const int64_t long_ago = now_s - 300;
  factors f = with(0, 0,
                   {worker("a", worker_state::free, now_s - 900, long_ago),
                    worker("b", worker_state::free, now_s - 800, long_ago),
                    worker("c", worker_state::free, now_s - 700, long_ago)});
  // 30 s ago: 2 busy + 1 queued = 3 requests -> 3 workers wanted: keep all.
  f.queue_histories[30] = {{queue_cause::queue_due_busy, 1}};
  f.worker_histories[30] = {{worker_state::busy, 2}};
  CHECK(summary(decide_target_concurrency(a, f, now_s).result) == "none");
  // 90 s ago is outside the window: only the 30 s sample counts, and it is gone now.
  f.queue_histories = {{90, {{queue_cause::queue_due_busy, 1}}}};
  f.worker_histories = {{90, {{worker_state::busy, 2}}}};
  CHECK(summary(decide_target_concurrency(a, f, now_s).result) == "down c,b");
  // 2 requests within the window: keep 2, remove 1.
  f.queue_histories[10] = {{queue_cause::queue_due_busy, 0}};
  f.worker_histories[10] = {{worker_state::busy, 2}};
  CHECK(summary(decide_target_concurrency(a, f, now_s).result) == "down c");
}

TEST_CASE("target-concurrency: demand without the in_flight factor counts Busy workers") {
  factors f = with_queue(3, {worker("b1", worker_state::busy), worker("f", worker_state::free),
                             worker("b2", worker_state::busy)});
  CHECK(current_demand(f) == 5);
  f.in_flight = 7; // concurrency > 1: the factor is exact
  CHECK(current_demand(f) == 10);
  f.queue.reset();
  CHECK(current_demand(f) == 7);
  // Every queue reason is demand.
  f.queue = queue_counts{{queue_cause::not_dispatch, 1}, {queue_cause::queue_due_session, 2}};
  CHECK(current_demand(f) == 10);
}

TEST_CASE("target-concurrency: through the registry and the pipeline") {
  auto params = policy_parameters("target-concurrency");
  REQUIRE(params);
  CHECK(*params == argument_values{{"max_workers", 1}, {"min_workers", 1}, {"stable_window", 60},
                                   {"target", 1}});
  decision_input in;
  in.policy = "target-concurrency";
  in.arguments = {{"max_workers", "4"}, {"target", "3"}};
  in.input = with(5, 4, workers(1, worker_state::busy, "b"));
  in.now = now_s * 1000;
  auto out = decide(in);
  REQUIRE(out);
  CHECK(summary(out->result) == "up 2"); // ceil(9 / 3) = 3
  CHECK(out->arguments.at("target") == 3);
  CHECK(out->reason == "9 requests / target 3 = 3 workers > 1 (max_workers 4): scale up 2");
  in.arguments["target"] = "x";
  REQUIRE_FALSE(decide(in));
  // Null factors: echo max_workers, no action.
  in.arguments["target"] = "1";
  in.input.reset();
  out = decide(in);
  REQUIRE(out);
  CHECK(out->result.actions.empty());
  CHECK(out->result.max_workers == 4);
}
