// The container autoscaler's pure parts: checking the policy's reply, turning a DecideResult
// into a decision against the Factors asked about, restart backoff, rate-limited failure events
// and the policy process's launch spec.

#include "actors/policy_container/container_logic.hpp"
#include "actors/policy_container/policy_runner.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy_container;

namespace {

policy::factors two_workers() {
  policy::factors f;
  for (const char* id : {"w1", "w2"}) {
    policy::worker_factor w;
    w.worker_id = id;
    w.status = policy::worker_state::free;
    f.workers.push_back(w);
  }
  return f;
}

runtime::http_reply reply(int status, std::string body) { return {status, std::move(body)}; }

} // namespace

TEST_CASE("check_reply accepts a 2xx DecideResult", "[policy_container]") {
  auto r = check_reply(reply(200, R"({"max_workers": 3, "actions": [{"action":"ScaleUp","count":1}]})"));
  REQUIRE(r);
  CHECK(r->max_workers == 3);
  REQUIRE(r->actions.size() == 1);
  CHECK(r->actions[0].count == 1);
  CHECK(check_reply(reply(201, R"({"max_workers": 1})")));
}

TEST_CASE("check_reply names a non-2xx status with a body excerpt", "[policy_container]") {
  auto r = check_reply(reply(500, "Traceback (most recent call last):\n  boom"));
  REQUIRE(!r);
  CHECK(code_of(r.error()) == errc::invalid_argument);
  CHECK(message_of(r.error()).find("HTTP 500") != std::string::npos);
  CHECK(message_of(r.error()).find("Traceback") != std::string::npos);
  CHECK(message_of(r.error()).find('\n') == std::string::npos);
}

TEST_CASE("check_reply refuses garbage and wrong shapes clearly", "[policy_container]") {
  for (const char* body : {"not json at all", "", "[1,2]", R"({"actions": []})",
                           R"({"max_workers": "three"})",
                           R"({"max_workers": 1, "actions": [{"action":"Explode"}]})",
                           R"({"max_workers": 1, "actions": [{"action":"ScaleUp"}]})"}) {
    INFO(body);
    auto r = check_reply(reply(200, body));
    REQUIRE(!r);
    CHECK(message_of(r.error()).find("not a DecideResult") != std::string::npos);
  }
  auto huge = check_reply(reply(200, std::string(10'000, 'x')));
  REQUIRE(!huge);
  CHECK(message_of(huge.error()).size() < 400); // the excerpt is bounded
}

TEST_CASE("to_decision scales up within max_workers", "[policy_container]") {
  policy::decide_result r{5, {{policy::action::kind_t::scale_up, 2, {}}}};
  auto d = to_decision(two_workers(), r);
  REQUIRE(d);
  REQUIRE(d->result.actions.size() == 1);
  CHECK(d->result.actions[0].count == 2);
  CHECK(d->arguments.at("max_workers") == 5);
  CHECK(d->reason == "container: ScaleUp 2 (max_workers 5, 2 workers)");
}

TEST_CASE("to_decision caps a scale-up at max_workers", "[policy_container]") {
  policy::decide_result r{3, {{policy::action::kind_t::scale_up, 4, {}}}};
  auto d = to_decision(two_workers(), r);
  REQUIRE(d);
  REQUIRE(d->result.actions.size() == 1);
  CHECK(d->result.actions[0].count == 1);
  CHECK(d->reason.find("capped to 1") != std::string::npos);
  policy::decide_result full{2, {{policy::action::kind_t::scale_up, 1, {}}}};
  auto none = to_decision(two_workers(), full);
  REQUIRE(none);
  CHECK(none->result.actions.empty());
  CHECK(none->reason.find("already at max_workers") != std::string::npos);
}

TEST_CASE("to_decision scales down known workers once each", "[policy_container]") {
  using k = policy::action::kind_t;
  policy::decide_result r{1, {{k::scale_down, 0, "w2"}, {k::scale_down, 0, "w2"}}};
  auto d = to_decision(two_workers(), r);
  REQUIRE(d);
  REQUIRE(d->result.actions.size() == 1);
  CHECK(d->result.actions[0].worker_id == "w2");
  CHECK(d->reason == "container: ScaleDown w2 (max_workers 1, 2 workers)");
}

TEST_CASE("to_decision refuses invalid results", "[policy_container]") {
  using k = policy::action::kind_t;
  auto f = two_workers();
  auto unknown = to_decision(f, {1, {{k::scale_down, 0, "w9"}}});
  REQUIRE(!unknown);
  CHECK(message_of(unknown.error()).find("'w9'") != std::string::npos);
  auto mixed = to_decision(f, {4, {{k::scale_up, 1, {}}, {k::scale_down, 0, "w1"}}});
  REQUIRE(!mixed);
  CHECK(message_of(mixed.error()).find("both ScaleUp and ScaleDown") != std::string::npos);
  auto zero = to_decision(f, {4, {{k::scale_up, 0, {}}}});
  REQUIRE(!zero);
  CHECK(message_of(zero.error()).find("count 0") != std::string::npos);
  auto negative = to_decision(f, {-1, {}});
  REQUIRE(!negative);
  CHECK(message_of(negative.error()).find("negative") != std::string::npos);
}

TEST_CASE("to_decision with no action says so", "[policy_container]") {
  auto d = to_decision(two_workers(), {2, {}});
  REQUIRE(d);
  CHECK(d->result.actions.empty());
  CHECK(d->reason == "container: no action (max_workers 2, 2 workers)");
}

TEST_CASE("restart_backoff doubles to its cap and resets after a stable run", "[policy_container]") {
  restart_backoff b{1000, 8000, 60'000};
  CHECK(b.next(10) == 1000);
  CHECK(b.next(10) == 2000);
  CHECK(b.next(10) == 4000);
  CHECK(b.next(10) == 8000);
  CHECK(b.next(10) == 8000);
  CHECK(b.failures() == 5);
  CHECK(b.next(60'000) == 1000); // it ran long enough: a fresh failure
  CHECK(b.next(5) == 2000);
}

TEST_CASE("failure_events reports new failures at once and repeats once per interval", "[policy_container]") {
  failure_events ev{60'000};
  auto first = ev.failed("timeout", 1'000);
  REQUIRE(first);
  CHECK(*first == "timeout");
  CHECK(!ev.failed("timeout", 2'000));
  CHECK(!ev.failed("timeout", 30'000));
  auto other = ev.failed("HTTP 500", 31'000);
  REQUIRE(other);
  CHECK(*other == "HTTP 500");
  CHECK(!ev.failed("HTTP 500", 32'000));
  auto again = ev.failed("HTTP 500", 91'000);
  REQUIRE(again);
  CHECK(again->find("1 more time(s) in the last 60 s") != std::string::npos);
  ev.succeeded();
  auto news = ev.failed("HTTP 500", 92'000);
  REQUIRE(news);
  CHECK(*news == "HTTP 500");
}

TEST_CASE("policy_process gives the policy its port, app and owner", "[policy_container]") {
  autoscaler_spec spec;
  spec.kind = autoscaler_spec::kind_t::container;
  spec.container_command = {"python3", "policy.py"};
  spec.container_entry_path = "/decide";
  auto p = policy_process(spec, "default", "demo", "/data", 30001,
                          {{"HOME", "/root"}, {"SECRET_TOKEN", "x"}}, "/bin:/usr/bin");
  CHECK(p.argv == spec.container_command);
  CHECK(p.work_dir == "/data/policies/default/demo");
  CHECK(p.log_path == "/data/policies/default/demo/policy.log");
  CHECK(p.env.at("PORT") == "30001");
  CHECK(p.env.at("EVER_APP") == "demo");
  CHECK(p.env.at("EVER_NAMESPACE") == "default");
  CHECK(p.env.at("EVER_AUTOSCALER_PATH") == "/decide");
  CHECK(p.env.at("EVER_OWNER") == "/data");
  CHECK(p.env.at("EVER_VOLUMES_DIR") == "/data/policies/default/demo/volumes");
  CHECK(p.env.at("HOME") == "/root");
  CHECK(p.env.at("PATH") == "/bin:/usr/bin");
  CHECK(p.env.count("SECRET_TOKEN") == 0); // everd's environment is not passed on
  CHECK(p.env.count("EVER_WORKER_ID") == 0); // not a worker: a restart's reconciliation stops it
}

TEST_CASE("same_policy: a change of command, port, entry path or volumes means a new process",
          "[policy_container]") {
  runner_config a;
  a.spec.kind = autoscaler_spec::kind_t::container;
  a.spec.container_command = {"python3", "policy.py"};
  a.volumes = {volume_spec{"cfg", key_ref::source::config_map, "limits", {}, "/cfg"}};
  auto b = a;
  CHECK(same_policy(a, b));
  b.volumes[0].mount_path = "/elsewhere"; // informational only
  CHECK(same_policy(a, b));
  b.volumes[0].source_name = "other-limits";
  CHECK_FALSE(same_policy(a, b));
  b = a;
  b.volumes.clear();
  CHECK_FALSE(same_policy(a, b));
  b = a;
  b.spec.container_port = 8080;
  CHECK_FALSE(same_policy(a, b));
  b = a;
  b.spec.container_entry_path = "/other";
  CHECK_FALSE(same_policy(a, b));
  b = a;
  b.spec.container_command.push_back("--verbose");
  CHECK_FALSE(same_policy(a, b));
}
