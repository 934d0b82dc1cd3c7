// The console actor under CAF's test coordinator, wired like everd wires it (directory, admin,
// a simulated node agent): its commands answer with the expected rows: actors of each kind,
// inspect of a queue shows its length, why names the rule that fired, scale is capped by the
// policy's max_workers, spawn by name works and unknown names are refused.

#include "actor/actor_fixture.hpp"

#include "actors/admin/admin_actor.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/node/sim_node_agent.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "actors/registry/registry.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;

namespace {

struct console_fixture : actor_fixture {
  caf::actor node, directory, admin, console;

  console_fixture() {
    node::sim_node_options o;
    o.start_delay_ms = 30;
    node = keep(node::spawn_sim_node_agent(sys, ctx, o));
    directory = keep(directory::spawn_directory(sys, ctx, node));
    admin = keep(admin::spawn_admin(sys, ctx, admin::admin_config{directory, node, {}}));
    console::console_config cc{directory, admin, node, {}};
    cc.detached = false;
    console = keep(console::spawn_console(sys, ctx, cc));
    registry::set_spawn_context({&sys, &ctx, directory, node, admin, {}});
    sched.run();
  }

  ~console_fixture() { registry::clear_spawn_context(); }

  /// Creates app `app` (simple policy, min 2, max 5) through the directory, like the API does.
  void create_app() {
    app_spec s;
    s.name = app;
    s.ns = ns;
    s.command = {"simulated"};
    s.autoscaler.arguments["min_workers"].value = "2";
    s.autoscaler.arguments["max_workers"].value = "5";
    caf::scoped_actor self{sys};
    self->send(directory, directory::app_create_atom::value, s, std::string{"manifest"}, false);
    sched.run();
    bool ok = false;
    self->receive([&](const app::app_view&) { ok = true; }, [&](caf::error&) {},
                  caf::after(std::chrono::seconds(1)) >> [] {});
    REQUIRE(ok);
  }

  /// Runs a console line; the answer JSON, or "error: <message>".
  std::string run(const std::string& line) {
    caf::scoped_actor self{sys};
    self->send(console, console::console_atom::value, line);
    sched.run();
    std::string out = "(no answer)";
    self->receive([&](std::string& s) { out = std::move(s); },
                  [&](caf::error& e) { out = "error: " + message_of(e); },
                  caf::after(std::chrono::seconds(1)) >> [] {});
    return out;
  }

  /// The rows of the first table of an answer.
  std::vector<std::vector<std::string>> rows(const std::string& answer) {
    auto j = nlohmann::json::parse(answer);
    for (const auto& b : j["blocks"])
      if (b.contains("rows"))
        return b["rows"].get<std::vector<std::vector<std::string>>>();
    return {};
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE_METHOD(console_fixture, "console: actors lists a live actor of each kind",
                 "[console]") {
  create_app();
  advance(50ms, 1ms);
  auto all = rows(run("actors"));
  std::set<std::string> kinds;
  for (const auto& r : all)
    kinds.insert(r.at(0));
  for (const char* k : {"ever.app", "ever.queue", "ever.scaler", "ever.worker", "ever.directory",
                        "ever.admin", "ever.node.sim", "ever.console"})
    CHECK(kinds.count(k) == 1);
  auto workers = rows(run("actors --type ever.worker"));
  CHECK(workers.size() == 2);
  for (const auto& r : workers)
    CHECK(has(r.at(5), "default/demo"));
  CHECK(rows(run("actors --node elsewhere")).empty());
}

TEST_CASE_METHOD(console_fixture, "console: inspect of a queue shows its length", "[console]") {
  create_app();
  // Both workers are still starting: a request waits in the queue.
  auto granted = std::make_shared<int>(0);
  auto queues = rows(run("actors --type ever.queue"));
  REQUIRE(queues.size() == 1);
  auto queue = registry::census_find(std::stoull(queues[0].at(1)));
  REQUIRE(queue);
  caf::anon_send(queue, queue::lease_atom::value, std::string{},
                 queue::lease_callback{[granted](expected<queue::grant> g) { *granted += g ? 1 : 0; }});
  sched.run();
  auto text = run("inspect " + queues[0].at(1));
  CHECK(has(text, "queue length: 1"));
  CHECK((has(text, "NotDispatch") || has(text, "WorkerBusy"))); // its queue reason
  advance(50ms, 1ms);
  CHECK(*granted == 1);
  CHECK(has(run("inspect " + queues[0].at(1)), "queue length: 0"));
  CHECK(has(run("inspect 999999"), "error: no live actor with id 999999"));
  CHECK(has(run("inspect queue"), "error: ACTOR must be an actor id"));
}

TEST_CASE_METHOD(console_fixture, "console: why names the rule that fired", "[console]") {
  create_app();
  advance(50ms, 1ms);
  auto text = run("why demo");
  CHECK(has(text, "policy 'simple'"));
  CHECK(has(text, "rule: min floor: 0 workers < min_workers 2, scale up 2"));
  CHECK(has(text, "min_workers=2"));
  auto decisions = rows(run("decisions demo --last 1"));
  REQUIRE(decisions.size() == 1);
  CHECK(has(decisions[0].at(4), "min floor"));
  CHECK(has(run("why nosuch"), "error: "));
}

TEST_CASE_METHOD(console_fixture, "console: apps, workers, queue and types answer with rows",
                 "[console]") {
  create_app();
  advance(50ms, 1ms);
  auto apps = rows(run("apps"));
  REQUIRE(apps.size() == 1);
  CHECK(apps[0].at(0) == "demo");
  auto workers = rows(run("workers demo"));
  CHECK(workers.size() == 2);
  CHECK(workers.at(0).at(1) == "RUNNING");
  CHECK(has(run("queue demo"), "queue length 0"));
  auto types = rows(run("types"));
  std::set<std::string> names;
  for (const auto& r : types)
    names.insert(r.at(0));
  CHECK(names.count("ever.policy.simple") == 1);
  CHECK(names.count("ever.decorator.average") == 1);
  CHECK(names.count("ever.queue") == 1);
  auto nodes = rows(run("nodes"));
  REQUIRE(nodes.size() == 1);
  CHECK(nodes[0].at(0) == "local");
  CHECK(has(run("help"), "spawn TYPE [on NODE]"));
  CHECK(has(run("bogus"), "error: unknown command 'bogus'"));
  CHECK(has(run("decisions demo --colour red"), "error: 'decisions' has no flag --colour"));
}

TEST_CASE_METHOD(console_fixture, "console: scale is capped by max_workers, drain stops a worker",
                 "[console]") {
  create_app();
  advance(50ms, 1ms);
  CHECK(has(run("scale demo 3"), "starting 1 worker(s), 2 -> 3"));
  advance(50ms, 1ms);
  CHECK(has(run("scale demo 50"), "capped by max_workers 5"));
  advance(50ms, 1ms);
  CHECK(has(run("scale demo x"), "error: N must be a worker count"));
  auto workers = rows(run("workers demo"));
  REQUIRE(!workers.empty());
  CHECK(has(run("drain " + workers[0].at(0)), "draining worker " + workers[0].at(0)));
  CHECK(has(run("drain NoSuchWorker"), "error: no live worker"));
}

TEST_CASE_METHOD(console_fixture, "console: spawn by name works and unknown types are refused",
                 "[console]") {
  auto text = run("spawn ever.queue app=spawned-q max_length=3");
  CHECK(has(text, "spawned ever.queue id "));
  auto queues = rows(run("actors --type ever.queue"));
  REQUIRE(queues.size() == 1);
  CHECK(has(queues[0].at(5), "spawned-q"));
  CHECK(has(run("spawn ever.nope"), "error: no actor type 'ever.nope' is registered"));
  CHECK(has(run("spawn ever.queue colour=blue"), "error: unknown argument 'colour'"));
  CHECK(has(run("spawn ever.queue novalue"), "is not KEY=VALUE"));
  CHECK(has(run("spawn ever.queue on nowhere"), "error: NODE must be this node"));
  auto id = std::stoull(queues[0].at(1));
  keep(registry::census_find(id));
}
