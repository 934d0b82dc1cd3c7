// decide(): registry lookup, decorators in order (§16.5), argument parsing and the reason line.

#include "actors/policy/pipeline.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;
using namespace ever::policy::test;

namespace {

using ws = worker_state;

decision_input input(const std::string& policy, raw_arguments args, std::optional<factors> f) {
  decision_input in;
  in.policy = policy;
  in.arguments = std::move(args);
  in.input = std::move(f);
  in.now = now_s * 1000 + 999; // sub-second part is dropped
  return in;
}

std::string error_of(const expected<decision_output>& out) {
  REQUIRE_FALSE(out);
  CHECK(code_of(out.error()) == errc::invalid_argument);
  return message_of(out.error());
}

} // namespace

TEST_CASE("decide: names and parameters") {
  CHECK(policy_names() == std::vector<std::string>{"free-worker", "simple", "target-concurrency"});
  CHECK(factor_decorator_names() == std::vector<std::string>{"average", "noop"});
  CHECK(argument_decorator_names() == std::vector<std::string>{"noop", "time-match"});
  auto simple = policy_parameters("simple");
  REQUIRE(simple);
  CHECK(simple->at("min_workers") == 1);
  CHECK(simple->at("max_idle_time") == 120);
  CHECK(simple->count("min_free_workers") == 0);
  auto free_worker = policy_parameters("free-worker");
  REQUIRE(free_worker);
  CHECK(free_worker->at("min_free_workers") == 1);
  auto unknown = policy_parameters("foo");
  REQUIRE_FALSE(unknown);
  CHECK(message_of(unknown.error()) == "unknown autoscaler 'foo' (valid: free-worker, simple, target-concurrency)");
}

TEST_CASE("decide: unknown names list the valid ones") {
  CHECK(error_of(decide(input("foo", {}, factors{}))) ==
        "unknown autoscaler 'foo' (valid: free-worker, simple, target-concurrency)");
  auto in = input("simple", {}, factors{});
  in.factor_decorators = {{"median", {}}};
  CHECK(error_of(decide(in)) == "unknown factors decorator 'median' (valid: average, noop)");
  in.factor_decorators.clear();
  in.argument_decorators = {{"cron", {}}};
  CHECK(error_of(decide(in)) == "unknown arguments decorator 'cron' (valid: noop, time-match)");
}

TEST_CASE("decide: arguments") {
  SECTION("defaults fill in; unknown names are ignored") {
    auto out = decide(input("simple", {{"max_workers", "5"}, {"colour", "blue"}}, factors{}));
    REQUIRE(out);
    CHECK(out->arguments == std::map<std::string, int64_t>{{"min_workers", 1},
                                                           {"max_workers", 5},
                                                           {"max_queue_size", 1},
                                                           {"max_idle_time", 120},
                                                           {"scale_up_step", 1}});
    CHECK(out->result.max_workers == 5);
    CHECK(summary(out->result) == "up 1");
    CHECK(out->reason == "min floor: 0 workers < min_workers 1, scale up 1");
  }
  SECTION("Python int() text") {
    auto out = decide(input("simple", {{"max_workers", " 7 "}, {"min_workers", "+0"}}, factors{}));
    REQUIRE(out);
    CHECK(out->arguments.at("max_workers") == 7);
    CHECK(out->arguments.at("min_workers") == 0);
  }
  SECTION("not an integer") {
    CHECK(error_of(decide(input("simple", {{"max_idle_time", "1.5"}}, factors{}))) ==
          "argument max_idle_time: '1.5' is not an integer");
    CHECK(error_of(decide(input("simple", {{"max_idle_time", ""}}, factors{}))) ==
          "argument max_idle_time: '' is not an integer");
  }
  SECTION("negative") {
    CHECK(error_of(decide(input("simple", {{"max_workers", "-1"}}, factors{}))) ==
          "argument max_workers must be >= 0, got -1");
  }
}

TEST_CASE("decide: now is epoch seconds, sub-second dropped") {
  // Idle for exactly 60 s only when now is truncated to now_s.
  factors f = with_queue(0, {worker("a", ws::free, 1), worker("b", ws::free, 2, now_s - 60)});
  auto out = decide(input("simple", {{"max_idle_time", "60"}}, f));
  REQUIRE(out);
  CHECK(summary(out->result) == "down b");
  CHECK(out->reason == "1 worker idle >= max_idle_time 60s: scale down 1 (Free 2, min_workers 1)");
  // Rounding now up would make b idle for 61 s.
  auto not_yet = decide(input("simple", {{"max_idle_time", "61"}}, f));
  REQUIRE(not_yet);
  CHECK(summary(not_yet->result) == "none");
}

TEST_CASE("decide: reason lines") {
  struct row {
    const char* policy;
    raw_arguments args;
    factors f;
    const char* reason;
  };
  factors inflight = with_queue(3, {worker("b", ws::busy), worker("i", ws::inflight)});
  std::vector<row> rows = {
    {"simple", {{"max_workers", "5"}, {"max_queue_size", "2"}},
     with_queue(3, workers(2, ws::busy, "b")),
     "queue WorkerBusy 3 > max_queue_size 2 and no worker starting: scale up 1 (step 1, "
     "max_workers 5)"},
    {"simple", {{"max_workers", "5"}, {"max_queue_size", "2"}},
     with_queue(2, workers(2, ws::busy, "b")), "no action: queue WorkerBusy 2 <= max_queue_size 2"},
    {"simple", {{"max_workers", "5"}, {"max_queue_size", "2"}}, inflight,
     "no action: queue WorkerBusy 3 > max_queue_size 2 but 1 worker starting (Inflight)"},
    {"simple", {{"min_workers", "1"}, {"max_idle_time", "60"}},
     with_queue(0, {worker("f1", ws::free, 1, 0), worker("f2", ws::free, 2, 0),
                    worker("f3", ws::free, 3, 0)}),
     "3 workers idle >= max_idle_time 60s: scale down 2 (Free 3, min_workers 1)"},
    {"free-worker", {}, factors{}, "min floor: 0 workers < min_workers 1, scale up 1"},
  };
  for (const auto& r : rows) {
    auto out = decide(input(r.policy, r.args, r.f));
    REQUIRE(out);
    CHECK(out->reason == r.reason);
  }
  auto none = decide(input("simple", {}, std::nullopt));
  REQUIRE(none);
  CHECK(none->reason == "no action: no factors");
  CHECK(none->result.max_workers == 1);
}

TEST_CASE("decide: factors decorators, then arguments decorators, each in order") {
  factors f = with_queue(6, workers(1, ws::busy, "b"));
  f.queue_histories = {{10, queue_counts{}}, {20, queue_counts{}}};

  auto in = input("simple", {{"max_workers", "5"}, {"max_queue_size", "2"}}, f);
  auto plain = decide(in);
  REQUIRE(plain);
  CHECK(summary(plain->result) == "up 1"); // 6 > 2

  // average over 2 histories: 6 / 3 = 2, not > 2.
  in.factor_decorators = {{"noop", {}}, {"average", {{"used_histories", "2"}}}};
  auto averaged = decide(in);
  REQUIRE(averaged);
  CHECK(summary(averaged->result) == "none");
  REQUIRE(averaged->decorated);
  CHECK(averaged->decorated->queue->at(queue_cause::queue_due_busy) == 2);

  // Then time-match lowers max_queue_size at any time (UTC), and the queue test fires again.
  in.argument_decorators = {{"time-match", {{"match(* * * * *)", "all_"},
                                            {"all_max_queue_size", "1"}}},
                            {"noop", {}}};
  auto matched = decide(in);
  REQUIRE(matched);
  CHECK(matched->arguments.at("max_queue_size") == 1);
  CHECK(summary(matched->result) == "up 1");

  // A second time-match sees the first one's output; the last setting wins.
  in.argument_decorators.push_back(
    {"time-match", {{"match(* * * * *)", "later_"}, {"later_max_queue_size", "4"}}});
  auto later = decide(in);
  REQUIRE(later);
  CHECK(later->arguments.at("max_queue_size") == 4);

  // A decorator error stops the decision.
  in.factor_decorators = {{"average", {{"used_histories", "-2"}}}};
  CHECK_THAT(error_of(decide(in)), Catch::Contains("used_histories"));
}

TEST_CASE("decide: a decorator may produce the bad argument") {
  auto in = input("simple", {}, factors{});
  in.argument_decorators = {{"time-match", {{"match(* * * * *)", "x_"}, {"x_max_workers", "lots"}}}};
  CHECK(error_of(decide(in)) == "argument max_workers: 'lots' is not an integer");
}
