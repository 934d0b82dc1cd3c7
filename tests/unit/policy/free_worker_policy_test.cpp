// `free-worker` (everai-reference §3): upstream tests and the rules that differ from `simple`.

#include "actors/policy/free_worker_policy.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ever::policy;
using namespace ever::policy::test;

namespace {

using ws = worker_state;

free_worker_arguments args(int64_t min, int64_t max, int64_t min_free, int64_t idle,
                           int64_t step) {
  free_worker_arguments a;
  a.min_workers = min;
  a.max_workers = max;
  a.min_free_workers = min_free;
  a.max_idle_time = idle;
  a.scale_up_step = step;
  return a;
}

// Upstream FreeWorkerAutoScaler(scale_up_step=2, max_workers=3), other arguments default.
free_worker_arguments upstream() {
  return args(1, 3, 1, 120, 2);
}

// Factors with the given workers and a status summary counted from them.
factors with_summary(std::vector<worker_factor> list) {
  factors f = with_queue(0, std::move(list));
  f.worker = worker_counts{};
  for (const auto& w : f.workers)
    ++(*f.worker)[w.status];
  return f;
}

} // namespace

TEST_CASE("free-worker: upstream tests (§3)") {
  struct row {
    const char* name;
    factors f;
    const char* expected;
  };
  std::vector<row> rows = {
    {"no workers: min floor", with_summary({}), "up 1"},
    {"1 Busy, Free 0 < 1: step 2", with_summary(workers(1, ws::busy, "b")), "up 2"},
    {"2 Busy: capped by max 3", with_summary(workers(2, ws::busy, "b")), "up 1"},
    {"3 Busy: at max", with_summary(workers(3, ws::busy, "b")), "none"},
    {"3 Free, one idle 180 s", with_summary({worker("f0", ws::free), worker("f1", ws::free),
                                             worker("old", ws::free, now_s, now_s - 180)}),
     "down old"},
  };
  for (const auto& r : rows) {
    SECTION(r.name) {
      auto d = decide_free_worker(upstream(), r.f, now_s);
      CHECK(summary(d.result) == r.expected);
      CHECK(d.result.max_workers == 3);
    }
  }
}

TEST_CASE("free-worker: the test reads the summary map, strictly") {
  auto a = args(1, 10, 2, 120, 1);
  factors f = with_summary({worker("f0", ws::free), worker("f1", ws::free)});
  auto enough = decide_free_worker(a, f, now_s);
  CHECK(summary(enough.result) == "none");
  CHECK(enough.reason == "no action: Free workers 2 >= min_free_workers 2");

  (*f.worker)[ws::free] = 1; // the summary, not the list, decides
  auto short_one = decide_free_worker(a, f, now_s);
  CHECK(summary(short_one.result) == "up 1");
  CHECK(short_one.reason == "Free workers 1 < min_free_workers 2 and no worker starting: scale "
                            "up 1 (step 1, max_workers 10)");

  f.worker.reset();
  auto no_summary = decide_free_worker(a, f, now_s);
  CHECK(summary(no_summary.result) == "none");
  CHECK(no_summary.reason == "no action: no worker summary in factors");

  f.worker = worker_counts{}; // missing Free = 0
  CHECK(summary(decide_free_worker(a, f, now_s).result) == "up 1");
}

TEST_CASE("free-worker: adds step regardless of the deficit") {
  auto a = args(1, 20, 10, 120, 3);
  factors f = with_summary(workers(2, ws::busy, "b")); // deficit 10
  CHECK(summary(decide_free_worker(a, f, now_s).result) == "up 3");
  a.scale_up_step = 1;
  CHECK(summary(decide_free_worker(a, f, now_s).result) == "up 1");
}

TEST_CASE("free-worker: in-flight guard and scale-down floor") {
  auto a = args(1, 10, 1, 60, 1);
  factors f = with_summary({worker("b", ws::busy), worker("i", ws::inflight)});
  auto d = decide_free_worker(a, f, now_s);
  CHECK(summary(d.result) == "none");
  CHECK(d.reason ==
        "no action: Free workers 0 < min_free_workers 1 but 1 worker starting (Inflight)");

  // min_free_workers is not a scale-down floor: only min_workers is.
  auto keep = args(1, 10, 3, 60, 1);
  factors idle = with_summary({worker("f1", ws::free, 100, now_s - 60),
                               worker("f2", ws::free, 200, now_s - 60),
                               worker("f3", ws::free, 300, now_s - 60)});
  // Free 3 >= min_free_workers 3, yet two go and leave 1 Free (min_workers 1).
  CHECK(summary(decide_free_worker(keep, idle, now_s).result) == "down f3,f2");
}

TEST_CASE("free-worker: by-name arguments take §16.1 defaults") {
  CHECK(free_worker_defaults() == argument_values{{"min_workers", 1},
                                                  {"max_workers", 1},
                                                  {"min_free_workers", 1},
                                                  {"max_idle_time", 120},
                                                  {"scale_up_step", 1}});
  auto d = decide_free_worker_values({{"max_workers", 2}}, with_summary(workers(1, ws::busy, "b")),
                                     now_s);
  CHECK(summary(d.result) == "up 1");
  CHECK(d.result.max_workers == 2);
}
