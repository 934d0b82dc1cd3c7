// `average` factors decorator (everai-reference §4.1), upstream tests plus the quirks.

#include "actors/policy/average_decorator.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;
using namespace ever::policy::test;

namespace {

queue_counts queue(int64_t busy, int64_t session, int64_t not_dispatch) {
  return {{queue_cause::queue_due_busy, busy},
          {queue_cause::queue_due_session, session},
          {queue_cause::not_dispatch, not_dispatch}};
}

worker_counts summary_of(int64_t inflight, int64_t free, int64_t busy) {
  return {{worker_state::inflight, inflight}, {worker_state::free, free}, {worker_state::busy, busy}};
}

std::optional<factors> run(const raw_arguments& settings, const std::optional<factors>& f) {
  auto out = apply_average(settings, f);
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("average: upstream test_empty_history and test_not_enough give a null queue") {
  factors f;
  f.queue = queue(0, 0, 0);
  auto empty = run({}, f);
  REQUIRE(empty);
  CHECK_FALSE(empty->queue);
  CHECK_FALSE(empty->worker);

  f.queue_histories = {{10, queue(0, 0, 0)}, {20, queue(0, 0, 0)}};
  auto not_enough = run({}, f); // 2 < default 5
  REQUIRE(not_enough);
  CHECK_FALSE(not_enough->queue);
}

TEST_CASE("average: upstream test_average and the §4.1 example") {
  factors f;
  f.queue = queue(3, 6, 9);
  f.queue_histories = {{30, queue(9, 9, 9)}, {10, queue(1, 2, 3)}, {20, queue(2, 4, 6)}};
  f.worker = summary_of(3, 6, 9);
  f.worker_histories = {{30, summary_of(9, 9, 9)}, {10, summary_of(1, 2, 3)},
                        {20, summary_of(2, 4, 6)}};
  f.workers = {worker("w", worker_state::busy)};
  f.utilization = 7;

  auto out = run({{"used_histories", "2"}}, f); // keys 10 and 20; 30 is not used
  REQUIRE(out);
  CHECK(out->queue == queue(2, 4, 6));
  CHECK(out->worker == summary_of(2, 4, 6));
  // Everything else is copied.
  CHECK(out->queue_histories == f.queue_histories);
  CHECK(out->worker_histories == f.worker_histories);
  REQUIRE(out->workers.size() == 1);
  CHECK(out->workers[0].worker_id == "w");
  CHECK(out->utilization == 7);
}

TEST_CASE("average: quirks") {
  SECTION("divides by used+1 with truncation; missing reasons count 0") {
    factors f;
    f.queue = queue_counts{{queue_cause::queue_due_busy, 2}};
    f.queue_histories = {{10, queue_counts{{queue_cause::queue_due_busy, 2}}},
                         {20, queue_counts{}}};
    auto out = run({{"used_histories", "2"}}, f);
    CHECK(out->queue == queue(1, 0, 0)); // 4 / 3 = 1.33 -> 1
  }
  SECTION("used_histories 0 still adds one history and divides by 1") {
    factors f;
    f.queue = queue(1, 1, 1);
    f.queue_histories = {{20, queue(5, 5, 5)}, {10, queue(2, 2, 2)}};
    auto out = run({{"used_histories", "0"}}, f);
    CHECK(out->queue == queue(3, 3, 3));
    f.queue_histories.clear(); // 0 histories is not "too few" for 0
    CHECK(run({{"used_histories", "0"}}, f)->queue == queue(1, 1, 1));
  }
  SECTION("a null current queue averages the histories alone") {
    factors f;
    f.queue_histories = {{10, queue(3, 0, 0)}};
    CHECK(run({{"used_histories", "1"}}, f)->queue == queue(1, 0, 0));
  }
  SECTION("Inflight forced to 1 when it averages away") {
    factors f;
    f.worker = summary_of(1, 0, 0);
    f.worker_histories = {{10, summary_of(0, 1, 0)}, {20, summary_of(0, 1, 0)}};
    CHECK(run({{"used_histories", "2"}}, f)->worker == summary_of(1, 0, 0));
    f.worker = summary_of(0, 0, 0); // none starting now: no forcing
    CHECK(run({{"used_histories", "2"}}, f)->worker == summary_of(0, 0, 0));
    f.worker = summary_of(1, 0, 0); // too few histories: null even with Inflight
    CHECK_FALSE(run({{"used_histories", "3"}}, f)->worker);
  }
  SECTION("strings with spaces are accepted; null factors stay null") {
    factors f;
    f.queue_histories = {{10, queue(3, 0, 0)}};
    CHECK(run({{"used_histories", " 1 "}}, f)->queue == queue(1, 0, 0));
    CHECK_FALSE(run({}, std::nullopt));
  }
}

TEST_CASE("average: bad used_histories") {
  for (const char* bad : {"-1", "1.5", "", "five"}) {
    auto out = apply_average({{"used_histories", bad}}, factors{});
    REQUIRE_FALSE(out);
    CHECK(code_of(out.error()) == errc::invalid_argument);
    CHECK_THAT(message_of(out.error()), Catch::Contains("used_histories"));
  }
}
