// `ever console -c CMD` against live everd processes on loopback: the commands answer with the
// expected rows (actors of each kind, inspect of a queue shows its length, why names the rule
// that fired), a wrong token is refused, and `spawn` of a registered type on a second everd
// works while an unknown type is refused. `watch` shows the app's recent history first and
// then only what happens while it runs.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

std::string cluster_of(const daemon& d) {
  return "127.0.0.1:" + std::to_string(d.cluster_port());
}

run_result console(const daemon& d, const std::string& line) {
  return d.ever({"console", "--cluster", cluster_of(d), "-c", line});
}

/// The second column (ID) of the first table row whose first column is `type`.
std::string first_id(const std::string& table, const std::string& type) {
  std::istringstream in{table};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words{line};
    std::string t, id;
    words >> t >> id;
    if (t == type)
      return id;
  }
  return "";
}

void deploy(const daemon& d) {
  auto path = d.data_dir() + "/../console-app.yaml";
  std::ofstream out{path};
  out << "version: everai/v1alpha1\nkind: App\nmetadata:\n  name: cons\nspec:\n"
      << "  command: [ever-sample-app, --service-ms, '20']\n"
      << "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n"
      << "        min_workers: '1'\n        max_workers: '3'\n";
  out.close();
  auto app = d.ever({"app", "create", "-f", path});
  INFO(app.out << app.err);
  REQUIRE(app.exit_code == 0);
  REQUIRE(eventually(
    [&] {
      for (const auto& w : d.workers("cons", false))
        if (w["status"] == "RUNNING")
          return true;
      return false;
    },
    20s));
}

} // namespace

TEST_CASE("console: -c commands against a live everd return the expected rows",
          "[integration][console]") {
  daemon d;
  deploy(d);
  auto actors = console(d, "actors");
  INFO(actors.out << actors.err);
  REQUIRE(actors.exit_code == 0);
  for (const char* kind : {"ever.app", "ever.queue", "ever.scaler", "ever.worker",
                           "ever.directory", "ever.admin", "ever.node", "ever.console"})
    CHECK(!first_id(actors.out, kind).empty());

  auto queue_id = first_id(console(d, "actors --type ever.queue").out, "ever.queue");
  REQUIRE(!queue_id.empty());
  auto inspect = console(d, "inspect " + queue_id);
  INFO(inspect.out << inspect.err);
  CHECK(inspect.exit_code == 0);
  CHECK(inspect.out.find("queue length: 0") != std::string::npos);

  auto why = console(d, "why cons");
  INFO(why.out << why.err);
  CHECK(why.exit_code == 0);
  CHECK(why.out.find("rule: min floor") != std::string::npos);

  auto workers = console(d, "workers cons");
  CHECK(workers.out.find("RUNNING") != std::string::npos);
  CHECK(console(d, "types").out.find("ever.policy.simple") != std::string::npos);

  auto bad = console(d, "frobnicate");
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("unknown command 'frobnicate'") != std::string::npos);

  auto wrong = run({bin("ever"), "console", "--cluster", cluster_of(d), "-c", "apps"},
                   {{"EVER_TOKEN", "not-the-token"}});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("refused") != std::string::npos);
}

TEST_CASE("console: spawn of a registered type on a second everd works, an unknown type is "
          "refused",
          "[integration][console]") {
  daemon first;
  daemon second;
  auto where = cluster_of(second);
  auto spawned = console(first, "spawn ever.queue on " + where + " app=remote-q");
  INFO(spawned.out << spawned.err);
  REQUIRE(spawned.exit_code == 0);
  CHECK(spawned.out.find("spawned ever.queue id ") != std::string::npos);
  // The second everd's own census lists it.
  auto there = console(second, "actors --type ever.queue");
  CHECK(there.out.find("app=remote-q") != std::string::npos);
  auto policy = console(first, "spawn ever.policy.simple on " + where + " max_workers=4");
  CHECK(policy.exit_code == 0);

  auto unknown = console(first, "spawn ever.nope on " + where);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no actor type 'ever.nope' is registered on node " + where)
        != std::string::npos);
  auto bad_args = console(first, "spawn ever.queue on " + where + " colour=blue");
  CHECK(bad_args.exit_code == 1);
  CHECK(bad_args.err.find("could not spawn") != std::string::npos);
}

TEST_CASE("console: watch shows recent decisions once, then what happens while it runs",
          "[integration][console]") {
  daemon d;
  deploy(d);
  // Six polls a second apart; the scale happens between the second and the third, leaving the
  // later polls time to see it on a slow machine.
  run_result scaled_by;
  std::thread scale([&] {
    std::this_thread::sleep_for(1500ms);
    scaled_by = console(d, "scale cons 2"); // checked on the test's thread (Catch2 is not shared)
  });
  auto w = d.ever({"console", "--cluster", cluster_of(d), "-c", "watch cons", "--polls", "6"});
  scale.join();
  INFO(w.out << w.err << scaled_by.out << scaled_by.err);
  REQUIRE(scaled_by.exit_code == 0);
  REQUIRE(w.exit_code == 0);
  CHECK(w.out.rfind("watching cons", 0) == 0);
  // The first poll shows the past as context: the decision that started the first worker.
  auto floor = w.out.find("decision #1 ");
  REQUIRE(floor != std::string::npos);
  CHECK(w.out.find("min floor", floor) != std::string::npos);
  CHECK(w.out.find("decision #1 ", floor + 1) == std::string::npos); // not repeated by later polls
  // A later poll shows the scale made while watching, after that context.
  auto scaled = w.out.find("scale to 2");
  REQUIRE(scaled != std::string::npos);
  CHECK(scaled > floor);
}
