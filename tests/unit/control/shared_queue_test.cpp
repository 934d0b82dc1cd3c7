// The gateway fast path (shared_queue, queue_logic::try_grant/quiet_release): it grants only what
// lease() would grant at once, never queues, and releases only when no waiter and no draining
// worker is involved, so the queue actor still does everything that has consequences.

#include "actors/queue/shared_queue.hpp"
#include "unit/control/slot_samples.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace ever;
using namespace ever::queue;

namespace {

constexpr time_ms t0 = 1'700'000'000'000;

/// A shared queue on a manual clock at t0.
struct fast_path {
  manual_clock_source clock{t0};
  shared_queue q{10, 1000, 60'000, clock};

  /// Adds a RUNNING worker with `capacity`, as of `at`.
  void add(const std::string& id, int64_t capacity, time_ms at = t0) {
    q.lock()->upsert(test::running(id, t0, capacity), at);
  }
};

} // namespace

TEST_CASE_METHOD(fast_path, "fast path: grants while a worker has room, then declines without "
                 "queueing") {
  add("w1", 2);
  auto a = q.try_lease("");
  auto b = q.try_lease("");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->worker_id == "w1");
  CHECK(a->lease_id != b->lease_id);
  CHECK_FALSE(q.try_lease(""));
  // Declining left nobody waiting: only the actor's lease() queues.
  CHECK(q.lock()->waiting().empty());
  CHECK(q.lock()->slots().at("w1").in_flight == 2);
}

TEST_CASE_METHOD(fast_path, "fast path: a release with nobody waiting is done here and records "
                 "usage") {
  add("w1", 1);
  auto g = q.try_lease("");
  REQUIRE(g);
  clock.advance(250);
  CHECK(q.try_release(g->lease_id, false));
  auto logic = q.lock();
  const auto& s = logic->slots().at("w1");
  CHECK(s.in_flight == 0);
  CHECK(s.failure_count == 1);
  CHECK(s.last_service_at == t0 + 250);
  CHECK(logic->open_leases() == 0);
}

TEST_CASE_METHOD(fast_path, "fast path: a release that would serve a waiter is left to the queue "
                 "actor") {
  add("w1", 1);
  auto g = q.try_lease("");
  REQUIRE(g);
  auto queued = q.lock()->lease("", t0 + 1); // what the actor does when the fast path declines
  REQUIRE(queued.queued);
  CHECK_FALSE(q.try_release(g->lease_id, true));
  // Nothing changed: the actor's release serves the waiter with the freed capacity.
  CHECK(q.lock()->slots().at("w1").in_flight == 1);
  auto r = q.lock()->release(g->lease_id, true, t0 + 2);
  REQUIRE(r.grants.size() == 1);
  CHECK(r.grants[0].waiter_seq == queued.queued->seq);
}

TEST_CASE_METHOD(fast_path, "fast path: a release on a draining worker is left to the queue "
                 "actor") {
  add("w1", 1);
  auto g = q.try_lease("");
  REQUIRE(g);
  CHECK_FALSE(q.lock()->drain("w1", t0 + 1).idle);
  CHECK_FALSE(q.try_release(g->lease_id, true));
  auto r = q.lock()->release(g->lease_id, true, t0 + 2);
  CHECK(r.idle == std::optional<std::string>{"w1"}); // the actor tells the worker it is idle
}

TEST_CASE_METHOD(fast_path, "fast path: unknown leases and a closed queue go to the actor") {
  add("w1", 1);
  CHECK_FALSE(q.try_release(42, true));
  q.close();
  CHECK_FALSE(q.try_lease(""));
}

TEST_CASE_METHOD(fast_path, "fast path: a session pinned to a full worker is declined, not moved") {
  add("w1", 1);
  auto first = q.try_lease("s1");
  REQUIRE(first);
  add("w2", 1, t0 + 1);
  CHECK_FALSE(q.try_lease("s1")); // waits for w1 (Session), as lease() would decide
  auto other = q.try_lease("");
  REQUIRE(other);
  CHECK(other->worker_id == "w2");
}

TEST_CASE_METHOD(fast_path, "fast path: concurrent gateways never exceed a worker's capacity") {
  add("w1", 3);
  std::atomic<int64_t> over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        auto g = q.try_lease("");
        if (!g)
          continue;
        if (q.lock()->slots().at("w1").in_flight > 3)
          ++over;
        q.try_release(g->lease_id, true);
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(over == 0);
  auto logic = q.lock();
  CHECK(logic->slots().at("w1").in_flight == 0);
  CHECK(logic->open_leases() == 0);
  CHECK(logic->slots().at("w1").success_count > 0);
}
