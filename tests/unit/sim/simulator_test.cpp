// The offline simulator (actors/sim): hand-checked small traces, determinism, trace errors.

#include "actors/sim/simulator.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::sim;

namespace {

autoscaler_spec simple(std::map<std::string, std::string> args) {
  autoscaler_spec s;
  s.name = "simple";
  for (const auto& [k, v] : args)
    s.arguments[k].value = v;
  return s;
}

sim_result run(const sim_config& cfg) {
  auto r = simulate(cfg);
  REQUIRE(r);
  return *r;
}

std::string actions_at(const sim_result& r, time_ms from, time_ms to) {
  std::string out;
  for (const auto& row : r.timeline)
    if (row.t >= from && row.t <= to)
      for (const auto& a : row.actions)
        out += (out.empty() ? "" : "; ") + a;
  return out;
}

} // namespace

TEST_CASE("simulate: a request log served by one worker, by hand") {
  // Three requests at 0 with 1 s service; the min floor starts one worker, ready at 2 s; it
  // serves them one after the other: waits 2 s, 3 s, 4 s.
  sim_config cfg;
  cfg.autoscaler = simple({{"min_workers", "1"}, {"max_workers", "1"}});
  auto log = parse_request_log("arrival_ms,service_ms\n0,1000\n0,1000\n0,1000\n");
  REQUIRE(log);
  cfg.load = *log;
  auto r = run(cfg);
  const auto& s = r.summary;
  CHECK(s.requests == 3);
  CHECK(s.served == 3);
  CHECK(s.wait_p50_ms == 3000);
  CHECK(s.wait_p99_ms == 4000);
  CHECK(s.wait_max_ms == 4000);
  CHECK(s.duration_ms == 120'000); // last change 0 + 120 s
  CHECK(s.worker_seconds == Approx(120.0));
  CHECK(s.scale_ups == 1);
  CHECK(s.scale_downs == 0);
  CHECK(s.max_workers == 1);
  CHECK(actions_at(r, 0, 0) == "ScaleUp +1");
}

TEST_CASE("simulate: step load scales up past max_queue_size and back down after idle") {
  // 3 clients from 5 s to 20 s, 1 s requests. One worker (min floor at 0 s); at 5 s two wait:
  // 2 > max_queue_size 1 -> ScaleUp 1. Two workers then leave one waiting (1 <= 1): no more.
  // Clients stop at 20 s: w1 ends its last request at 20 s, w2 at 21 s, so at 30 s only w1 has
  // been idle max_idle_time and it is removed (Free 2 > min_workers 1); w2 then is the floor.
  sim_config cfg;
  cfg.autoscaler = simple({{"min_workers", "1"},
                           {"max_workers", "3"},
                           {"max_queue_size", "1"},
                           {"max_idle_time", "10"}});
  auto load = parse_load_shape("step:3@5s,step:0@20s");
  REQUIRE(load);
  cfg.load = *load;
  cfg.duration_ms = 60'000;
  auto r = run(cfg);
  CHECK(actions_at(r, 0, 0) == "ScaleUp +1");
  CHECK(actions_at(r, 5000, 5000) == "ScaleUp +1");
  CHECK(actions_at(r, 5001, 29'999) == "");
  CHECK(actions_at(r, 30'000, 30'000) == "ScaleDown w1");
  CHECK(actions_at(r, 30'001, 60'000) == "");
  CHECK(r.summary.max_workers == 2);
  CHECK(r.summary.scale_ups == 2);
  CHECK(r.summary.scale_downs == 1);
  CHECK(r.summary.rejected == 0);
  CHECK(r.summary.timed_out == 0);
  // w1 lives from 0 to 30 s, w2 from 5 s to the end at 60 s.
  CHECK(r.summary.worker_seconds == Approx(30.0 + 55.0));
  // The timeline shows the peak: 2 workers, both busy, 1 waiting.
  bool peak = false;
  for (const auto& row : r.timeline)
    peak = peak || (row.workers == 2 && row.busy == 2 && row.queue == 1);
  CHECK(peak);
}

TEST_CASE("simulate: deterministic - the same input gives the same output") {
  sim_config cfg;
  cfg.autoscaler = simple({{"max_workers", "5"}, {"max_queue_size", "1"},
                           {"max_idle_time", "15"}});
  cfg.load = *parse_load_shape("ramp:1-8@40s,step:2@60s,step:0@90s");
  cfg.jitter_pct = 40;
  cfg.seed = 7;
  auto a = run(cfg);
  auto b = run(cfg);
  REQUIRE(a.timeline.size() == b.timeline.size());
  for (size_t i = 0; i < a.timeline.size(); ++i) {
    CHECK(a.timeline[i].t == b.timeline[i].t);
    CHECK(a.timeline[i].workers == b.timeline[i].workers);
    CHECK(a.timeline[i].busy == b.timeline[i].busy);
    CHECK(a.timeline[i].queue == b.timeline[i].queue);
    CHECK(a.timeline[i].actions == b.timeline[i].actions);
  }
  CHECK(a.summary.wait_p99_ms == b.summary.wait_p99_ms);
  CHECK(a.summary.worker_seconds == b.summary.worker_seconds);
  CHECK(a.summary.requests == b.summary.requests);
  CHECK(a.summary.max_workers >= 2);
}

TEST_CASE("simulate: target-concurrency and the manual autoscaler run too") {
  sim_config cfg;
  cfg.autoscaler.name = "target-concurrency";
  cfg.autoscaler.arguments["max_workers"].value = "8";
  cfg.autoscaler.arguments["target"].value = "2";
  cfg.concurrency = 2;
  cfg.load = *parse_load_shape("step:8@0s");
  cfg.duration_ms = 30'000;
  auto r = run(cfg);
  CHECK(r.summary.max_workers == 4); // 8 clients / target 2
  CHECK(r.summary.timed_out == 0);

  sim_config manual;
  manual.autoscaler.kind = autoscaler_spec::kind_t::manual;
  manual.autoscaler.default_worker_num = 3;
  manual.load = *parse_load_shape("const:1");
  manual.duration_ms = 10'000;
  CHECK(run(manual).summary.max_workers == 3);
}

TEST_CASE("simulate: configs it cannot run are refused clearly") {
  sim_config cfg;
  cfg.load = *parse_load_shape("const:1");
  cfg.autoscaler = simple({{"max_workers", "1.5"}});
  auto bad = simulate(cfg);
  REQUIRE_FALSE(bad);
  CHECK_THAT(message_of(bad.error()), Catch::Contains("max_workers"));
  cfg.autoscaler.kind = autoscaler_spec::kind_t::container;
  bad = simulate(cfg);
  REQUIRE_FALSE(bad);
  CHECK_THAT(message_of(bad.error()), Catch::Contains("container"));
}

TEST_CASE("trace: load shapes") {
  auto t = parse_load_shape("const:2,step:4@30s,ramp:4-1@60s+3s");
  REQUIRE(t);
  std::vector<std::pair<time_ms, int64_t>> steps;
  for (const auto& s : t->clients)
    steps.emplace_back(s.at, s.clients);
  CHECK(steps == std::vector<std::pair<time_ms, int64_t>>{
                   {0, 2}, {30'000, 4}, {60'000, 4}, {61'000, 3}, {62'000, 2}, {63'000, 1}});
  CHECK(t->last_change() == 63'000);
  auto ramp = parse_load_shape("ramp:1-3@4s");
  REQUIRE(ramp);
  CHECK(ramp->clients.size() == 3);
  CHECK(ramp->clients[1].at == 2000);
  auto late = parse_load_shape("step:4@30s"); // nobody before 30 s
  REQUIRE(late);
  CHECK(late->clients.front().at == 0);
  CHECK(late->clients.front().clients == 0);
  CHECK(parse_duration("d", "1.5s").value() == 1500);
  CHECK(parse_duration("d", "250ms").value() == 250);
  CHECK(parse_duration("d", "2m").value() == 120'000);
  CHECK(parse_duration("d", "7").value() == 7000);
}

TEST_CASE("trace: bad specs get clear errors") {
  struct row {
    const char* spec;
    const char* message;
  };
  std::vector<row> rows = {
    {"", "load shape is empty"},
    {"step:4", "needs '@TIME'"},
    {"step:x@3s", "client count 'x' is not a whole number"},
    {"step:4@30q", "is not a duration"},
    {"pulse:3", "unknown shape 'pulse'"},
    {"ramp:8@60s", "'8' is not A-B client counts"},
    {"ramp:1-8@0s", "ramp length must be > 0"},
    {"const:2,,step:1@3s", "empty segment"},
    {"4", "has no ':'"},
  };
  for (const auto& r : rows) {
    INFO(r.spec);
    auto t = parse_load_shape(r.spec);
    REQUIRE_FALSE(t);
    CHECK(code_of(t.error()) == errc::invalid_argument);
    CHECK_THAT(message_of(t.error()), Catch::Contains(r.message));
  }
  auto log = parse_request_log("arrival_ms,service_ms\n0,10\nabc,3\n");
  REQUIRE_FALSE(log);
  CHECK_THAT(message_of(log.error()), Catch::Contains("line 3"));
  auto empty = parse_request_log("# nothing\n\n");
  REQUIRE_FALSE(empty);
  CHECK_THAT(message_of(empty.error()), Catch::Contains("no requests"));
}
