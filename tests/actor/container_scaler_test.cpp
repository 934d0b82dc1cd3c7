// The scaler with a container autoscaler, under CAF's test coordinator, against a fake policy
// runner (answers under test control), a fake queue and a fake app: a DecideResult is persisted
// before it is acted on; a runner that does not answer, fails, or returns an invalid result
// leaves the app's size alone with a rate-limited WARNING event.

#include "actor/actor_fixture.hpp"

#include "actors/policy_container/container_messages.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/scaler/scaler_actor.hpp"
#include "actors/scaler/scaler_messages.hpp"

#include <caf/response_promise.hpp>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;
using storage::table;

namespace {

/// How the fake runner answers, and what it was asked.
struct runner_script {
  enum class mode { reply, fail, hold } how = mode::reply;
  std::string result = R"({"max_workers": 5, "actions": []})";
  std::string error = "reply is not a DecideResult: max_workers: missing";
  std::vector<std::string> asked; ///< factors JSON of every call
  std::vector<caf::response_promise> held;
};

caf::behavior fake_runner(caf::event_based_actor* self, std::shared_ptr<runner_script> s) {
  return {
    [=](policy_container::decide_atom, const std::string& factors) -> caf::result<std::string> {
      s->asked.push_back(factors);
      switch (s->how) {
        case runner_script::mode::reply:
          return s->result;
        case runner_script::mode::fail:
          return make_error(errc::invalid_argument, s->error);
        case runner_script::mode::hold:
          break;
      }
      auto rp = self->make_response_promise();
      s->held.push_back(rp);
      return rp;
    },
  };
}

caf::behavior fixed_queue(caf::event_based_actor*, std::shared_ptr<scaler::app_snapshot> snap) {
  return {
    [=](queue::snapshot_atom) { return *snap; },
    [=](ready_atom) {}, // the scaler re-enabling pushes; this queue never pushes
  };
}

struct order {
  bool up = true;
  int64_t count = 0;
  std::vector<std::string> ids;
  uint64_t decisions_on_disk = 0;
};

caf::behavior recording_app(caf::event_based_actor*, std::shared_ptr<std::vector<order>> log,
                            storage::store* db, std::string ns, std::string app) {
  auto on_disk = [=] {
    auto last = last_seq(*db, table::decisions, ns, app);
    return last ? *last : 0;
  };
  return {
    [=](scaler::scale_up_atom, int64_t n, const std::string&) -> int64_t {
      log->push_back({true, n, {}, on_disk()});
      return n;
    },
    [=](scaler::scale_down_atom, const std::vector<std::string>& ids,
        const std::string&) -> int64_t {
      log->push_back({false, 0, ids, on_disk()});
      return static_cast<int64_t>(ids.size());
    },
  };
}

queue::slot running(std::string id, time_ms at) {
  queue::slot s;
  s.worker_id = std::move(id);
  s.phase = queue::slot_phase::running;
  s.capacity = 1;
  s.created_at = s.started_at = s.last_service_at = at;
  return s;
}

struct container_fixture : actor_fixture {
  std::shared_ptr<runner_script> script = std::make_shared<runner_script>();
  std::shared_ptr<scaler::app_snapshot> snap = std::make_shared<scaler::app_snapshot>();
  std::shared_ptr<std::vector<order>> orders = std::make_shared<std::vector<order>>();
  caf::actor runner, queue, app_actor, scaler_actor;

  container_fixture() {
    ctx.limits.container_policy_timeout_ms = 500;
    ctx.limits.container_policy_event_interval_ms = 5000;
    snap->workers.push_back(running("w1", clock.now()));
    runner = keep(sys.spawn(fake_runner, script));
    queue = keep(sys.spawn(fixed_queue, snap));
    app_actor = keep(sys.spawn(recording_app, orders, db.get(), ns, app));
    sched.run();
  }

  void spawn_scaler() {
    scaler::scaler_config c;
    c.ns = ns;
    c.app = app;
    c.spec.kind = autoscaler_spec::kind_t::container;
    c.spec.container_command = {"my-policy"};
    c.queue = queue;
    c.app_actor = app_actor;
    c.policy_runner = runner;
    c.journal = std::make_shared<app_journal>(*db, clock, ctx.limits, ns, app);
    REQUIRE(!c.journal->load());
    scaler_actor = keep(scaler::spawn_scaler(sys, ctx, std::move(c)));
    sched.run();
  }

  std::vector<event_record> events() {
    std::vector<event_record> out;
    for (auto seq : seqs_in(table::events))
      out.push_back(read_row<event_record>(table::events, seq));
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(container_fixture, "container scaler: the policy's ScaleUp is persisted, then "
                                    "ordered", "[actor][scaler][container]") {
  snap->queue.worker_busy = 2;
  script->result = R"({"max_workers": 5, "actions": [{"action": "ScaleUp", "count": 2}]})";
  spawn_scaler();

  REQUIRE(script->asked.size() == 1);
  CHECK(script->asked[0].find("\"QueueDueBusy\":2") != std::string::npos);
  CHECK(script->asked[0].find("\"worker_id\":\"w1\"") != std::string::npos);
  REQUIRE(orders->size() == 1);
  CHECK((*orders)[0].up);
  CHECK((*orders)[0].count == 2);
  CHECK((*orders)[0].decisions_on_disk == 1); // on disk before the app heard of it
  auto d = read_row<decision_record>(table::decisions, 1);
  CHECK(d.policy == "container");
  CHECK(d.arguments.at("max_workers") == 5);
  CHECK(d.reason == "container: ScaleUp 2 (max_workers 5, 1 workers)");
  CHECK(d.factors_json.find("QueueDueBusy") != std::string::npos);
  CHECK(events().empty());
}

TEST_CASE_METHOD(container_fixture, "container scaler: a ScaleDown of a known worker is ordered",
                 "[actor][scaler][container]") {
  script->result = R"({"max_workers": 1, "actions": [{"action": "ScaleDown", "worker_id": "w1"}]})";
  spawn_scaler();
  REQUIRE(orders->size() == 1);
  CHECK(!(*orders)[0].up);
  CHECK((*orders)[0].ids == std::vector<std::string>{"w1"});
}

TEST_CASE_METHOD(container_fixture, "container scaler: a policy that does not answer keeps the "
                                    "size with one warning", "[actor][scaler][container]") {
  script->how = runner_script::mode::hold;
  spawn_scaler();
  REQUIRE(script->asked.size() == 1);
  CHECK(events().empty()); // still waiting: nothing to say yet
  advance(1600ms);         // past timeout + margin: the scaler gives up on this call
  CHECK(orders->empty());
  CHECK(seqs_in(table::decisions).empty());
  auto ev = events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == event_type::warning);
  CHECK(ev[0].from == "Autoscaler");
  CHECK(ev[0].message == "container autoscaler failed, keeping the current 1 worker(s): the policy "
                         "runner did not answer within 1500 ms");
  // The scaler keeps asking (one call at a time) but says the same thing at most every 5 s.
  advance(3000ms);
  CHECK(script->asked.size() >= 3);
  CHECK(events().size() == 1);
  advance(3000ms);
  ev = events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].message.find("more time(s) in the last") != std::string::npos);
  CHECK(orders->empty());
}

TEST_CASE_METHOD(container_fixture, "container scaler: runner errors and invalid results keep "
                                    "the size and say why", "[actor][scaler][container]") {
  script->how = runner_script::mode::fail;
  spawn_scaler();
  auto ev = events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].message.find("reply is not a DecideResult: max_workers: missing")
        != std::string::npos);
  CHECK(orders->empty());

  // A result naming a worker the policy was not told about: refused, with a new event.
  script->how = runner_script::mode::reply;
  script->result = R"({"max_workers": 1, "actions": [{"action": "ScaleDown", "worker_id": "w9"}]})";
  caf::anon_send(scaler_actor, changed_atom::value);
  sched.run();
  ev = events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].message.find("'w9', which is not in the factors") != std::string::npos);
  CHECK(orders->empty());
  CHECK(seqs_in(table::decisions).empty());

  // The policy is fixed: it acts again, and the next failure is news at once.
  script->result = R"({"max_workers": 3, "actions": [{"action": "ScaleUp", "count": 1}]})";
  caf::anon_send(scaler_actor, changed_atom::value);
  sched.run();
  REQUIRE(orders->size() == 1);
  script->how = runner_script::mode::fail;
  caf::anon_send(scaler_actor, changed_atom::value);
  sched.run();
  CHECK(events().size() == 3);
}
