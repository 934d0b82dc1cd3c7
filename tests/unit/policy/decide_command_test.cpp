// `ever policy decide` end to end, with string streams.

#include "actors/policy/decide_command.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace ever::policy;

namespace {

struct run_result {
  int code;
  std::string out;
  std::string err;
};

run_result run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  int code = run_decide_command(args, in, out, err);
  return {code, out.str(), err.str()};
}

// 2024-06-19 03:55:02 UTC; workers last served 100 s before it.
const std::string now = "1718769302";
const std::string busy_queue = R"({"queue": {"QueueDueBusy": 3}, "workers": [
  {"worker_id": "b1", "started_at": 1718769000, "last_service_time": 1718769202, "status": "Busy"},
  {"worker_id": "b2", "started_at": 1718769001, "last_service_time": 1718769202, "status": "Busy"}
]})";
const std::string idle_workers = R"({"queue": {"QueueDueBusy": 0}, "workers": [
  {"worker_id": "f1", "started_at": 100, "last_service_time": 1718769202, "status": "Free"},
  {"worker_id": "f2", "started_at": 200, "last_service_time": 1718769202, "status": "Free"},
  {"worker_id": "f3", "started_at": 300, "last_service_time": 1718769202, "status": "Free"}
]})";

} // namespace

TEST_CASE("policy decide: scale up from stdin, with --explain") {
  auto r = run({"--policy", "simple", "--arg", "max_workers=5", "--arg", "max_queue_size=2",
                "--now", now, "--factors", "-", "--explain"},
               busy_queue);
  CHECK(r.code == 0);
  CHECK(r.out == "{\n"
                 "  \"max_workers\": 5,\n"
                 "  \"actions\": [\n"
                 "    {\n"
                 "      \"action\": \"ScaleUp\",\n"
                 "      \"count\": 1\n"
                 "    }\n"
                 "  ]\n"
                 "}\n");
  CHECK(r.err == "queue WorkerBusy 3 > max_queue_size 2 and no worker starting: scale up 1 "
                 "(step 1, max_workers 5)\n");
}

TEST_CASE("policy decide: --flag=value, decorators and a factors file") {
  std::string path = "/tmp/ever-policy-decide-test-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream file(path);
    file << idle_workers;
  }
  auto r = run({"--policy=simple", "--arg=max_idle_time=100", "--arg", "min_workers=1",
                "--factor-decorator", "noop", "--argument-decorator",
                "time-match:timezone=Asia/Shanghai,match(* 11 * * 0,3)=wed_,wed_min_workers=2",
                "--now=" + now, "--factors", path});
  std::remove(path.c_str());
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // 11:55 Wednesday in Shanghai: min_workers 2, so one of three idle Free workers goes.
  CHECK(r.out.find("\"worker_id\": \"f3\"") != std::string::npos);
  CHECK(r.out.find("f2") == std::string::npos);
}

TEST_CASE("policy decide: help") {
  auto r = run({"--help"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("usage: ever policy decide"));
  CHECK_THAT(r.out, Catch::Contains("free-worker, simple"));
  CHECK_THAT(r.out, Catch::Contains("time-match"));
  CHECK(r.err.empty());
}

TEST_CASE("policy decide: usage errors exit 2") {
  std::vector<std::vector<std::string>> bad = {
    {},
    {"--factors", "-"},                                              // no --policy
    {"--policy", "simple"},                                          // no --factors
    {"--policy", "simple", "--factors"},                             // no value
    {"--policy", "simple", "--factors", "-", "--bogus"},
    {"--policy", "simple", "--factors", "-", "--arg", "max_workers"},
    {"--policy", "simple", "--factors", "-", "--arg", "=3"},
    {"--policy", "simple", "--factors", "-", "--now", "soon"},
    {"--policy", "simple", "--factors", "-", "--now", "-5"},
    {"--policy", "simple", "--factors", "-", "--factor-decorator", ":x=1"},
    {"--policy", "simple", "--factors", "-", "--argument-decorator", "time-match:timezone"},
    {"--policy", "simple", "--factors", "/nonexistent/factors.json"},
    {"--policy", "simple", "--factors", "/tmp"},
  };
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    INFO(joined);
    auto r = run(args, "{}");
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("ever policy decide: "));
  }
}

TEST_CASE("policy decide: decision errors exit 1") {
  struct row {
    std::vector<std::string> args;
    std::string stdin_text;
    std::string message;
  };
  std::vector<row> rows = {
    {{"--policy", "foo", "--factors", "-"}, "{}",
     "ever policy decide: unknown autoscaler 'foo' (valid: free-worker, simple, target-concurrency)\n"},
    {{"--policy", "simple", "--arg", "max_workers=-1", "--factors", "-"}, "{}",
     "ever policy decide: argument max_workers must be >= 0, got -1\n"},
    {{"--policy", "simple", "--arg", "max_workers=1.5", "--factors", "-"}, "{}",
     "ever policy decide: argument max_workers: '1.5' is not an integer\n"},
    {{"--policy", "simple", "--factors", "-"}, R"({"worker": {"Idle": 1}})",
     "ever policy decide: factors: worker: unknown worker status 'Idle'\n"},
    {{"--policy", "simple", "--argument-decorator", "time-match:timezone=Nowhere/City",
      "--factors", "-"},
     "{}", "ever policy decide: time-match: unknown time zone 'Nowhere/City'\n"},
  };
  for (const auto& r : rows) {
    auto out = run(r.args, r.stdin_text);
    CHECK(out.code == 1);
    CHECK(out.out.empty());
    CHECK(out.err == r.message);
  }
}

TEST_CASE("policy decide: default --now is the wall clock") {
  // Workers last served at epoch 0 are idle by any real clock.
  auto r = run({"--policy", "simple", "--arg", "min_workers=0", "--factors", "-"},
               R"({"workers": [{"worker_id": "old", "started_at": 0, "last_service_time": 0,
                                "status": "Free"}]})");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("\"worker_id\": \"old\""));
}
