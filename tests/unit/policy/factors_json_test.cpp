// Factors / DecideResult wire format (everai-reference §1.2, §1.3).

#include "actors/policy/factors_json.hpp"
#include "policy_test_util.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace ever;
using namespace ever::policy;
using namespace ever::policy::test;

namespace {

std::string error_of(const expected<factors>& f) {
  REQUIRE_FALSE(f);
  CHECK(code_of(f.error()) == errc::invalid_argument);
  return message_of(f.error());
}

const char* full_factors = R"({
  "queue": {"QueueDueBusy": 3, "NotDispatch": 1, "QueueDueSession": 0},
  "queue_histories": {"10": {"QueueDueBusy": 2}, "30": {}},
  "workers": [
    {"worker_id": "w1", "gpu_type": null, "region": "us-east-1", "started_at": 1700000000,
     "last_service_time": 1700000100, "number_of_successes": 5, "number_of_failures": 1,
     "number_of_sessions": 2, "average_response_time": 0.25, "status": "Busy",
     "current_request": 0},
    {"worker_id": "w2", "gpu_type": "A100", "region": "eu", "started_at": 1700000200,
     "last_service_time": 1700000300, "number_of_successes": 0, "number_of_failures": 0,
     "number_of_sessions": 0, "average_response_time": 1, "status": "Inflight"}
  ],
  "worker": {"Free": 1, "Busy": 1, "Inflight": 1},
  "worker_histories": {"60": {"Free": 2}},
  "utilization": 40
})";

} // namespace

TEST_CASE("factors JSON: full document") {
  auto f = factors_from_json(full_factors);
  REQUIRE(f);
  CHECK(f->queue == queue_counts{{queue_cause::queue_due_busy, 3},
                                 {queue_cause::not_dispatch, 1},
                                 {queue_cause::queue_due_session, 0}});
  CHECK(f->queue_histories.at(10) == queue_counts{{queue_cause::queue_due_busy, 2}});
  CHECK(f->queue_histories.at(30).empty());
  REQUIRE(f->workers.size() == 2);
  const auto& w1 = f->workers[0];
  CHECK(w1.worker_id == "w1");
  CHECK_FALSE(w1.gpu_type);
  CHECK(w1.region == "us-east-1");
  CHECK(w1.started_at == 1700000000);
  CHECK(w1.last_service_time == 1700000100);
  CHECK(w1.number_of_successes == 5);
  CHECK(w1.number_of_failures == 1);
  CHECK(w1.number_of_sessions == 2);
  CHECK(w1.average_response_time == 0.25);
  CHECK(w1.status == worker_state::busy);
  CHECK(f->workers[1].gpu_type == std::optional<std::string>("A100"));
  CHECK(f->workers[1].status == worker_state::inflight);
  CHECK(f->workers[1].average_response_time == 1.0);
  CHECK(f->worker->at(worker_state::free) == 1);
  CHECK(f->worker_histories.at(60).at(worker_state::free) == 2);
  CHECK(f->utilization == 40);
}

TEST_CASE("factors JSON: round trip") {
  auto f = factors_from_json(full_factors);
  REQUIRE(f);
  std::string text = to_json(*f);
  auto again = factors_from_json(text);
  REQUIRE(again);
  CHECK(to_json(*again) == text);
  // Field names and enum strings on the wire.
  auto j = nlohmann::json::parse(text);
  CHECK(j["queue"]["QueueDueBusy"] == 3);
  CHECK(j["queue_histories"]["10"]["QueueDueBusy"] == 2);
  CHECK(j["workers"][0]["status"] == "Busy");
  CHECK(j["workers"][0]["gpu_type"].is_null());
  CHECK(j["workers"][1]["gpu_type"] == "A100");
  CHECK(j["worker"]["Inflight"] == 1);
  CHECK(j["worker_histories"]["60"]["Free"] == 2);
  CHECK(j["utilization"] == 40);
}

TEST_CASE("factors JSON: empty and null fields") {
  auto empty = factors_from_json("{}");
  REQUIRE(empty);
  CHECK_FALSE(empty->queue);
  CHECK(empty->workers.empty());
  CHECK_FALSE(empty->worker);
  CHECK_FALSE(empty->utilization);
  auto again = factors_from_json(to_json(*empty));
  REQUIRE(again);
  CHECK_FALSE(again->queue);
  CHECK_FALSE(again->worker);

  auto nulls = factors_from_json(R"({"queue": null, "workers": null, "worker": null,
                                     "worker_histories": null, "utilization": null})");
  REQUIRE(nulls);
  CHECK_FALSE(nulls->queue);

  auto empty_queue = factors_from_json(R"({"queue": {}})");
  REQUIRE(empty_queue);
  REQUIRE(empty_queue->queue);
  CHECK(empty_queue->queue->empty());
}

TEST_CASE("factors JSON: errors name the field") {
  const std::string w = R"("worker_id": "a", "started_at": 1, "last_service_time": 1)";
  std::vector<std::pair<std::string, std::string>> rows = {
    {"[]", "expected a JSON object, got array"},
    {R"({"queue": []})", "queue: expected an object, got array"},
    {R"({"queue": {"WorkerBusy": 1}})", "queue: unknown queue reason 'WorkerBusy'"},
    {R"({"queue": {"QueueDueBusy": "3"}})", "queue.QueueDueBusy: expected an integer, got string"},
    {R"({"queue": {"QueueDueBusy": 1.5}})", "queue.QueueDueBusy: expected an integer, got number"},
    {R"({"queue": {"QueueDueBusy": 18446744073709551615}})",
     "queue.QueueDueBusy: integer out of range"},
    {R"({"queue_histories": {"ten": {}}})", "queue_histories key: 'ten' is not an integer"},
    {R"({"queue_histories": {"10": {"Busy": 1}}})",
     "queue_histories.10: unknown queue reason 'Busy'"},
    {R"({"workers": {}})", "workers: expected an array, got object"},
    {R"({"workers": [1]})", "workers[0]: expected an object, got number"},
    {"{\"workers\": [{" + w + ", \"status\": \"Free\"}, {" + w + ", \"status\": \"Idle\"}]}",
     "workers[1].status: unknown worker status 'Idle'"},
    {"{\"workers\": [{" + w + "}]}", "workers[0].status: missing"},
    {R"({"workers": [{"status": "Free", "started_at": 1, "last_service_time": 1}]})",
     "workers[0].worker_id: missing"},
    {R"({"workers": [{"worker_id": "a", "status": "Free", "last_service_time": 1}]})",
     "workers[0].started_at: missing"},
    {"{\"workers\": [{" + w + ", \"status\": \"Free\", \"number_of_sessions\": true}]}",
     "workers[0].number_of_sessions: expected an integer, got boolean"},
    {"{\"workers\": [{" + w + ", \"status\": \"Free\", \"gpu_type\": 3}]}",
     "workers[0].gpu_type: expected a string, got number"},
    {"{\"workers\": [{" + w + ", \"status\": \"Free\", \"average_response_time\": \"x\"}]}",
     "workers[0].average_response_time: expected a number, got string"},
    {R"({"worker": {"Idle": 1}})", "worker: unknown worker status 'Idle'"},
    {R"({"worker_histories": {"10": {"Free": -0.5}}})",
     "worker_histories.10.Free: expected an integer, got number"},
    {R"({"utilization": "high"})", "utilization: expected an integer, got string"},
  };
  for (const auto& [json, message] : rows) {
    INFO(json);
    CHECK(error_of(factors_from_json(json)) == message);
  }
  for (const char* broken : {"", "{", "{\"queue\": }", "nul", "{} {}"}) {
    INFO(broken);
    CHECK_THAT(error_of(factors_from_json(broken)), Catch::StartsWith("invalid JSON"));
  }
}

TEST_CASE("decide result JSON") {
  decide_result r;
  r.max_workers = 5;
  action up;
  up.kind = action::kind_t::scale_up;
  up.count = 2;
  action down;
  down.kind = action::kind_t::scale_down;
  down.worker_id = "w1";
  r.actions = {up, down};

  CHECK(to_json(r) == R"({"max_workers":5,"actions":[{"action":"ScaleUp","count":2},)"
                      R"({"action":"ScaleDown","worker_id":"w1"}]})");
  CHECK(to_pretty_json(decide_result{3, {}}) == "{\n  \"max_workers\": 3,\n  \"actions\": []\n}");

  auto back = decide_result_from_json(to_json(r));
  REQUIRE(back);
  CHECK(back->max_workers == 5);
  REQUIRE(back->actions.size() == 2);
  CHECK(back->actions[0].kind == action::kind_t::scale_up);
  CHECK(back->actions[0].count == 2);
  CHECK(back->actions[1].kind == action::kind_t::scale_down);
  CHECK(back->actions[1].worker_id == "w1");

  auto no_actions = decide_result_from_json(R"({"max_workers": 1})");
  REQUIRE(no_actions);
  CHECK(no_actions->actions.empty());

  std::vector<std::pair<std::string, std::string>> bad = {
    {R"({"actions": []})", "max_workers: missing"},
    {R"({"max_workers": "1"})", "max_workers: expected an integer, got string"},
    {R"({"max_workers": 1, "actions": {}})", "actions: expected an array, got object"},
    {R"({"max_workers": 1, "actions": [{"action": "Restart"}]})",
     "actions[0].action: unknown action 'Restart'"},
    {R"({"max_workers": 1, "actions": [{"action": "ScaleUp"}]})", "actions[0].count: missing"},
    {R"({"max_workers": 1, "actions": [{"action": "ScaleUp", "count": 1},
        {"action": "ScaleDown", "worker_id": 7}]})",
     "actions[1].worker_id: expected a string, got number"},
  };
  for (const auto& [json, message] : bad) {
    INFO(json);
    auto out = decide_result_from_json(json);
    REQUIRE_FALSE(out);
    CHECK(message_of(out.error()) == message);
  }
}

TEST_CASE("JSON output never throws on invalid UTF-8") {
  decide_result r{1, {}};
  action down;
  down.kind = action::kind_t::scale_down;
  down.worker_id = "bad\xff";
  r.actions.push_back(down);
  CHECK_NOTHROW(to_json(r));
  factors f;
  f.workers.push_back(worker("w\xfe", worker_state::free));
  CHECK_NOTHROW(to_json(f));
}

TEST_CASE("factors JSON: the in_flight extension") {
  auto f = factors_from_json(R"({"in_flight": 4})");
  REQUIRE(f);
  CHECK(f->in_flight == 4);
  auto j = nlohmann::json::parse(to_json(*f));
  CHECK(j["in_flight"] == 4);
  // Absent stays absent on the wire, so the §1.2 shape is unchanged for older readers.
  auto none = factors_from_json("{}");
  REQUIRE(none);
  CHECK_FALSE(none->in_flight);
  CHECK_FALSE(nlohmann::json::parse(to_json(*none)).contains("in_flight"));
  CHECK(factors_from_json(R"({"in_flight": null})")->in_flight == std::nullopt);
  auto bad = factors_from_json(R"({"in_flight": "many"})");
  REQUIRE_FALSE(bad);
  CHECK_THAT(message_of(bad.error()), Catch::Contains("in_flight"));
}
