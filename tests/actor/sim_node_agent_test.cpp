// The simulated node agent under CAF's test coordinator: start -> ready after the simulated
// delay, stop -> exited, adopt after a restart, injected start failures, empty reconciliation
// lists; and the real app, queue, scaler and worker actors running on it up to min_workers.

#include "actor/actor_fixture.hpp"

#include "actors/app/app_actor.hpp"
#include "actors/node/sim_node_agent.hpp"
#include "actors/queue/shared_queue.hpp"

#include <optional>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

/// The pid an adopted process is recorded with in these tests.
constexpr pid_t sim_node_pid_for_test = node::sim_first_pid + 500;

/// What a fake worker actor heard from the node agent.
struct worker_log {
  std::optional<node::started> started;
  std::optional<bool> adopted;
  std::string error;
  int ready = 0;
  std::vector<std::string> exits;
};

/// Stands in for a worker actor: asks the node agent on (go_atom, ...) and records the answers.
caf::behavior fake_worker(caf::event_based_actor* self, caf::actor node,
                          std::shared_ptr<worker_log> log) {
  return {
    [=](go_atom, start_atom, worker::launch_plan& plan) {
      self->request(node, caf::infinite, start_atom::value, std::move(plan))
        .then([=](const node::started& s) { log->started = s; },
              [=](caf::error& err) { log->error = message_of(err); });
    },
    [=](go_atom, node::adopt_atom, const std::string& id) {
      self->request(node, caf::infinite, node::adopt_atom::value, id,
                    runtime::process_id{sim_node_pid_for_test, 7}, uint16_t{20001},
                    std::string{"/-everai-/healthy"})
        .then([=](bool alive) { log->adopted = alive; });
    },
    [=](go_atom, stop_atom, const std::string& id) {
      self->send(node, stop_atom::value, id, runtime::process_id{}, int64_t{0});
    },
    [=](ready_atom) { ++log->ready; },
    [=](exited_atom, const std::string& how) { log->exits.push_back(how); },
  };
}

struct sim_fixture : actor_fixture {
  std::vector<std::string> started_ids; ///< seen by the on_start hook

  caf::actor agent(node::sim_node_options o = {}) {
    o.on_start = [this](const worker::launch_plan& p) { started_ids.push_back(p.worker_id); };
    return keep(node::spawn_sim_node_agent(sys, ctx, std::move(o)));
  }

  std::pair<caf::actor, std::shared_ptr<worker_log>> worker_on(caf::actor node) {
    auto log = std::make_shared<worker_log>();
    return {keep(sys.spawn(fake_worker, node, log)), log};
  }

  /// A simulated app with min_workers 3 (max 5) whose workers run on `node`.
  app::app_config app_on(caf::actor node) {
    app_record r;
    r.spec.name = app;
    r.spec.ns = ns;
    r.spec.command = {"simulated"};
    r.spec.autoscaler.arguments["min_workers"].value = "3";
    r.spec.autoscaler.arguments["max_workers"].value = "5";
    r.created_at = r.updated_at = clock.now();
    app::app_config cfg;
    cfg.record = r;
    cfg.node = std::move(node);
    return cfg;
  }

  static worker::launch_plan plan(const std::string& id) {
    worker::launch_plan p;
    p.worker_id = id;
    p.ns = "default";
    p.app = "demo";
    return p;
  }
};

} // namespace

TEST_CASE_METHOD(sim_fixture, "sim node: a started worker is ready after the start delay",
                 "[sim_node]") {
  node::sim_node_options o;
  o.start_delay_ms = 20;
  auto node = agent(o);
  auto [w, log] = worker_on(node);
  caf::anon_send(w, go_atom::value, start_atom::value, plan("w-1"));
  sched.run();
  REQUIRE(log->started);
  CHECK(log->started->id.pid >= node::sim_first_pid);
  CHECK(started_ids == std::vector<std::string>{"w-1"});
  advance(19ms, 1ms);
  CHECK(log->ready == 0);
  advance(1ms, 1ms);
  CHECK(log->ready == 1);
}

TEST_CASE_METHOD(sim_fixture, "sim node: stop reports the exit, and a stop before ready means "
                              "no ready", "[sim_node]") {
  node::sim_node_options o;
  o.start_delay_ms = 50;
  o.stop_delay_ms = 5;
  auto node = agent(o);
  auto [w, log] = worker_on(node);
  caf::anon_send(w, go_atom::value, start_atom::value, plan("w-1"));
  sched.run();
  caf::anon_send(w, go_atom::value, stop_atom::value, std::string{"w-1"});
  sched.run();
  advance(4ms, 1ms);
  CHECK(log->exits.empty());
  advance(100ms, 1ms);
  CHECK(log->exits == std::vector<std::string>{"exited with status 0"});
  CHECK(log->ready == 0);
  // Stopping a worker the agent does not know (gone while the control plane was down) exits it.
  caf::anon_send(w, go_atom::value, stop_atom::value, std::string{"w-unknown"});
  sched.run();
  CHECK(log->exits.size() == 2);
}

TEST_CASE_METHOD(sim_fixture, "sim node: adopt answers alive and the worker becomes ready, "
                              "unless processes do not survive a restart", "[sim_node]") {
  SECTION("surviving") {
    node::sim_node_options o;
    o.adopt_delay_ms = 3;
    auto node = agent(o);
    auto [w, log] = worker_on(node);
    caf::anon_send(w, go_atom::value, node::adopt_atom::value, std::string{"w-9"});
    sched.run();
    REQUIRE(log->adopted);
    CHECK(*log->adopted);
    advance(3ms, 1ms);
    CHECK(log->ready == 1);
    // A later start never reuses the adopted pid.
    caf::anon_send(w, go_atom::value, start_atom::value, plan("w-10"));
    sched.run();
    REQUIRE(log->started);
    CHECK(log->started->id.pid > sim_node_pid_for_test);
  }
  SECTION("not surviving") {
    node::sim_node_options o;
    o.survive_restart = false;
    auto node = agent(o);
    auto [w, log] = worker_on(node);
    caf::anon_send(w, go_atom::value, node::adopt_atom::value, std::string{"w-9"});
    advance(10ms, 1ms);
    REQUIRE(log->adopted);
    CHECK_FALSE(*log->adopted);
    CHECK(log->ready == 0);
  }
}

TEST_CASE_METHOD(sim_fixture, "sim node: fail_every fails every n-th start with a message",
                 "[sim_node]") {
  node::sim_node_options o;
  o.fail_every = 2;
  auto node = agent(o);
  auto [w1, log1] = worker_on(node);
  auto [w2, log2] = worker_on(node);
  caf::anon_send(w1, go_atom::value, start_atom::value, plan("w-1"));
  sched.run();
  caf::anon_send(w2, go_atom::value, start_atom::value, plan("w-2"));
  sched.run();
  CHECK(log1->started);
  CHECK_FALSE(log2->started);
  CHECK(log2->error.find("simulated start failure of worker w-2") != std::string::npos);
}

TEST_CASE_METHOD(sim_fixture, "sim node: the real app actors scale to min_workers on it and "
                              "record every worker RUNNING", "[sim_node]") {
  node::sim_node_options o;
  o.start_delay_ms = 30;
  auto handles = app::spawn_app(sys, ctx, app_on(agent(o)));
  keep(handles.app);
  keep(handles.queue);
  sched.run();
  CHECK(started_ids.size() == 3);
  auto running = [&] {
    int n = 0;
    auto err = db->scan(storage::table::workers, storage::app_prefix(ns, app),
                        [&](std::string_view, std::string_view v) {
                          auto w = storage::decode<worker_record>(v);
                          REQUIRE(w);
                          if (w->status == worker_status::running) {
                            CHECK(w->pid >= node::sim_first_pid);
                            ++n;
                          }
                          return true;
                        });
    REQUIRE(!err);
    return n;
  };
  CHECK(running() == 0);
  advance(30ms, 1ms);
  CHECK(running() == 3);
  CHECK(started_ids.size() == 3); // steady at min_workers: no further starts
}

TEST_CASE_METHOD(sim_fixture, "sim node: adopt_many adopts a batch, tells each worker when it is "
                              "ready, and answers the ids that are gone", "[sim_node]") {
  auto adopt_many = [&](caf::actor node, std::vector<caf::actor> workers) {
    std::vector<node::adoption> items;
    for (size_t i = 0; i < workers.size(); ++i)
      items.push_back(node::adoption{"w-" + std::to_string(i),
                                     runtime::process_id{sim_node_pid_for_test + static_cast<pid_t>(i), 7},
                                     uint16_t{20001}, "/-everai-/healthy"});
    auto gone = std::make_shared<std::optional<std::vector<std::string>>>();
    auto asker = keep(sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(node, caf::infinite, node::adopt_many_atom::value, items, workers)
        .then([=](const std::vector<std::string>& ids) { *gone = ids; });
      return {[](caf::get_atom) {}};
    }));
    (void) asker;
    sched.run();
    return *gone;
  };
  SECTION("surviving") {
    node::sim_node_options o;
    o.adopt_delay_ms = 3;
    o.ready_batch = 1; // one report per message: the second follows in the next one
    auto node = agent(o);
    auto [w1, log1] = worker_on(node);
    auto [w2, log2] = worker_on(node);
    auto gone = adopt_many(node, {w1, w2});
    REQUIRE(gone);
    CHECK(gone->empty());
    advance(2ms, 1ms);
    CHECK(log1->ready + log2->ready == 0);
    advance(1ms, 1ms);
    CHECK(log1->ready == 1);
    CHECK(log2->ready == 1);
  }
  SECTION("not surviving") {
    node::sim_node_options o;
    o.survive_restart = false;
    auto node = agent(o);
    auto [w1, log1] = worker_on(node);
    auto [w2, log2] = worker_on(node);
    auto gone = adopt_many(node, {w1, w2});
    REQUIRE(gone);
    CHECK(*gone == std::vector<std::string>{"w-0", "w-1"});
    advance(10ms, 1ms);
    CHECK(log1->ready + log2->ready == 0);
  }
}

TEST_CASE_METHOD(sim_fixture, "sim node: a restarted app re-adopts its recorded workers, which "
                              "serve again, or are replaced if gone",
                 "[sim_node]") {
  node::sim_node_options o;
  o.start_delay_ms = 10;
  auto cfg = app_on(agent(o));
  auto first = app::spawn_app(sys, ctx, cfg);
  sched.run();
  advance(10ms, 1ms);
  REQUIRE(started_ids.size() == 3);
  // The control plane goes down: its actors end, the (simulated) processes live on.
  caf::anon_send_exit(first.app, caf::exit_reason::kill);
  sched.run();

  auto records = [&] {
    std::map<std::string, worker_record> out;
    auto err = db->scan(storage::table::workers, storage::app_prefix(ns, app),
                        [&](std::string_view, std::string_view v) {
                          auto w = storage::decode<worker_record>(v);
                          REQUIRE(w);
                          out[w->id] = *w;
                          return true;
                        });
    REQUIRE(!err);
    return out;
  };
  auto events_with = [&](const std::string& text) {
    int n = 0;
    auto err = db->scan(storage::table::events, storage::app_prefix(ns, app),
                        [&](std::string_view, std::string_view v) {
                          auto e = storage::decode<event_record>(v);
                          REQUIRE(e);
                          n += e->message.find(text) != std::string::npos;
                          return true;
                        });
    REQUIRE(!err);
    return n;
  };
  auto running_slots = [](const app::spawned_app& a) {
    int n = 0;
    auto q = a.lane->lock();
    for (const auto& [id, s] : q->slots())
      n += s.phase == queue::slot_phase::running;
    return n;
  };
  auto before = records();
  REQUIRE(before.size() == 3);

  // The control plane starts again on a new agent: the app recovers from the store.
  auto restart_on = [&](const node::sim_node_options& o2) {
    cfg.node = agent(o2);
    cfg.recovering = true;
    auto second = app::spawn_app(sys, ctx, cfg);
    keep(second.app);
    keep(second.queue);
    sched.run();
    return second;
  };

  SECTION("processes survived") {
    node::sim_node_options o2;
    o2.adopt_delay_ms = 5;
    auto second = restart_on(o2);
    CHECK(running_slots(second) == 0); // re-adopted, not ready yet: counted as starting
    advance(5ms, 1ms);
    CHECK(running_slots(second) == 3);
    CHECK(events_with("re-adopted (pid ") == 3);
    auto after = records();
    REQUIRE(after.size() == 3);
    for (const auto& [id, w] : after) {
      CHECK(w.status == worker_status::running);
      CHECK(w.pid == before[id].pid); // the same process: nothing was started again
    }
    CHECK(started_ids.size() == 3);
  }
  SECTION("processes gone") {
    node::sim_node_options o2;
    o2.survive_restart = false;
    o2.start_delay_ms = 10;
    auto second = restart_on(o2);
    advance(2s, 10ms); // the failed workers end; the scaler's next tick starts replacements
    auto after = records();
    int gone = 0;
    for (const auto& [id, w] : before) {
      REQUIRE(after.count(id));
      CHECK(is_final(after[id].status));
      gone += after[id].message.find("is gone (it ended while everd was down)") != std::string::npos;
    }
    CHECK(gone == 3);
    CHECK(events_with("re-adopted") == 0);
    CHECK(started_ids.size() == 6);
    CHECK(running_slots(second) == 3);
  }
}
