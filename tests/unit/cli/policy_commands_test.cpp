// `ever policy simulate` and `ever app decisions --replay`, with a fake server.

#include "cli_fixture.hpp"

#include <nlohmann/json.hpp>

using namespace ever::cli::test;

namespace {

const std::vector<std::string> simulate_args = {
  "policy", "simulate", "--policy", "simple", "--arg", "max_workers=3", "--arg",
  "max_queue_size=1", "--arg", "max_idle_time=10", "--trace", "step:3@5s,step:0@20s",
  "--duration", "40s"};

// A decision the simple policy makes again: QueueDueBusy 3 > 1 with one Busy worker -> +1.
std::string decision(int seq, int recorded_count) {
  return R"({"seq": )" + std::to_string(seq) + R"(, "at": 1718769302000, "policy": "simple",
    "arguments": {"max_idle_time": 120, "max_queue_size": 1, "max_workers": 3, "min_workers": 1,
                  "scale_up_step": 1},
    "factors": {"queue": {"QueueDueBusy": 3}, "workers": [{"worker_id": "a", "region": "local",
                "started_at": 1718769000, "last_service_time": 1718769300, "status": "Busy"}]},
    "result": {"max_workers": 3, "actions": [{"action": "ScaleUp", "count": )" +
         std::to_string(recorded_count) + R"(}]},
    "reason": "x"})";
}

const char* decisions_target = "GET /api/apps/v1/namespaces/default/apps/demo/decisions?last=1000";

} // namespace

TEST_CASE("policy simulate: timeline and summary tables, the same twice") {
  cli_harness h;
  auto a = h.run(simulate_args);
  INFO(a.err);
  REQUIRE(a.code == 0);
  CHECK_THAT(a.out, Catch::StartsWith("TIME    WORKERS  STARTING  BUSY  QUEUE  ACTIONS\n"
                                      "------  -------  --------  ----  -----  ----------"));
  CHECK_THAT(a.out, Catch::Contains("5.000   1        0         1     2      ScaleUp +1"));
  CHECK_THAT(a.out, Catch::Contains("30.000  2        0         0     0      ScaleDown w1"));
  CHECK_THAT(a.out, Catch::Contains("SUMMARY"));
  CHECK_THAT(a.out, Catch::Contains("2 up, 1 down"));
  CHECK_THAT(a.out, Catch::Contains("max workers     2"));
  CHECK(h.transport.requests.empty()); // offline
  auto b = h.run(simulate_args);
  CHECK(b.out == a.out);
}

TEST_CASE("policy simulate: -o json, a request log and a manifest") {
  cli_harness h;
  h.cwd.write("log.csv", "arrival_ms,service_ms\n0,1000\n0,1000\n0,1000\n");
  auto r = h.run({"policy", "simulate", "--policy", "simple", "--trace", "file:log.csv", "-o",
                  "json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["summary"]["served"] == 3);
  CHECK(j["summary"]["wait_p50_ms"] == 3000);
  CHECK(j["timeline"][0]["actions"][0] == "ScaleUp +1");

  h.cwd.write("app.yaml", R"(version: everai/v1alpha1
kind: App
metadata: {name: demo}
spec:
  command: [ever-sample-app]
  concurrency: 2
  autoscaler:
    scheduler: queue
    builtin:
      name: target-concurrency
      arguments: {max_workers: '6', target: '2'}
)");
  auto m = h.run({"policy", "simulate", "-f", "app.yaml", "--trace", "step:8@0s", "--duration",
                  "20s", "-o", "json"});
  INFO(m.err);
  REQUIRE(m.code == 0);
  auto mj = nlohmann::json::parse(m.out);
  CHECK(mj["policy"] == "target-concurrency");
  CHECK(mj["summary"]["max_workers"] == 4);
}

TEST_CASE("policy simulate: usage errors exit 2 and say what is wrong") {
  cli_harness h;
  struct row {
    std::vector<std::string> args;
    const char* message;
  };
  std::vector<row> rows = {
    {{"policy", "simulate", "--trace", "const:1"}, "--policy NAME or -f app.yaml is required"},
    {{"policy", "simulate", "--policy", "simple"}, "--trace is required"},
    {{"policy", "simulate", "--policy", "nope", "--trace", "const:1"}, "unknown autoscaler 'nope'"},
    {{"policy", "simulate", "--policy", "simple", "--trace", "step:4"}, "needs '@TIME'"},
    {{"policy", "simulate", "--policy", "simple", "--trace", "const:1", "--arg", "x"},
     "--arg wants KEY=VALUE"},
    {{"policy", "simulate", "--policy", "simple", "--trace", "const:1", "--tick", "soon"},
     "--tick: 'soon' is not a duration"},
    {{"policy", "simulate", "--policy", "simple", "--trace", "const:1", "--concurrency", "0"},
     "--concurrency must be at least 1"},
  };
  for (const auto& r : rows) {
    auto out = h.run(r.args);
    INFO(out.err);
    CHECK(out.code == 2);
    CHECK_THAT(out.err, Catch::Contains(r.message));
  }
  auto bad_arg = h.run({"policy", "simulate", "--policy", "simple", "--trace", "const:1", "--arg",
                        "max_workers=lots"});
  CHECK(bad_arg.code == 1);
  CHECK_THAT(bad_arg.err, Catch::Contains("max_workers"));
}

TEST_CASE("app decisions --replay: 0 differences") {
  cli_harness h;
  h.transport.on(decisions_target, 200,
                 "{\"items\": [" + decision(2, 1) + "," + decision(1, 1) + "]}");
  auto r = h.run({"app", "decisions", "demo", "--replay"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "2 decisions replayed, 0 differ\n");
}

TEST_CASE("app decisions --replay: a differing decision is listed and exits 1") {
  cli_harness h;
  h.transport.on(decisions_target, 200,
                 "{\"items\": [" + decision(2, 2) + "," + decision(1, 1) + "]}");
  auto r = h.run({"app", "decisions", "demo", "--replay"});
  CHECK(r.code == 1);
  CHECK(r.out == "SEQ  POLICY  RECORDED            REPLAYED\n"
                 "---  ------  ------------------  ------------------\n"
                 "2    simple  ScaleUp +2 (max 3)  ScaleUp +1 (max 3)\n"
                 "\n"
                 "2 decisions replayed, 1 differ\n");
  auto j = h.run({"app", "decisions", "demo", "--replay", "-o", "json"});
  CHECK(j.code == 1);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["replayed"] == 2);
  CHECK(doc["differ"] == 1);
  CHECK(doc["differences"][0]["seq"] == 2);
}

TEST_CASE("app decisions --replay: --last and the manual rule") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/demo/decisions?last=5", 200,
                 R"({"items": [{"seq": 1, "at": 1718769302000, "policy": "manual",
                     "arguments": {"default_worker_num": 2}, "factors": {"workers": []},
                     "result": {"max_workers": 2, "actions": [{"action": "ScaleUp", "count": 2}]}}]})");
  auto r = h.run({"app", "decisions", "demo", "--replay", "--last", "5"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "1 decision replayed, 0 differ\n");
}
