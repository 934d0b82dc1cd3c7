// The queue actor under CAF's test coordinator: waiters persisted while they wait, FIFO dispatch,
// timeouts on the 100 ms tick, queue full, drain -> idle, coalesced scaler notifications, usage
// flushes to worker actors, and delete.

#include "actor/actor_fixture.hpp"

#include "actors/queue/queue_actor.hpp"
#include "actors/queue/queue_messages.hpp"

#include <optional>
#include <tuple>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;
using storage::table;

namespace {

/// What one lease callback received.
struct lease_outcome {
  std::string tag;
  std::optional<queue::grant> grant;
  errc code = errc::ok;
  std::string message;
};

struct lease_log {
  std::vector<lease_outcome> outcomes;
  int calls_of(const std::string& tag) const {
    return static_cast<int>(std::count_if(outcomes.begin(), outcomes.end(),
                                          [&](const auto& o) { return o.tag == tag; }));
  }
};

/// A callback that appends what it gets to `log` under `tag`.
queue::lease_callback record_into(std::shared_ptr<lease_log> log, std::string tag) {
  return {[log, tag](expected<queue::grant> r) {
    lease_outcome o;
    o.tag = tag;
    if (r) {
      o.grant = *r;
    } else {
      o.code = code_of(r.error());
      o.message = message_of(r.error());
    }
    log->outcomes.push_back(std::move(o));
  }};
}

/// What a (fake) worker actor received from the queue.
struct worker_log {
  std::vector<std::string> idle;
  std::vector<std::tuple<time_ms, uint64_t, uint64_t>> usage;
};

caf::behavior fake_worker(caf::event_based_actor*, std::shared_ptr<worker_log> log) {
  return {
    [=](queue::idle_atom, const std::string& id) { log->idle.push_back(id); },
    [=](queue::usage_atom, time_ms last, uint64_t ok, uint64_t failed) {
      log->usage.emplace_back(last, ok, failed);
    },
  };
}

/// What a (fake) scaler received from the queue.
struct scaler_log {
  int changed = 0;
  std::vector<scaler::app_snapshot> snapshots; ///< pushed with (changed)
};

/// Logs each pushed snapshot; on (get_atom) tells the queue it is ready for the next push, as
/// the real scaler does when it takes a push into a decision.
caf::behavior fake_scaler(caf::event_based_actor* self, caf::actor q,
                          std::shared_ptr<scaler_log> log) {
  return {
    [=](changed_atom, const scaler::app_snapshot& s) {
      ++log->changed;
      log->snapshots.push_back(s);
    },
    [=](caf::get_atom) { self->send(q, ready_atom::value); },
  };
}

struct queue_fixture : actor_fixture {
  caf::actor q;
  std::shared_ptr<lease_log> leases = std::make_shared<lease_log>();

  void start_queue(int64_t max_length = 10, int64_t wait_timeout_ms = 120'000) {
    queue::queue_config c;
    c.ns = ns;
    c.app = app;
    c.max_length = max_length;
    c.wait_timeout_ms = wait_timeout_ms;
    q = keep(queue::spawn_queue(sys, ctx, c));
    sched.run();
  }

  void lease(const std::string& tag, const std::string& session = {}) {
    caf::anon_send(q, queue::lease_atom::value, session, record_into(leases, tag));
    sched.run();
  }

  void release(uint64_t lease_id, bool success) {
    caf::anon_send(q, queue::release_atom::value, lease_id, success);
    sched.run();
  }

  /// Spawns a fake worker actor and tells the queue it is running with `capacity`.
  std::shared_ptr<worker_log> add_worker(const std::string& id, int64_t capacity,
                                         uint16_t port = 20001) {
    auto log = std::make_shared<worker_log>();
    auto w = keep(sys.spawn(fake_worker, log));
    queue::slot s;
    s.worker_id = id;
    s.port = port;
    s.phase = queue::slot_phase::running;
    s.capacity = capacity;
    s.created_at = clock.now();
    s.started_at = clock.now();
    s.last_service_at = clock.now();
    caf::anon_send(q, queue::upsert_atom::value, s, w);
    sched.run();
    return log;
  }

  /// The queue's (view_atom) answer: waiting requests, oldest first.
  std::vector<queue::waiter> view_waiting() {
    caf::scoped_actor self{sys};
    std::vector<queue::waiter> out;
    auto h = self->request(q, caf::infinite, view_atom::value);
    sched.run();
    h.receive([&](std::vector<queue::waiter>& ws) { out = std::move(ws); },
              [&](caf::error& err) { FAIL("view failed: " << sys.render(err)); });
    return out;
  }

  std::string queue_length_line(int n) const {
    return "ever_queue_length{" + app_label(ns, app) + "} " + std::to_string(n);
  }
};

} // namespace

TEST_CASE_METHOD(queue_fixture, "queue: a lease without a worker waits as a queue row until a "
                                "worker runs", "[actor][queue]") {
  start_queue();
  auto t0 = clock.now();
  lease("a");
  CHECK(leases->outcomes.empty()); // queued: the callback has not run
  REQUIRE(seqs_in(table::queue) == std::vector<uint64_t>{1});
  auto row = read_row<queue_entry_record>(table::queue, 1);
  CHECK(row.seq == 1);
  CHECK(row.created_at == t0);
  CHECK(row.reason == queue_reason::not_dispatch);
  CHECK(row.session.empty());
  auto waiting = view_waiting();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].seq == 1);
  CHECK(waiting[0].reason == queue_reason::not_dispatch);
  CHECK(metrics_have_line(queue_length_line(1)));

  clock.advance(30);
  add_worker("w1", 1, 20001);
  REQUIRE(leases->outcomes.size() == 1);
  const auto& o = leases->outcomes[0];
  REQUIRE(o.grant);
  CHECK(o.grant->worker_id == "w1");
  CHECK(o.grant->lease_id == 1);
  CHECK(o.grant->waiter_seq == 1);
  CHECK(o.grant->host == "127.0.0.1");
  CHECK(o.grant->port == 20001);
  CHECK(seqs_in(table::queue).empty()); // served: the row is deleted
  CHECK(view_waiting().empty());
  CHECK(metrics_have_line(queue_length_line(0)));
}

TEST_CASE_METHOD(queue_fixture, "queue: with knob queue_durability 0 a waiter writes no row but "
                                "is still queued and served", "[actor][queue]") {
  ctx.limits.queue_durability = 0;
  start_queue();
  lease("a");
  CHECK(leases->outcomes.empty());
  CHECK(seqs_in(table::queue).empty()); // nothing written
  REQUIRE(view_waiting().size() == 1);  // the view comes from the actor, not the table
  CHECK(metrics_have_line(queue_length_line(1)));
  add_worker("w1", 1);
  REQUIRE(leases->outcomes.size() == 1);
  CHECK(leases->outcomes[0].grant);
  CHECK(view_waiting().empty());
}

TEST_CASE_METHOD(queue_fixture, "queue: a release serves the next waiter first in, first out",
                 "[actor][queue]") {
  start_queue();
  add_worker("w1", 1);
  lease("a"); // granted at once: lease 1
  REQUIRE(leases->outcomes.size() == 1);
  REQUIRE(leases->outcomes[0].grant);
  CHECK(leases->outcomes[0].grant->lease_id == 1);
  CHECK(leases->outcomes[0].grant->waiter_seq == 0);
  lease("b");
  lease("c");
  lease("d");
  CHECK(leases->outcomes.size() == 1);
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{1, 2, 3});
  auto waiting = view_waiting();
  REQUIRE(waiting.size() == 3);
  CHECK(waiting[0].reason == queue_reason::worker_busy);

  release(1, true);
  REQUIRE(leases->outcomes.size() == 2);
  CHECK(leases->outcomes[1].tag == "b");
  REQUIRE(leases->outcomes[1].grant);
  CHECK(leases->outcomes[1].grant->lease_id == 2);
  CHECK(leases->outcomes[1].grant->waiter_seq == 1);
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{2, 3});

  release(1, true); // a second release of the same lease frees nothing
  CHECK(leases->outcomes.size() == 2);

  release(2, true);
  REQUIRE(leases->outcomes.size() == 3);
  CHECK(leases->outcomes[2].tag == "c");
  REQUIRE(leases->outcomes[2].grant);
  CHECK(leases->outcomes[2].grant->lease_id == 3);
  CHECK(leases->outcomes[2].grant->waiter_seq == 2);
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{3});
  CHECK(leases->calls_of("d") == 0);
}

TEST_CASE_METHOD(queue_fixture, "queue: a waiter times out after wait_timeout_ms on the tick",
                 "[actor][queue]") {
  start_queue(10, 500);
  lease("a");
  advance(400ms); // four ticks: deadline not reached
  CHECK(leases->outcomes.empty());
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{1});
  advance(100ms); // the tick at exactly the deadline
  REQUIRE(leases->outcomes.size() == 1);
  CHECK_FALSE(leases->outcomes[0].grant);
  CHECK(leases->outcomes[0].code == errc::queue_timeout);
  CHECK(seqs_in(table::queue).empty());
  CHECK(view_waiting().empty());
  advance(1000ms); // the callback runs once only
  CHECK(leases->outcomes.size() == 1);
}

TEST_CASE_METHOD(queue_fixture, "queue: a full queue refuses at once with queue_full",
                 "[actor][queue]") {
  start_queue(2);
  lease("a");
  lease("b");
  CHECK(leases->outcomes.empty());
  lease("c");
  REQUIRE(leases->outcomes.size() == 1);
  CHECK(leases->outcomes[0].tag == "c");
  CHECK_FALSE(leases->outcomes[0].grant);
  CHECK(leases->outcomes[0].code == errc::queue_full);
  CHECK(leases->outcomes[0].message.find("is full (2 waiting)") != std::string::npos);
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{1, 2});
}

TEST_CASE_METHOD(queue_fixture, "queue: a draining worker hears idle only after its last release",
                 "[actor][queue]") {
  start_queue();
  auto w = add_worker("w1", 2);
  lease("a");
  lease("b");
  REQUIRE(leases->outcomes.size() == 2);
  REQUIRE(leases->outcomes[0].grant);
  REQUIRE(leases->outcomes[1].grant);
  CHECK(leases->outcomes[0].grant->lease_id == 1);
  CHECK(leases->outcomes[1].grant->lease_id == 2);

  caf::anon_send(q, queue::drain_atom::value, std::string{"w1"});
  sched.run();
  CHECK(w->idle.empty()); // two requests still in flight
  lease("c");             // a draining worker takes nothing new
  CHECK(leases->calls_of("c") == 0);

  release(1, true);
  CHECK(w->idle.empty());
  CHECK(leases->calls_of("c") == 0);
  release(2, true);
  CHECK(w->idle == std::vector<std::string>{"w1"});
  CHECK(leases->calls_of("c") == 0);
}

TEST_CASE_METHOD(queue_fixture, "queue: pushes one snapshot per burst until the scaler is "
                                "ready again", "[actor][queue]") {
  start_queue();
  auto log = std::make_shared<scaler_log>();
  auto s = keep(sys.spawn(fake_scaler, q, log));
  sched.run();
  caf::anon_send(q, queue::scaler_atom::value, s);
  sched.run();
  REQUIRE(log->changed == 1); // told at once when connected
  CHECK(log->snapshots[0].queue.not_dispatch == 0);

  // Burst 1: three waiters, nothing more until the scaler is ready.
  lease("a");
  lease("b");
  lease("c");
  CHECK(log->changed == 1);
  caf::anon_send(s, caf::get_atom::value);
  sched.run();
  REQUIRE(log->changed == 2); // what changed meanwhile, pushed at once
  CHECK(log->snapshots[1].queue.not_dispatch == 3);
  CHECK(log->snapshots[1].queue.worker_busy == 0);
  CHECK(log->snapshots[1].workers.empty());

  // Ready with nothing changed since: nothing to push.
  caf::anon_send(s, caf::get_atom::value);
  sched.run();
  CHECK(log->changed == 2);

  // Burst 2: a worker arrives (serves "a"): pushed at once; then more events, coalesced.
  add_worker("w1", 1);
  REQUIRE(log->changed == 3);
  CHECK(log->snapshots[2].queue.worker_busy == 2); // b, c
  lease("d");
  release(99, true); // unknown lease: still counts as an event, still coalesced
  CHECK(log->changed == 3);
  caf::anon_send(s, caf::get_atom::value);
  sched.run();
  REQUIRE(log->changed == 4);
  CHECK(log->snapshots[3].queue.worker_busy == 3); // b, c, d
  CHECK(log->snapshots[3].queue.not_dispatch == 0);
  REQUIRE(log->snapshots[3].workers.size() == 1);
  CHECK(log->snapshots[3].workers[0].worker_id == "w1");
  CHECK(log->snapshots[3].workers[0].in_flight == 1);
}

TEST_CASE_METHOD(queue_fixture, "queue: a worker nobody waits for reaches the scaler at the "
                                "next tick, several in one snapshot", "[actor][queue]") {
  start_queue();
  auto log = std::make_shared<scaler_log>();
  auto s = keep(sys.spawn(fake_scaler, q, log));
  caf::anon_send(q, queue::scaler_atom::value, s);
  sched.run();
  caf::anon_send(s, caf::get_atom::value); // ready for the next push
  sched.run();
  REQUIRE(log->changed == 1);
  // A restart re-adopting an app's workers: each turns RUNNING, with no request waiting.
  add_worker("w1", 1);
  add_worker("w2", 1);
  add_worker("w3", 1);
  CHECK(log->changed == 1); // not one decision per worker
  advance(std::chrono::milliseconds(100), std::chrono::milliseconds(10));
  REQUIRE(log->changed == 2); // the tick pushes them, all in one snapshot
  CHECK(log->snapshots[1].workers.size() == 3);
  caf::anon_send(s, caf::get_atom::value);
  sched.run();
  advance(std::chrono::milliseconds(200), std::chrono::milliseconds(10));
  CHECK(log->changed == 2); // nothing changed since: no push at later ticks
}

TEST_CASE_METHOD(queue_fixture, "queue: usage reaches the worker actor within one tick of a "
                                "release", "[actor][queue]") {
  start_queue();
  auto t0 = clock.now();
  auto w = add_worker("w1", 1);
  lease("a");
  REQUIRE(leases->outcomes.size() == 1);
  clock.advance(250);
  release(1, true);
  CHECK(w->usage.empty()); // flushed on the tick, not per release

  advance(100ms);
  REQUIRE(w->usage.size() == 1);
  CHECK(w->usage[0] == std::make_tuple(t0 + 250, uint64_t{1}, uint64_t{0}));

  lease("b");
  REQUIRE(leases->outcomes.size() == 2);
  REQUIRE(leases->outcomes[1].grant);
  auto failed_at = clock.now();
  release(leases->outcomes[1].grant->lease_id, false);
  advance(100ms);
  REQUIRE(w->usage.size() == 2);
  CHECK(w->usage[1] == std::make_tuple(failed_at, uint64_t{1}, uint64_t{1}));

  advance(500ms); // nothing changed: nothing sent
  CHECK(w->usage.size() == 2);
}

TEST_CASE_METHOD(queue_fixture, "queue: delete fails every waiter with unavailable and quits",
                 "[actor][queue]") {
  start_queue();
  auto downs = std::make_shared<down_log>();
  keep(sys.spawn(watcher, q, downs));
  sched.run();
  lease("a");
  lease("b");
  CHECK(seqs_in(table::queue) == std::vector<uint64_t>{1, 2});
  CHECK(metrics_have_line(queue_length_line(2)));

  caf::anon_send(q, delete_atom::value);
  sched.run();
  REQUIRE(leases->outcomes.size() == 2);
  for (const auto& o : leases->outcomes) {
    INFO("lease " << o.tag);
    CHECK_FALSE(o.grant);
    CHECK(o.code == errc::unavailable);
    CHECK(o.message == "app default/demo was deleted");
  }
  CHECK(seqs_in(table::queue).empty());
  REQUIRE(downs->reasons.size() == 1);
  CHECK((!downs->reasons[0] || downs->reasons[0] == caf::exit_reason::normal));
  CHECK(metrics.render().find("ever_queue_length{" + app_label(ns, app) + "}")
        == std::string::npos);
}

TEST_CASE_METHOD(queue_fixture, "queue: new limits apply to the next waiter", "[actor][queue]") {
  start_queue(10, 120'000);
  caf::anon_send(q, queue::limits_atom::value, int64_t{1}, int64_t{2'000});
  sched.run();
  lease("a");
  lease("b");
  REQUIRE(leases->outcomes.size() == 1);
  CHECK(leases->outcomes[0].tag == "b");
  CHECK(leases->outcomes[0].code == errc::queue_full);
  CHECK(leases->outcomes[0].message.find("is full (1 waiting)") != std::string::npos);
  advance(1'900ms);
  CHECK(leases->outcomes.size() == 1);
  advance(100ms);
  REQUIRE(leases->outcomes.size() == 2);
  CHECK(leases->outcomes[1].tag == "a");
  CHECK(leases->outcomes[1].code == errc::queue_timeout);
}

TEST_CASE_METHOD(queue_fixture, "queue: the timeout message names the wait timeout in force",
                 "[actor][queue]") {
  start_queue(10, 120'000);
  caf::anon_send(q, queue::limits_atom::value, int64_t{10}, int64_t{2'000});
  sched.run();
  lease("a");
  advance(2'000ms);
  REQUIRE(leases->outcomes.size() == 1);
  REQUIRE(leases->outcomes[0].code == errc::queue_timeout);
  INFO("message: " << leases->outcomes[0].message);
  CHECK(leases->outcomes[0].message == "no worker of default/demo became free within 2s");
}
