// The scaler actor under CAF's test coordinator, against a fake queue (snapshots under test
// control) and a fake app (records orders): decide at spawn, persist before acting, live
// ConfigMap changes, idle scale-down on the 1 s timer, warnings once, gap-free decision numbers
// across instances, pause, and the decision latency metric.

#include "actor/actor_fixture.hpp"

#include "actors/queue/queue_actor.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/scaler/scaler_actor.hpp"
#include "actors/scaler/scaler_messages.hpp"

#include <caf/response_promise.hpp>

#include <optional>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;
using storage::table;

namespace {

// -- fake queue -----------------------------------------------------------------------------------

/// What the fake queue answers, and how often it was asked.
struct snapshot_source {
  scaler::app_snapshot snap;
  int asked = 0;
  int ready = 0;           ///< (ready_atom) received: the scaler took a push
  bool hold = false;       ///< keep the answer back until (ok_atom) releases it
  time_ms answer_cost = 0; ///< the manual clock moves by this much while answering
  manual_clock_source* clock = nullptr;
  std::vector<std::pair<caf::response_promise, scaler::app_snapshot>> held;
};

/// Answers (snapshot_atom) with `src->snap`, taken when the question arrives.
caf::behavior fake_queue(caf::event_based_actor* self, std::shared_ptr<snapshot_source> src) {
  return {
    [=](queue::snapshot_atom) -> caf::result<scaler::app_snapshot> {
      ++src->asked;
      if (src->answer_cost && src->clock)
        src->clock->advance(src->answer_cost);
      if (!src->hold)
        return src->snap;
      auto rp = self->make_response_promise();
      src->held.emplace_back(rp, src->snap);
      return rp;
    },
    [=](ready_atom) { ++src->ready; },
    [=](caf::ok_atom) {
      auto held = std::move(src->held);
      src->held.clear();
      for (auto& [rp, snap] : held)
        rp.deliver(snap);
    },
  };
}

// -- fake app -------------------------------------------------------------------------------------

/// One order the app received, and what the decisions table held when it arrived.
struct order {
  bool up = true;
  int64_t count = 0;
  std::vector<std::string> ids;
  std::string reason;
  uint64_t last_decision_on_disk = 0;
  std::string reason_on_disk; ///< reason of that decision record
};

struct app_log {
  std::vector<order> orders;
};

caf::behavior fake_app(caf::event_based_actor*, std::shared_ptr<app_log> log,
                       storage::store* db, std::string ns, std::string app) {
  auto note = [=](order o) {
    auto last = last_seq(*db, table::decisions, ns, app);
    o.last_decision_on_disk = last ? *last : 0;
    if (o.last_decision_on_disk > 0) {
      auto bytes = db->get(table::decisions, storage::seq_key(ns, app, o.last_decision_on_disk));
      if (bytes && bytes->has_value())
        if (auto rec = storage::decode<decision_record>(**bytes))
          o.reason_on_disk = rec->reason;
    }
    log->orders.push_back(std::move(o));
  };
  return {
    [=](scaler::scale_up_atom, int64_t n, const std::string& reason) -> int64_t {
      order o;
      o.up = true;
      o.count = n;
      o.reason = reason;
      note(std::move(o));
      return n;
    },
    [=](scaler::scale_down_atom, const std::vector<std::string>& ids,
        const std::string& reason) -> int64_t {
      order o;
      o.up = false;
      o.ids = ids;
      o.reason = reason;
      note(std::move(o));
      return static_cast<int64_t>(ids.size());
    },
  };
}

// -- spec helpers ---------------------------------------------------------------------------------

value_source literal(std::string v) {
  value_source s;
  s.value = std::move(v);
  return s;
}

value_source from_config_map(std::string name, std::string key) {
  value_source s;
  s.ref = key_ref{key_ref::source::config_map, std::move(name), std::move(key)};
  return s;
}

autoscaler_spec simple_spec(std::map<std::string, value_source> args) {
  autoscaler_spec spec;
  spec.kind = autoscaler_spec::kind_t::builtin;
  spec.name = "simple";
  spec.arguments = std::move(args);
  return spec;
}

queue::slot running_worker(std::string id, time_ms started_at, time_ms last_service_at,
                           int64_t in_flight = 0) {
  queue::slot s;
  s.worker_id = std::move(id);
  s.phase = queue::slot_phase::running;
  s.capacity = 1;
  s.in_flight = in_flight;
  s.created_at = started_at;
  s.started_at = started_at;
  s.last_service_at = last_service_at;
  return s;
}

/// The _sum and _count lines of the decision latency histogram, for failure messages.
std::string latency_lines(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (line.rfind("ever_decision_latency_seconds_sum", 0) == 0
        || line.rfind("ever_decision_latency_seconds_count", 0) == 0)
      out += line + "; ";
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

struct scaler_fixture : actor_fixture {
  std::shared_ptr<snapshot_source> source = std::make_shared<snapshot_source>();
  std::shared_ptr<app_log> orders = std::make_shared<app_log>();
  caf::actor fq;
  caf::actor fa;

  scaler_fixture() {
    source->clock = &clock;
    fq = keep(sys.spawn(fake_queue, source));
    fa = keep(sys.spawn(fake_app, orders, db.get(), ns, app));
    sched.run();
  }

  std::shared_ptr<app_journal> new_journal() {
    auto j = std::make_shared<app_journal>(*db, clock, ctx.limits, ns, app);
    REQUIRE(!j->load());
    return j;
  }

  /// Spawns a scaler on a fresh journal and runs its first decision.
  caf::actor spawn(autoscaler_spec spec, caf::actor queue_actor = {}, bool paused = false) {
    scaler::scaler_config c;
    c.ns = ns;
    c.app = app;
    c.spec = std::move(spec);
    c.paused = paused;
    c.queue = queue_actor ? queue_actor : fq;
    c.app_actor = fa;
    c.journal = new_journal();
    auto s = keep(scaler::spawn_scaler(sys, ctx, std::move(c)));
    sched.run();
    return s;
  }

  void set_config_map(const std::string& name, std::map<std::string, std::string> data) {
    auto snap = std::make_shared<config_snapshot>(*view.configs());
    config_record r;
    r.ns = ns;
    r.name = name;
    r.data = std::move(data);
    snap->config_maps[qualified_name(ns, name)] = std::move(r);
    view.set_configs(std::move(snap));
  }

  void send_changed(const caf::actor& s) {
    caf::anon_send(s, changed_atom::value);
    sched.run();
  }

  /// One idle-check period of both clocks (the scaler's timer fires once).
  void one_tick() { advance(std::chrono::milliseconds(ctx.limits.idle_check_interval_ms), 1000ms); }
};

} // namespace

TEST_CASE_METHOD(scaler_fixture, "scaler: decides at spawn and persists the decision before the "
                                 "app hears the order", "[actor][scaler]") {
  queue::queue_config qc;
  qc.ns = ns;
  qc.app = app;
  auto real_queue = keep(queue::spawn_queue(sys, ctx, qc));
  sched.run();
  auto t0 = clock.now();
  spawn(simple_spec({{"min_workers", literal("1")}, {"max_workers", literal("3")}}), real_queue);

  REQUIRE(orders->orders.size() == 1);
  const auto& o = orders->orders[0];
  CHECK(o.up);
  CHECK(o.count == 1);
  CHECK(o.reason == "min floor: 0 workers < min_workers 1, scale up 1");
  // Seen from inside the app's handler: the record was already on disk.
  CHECK(o.last_decision_on_disk == 1);
  CHECK(o.reason_on_disk == o.reason);

  REQUIRE(seqs_in(table::decisions) == std::vector<uint64_t>{1});
  auto d = read_row<decision_record>(table::decisions, 1);
  CHECK(d.seq == 1);
  CHECK(d.at == t0);
  CHECK(d.policy == "simple");
  CHECK(d.arguments.at("min_workers") == 1);
  CHECK(d.arguments.at("max_workers") == 3);
  CHECK(d.reason == o.reason);
  CHECK(d.result_json.find("\"max_workers\"") != std::string::npos);
  CHECK(metrics_have_line("ever_scale_actions_total{" + app_label(ns, app)
                          + ",direction=\"up\"} 1"));
  CHECK(seqs_in(table::events).empty());
}

TEST_CASE_METHOD(scaler_fixture, "scaler: a ConfigMap change alters the next decision without a "
                                 "redeploy", "[actor][scaler]") {
  auto t0 = clock.now();
  set_config_map("scaling", {{"max_queue_size", "5"}});
  source->snap.queue.worker_busy = 3;
  source->snap.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)};
  auto s = spawn(simple_spec({{"min_workers", literal("1")},
                              {"max_workers", literal("5")},
                              {"max_queue_size", from_config_map("scaling", "max_queue_size")}}));
  CHECK(source->asked == 1);
  CHECK(orders->orders.empty()); // 3 <= 5
  CHECK(seqs_in(table::decisions).empty());

  set_config_map("scaling", {{"max_queue_size", "2"}});
  send_changed(s);
  CHECK(source->asked == 2);
  REQUIRE(orders->orders.size() == 1);
  CHECK(orders->orders[0].up);
  CHECK(orders->orders[0].count == 1);
  CHECK(orders->orders[0].reason.find("queue WorkerBusy 3 > max_queue_size 2") == 0);
  REQUIRE(seqs_in(table::decisions) == std::vector<uint64_t>{1});
  CHECK(read_row<decision_record>(table::decisions, 1).arguments.at("max_queue_size") == 2);
}

TEST_CASE_METHOD(scaler_fixture, "scaler: idle scale-down of the newest idle worker happens on "
                                 "the 1 s timer", "[actor][scaler]") {
  auto t0 = clock.now();
  source->snap.workers = {running_worker("w-old", t0 - 3'600'000, t0 - 10'000),
                          running_worker("w-new", t0 - 1'800'000, t0 - 10'000)};
  spawn(simple_spec({{"min_workers", literal("1")},
                     {"max_workers", literal("5")},
                     {"max_idle_time", literal("60")}}));
  CHECK(source->asked == 1);
  CHECK(orders->orders.empty()); // idle 10 s < 60 s

  clock.advance(60'000); // idle 70 s now, but only the timer looks again
  sched.run();
  CHECK(source->asked == 1);
  CHECK(orders->orders.empty());

  sched.advance_time(999ms);
  sched.run();
  CHECK(source->asked == 1);
  CHECK(orders->orders.empty());

  sched.advance_time(1ms); // idle_check_interval_ms = 1000 reached
  sched.run();
  CHECK(source->asked == 2);
  REQUIRE(orders->orders.size() == 1);
  CHECK_FALSE(orders->orders[0].up);
  CHECK(orders->orders[0].ids == std::vector<std::string>{"w-new"});
  CHECK(orders->orders[0].last_decision_on_disk == 1);
  CHECK(orders->orders[0].reason_on_disk == orders->orders[0].reason);
  CHECK(metrics_have_line("ever_scale_actions_total{" + app_label(ns, app)
                          + ",direction=\"down\"} 1"));
}

TEST_CASE_METHOD(scaler_fixture, "scaler: a decision without actions leaves no record",
                 "[actor][scaler]") {
  auto t0 = clock.now();
  source->snap.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)}; // busy
  auto s = spawn(simple_spec({{"min_workers", literal("1")}, {"max_workers", literal("1")}}));
  CHECK(source->asked == 1);
  send_changed(s);
  // Twelve ticks: longer than the 10 s request timeout of every answered snapshot request, so a
  // stale timeout would show up here (a dead scaler stops asking).
  for (int i = 0; i < 12; ++i)
    one_tick();
  CHECK(source->asked == 14); // spawn, changed, twelve ticks: fourteen decisions taken
  CHECK(orders->orders.empty());
  CHECK(seqs_in(table::decisions).empty());
  CHECK(seqs_in(table::events).empty());
}

TEST_CASE_METHOD(scaler_fixture, "scaler: a missing ConfigMap key means no order and one warning",
                 "[actor][scaler]") {
  set_config_map("scaling", {{"max_queue_size", "1"}});
  auto s = spawn(simple_spec({{"min_workers", literal("1")},
                              {"max_workers", from_config_map("scaling", "max_workers")}}));
  for (int i = 0; i < 5; ++i)
    one_tick();
  send_changed(s);
  CHECK(source->asked == 7); // spawn, five ticks, changed
  CHECK(orders->orders.empty());
  CHECK(seqs_in(table::decisions).empty());
  REQUIRE(seqs_in(table::events) == std::vector<uint64_t>{1});
  auto e = read_row<event_record>(table::events, 1);
  CHECK(e.type == event_type::warning);
  CHECK(e.from == "Autoscaler");
  CHECK(e.message.find("has no key 'max_workers'") != std::string::npos);

  // Fixed: the next decision acts. Broken again: a new warning, once.
  set_config_map("scaling", {{"max_queue_size", "1"}, {"max_workers", "2"}});
  send_changed(s);
  REQUIRE(orders->orders.size() == 1);
  CHECK(orders->orders[0].count == 1);
  set_config_map("scaling", {{"max_queue_size", "1"}});
  send_changed(s);
  one_tick();
  one_tick();
  CHECK(orders->orders.size() == 1);
  CHECK(seqs_in(table::events) == std::vector<uint64_t>{1, 2});
}

TEST_CASE_METHOD(scaler_fixture, "scaler: decision numbers stay gap-free across scaler instances "
                                 "on one store", "[actor][scaler]") {
  auto spec = simple_spec({{"min_workers", literal("1")}});
  auto first = spawn(spec);
  REQUIRE(orders->orders.size() == 1);
  CHECK(seqs_in(table::decisions) == std::vector<uint64_t>{1});
  caf::anon_send(first, delete_atom::value);
  sched.run();

  spawn(spec); // a new journal loads seq 1 from the store
  REQUIRE(orders->orders.size() == 2);
  CHECK(orders->orders[1].last_decision_on_disk == 2);
  REQUIRE(seqs_in(table::decisions) == std::vector<uint64_t>{1, 2});
  CHECK(read_row<decision_record>(table::decisions, 1).seq == 1);
  CHECK(read_row<decision_record>(table::decisions, 2).seq == 2);

  one_tick(); // the first scaler is gone: only the second one decides
  CHECK(orders->orders.size() == 3);
  CHECK(seqs_in(table::decisions) == std::vector<uint64_t>{1, 2, 3});
}

TEST_CASE_METHOD(scaler_fixture, "scaler: a paused app gets no orders", "[actor][scaler]") {
  auto s = spawn(simple_spec({{"min_workers", literal("1")}}), {}, true);
  CHECK(source->asked == 1);
  send_changed(s);
  one_tick();
  one_tick();
  CHECK(source->asked == 4);
  CHECK(orders->orders.empty());
  CHECK(seqs_in(table::decisions).empty());

  caf::anon_send(s, pause_atom::value, false);
  sched.run();
  REQUIRE(orders->orders.size() == 1);
  CHECK(orders->orders[0].up);
  CHECK(orders->orders[0].count == 1);

  caf::anon_send(s, pause_atom::value, true);
  sched.run();
  one_tick();
  CHECK(orders->orders.size() == 1);
}

TEST_CASE_METHOD(scaler_fixture, "scaler: decision latency is observed after a change",
                 "[actor][scaler][metrics]") {
  auto t0 = clock.now();
  source->snap.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)};
  auto s = spawn(simple_spec({{"min_workers", literal("1")}}));
  auto count_line = "ever_decision_latency_seconds_count{" + app_label(ns, app) + "} ";
  CHECK(metrics.render().find(count_line) == std::string::npos); // spawn is not a change

  source->answer_cost = 250; // the queue takes 250 ms to answer
  send_changed(s);
  CHECK(metrics_have_line(count_line + "1"));
  CHECK(metrics_have_line("ever_decision_latency_seconds_sum{" + app_label(ns, app) + "} 0.25"));
  CHECK(metrics_have_line("ever_decision_latency_seconds_bucket{" + app_label(ns, app)
                          + ",le=\"0.1\"} 0"));
  CHECK(metrics_have_line("ever_decision_latency_seconds_bucket{" + app_label(ns, app)
                          + ",le=\"0.25\"} 1"));

  one_tick(); // a timer decision is not a change: not observed
  CHECK(metrics_have_line(count_line + "1"));
}

TEST_CASE_METHOD(scaler_fixture, "scaler: a change during a decision is timed to the decision "
                                 "that saw it", "[actor][scaler][metrics]") {
  auto t0 = clock.now();
  source->snap.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)};
  auto s = spawn(simple_spec({{"min_workers", literal("1")}}));

  // The timer starts a decision; the queue holds its answer (a snapshot taken before the change).
  source->hold = true;
  one_tick();
  REQUIRE(source->asked == 2);
  REQUIRE(source->held.size() == 1);

  clock.advance(100);
  send_changed(s); // arrives while the decision is in flight: it needs another one
  clock.advance(200);
  caf::anon_send(fq, caf::ok_atom::value); // the stale snapshot arrives 200 ms after the change
  sched.run();
  REQUIRE(source->asked == 3); // the re-decision for the change has started
  REQUIRE(source->held.size() == 1);
  clock.advance(1'000);
  source->hold = false;
  caf::anon_send(fq, caf::ok_atom::value); // the decision that saw the change: 1.2 s after it
  sched.run();

  auto label = app_label(ns, app);
  INFO("latency series now: " << latency_lines(metrics.render()));
  CHECK(metrics_have_line("ever_decision_latency_seconds_count{" + label + "} 1"));
  CHECK(metrics_have_line("ever_decision_latency_seconds_sum{" + label + "} 1.2"));
}

TEST_CASE_METHOD(scaler_fixture, "scaler: time spent paused is not decision latency",
                 "[actor][scaler][metrics]") {
  auto t0 = clock.now();
  source->snap.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)};
  auto s = spawn(simple_spec({{"min_workers", literal("1")}}));

  caf::anon_send(s, pause_atom::value, true);
  sched.run();
  clock.advance(3'599'000);
  one_tick(); // decisions go on while paused (and take no action)
  REQUIRE(source->asked == 3);
  caf::anon_send(s, pause_atom::value, false); // resumed an hour later, decided at once
  sched.run();
  REQUIRE(source->asked == 4);

  // The queue answers instantly and the clock does not move during a decision, so every
  // latency observed here is 0 s, however many were observed.
  auto label = app_label(ns, app);
  INFO("latency series now: " << latency_lines(metrics.render()));
  CHECK(metrics_have_line("ever_decision_latency_seconds_sum{" + label + "} 0"));
}

TEST_CASE_METHOD(scaler_fixture, "scaler: decides on a pushed snapshot without asking the queue, "
                                 "then says ready", "[actor][scaler]") {
  auto t0 = clock.now();
  auto s = spawn(simple_spec({{"min_workers", literal("1")},
                              {"max_workers", literal("5")},
                              {"max_queue_size", literal("2")}}));
  CHECK(source->asked == 1); // the spawn-time decision asks
  CHECK(orders->orders.size() == 1); // min floor: 0 -> 1

  scaler::app_snapshot pushed;
  pushed.queue.worker_busy = 3;
  pushed.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1)};
  source->snap = pushed;
  // The floor's action makes the next decision ask; the push after it is current again.
  caf::anon_send(s, changed_atom::value, pushed);
  sched.run();
  CHECK(source->asked == 2);
  REQUIRE(orders->orders.size() == 2);
  CHECK(orders->orders[1].reason.find("queue WorkerBusy 3 > max_queue_size 2") == 0);

  // After that action a push may predate the new worker: it is not decided on, the queue is asked.
  auto stale = pushed;
  queue::slot fresh;
  fresh.worker_id = "w2";
  fresh.phase = queue::slot_phase::starting;
  fresh.created_at = t0;
  source->snap.workers.push_back(fresh);
  source->snap.queue.worker_busy = 2;
  caf::anon_send(s, changed_atom::value, stale);
  sched.run();
  CHECK(source->asked == 3);
  CHECK(orders->orders.size() == 2); // no second scale-up for the same queue
  auto ready_after_pull = source->ready;
  CHECK(ready_after_pull >= 1); // pushes are trusted again

  // Now a push is decided on directly: no question to the queue, and ready again.
  scaler::app_snapshot busy;
  busy.workers = {running_worker("w1", t0 - 60'000, t0 - 1'000, 1),
                  running_worker("w2", t0 - 1'000, t0 - 1'000, 1)};
  busy.queue.worker_busy = 5;
  caf::anon_send(s, changed_atom::value, busy);
  sched.run();
  CHECK(source->asked == 3);
  CHECK(source->ready == ready_after_pull + 1);
  REQUIRE(orders->orders.size() == 3);
  CHECK(orders->orders[2].reason.find("queue WorkerBusy 5 > max_queue_size 2") == 0);
}
