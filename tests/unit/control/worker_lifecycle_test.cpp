// worker_lifecycle: CREATED -> INITIALIZED -> RUNNING/FREE -> TERMINATING/REMOVE -> TERMINATED,
// ERROR on failure; final states are sticky (everai-reference §13, §16.4).

#include "actors/worker/worker_lifecycle.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::worker;

namespace {

constexpr time_ms t0 = 1'700'000'000'000;

worker_record fresh() {
  worker_record r;
  r.id = "7bUsPkMnQ2rT9wXyZaBcDe";
  r.app = "get-start";
  r.created_at = t0;
  return r;
}

worker_record terminated() {
  auto r = on_exited(on_stopping(on_ready(on_started(fresh(), 42, 777, 9001), t0 + 10), "scale down"),
                     true, "exited with status 0", t0 + 20);
  REQUIRE(r.status == worker_status::terminated);
  return r;
}

worker_record errored() {
  auto r = on_failed(on_started(fresh(), 42, 777, 9001), "readiness timed out", t0 + 30);
  REQUIRE(r.status == worker_status::error);
  return r;
}

bool same(const worker_record& a, const worker_record& b) {
  return a.status == b.status && a.detail == b.detail && a.pid == b.pid
         && a.proc_start_time == b.proc_start_time && a.port == b.port
         && a.started_at == b.started_at && a.deleted_at == b.deleted_at
         && a.last_service_at == b.last_service_at && a.message == b.message
         && a.success_count == b.success_count && a.failure_count == b.failure_count;
}

} // namespace

TEST_CASE("lifecycle: on_started -> INITIALIZED/IN_FLIGHT with the process identity") {
  auto r = on_started(fresh(), 4242, 123456, 9001);
  CHECK(r.status == worker_status::initialized);
  CHECK(r.detail == worker_detail::in_flight);
  CHECK(r.pid == 4242);
  CHECK(r.proc_start_time == 123456);
  CHECK(r.port == 9001);
  CHECK(r.started_at == 0);
  CHECK(r.id == fresh().id);
  CHECK_FALSE(takes_requests(r));
}

TEST_CASE("lifecycle: on_ready of a new worker -> RUNNING/FREE, started and served now") {
  auto r = on_ready(on_started(fresh(), 1, 2, 3), t0 + 5'000);
  CHECK(r.status == worker_status::running);
  CHECK(r.detail == worker_detail::free);
  CHECK(r.started_at == t0 + 5'000);
  CHECK(r.last_service_at == t0 + 5'000); // §16.4: never used = became RUNNING
  CHECK(takes_requests(r));
}

TEST_CASE("lifecycle: on_ready of a re-adopted worker keeps its persisted times") {
  auto r = on_ready(on_started(fresh(), 1, 2, 3), t0 + 5'000);
  r = on_usage(r, t0 + 60'000, 10, 1);
  r.detail = worker_detail::busy; // as persisted before everd stopped
  auto again = on_ready(r, t0 + 3'600'000);
  CHECK(again.status == worker_status::running);
  CHECK(again.detail == worker_detail::free);
  CHECK(again.started_at == t0 + 5'000);
  CHECK(again.last_service_at == t0 + 60'000); // the idle timer survives the restart
  CHECK(again.success_count == 10);
  CHECK(again.failure_count == 1);
}

TEST_CASE("lifecycle: already_ready says exactly when on_ready changes nothing") {
  auto same = [](const worker_record& a, const worker_record& b) {
    return a.status == b.status && a.detail == b.detail && a.started_at == b.started_at
           && a.last_service_at == b.last_service_at && a.message == b.message && a.pid == b.pid;
  };
  auto ready = on_ready(on_started(fresh(), 1, 2, 3), t0 + 5'000);
  CHECK(already_ready(ready));
  CHECK(same(on_ready(ready, t0 + 9'000), ready));
  auto busy = ready;
  busy.detail = worker_detail::busy; // persisted mid-request: on_ready makes it FREE
  CHECK_FALSE(already_ready(busy));
  CHECK_FALSE(same(on_ready(busy, t0 + 9'000), busy));
  auto starting = on_started(fresh(), 1, 2, 3);
  CHECK_FALSE(already_ready(starting));
  CHECK_FALSE(same(on_ready(starting, t0 + 9'000), starting));
  auto never_served = ready;
  never_served.last_service_at = 0;
  CHECK_FALSE(already_ready(never_served));
}

TEST_CASE("lifecycle: on_stopping -> TERMINATING/REMOVE with the reason") {
  SECTION("from RUNNING") {
    auto r = on_stopping(on_ready(on_started(fresh(), 1, 2, 3), t0), "idle 60s: scale down");
    CHECK(r.status == worker_status::terminating);
    CHECK(r.detail == worker_detail::remove);
    CHECK(r.message == "idle 60s: scale down");
    CHECK(r.deleted_at == 0);
    CHECK_FALSE(takes_requests(r));
  }
  SECTION("from CREATED") {
    auto r = on_stopping(fresh(), "app deleted");
    CHECK(r.status == worker_status::terminating);
    CHECK(r.detail == worker_detail::remove);
  }
}

TEST_CASE("lifecycle: on_exited after a stop -> TERMINATED - otherwise ERROR") {
  auto stopping = on_stopping(on_ready(on_started(fresh(), 1, 2, 3), t0), "scale down");
  auto done = on_exited(stopping, true, "exited with status 0", t0 + 9'000);
  CHECK(done.status == worker_status::terminated);
  CHECK(done.detail == worker_detail::none);
  CHECK(done.deleted_at == t0 + 9'000);
  CHECK(done.message == "scale down"); // the stop's reason stays

  auto crashed = on_exited(on_ready(on_started(fresh(), 1, 2, 3), t0), false,
                           "killed by signal 9", t0 + 7'000);
  CHECK(crashed.status == worker_status::error);
  CHECK(crashed.detail == worker_detail::none);
  CHECK(crashed.deleted_at == t0 + 7'000);
  CHECK(crashed.message == "process killed by signal 9");
}

TEST_CASE("lifecycle: on_failed -> ERROR with why") {
  auto r = on_failed(fresh(), "start failed: no such file", t0 + 1);
  CHECK(r.status == worker_status::error);
  CHECK(r.detail == worker_detail::none);
  CHECK(r.deleted_at == t0 + 1);
  CHECK(r.message == "start failed: no such file");
  CHECK(is_final(r.status));
}

TEST_CASE("lifecycle: on_usage keeps the later last_service_at and takes the counts") {
  auto r = on_ready(on_started(fresh(), 1, 2, 3), t0);
  r = on_usage(r, t0 + 100, 5, 2);
  CHECK(r.last_service_at == t0 + 100);
  CHECK(r.success_count == 5);
  CHECK(r.failure_count == 2);
  r = on_usage(r, t0 + 50, 6, 2); // a stale time never moves the idle timer back
  CHECK(r.last_service_at == t0 + 100);
  CHECK(r.success_count == 6);
}

TEST_CASE("lifecycle: final states are sticky under stop, exit and failure") {
  for (const auto& final_record : {terminated(), errored()}) {
    CHECK(same(on_stopping(final_record, "again"), final_record));
    CHECK(same(on_exited(final_record, false, "signal 15", t0 + 99'000), final_record));
    CHECK(same(on_exited(final_record, true, "status 0", t0 + 99'000), final_record));
    CHECK(same(on_failed(final_record, "late failure", t0 + 99'000), final_record));
  }
  auto e = errored();
  CHECK(e.message == "readiness timed out");
  CHECK(e.deleted_at == t0 + 30);
}

// A TERMINATED/ERROR record is never brought back to INITIALIZED/RUNNING.
TEST_CASE("lifecycle: final states are sticky under start and ready") {
  for (const auto& final_record : {terminated(), errored()}) {
    CHECK(same(on_started(final_record, 99, 100, 9100), final_record));
    CHECK(same(on_ready(final_record, t0 + 99'000), final_record));
  }
}
