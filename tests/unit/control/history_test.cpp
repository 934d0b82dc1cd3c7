#include "actors/scaler/scaler_logic.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::scaler;
using policy::queue_cause;
using policy::worker_state;

TEST_CASE("history ring: samples survive a round trip through their persisted JSON") {
  history_ring ring{3};
  for (int i = 0; i < 4; ++i)
    ring.push(1'000'000 + i * 10'000, {{queue_cause::queue_due_busy, i}, {queue_cause::not_dispatch, 7}},
              {{worker_state::busy, i + 1}, {worker_state::free, 2}});
  auto back = history_ring::from_json(ring.to_json(), 3);
  REQUIRE(back);
  policy::factors a, b;
  ring.fill(a, 1'040'000);
  back->fill(b, 1'040'000);
  REQUIRE(a.queue_histories.size() == 3); // capacity 3: the oldest of 4 samples is gone
  CHECK(a.queue_histories == b.queue_histories);
  CHECK(a.worker_histories == b.worker_histories);
  CHECK(b.queue_histories.at(10).at(queue_cause::queue_due_busy) == 3);
  CHECK(b.worker_histories.at(30).at(worker_state::busy) == 2);
  CHECK(back->last_sample_at() == 1'030'000);
}

TEST_CASE("history ring: bytes that are not saved samples are refused") {
  for (const std::string& bad : std::vector<std::string>{"", "{}", "[1]", R"([{"at":"x"}])", R"([{"at":1,"queue":{"QueueDueBusy":"3"}}])",
                          std::string(70'000, '[')}) {
    auto r = history_ring::from_json(bad);
    CHECK_FALSE(r);
    CHECK(code_of(r.error()) == errc::corrupt_record);
  }
  CHECK(history_ring::from_json("[]"));
}

TEST_CASE("factors: workers started within one second are ordered newest first to the ms") {
  app_snapshot snap;
  queue::slot older, newer;
  older.worker_id = "zzz-older";
  older.phase = newer.phase = queue::slot_phase::running;
  older.started_at = 1'700'000'000'100;
  newer.worker_id = "aaa-newer";
  newer.started_at = 1'700'000'000'900; // same second, later
  older.last_service_at = newer.last_service_at = 1'700'000'000'900;
  snap.workers = {older, newer};
  auto f = build_factors(snap, history_ring{}, 1'700'000'100'000);
  REQUIRE(f.workers.size() == 2);
  CHECK(f.workers[0].worker_id == "aaa-newer");
  // And so an idle scale-down with min_workers 1 removes the newer one.
  autoscaler_spec spec;
  spec.arguments["min_workers"].value = "1";
  spec.arguments["max_idle_time"].value = "60";
  auto d = decide(spec, "default", config_snapshot{}, snap, history_ring{}, 1'700'000'100'000);
  REQUIRE(d);
  REQUIRE(d->output.result.actions.size() == 1);
  CHECK(d->output.result.actions[0].worker_id == "aaa-newer");
}
