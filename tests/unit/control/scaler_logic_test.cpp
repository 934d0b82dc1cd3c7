// scaler_logic: Factors from the queue's view (§16.4), history ring, argument resolution against
// ConfigMaps (live update, §6.2), the seed walk-through, scale from zero (§16.6), the manual
// autoscaler and decision records.

#include "actors/policy/factors_json.hpp"
#include "actors/scaler/scaler_logic.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace ever;
using namespace ever::scaler;
using nlohmann::json;
using policy::queue_cause;
using policy::worker_state;

namespace {

constexpr time_ms now = 1'718'769'302'000; // whole second
constexpr time_ms sec = 1'000;
const std::string cm = "get-start-configmap";

config_snapshot configs_with(std::map<std::string, std::string> data, const std::string& ns = "default",
                             const std::string& name = cm) {
  config_snapshot c;
  config_record r;
  r.ns = ns;
  r.name = name;
  r.data = std::move(data);
  c.config_maps[qualified_name(ns, name)] = r;
  return c;
}

std::map<std::string, std::string> seed_data() {
  return {{"min_workers", "1"},
          {"max_workers", "5"},
          {"max_queue_size", "2"},
          {"scale_up_step", "1"},
          {"max_idle_time", "60"}};
}

value_source literal(const std::string& v) {
  value_source s;
  s.value = v;
  return s;
}

value_source cm_ref(const std::string& name, const std::string& key) {
  value_source s;
  s.ref = key_ref{key_ref::source::config_map, name, key};
  return s;
}

/// The getting-started app: simple, every argument a ConfigMap reference.
autoscaler_spec seed_spec() {
  autoscaler_spec a;
  a.kind = autoscaler_spec::kind_t::builtin;
  a.name = "simple";
  for (const auto* key :
       {"min_workers", "max_workers", "max_queue_size", "scale_up_step", "max_idle_time"})
    a.arguments[key] = cm_ref(cm, key);
  return a;
}

autoscaler_spec literal_spec(std::map<std::string, std::string> args) {
  autoscaler_spec a;
  a.name = "simple";
  for (auto& [k, v] : args)
    a.arguments[k] = literal(v);
  return a;
}

queue::slot running(const std::string& id, time_ms started_at, int64_t in_flight = 0,
                    time_ms last_service_at = 0) {
  queue::slot s;
  s.worker_id = id;
  s.phase = queue::slot_phase::running;
  s.created_at = started_at - 10 * sec;
  s.started_at = started_at;
  s.last_service_at = last_service_at ? last_service_at : started_at;
  s.in_flight = in_flight;
  return s;
}

queue::slot starting(const std::string& id, time_ms created_at) {
  queue::slot s;
  s.worker_id = id;
  s.phase = queue::slot_phase::starting;
  s.created_at = created_at;
  return s;
}

queue::slot draining(const std::string& id, time_ms started_at) {
  auto s = running(id, started_at, 1);
  s.phase = queue::slot_phase::draining;
  return s;
}

app_snapshot snapshot(queue::queue_counts q, std::vector<queue::slot> workers) {
  app_snapshot s;
  s.queue = q;
  s.workers = std::move(workers);
  return s;
}

queue::queue_counts busy_queue(int64_t n) {
  queue::queue_counts c;
  c.worker_busy = n;
  return c;
}

std::string summary(const policy::decide_result& r) {
  if (r.actions.empty())
    return "none";
  std::string s;
  for (const auto& a : r.actions) {
    if (!s.empty())
      s += ",";
    s += a.kind == policy::action::kind_t::scale_up ? "up " + std::to_string(a.count)
                                                    : "down " + a.worker_id;
  }
  return s;
}

scaler_decision must_decide(const autoscaler_spec& spec, const config_snapshot& configs,
                            const app_snapshot& snap, time_ms at = now,
                            const history_ring& h = history_ring{}) {
  auto d = decide(spec, "default", configs, snap, h, at);
  if (!d)
    FAIL("decide failed: " << message_of(d.error()));
  return *d;
}

} // namespace

TEST_CASE("build_factors: Ever's mapping of the queue's workers (§16.4)") {
  auto start = starting("s1", now - 5 * sec + 700);
  auto busy = running("b1", now - 300 * sec + 400, 1, now - 2 * sec + 900);
  busy.success_count = 7;
  busy.failure_count = 2;
  busy.sessions = 3;
  auto free = running("f1", now - 200 * sec, 0, now - 100 * sec);
  queue::queue_counts q;
  q.worker_busy = 3;
  q.session = 2;
  q.not_dispatch = 1;
  auto snap = snapshot(q, {start, busy, free, draining("d1", now - 400 * sec)});
  auto f = build_factors(snap, history_ring{}, now);

  REQUIRE(f.workers.size() == 3); // the draining one is left out
  // Newest first by start time (ms): s1 (5 s ago), f1 (200 s), b1 (300 s).
  auto by_id = [&](const std::string& id) -> const policy::worker_factor& {
    for (const auto& w : f.workers)
      if (w.worker_id == id)
        return w;
    FAIL("no worker " << id);
    return f.workers.front();
  };
  CHECK(f.workers[0].worker_id == "s1");
  CHECK(f.workers[1].worker_id == "f1");
  CHECK(f.workers[2].worker_id == "b1");
  const auto& s = by_id("s1");
  CHECK(s.worker_id == "s1");
  CHECK(s.status == worker_state::inflight);
  CHECK(s.started_at == now / 1000 - 5); // created_at, epoch seconds (floored)
  CHECK(s.last_service_time == s.started_at);
  const auto& b = by_id("b1");
  CHECK(b.status == worker_state::busy);
  CHECK(b.started_at == now / 1000 - 300);
  CHECK(b.last_service_time == now / 1000 - 2);
  CHECK(b.number_of_successes == 7);
  CHECK(b.number_of_failures == 2);
  CHECK(b.number_of_sessions == 3);
  const auto& fr = by_id("f1");
  CHECK(fr.status == worker_state::free);
  CHECK(fr.started_at == now / 1000 - 200);
  CHECK(fr.last_service_time == now / 1000 - 100);

  REQUIRE(f.worker);
  CHECK(f.worker->at(worker_state::inflight) == 1);
  CHECK(f.worker->at(worker_state::busy) == 1);
  CHECK(f.worker->at(worker_state::free) == 1);

  REQUIRE(f.queue);
  CHECK(f.queue->at(queue_cause::queue_due_busy) == 3);
  CHECK(f.queue->at(queue_cause::queue_due_session) == 2);
  CHECK(f.queue->at(queue_cause::not_dispatch) == 1);
  CHECK(f.queue_histories.empty());
  CHECK(f.worker_histories.empty());
}

TEST_CASE("build_factors: an empty app gives zero counts, not missing ones") {
  auto f = build_factors(app_snapshot{}, history_ring{}, now);
  CHECK(f.workers.empty());
  REQUIRE(f.worker);
  CHECK(f.worker->at(worker_state::free) == 0);
  CHECK(f.worker->at(worker_state::busy) == 0);
  CHECK(f.worker->at(worker_state::inflight) == 0);
  REQUIRE(f.queue);
  CHECK(f.queue->at(queue_cause::queue_due_busy) == 0);
}

TEST_CASE("history_ring: keys are whole seconds ago - only the newest `capacity` samples stay") {
  history_ring h{3};
  CHECK(h.last_sample_at() == 0);
  for (int i = 5; i >= 1; --i) { // samples at now-50s ... now-10s
    policy::queue_counts q{{queue_cause::queue_due_busy, i}};
    policy::worker_counts w{{worker_state::busy, 10 * i}};
    h.push(now - i * 10 * sec, q, w);
  }
  CHECK(h.last_sample_at() == now - 10 * sec);
  policy::factors f;
  h.fill(f, now);
  REQUIRE(f.queue_histories.size() == 3);
  REQUIRE(f.worker_histories.size() == 3);
  CHECK(f.queue_histories.count(50) == 0);
  CHECK(f.queue_histories.count(40) == 0);
  CHECK(f.queue_histories.at(30).at(queue_cause::queue_due_busy) == 3);
  CHECK(f.queue_histories.at(20).at(queue_cause::queue_due_busy) == 2);
  CHECK(f.queue_histories.at(10).at(queue_cause::queue_due_busy) == 1);
  CHECK(f.worker_histories.at(30).at(worker_state::busy) == 30);
  CHECK(f.worker_histories.at(10).at(worker_state::busy) == 10);
}

TEST_CASE("history_ring: seconds ago are rounded and never negative") {
  history_ring h{6};
  h.push(now - 10'400, {{queue_cause::queue_due_busy, 1}}, {});
  h.push(now - 29'600, {{queue_cause::queue_due_busy, 2}}, {});
  h.push(now + 3'000, {{queue_cause::queue_due_busy, 3}}, {});
  policy::factors f;
  h.fill(f, now);
  CHECK(f.queue_histories.at(10).at(queue_cause::queue_due_busy) == 1);
  CHECK(f.queue_histories.at(30).at(queue_cause::queue_due_busy) == 2);
  CHECK(f.queue_histories.at(0).at(queue_cause::queue_due_busy) == 3);
}

TEST_CASE("build_factors: histories come from the ring") {
  history_ring h;
  h.push(now - 30 * sec, {{queue_cause::queue_due_busy, 4}}, {{worker_state::free, 2}});
  auto f = build_factors(app_snapshot{}, h, now);
  CHECK(f.queue_histories.at(30).at(queue_cause::queue_due_busy) == 4);
  CHECK(f.worker_histories.at(30).at(worker_state::free) == 2);
}

TEST_CASE("resolve_input: literal and ConfigMap-ref arguments") {
  auto spec = seed_spec();
  spec.arguments["min_workers"] = literal("3");
  auto in = resolve_input(spec, "default", configs_with(seed_data()));
  REQUIRE(in);
  CHECK(in->policy == "simple");
  CHECK(in->arguments.at("min_workers") == "3");
  CHECK(in->arguments.at("max_workers") == "5");
  CHECK(in->arguments.at("max_queue_size") == "2");
  CHECK(in->arguments.at("max_idle_time") == "60");
  CHECK(in->arguments.size() == 5);
}

TEST_CASE("resolve_input: decorator arguments are resolved too") {
  auto spec = literal_spec({});
  decorator_spec avg;
  avg.name = "average";
  avg.arguments["used_histories"] = cm_ref(cm, "used");
  spec.factor_decorators.push_back(avg);
  decorator_spec tm;
  tm.name = "time-match";
  tm.arguments["timezone"] = literal("UTC");
  spec.argument_decorators.push_back(tm);
  auto in = resolve_input(spec, "default", configs_with({{"used", "3"}}));
  REQUIRE(in);
  REQUIRE(in->factor_decorators.size() == 1);
  CHECK(in->factor_decorators[0].name == "average");
  CHECK(in->factor_decorators[0].arguments.at("used_histories") == "3");
  REQUIRE(in->argument_decorators.size() == 1);
  CHECK(in->argument_decorators[0].arguments.at("timezone") == "UTC");

  auto missing = resolve_input(spec, "default", configs_with({}));
  REQUIRE_FALSE(missing);
  CHECK(code_of(missing.error()) == errc::not_found);
  CHECK_THAT(message_of(missing.error()), Catch::Contains("average")
                                            && Catch::Contains("used_histories"));
}

TEST_CASE("resolve_input: a missing key or ConfigMap names the argument") {
  auto data = seed_data();
  data.erase("max_queue_size");
  auto in = resolve_input(seed_spec(), "default", configs_with(data));
  REQUIRE_FALSE(in);
  CHECK(code_of(in.error()) == errc::not_found);
  auto msg = message_of(in.error());
  CHECK_THAT(msg, Catch::Contains("argument max_queue_size"));
  CHECK_THAT(msg, Catch::Contains(cm));

  auto none = resolve_input(seed_spec(), "default", config_snapshot{});
  REQUIRE_FALSE(none);
  CHECK(code_of(none.error()) == errc::not_found);
  CHECK_THAT(message_of(none.error()), Catch::Contains("argument") && Catch::Contains(cm));

  // References resolve in the app's namespace only.
  auto elsewhere = resolve_input(seed_spec(), "default", configs_with(seed_data(), "other"));
  REQUIRE_FALSE(elsewhere);
  CHECK(code_of(elsewhere.error()) == errc::not_found);
  CHECK(resolve_input(seed_spec(), "other", configs_with(seed_data(), "other")));
}

TEST_CASE("decide: the seed walk-through (min 1, max 5, max_queue_size 2, step 1)") {
  auto spec = seed_spec();
  auto configs = configs_with(seed_data());

  SECTION("QueueDueBusy 3 with one Busy worker -> scale up 1") {
    auto d = must_decide(spec, configs, snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1)}));
    CHECK(d.policy == "simple");
    CHECK(summary(d.output.result) == "up 1");
    CHECK(d.output.result.max_workers == 5);
    CHECK(d.output.arguments.at("max_queue_size") == 2);
    CHECK(d.output.arguments.at("max_idle_time") == 60);
    CHECK_FALSE(d.output.reason.empty());
  }
  SECTION("two Busy workers and two waiting -> no action") {
    auto d = must_decide(spec, configs,
                         snapshot(busy_queue(2), {running("w1", now - 60 * sec, 1),
                                                  running("w2", now - 30 * sec, 1)}));
    CHECK(summary(d.output.result) == "none");
  }
  SECTION("a worker still starting blocks another scale-up") {
    auto d = must_decide(spec, configs,
                         snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1),
                                                  starting("w2", now - 2 * sec)}));
    CHECK(summary(d.output.result) == "none");
  }
  SECTION("after the load: two Free workers idle past max_idle_time -> the newest goes") {
    auto older = running("older", now - 600 * sec, 0, now - 61 * sec);
    auto newer = running("newer", now - 300 * sec, 0, now - 61 * sec);
    auto d = must_decide(spec, configs, snapshot({}, {older, newer}));
    CHECK(summary(d.output.result) == "down newer");
  }
  SECTION("Free workers not yet idle long enough stay") {
    auto older = running("older", now - 600 * sec, 0, now - 59 * sec);
    auto newer = running("newer", now - 300 * sec, 0, now - 59 * sec);
    auto d = must_decide(spec, configs, snapshot({}, {older, newer}));
    CHECK(summary(d.output.result) == "none");
  }
  SECTION("an idle worker holding a session stays; the other idle one goes") {
    auto older = running("older", now - 600 * sec, 0, now - 61 * sec);
    auto newer = running("newer", now - 300 * sec, 0, now - 61 * sec);
    newer.sessions = 1;
    auto d = must_decide(spec, configs, snapshot({}, {older, newer}));
    CHECK(summary(d.output.result) == "down older");
  }
  SECTION("only one Free worker: min_workers keeps it however idle") {
    auto only = running("only", now - 600 * sec, 0, now - 3'600 * sec);
    auto busy = running("busy", now - 300 * sec, 1, now - 3'600 * sec);
    auto d = must_decide(spec, configs, snapshot({}, {only, busy}));
    CHECK(summary(d.output.result) == "none");
  }
}

TEST_CASE("decide: a ConfigMap change between two decisions changes the outcome") {
  auto spec = seed_spec();
  auto snap = snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1)});
  auto before = must_decide(spec, configs_with(seed_data()), snap);
  CHECK(summary(before.output.result) == "up 1");

  auto data = seed_data();
  data["max_queue_size"] = "3";
  auto after = must_decide(spec, configs_with(data), snap, now + sec);
  CHECK(summary(after.output.result) == "none");
  CHECK(after.output.arguments.at("max_queue_size") == 3);

  data = seed_data();
  data["min_workers"] = "2"; // §6.2: raising min_workers grows the app without a redeploy
  auto floor = must_decide(spec, configs_with(data), snapshot({}, {running("w1", now - 60 * sec)}),
                           now + 2 * sec);
  CHECK(summary(floor.output.result) == "up 1");

  data = seed_data();
  data["scale_up_step"] = "3";
  auto step = must_decide(spec, configs_with(data), snap, now + 3 * sec);
  CHECK(summary(step.output.result) == "up 3");
}

TEST_CASE("decide: a referenced value that is not an integer is an error naming the argument") {
  auto data = seed_data();
  data["max_workers"] = "1.5";
  auto d = decide(seed_spec(), "default", configs_with(data), app_snapshot{}, history_ring{}, now);
  REQUIRE_FALSE(d);
  CHECK(code_of(d.error()) == errc::invalid_argument);
  CHECK_THAT(message_of(d.error()), Catch::Contains("max_workers"));
}

TEST_CASE("decide: scale from zero (§16.6)") {
  auto spec = literal_spec({{"min_workers", "0"}, {"max_workers", "3"}});
  app_snapshot snap;
  snap.queue.not_dispatch = 1;

  SECTION("no worker and a waiting request -> scale up 1") {
    auto d = must_decide(spec, {}, snap);
    CHECK(summary(d.output.result) == "up 1");
    CHECK_THAT(d.output.reason, Catch::Contains("scale from zero"));
  }
  SECTION("a draining worker does not count as a worker") {
    snap.workers.push_back(draining("d1", now - 100 * sec));
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "up 1");
  }
  SECTION("not while paused") {
    snap.paused = true;
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "none");
  }
  SECTION("not with max_workers 0") {
    spec.arguments["max_workers"] = literal("0");
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "none");
  }
  SECTION("not when nothing waits") {
    snap.queue.not_dispatch = 0;
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "none");
  }
  SECTION("not when a worker is already starting") {
    snap.workers.push_back(starting("s1", now - sec));
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "none");
  }
  SECTION("with the default max_workers (1)") {
    spec.arguments.erase("max_workers");
    CHECK(summary(must_decide(spec, {}, snap).output.result) == "up 1");
  }
}

TEST_CASE("decide: the manual autoscaler") {
  autoscaler_spec spec;
  spec.kind = autoscaler_spec::kind_t::manual;
  spec.default_worker_num = 3;
  spec.arguments["min_workers"] = cm_ref("missing", "x"); // ignored: not a builtin

  SECTION("scales up to N, counting starting workers") {
    auto d = must_decide(spec, {}, snapshot({}, {running("w1", now - 10 * sec),
                                                 starting("s1", now - sec)}));
    CHECK(d.policy == "manual");
    CHECK(summary(d.output.result) == "up 1");
    CHECK(d.output.result.max_workers == 3);
    CHECK(d.output.arguments.at("default_worker_num") == 3);
    CHECK_FALSE(d.output.reason.empty());
  }
  SECTION("N workers -> nothing") {
    auto d = must_decide(spec, {}, snapshot({}, {running("a", now - 30 * sec),
                                                 running("b", now - 20 * sec),
                                                 running("c", now - 10 * sec)}));
    CHECK(summary(d.output.result) == "none");
  }
  SECTION("scales down idle workers newest first, never busy, starting or session ones") {
    spec.default_worker_num = 1;
    auto with_session = running("sess", now - 5 * sec);
    with_session.sessions = 1;
    auto d = must_decide(spec, {}, snapshot({}, {running("busy-newest", now - 1 * sec, 1),
                                                 running("free-old", now - 100 * sec),
                                                 running("free-mid", now - 50 * sec),
                                                 with_session,
                                                 starting("start", now - 2 * sec),
                                                 running("free-new", now - 20 * sec)}));
    // 6 workers, want 1: only the three Free session-less ones can go, newest first.
    CHECK(summary(d.output.result) == "down free-new,down free-mid,down free-old");
  }
  SECTION("removes no more than the excess") {
    spec.default_worker_num = 2;
    auto d = must_decide(spec, {}, snapshot({}, {running("old", now - 100 * sec),
                                                 running("mid", now - 50 * sec),
                                                 running("new", now - 10 * sec)}));
    CHECK(summary(d.output.result) == "down new");
  }
  SECTION("never removes a busy worker even when over N") {
    spec.default_worker_num = 0;
    auto d = must_decide(spec, {}, snapshot(busy_queue(1), {running("b", now - 10 * sec, 1)}));
    CHECK(summary(d.output.result) == "none");
  }
}

TEST_CASE("to_record: the decision as stored for `ever app decisions`") {
  auto snap = snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1)});
  auto d = must_decide(seed_spec(), configs_with(seed_data()), snap);
  auto r = to_record(d, now + 5);
  CHECK(r.at == now + 5);
  CHECK(r.policy == "simple");
  CHECK(r.arguments == d.output.arguments);
  CHECK(r.arguments.at("max_workers") == 5);
  CHECK(r.reason == d.output.reason);

  auto factors = json::parse(r.factors_json);
  CHECK(factors.at("queue").at("QueueDueBusy") == 3);
  REQUIRE(factors.at("workers").size() == 1);
  CHECK(factors.at("workers")[0].at("worker_id") == "w1");
  CHECK(factors.at("workers")[0].at("status") == "Busy");
  CHECK(factors.at("workers")[0].at("started_at") == now / 1000 - 60);
  auto back = policy::factors_from_json(r.factors_json);
  REQUIRE(back);
  CHECK(back->workers.size() == 1);

  auto result = json::parse(r.result_json);
  CHECK(result.at("max_workers") == 5);
  REQUIRE(result.at("actions").size() == 1);
  CHECK(result.at("actions")[0].at("action") == "ScaleUp");
  CHECK(result.at("actions")[0].at("count") == 1);
}

TEST_CASE("to_record: a manual decision") {
  autoscaler_spec spec;
  spec.kind = autoscaler_spec::kind_t::manual;
  spec.default_worker_num = 1;
  auto d = must_decide(spec, {}, snapshot({}, {running("a", now - 100 * sec),
                                               running("b", now - 10 * sec)}));
  auto r = to_record(d, now);
  CHECK(r.policy == "manual");
  CHECK(r.arguments.at("default_worker_num") == 1);
  auto result = json::parse(r.result_json);
  CHECK(result.at("max_workers") == 1);
  REQUIRE(result.at("actions").size() == 1);
  CHECK(result.at("actions")[0].at("action") == "ScaleDown");
  CHECK(result.at("actions")[0].at("worker_id") == "b");
}

TEST_CASE("replay: a recorded decision gives the same result again") {
  // ScaleUp (queue), ScaleDown (idle past max_idle_time), scale-from-zero and the manual rule,
  // each through to_record and back; the factors carry the in_flight extension.
  autoscaler_spec manual;
  manual.kind = autoscaler_spec::kind_t::manual;
  manual.default_worker_num = 1;
  struct row {
    const char* what;
    autoscaler_spec spec;
    app_snapshot snap;
  };
  std::vector<row> rows = {
    {"scale up", seed_spec(), snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1)})},
    {"scale down", seed_spec(),
     snapshot({}, {running("a", now - 900 * sec), running("b", now - 800 * sec)})},
    {"from zero", literal_spec({{"min_workers", "0"}, {"max_workers", "2"}}),
     snapshot(busy_queue(1), {})},
    {"manual", manual,
     snapshot({}, {running("a", now - 100 * sec), running("b", now - 10 * sec)})},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    auto d = must_decide(r.spec, configs_with(seed_data()), r.snap);
    CHECK(summary(d.output.result) != "none");
    auto rec = to_record(d, now);
    CHECK(json::parse(rec.factors_json).contains("in_flight"));
    auto again = replay(rec);
    REQUIRE(again);
    CHECK(policy::to_json(again->result) == rec.result_json);
  }
}

TEST_CASE("replay: a different recorded result shows, bad factors are an error") {
  auto d = must_decide(seed_spec(), configs_with(seed_data()),
                       snapshot(busy_queue(3), {running("w1", now - 60 * sec, 1)}));
  auto rec = to_record(d, now);
  auto again = replay(rec);
  REQUIRE(again);
  CHECK(summary(again->result) == "up 1");
  rec.arguments["scale_up_step"] = 2; // as if the policy had been given another step
  auto other = replay(rec);
  REQUIRE(other);
  CHECK(summary(other->result) == "up 2");
  rec.factors_json = "{\"workers\": 3}";
  CHECK(!replay(rec));
}
