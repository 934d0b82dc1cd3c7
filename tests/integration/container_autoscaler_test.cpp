// The container autoscaler end to end: everd runs a user policy written in Python
// (tests/integration/data/container_policy.py), POSTs it the Factors at every decision and acts
// on its DecideResult. It scales the sample app up under load and down when idle; a policy that
// hangs or answers garbage leaves the app at its size with a WARNING event in `ever app events`;
// the policy process goes away with everd.

#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <thread>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

const char* python = "/usr/bin/python3";

/// Writes the manifest of app `name` whose autoscaler is the test policy in `mode`;
/// `extra_spec` is added to spec as is (e.g. volumes).
std::string write_manifest(const temp_dir& dir, const std::string& name, const std::string& mode,
                           const std::string& extra_spec = {}) {
  auto path = dir.path + "/" + name + ".yaml";
  std::ofstream out(path);
  out << "version: everai/v1alpha1\nkind: App\nmetadata:\n  name: " << name
      << "\n  namespace: default\nspec:\n" << extra_spec
      << "  command: [ever-sample-app, --service-ms, \"1000\"]\n"
      << "  readinessProbe:\n    httpGet:\n      path: /-everai-/healthy\n"
      << "  autoscaler:\n    scheduler: queue\n    container:\n"
      << "      command: [" << python << ", " << source("tests/integration/data/container_policy.py")
      << ", " << mode << "]\n"
      << "      entryPath: /-everai-/autoscaler\n";
  return path;
}

void create_app(const daemon& d, const temp_dir& dir, const std::string& name,
                const std::string& mode, const std::string& extra_spec = {}) {
  auto r = d.ever({"app", "create", "-f", write_manifest(dir, name, mode, extra_spec)});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

std::vector<nlohmann::json> events(const daemon& d, const std::string& app) {
  auto j = d.api("/api/apps/v1/namespaces/default/apps/" + app + "/events");
  std::vector<nlohmann::json> out;
  for (const auto& e : j["items"])
    out.push_back(e);
  return out;
}

bool has_event(const daemon& d, const std::string& app, const std::string& text) {
  for (const auto& e : events(d, app))
    if (e.dump().find(text) != std::string::npos)
      return true;
  return false;
}

/// The policy's pid, from the "Started container autoscaler policy (pid N" event.
long policy_pid(const daemon& d, const std::string& app) {
  std::regex re{"Started container autoscaler policy \\(pid ([0-9]+)"};
  for (const auto& e : events(d, app)) {
    std::smatch m;
    auto text = e.dump();
    if (std::regex_search(text, m, re))
      return std::stol(m[1]);
  }
  return 0;
}

bool python_available() { return run({python, "-c", "print(1)"}, {}).exit_code == 0; }

} // namespace

TEST_CASE("container autoscaler: a Python policy scales up under load and down when idle",
          "[integration][container]") {
  REQUIRE(python_available());
  temp_dir dir;
  daemon d;
  create_app(d, dir, "pyscale", "queue");
  // The policy keeps one worker when there is none.
  REQUIRE(eventually([&] { return running_count(d.workers("pyscale")) == 1; }, 20s));
  auto pid = policy_pid(d, "pyscale");
  REQUIRE(pid > 0);
  CHECK(process_alive(pid));

  {
    load clients{d, "/api/routes/v1/pyscale/sse", 4};
    // Requests wait behind one busy worker: ScaleUp 1 at a time, up to the policy's 3.
    REQUIRE(eventually([&] { return running_count(d.workers("pyscale")) >= 2; }, 20s));
    auto statuses = clients.finish();
    for (auto [code, n] : statuses) {
      INFO("status " << code << " x" << n);
      CHECK(code == 200);
    }
  }
  // Idle 2 s: the policy removes the newest free worker each decision, down to one.
  REQUIRE(eventually([&] { return live_count(d.workers("pyscale")) == 1; }, 20s));

  auto decisions = d.ever({"app", "decisions", "pyscale"});
  INFO(decisions.out << decisions.err);
  CHECK(decisions.exit_code == 0);
  CHECK(decisions.out.find("container: ScaleUp") != std::string::npos);
  CHECK(decisions.out.find("container: ScaleDown") != std::string::npos);
  CHECK(!has_event(d, "pyscale", "container autoscaler failed"));

  // `ever down` (not SIGTERM, which leaves workers running for the next everd): nothing of the
  // test outlives it.
  CHECK(d.ever({"down"}).exit_code == 0);
  CHECK(eventually([&] { return !process_alive(pid); }, 5s)); // the policy went with everd
}

TEST_CASE("container autoscaler: a policy that hangs or answers garbage keeps the app's size "
          "with an event", "[integration][container]") {
  REQUIRE(python_available());
  temp_dir dir;
  daemon d{{{"container_policy_timeout_ms", "1000"}}};
  create_app(d, dir, "pyhang", "hang");
  create_app(d, dir, "pygarbage", "garbage");
  // Both policies answer while there is no worker, so each app gets its first one.
  REQUIRE(eventually([&] { return running_count(d.workers("pyhang")) == 1; }, 20s));
  REQUIRE(eventually([&] { return running_count(d.workers("pygarbage")) == 1; }, 20s));

  {
    load hang_load{d, "/api/routes/v1/pyhang/sse", 3};
    load garbage_load{d, "/api/routes/v1/pygarbage/sse", 3};
    REQUIRE(eventually([&] { return has_event(d, "pyhang", "no reply within 1000 ms"); }, 15s));
    REQUIRE(eventually([&] { return has_event(d, "pygarbage", "not a DecideResult"); }, 15s));
    std::this_thread::sleep_for(3s); // requests keep waiting, yet nothing scales
    CHECK(live_count(d.workers("pyhang")) == 1);
    CHECK(live_count(d.workers("pygarbage")) == 1);
    hang_load.finish();
    garbage_load.finish();
  }
  CHECK(live_count(d.workers("pyhang")) == 1);
  CHECK(live_count(d.workers("pygarbage")) == 1);

  // Visible to the operator, and said once, not at every decision.
  auto shown = d.ever({"app", "events", "pygarbage"});
  INFO(shown.out << shown.err);
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("container autoscaler failed") != std::string::npos);
  int hang_events = 0;
  for (const auto& e : events(d, "pyhang"))
    if (e.dump().find("container autoscaler failed") != std::string::npos)
      ++hang_events;
  CHECK(hang_events == 1);
  for (const auto& e : events(d, "pyhang"))
    if (e.dump().find("container autoscaler failed") != std::string::npos) {
      CHECK(e.dump().find("WARNING") != std::string::npos);
      CHECK(e.dump().find("Autoscaler") != std::string::npos);
    }
}

TEST_CASE("container autoscaler: the policy reads the app's ConfigMap volume",
          "[integration][container]") {
  REQUIRE(python_available());
  temp_dir dir;
  daemon d{{{"container_policy_timeout_ms", "5000"}}};
  REQUIRE(d.ever({"configmap", "create", "limits", "-l", "floor=2"}).exit_code == 0);
  create_app(d, dir, "pyvol", "volume",
             "  volumes:\n    - name: limits\n      configMap: {name: limits}\n");
  // The policy keeps as many workers as its file says: 2, not the 1 it falls back to.
  auto workers = [&] { return running_count(d.workers("pyvol")); };
  bool two = eventually([&] { return workers() == 2; }, 30s);
  INFO(d.ever({"app", "events", "pyvol"}).out);
  REQUIRE(two);
  CHECK(!has_event(d, "pyvol", "container autoscaler failed"));
  // The files are in the policy's own work dir, where $EVER_VOLUMES_DIR points.
  auto file = d.data_dir() + "/policies/default/pyvol/volumes/limits/floor";
  std::ifstream in{file};
  std::string floor;
  in >> floor;
  CHECK(floor == "2");
  CHECK(d.ever({"down"}).exit_code == 0);
}
