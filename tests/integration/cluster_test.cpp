// A cluster on loopback: one control+gateway everd (no node role) and node processes joined
// over the cluster link. Heartbeat and node_timeout are shrunk; workers are the sample app.
#include "cluster_support.hpp"
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

const std::map<std::string, std::string> fast_knobs{
  {"node_heartbeat_ms", "200"}, {"node_timeout_ms", "2000"}, {"idle_check_interval_ms", "200"}};

/// Written to the daemon's dir; two workers, each asking for one CPU.
std::string write_manifest(const ever::it::daemon& d, int min_workers, int max_workers, double cpu = 1) {
  auto path = d.data_dir() + "/../cluster-app.yaml";
  std::ofstream out{path};
  out << "version: everai/v1alpha1\nkind: App\nmetadata:\n  name: spread\nspec:\n"
      << "  command: [ever-sample-app, --service-ms, '50']\n"
      << "  resource: {cpu: " << cpu << ", memory: 128 MiB}\n"
      << "  queue: {maxLength: 1000, waitTimeout: 20s}\n"
      << "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n"
      << "        min_workers: '" << min_workers << "'\n"
      << "        max_workers: '" << max_workers << "'\n"
      << "        max_queue_size: '2'\n        max_idle_time: '600'\n";
  return path;
}

std::map<std::string, std::string> node_of_live_workers(const ever::it::daemon& d) {
  std::map<std::string, std::string> out; // worker id -> node
  for (const auto& w : d.workers("spread"))
    if (w["status"] == "RUNNING")
      out[w["id"].get<std::string>()] = w["node"].get<std::string>();
  return out;
}

std::set<std::string> nodes_of(const std::map<std::string, std::string>& placed) {
  std::set<std::string> out;
  for (const auto& [id, node] : placed)
    out.insert(node);
  return out;
}

/// Control node without the node role: every worker must run on a joined node.
ever::it::daemon control_only() {
  return ever::it::daemon{fast_knobs, {"--roles", "control,gateway"}};
}

void deploy_two(const ever::it::daemon& control) {
  auto app = control.ever({"app", "create", "-f", write_manifest(control, 2, 2)});
  INFO(app.out << app.err);
  REQUIRE(app.exit_code == 0);
  REQUIRE(eventually([&] { return node_of_live_workers(control).size() == 2; }, 20s));
}

/// Waits until every node in `nodes` is Ready; on failure shows what the control node sees.
void require_ready(const ever::it::daemon& control, const std::vector<const node_process*>& nodes,
                   std::chrono::milliseconds limit = 15s) {
  bool ready = eventually(
    [&] {
      for (const auto* n : nodes)
        if (node_status(control, n->name()) != "Ready")
          return false;
      return true;
    },
    limit);
  INFO(control.api("/api/apps/v1/nodes").dump());
  for (const auto* n : nodes)
    INFO(n->name() << " log:\n" << n->log());
  REQUIRE(ready);
}

/// The id of the RUNNING worker on `node` (fails the test if there is none).
std::string worker_on(const ever::it::daemon& control, const std::string& node) {
  for (const auto& [id, where] : node_of_live_workers(control))
    if (where == node)
      return id;
  FAIL("no running worker on " << node);
  return {};
}

/// A control node without the node role, nodes n1 and n2 joined, and the two-worker app.
struct two_node_cluster {
  ever::it::daemon control = control_only();
  node_process n1{control, "n1", fast_knobs};
  node_process n2{control, "n2", fast_knobs};

  two_node_cluster() {
    require_ready(control, {&n1, &n2});
    deploy_two(control);
  }
};

long pid_of_worker(const ever::it::daemon& d, const std::string& id) {
  for (const auto& w : d.workers("spread"))
    if (w["id"] == id)
      return w["pid"].get<long>();
  return 0;
}

} // namespace

TEST_CASE_METHOD(two_node_cluster,
                 "cluster: min_workers 2 puts one worker on each node and both serve the load",
                 "[integration][cluster]") {
  auto placed = node_of_live_workers(control);
  CHECK(nodes_of(placed) == std::set<std::string>{"n1", "n2"});

  auto list = control.ever({"node", "list"});
  INFO(list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("LAST_HEARTBEAT") != std::string::npos);
  CHECK(node_row(control, "n1")["workers"] == 1);
  CHECK(node_row(control, "n2")["workers"] == 1);
  auto wide = control.ever({"worker", "list", "spread", "-o", "wide"});
  CHECK(wide.out.find("n1") != std::string::npos);
  CHECK(wide.out.find("n2") != std::string::npos);

  {
    load clients{control, "/api/routes/v1/spread/fast", 4};
    std::this_thread::sleep_for(2s);
    auto statuses = clients.finish();
    for (auto [code, n] : statuses) {
      INFO("status " << code << " x" << n);
      CHECK(code == 200);
    }
  }
  // Usage is flushed every 100 ms: both workers have served.
  REQUIRE(eventually(
    [&] {
      int serving = 0;
      for (const auto& w : control.workers("spread"))
        if (w["status"] == "RUNNING" && w["successCount"].get<long>() > 0)
          ++serving;
      return serving == 2;
    },
    5s));
}

TEST_CASE_METHOD(two_node_cluster,
                 "cluster: kill -9 of a node under load: declared dead, its worker replaced, no "
                 "hang",
                 "[integration][cluster]") {
  auto lost_worker = worker_on(control, "n2");

  load clients{control, "/api/routes/v1/spread/fast", 4};
  std::this_thread::sleep_for(500ms);
  auto killed_at = std::chrono::steady_clock::now();
  n2.kill9();
  // node_timeout 2 s; the tick is the heartbeat (200 ms): allow the tick and the API round trip.
  REQUIRE(eventually([&] { return node_status(control, "n2") == "Dead"; }, 4s));
  auto dead_after = std::chrono::steady_clock::now() - killed_at;
  CHECK(dead_after <= 3s);
  // Replaced on the live node: two RUNNING workers again, both on n1.
  REQUIRE(eventually(
    [&] {
      auto placed = node_of_live_workers(control);
      return placed.size() == 2 && nodes_of(placed) == std::set<std::string>{"n1"};
    },
    5s));
  auto replaced_after = std::chrono::steady_clock::now() - killed_at;
  CHECK(replaced_after <= 7s);
  for (const auto& w : control.workers("spread"))
    if (w["id"] == lost_worker)
      CHECK(w["status"] == "ERROR");
  auto events = control.ever({"app", "events", "spread"});
  CHECK(events.out.find("declared dead") != std::string::npos);
  auto statuses = clients.finish();
  for (auto [code, n] : statuses) {
    INFO("status " << code << " x" << n);
    CHECK(code != 0); // every request got an answer: nothing hung
  }
  CHECK(statuses[200] > 0);
}

TEST_CASE_METHOD(two_node_cluster,
                 "cluster: SIGSTOP past node_timeout, SIGCONT: replaced, and the stale node stops "
                 "its old worker",
                 "[integration][cluster]") {
  auto stale_worker = worker_on(control, "n2");
  auto stale_pid = pid_of_worker(control, stale_worker);
  REQUIRE(stale_pid > 0);
  auto first_generation = node_row(control, "n2")["generation"].get<long>();

  n2.sigstop();
  REQUIRE(eventually([&] { return node_status(control, "n2") == "Dead"; }, 6s));
  REQUIRE(eventually(
    [&] {
      auto placed = node_of_live_workers(control);
      return placed.size() == 2 && nodes_of(placed) == std::set<std::string>{"n1"};
    },
    5s));
  CHECK(process_alive(stale_pid)); // frozen node: its worker still runs, unfenced yet

  n2.sigcont();
  // It learns it is stale, rejoins with a new generation and stops the old worker.
  require_ready(control, {&n2}, 10s);
  CHECK(node_row(control, "n2")["generation"].get<long>() > first_generation);
  CHECK(eventually([&] { return !process_alive(stale_pid); }, 10s));
  INFO(n2.log());
  CHECK(node_row(control, "n2")["workers"] == 0);
}

TEST_CASE("cluster: a node restarted within node_timeout keeps its workers (re-adopted)",
          "[integration][cluster]") {
  std::map<std::string, std::string> knobs = fast_knobs;
  knobs["node_timeout_ms"] = "8000";
  ever::it::daemon control{knobs, {"--roles", "control,gateway"}};
  node_process n1{control, "n1", knobs};
  require_ready(control, {&n1});
  auto app = control.ever({"app", "create", "-f", write_manifest(control, 1, 1)});
  REQUIRE(app.exit_code == 0);
  REQUIRE(eventually([&] { return node_of_live_workers(control).size() == 1; }, 20s));
  auto id = node_of_live_workers(control).begin()->first;
  auto pid = pid_of_worker(control, id);
  n1.kill9();
  n1.start();
  REQUIRE(eventually([&] { return node_row(control, "n1")["generation"] == 2; }, 10s));
  auto events = [&] { return control.ever({"app", "events", "spread"}).out; };
  REQUIRE(eventually([&] { return events().find("re-adopted") != std::string::npos; }, 5s));
  CHECK(process_alive(pid));
  auto placed = node_of_live_workers(control);
  CHECK(placed.size() == 1);
  CHECK(placed.count(id) == 1);
  auto r = control.http("GET", "/api/routes/v1/spread/fast");
  CHECK(r.status == 200);
}

TEST_CASE("cluster: an app that fits on no node gets an Insufficient resources event and queue "
          "reason",
          "[integration][cluster]") {
  ever::it::daemon control{fast_knobs, {"--cpu", "1"}};
  auto app = control.ever({"app", "create", "-f", write_manifest(control, 1, 1, 2)});
  REQUIRE(app.exit_code == 0);
  auto events = [&] { return control.ever({"app", "events", "spread"}).out; };
  REQUIRE(eventually([&] { return events().find("Insufficient resources") != std::string::npos; },
                     5s));
  // A request waits, and the queue says why.
  std::thread waiting{[&] { control.http("GET", "/api/routes/v1/spread/fast", "", nullptr, {}, 5s); }};
  bool said = eventually(
    [&] {
      auto q = control.ever({"app", "queue", "spread"});
      return q.out.find("InsufficientResources") != std::string::npos;
    },
    4s);
  waiting.join();
  CHECK(said);
  CHECK(live_count(control.workers("spread")) == 0);
}

TEST_CASE("cluster: the console spawns a registered type on a joined node by the node's name",
          "[integration][cluster][console]") {
  auto control = control_only();
  node_process n1{control, "n1", fast_knobs};
  require_ready(control, {&n1});
  auto console = [&](const std::string& line) {
    return control.ever({"console", "--cluster", "127.0.0.1:" + std::to_string(control.cluster_port()),
                         "-c", line});
  };
  // n1 only dialed out (`--join`); it listens on no cluster port, so its name is the only way
  // to address it.
  auto spawned = console("spawn ever.policy.simple on n1 max_workers=4");
  INFO(spawned.out << spawned.err << "\nn1 log:\n" << n1.log());
  REQUIRE(spawned.exit_code == 0);
  CHECK(spawned.out.find("spawned ever.policy.simple id ") != std::string::npos);
  CHECK(spawned.out.find(" on n1") != std::string::npos);
  auto listed = console("actors --node n1");
  CHECK(listed.out.find("ever.policy.simple") != std::string::npos);

  // The remote registry answers for unknown types, as with HOST:PORT.
  auto unknown = console("spawn ever.nope on n1");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no actor type 'ever.nope' is registered on node n1") != std::string::npos);
  // A name that is no member is refused with what NODE may be.
  auto stranger = console("spawn ever.policy.simple on n9");
  CHECK(stranger.exit_code == 1);
  CHECK(stranger.err.find("a ready node of this cluster (see `nodes`)") != std::string::npos);
}
