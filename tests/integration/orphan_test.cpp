// Reconciliation at start with real processes: after kill -9 of everd, processes that carry its
// EVER_OWNER but no live record (stand-ins for a worker whose record was never written and for
// one of an app deleted meanwhile) are stopped at restart, while the recorded worker is
// re-adopted with the same pid. A second restart stops nothing more (R1).
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

/// A `sleep 60` in its own session (so its own process group, like a worker) that carries
/// `owner` as EVER_OWNER. Killed and reaped by the destructor in every path; everd stopping it
/// leaves a zombie (it is our child), which process_alive() counts as gone.
class fake_worker {
public:
  fake_worker(const std::string& owner, const std::string& worker_id, const std::string& app) {
    std::vector<std::string> env{"PATH=/usr/bin:/bin", "EVER_OWNER=" + owner,
                                 "EVER_WORKER_ID=" + worker_id, "EVER_NAMESPACE=default"};
    if (!app.empty())
      env.push_back("EVER_APP=" + app);
    std::vector<std::string> argv{"/bin/sleep", "60"};
    auto cstrs = [](std::vector<std::string>& v) {
      std::vector<char*> out;
      for (auto& s : v)
        out.push_back(s.data());
      out.push_back(nullptr);
      return out;
    };
    auto cargv = cstrs(argv);
    auto cenv = cstrs(env);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    int rc = posix_spawn(&pid_, cargv[0], nullptr, &attr, cargv.data(), cenv.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
      throw std::runtime_error("cannot start the fake worker");
  }
  ~fake_worker() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL); // our child: the pid cannot have been reused before we reap it
    ::waitpid(pid_, nullptr, 0);
  }
  fake_worker(const fake_worker&) = delete;
  fake_worker& operator=(const fake_worker&) = delete;

  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = 0;
};

/// Messages of the app's events that tell of a stopped orphan.
std::vector<std::string> orphan_events(const ever::it::daemon& d, const std::string& app) {
  std::vector<std::string> out;
  auto j = d.api("/api/apps/v1/namespaces/default/apps/" + app + "/events?limit=1000");
  for (const auto& e : j["items"]) {
    auto msg = e["message"].get<std::string>();
    if (e["type"] == "WARNING" && msg.find("orphan") != std::string::npos)
      out.push_back(msg);
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// How many of the app's events tell that a worker with `pid` was re-adopted.
size_t readoptions(const ever::it::daemon& d, const std::string& app, long pid) {
  auto j = d.api("/api/apps/v1/namespaces/default/apps/" + app + "/events?limit=1000");
  size_t n = 0;
  for (const auto& e : j["items"])
    if (e["message"].get<std::string>().find("re-adopted (pid " + std::to_string(pid) + ")")
        != std::string::npos)
      ++n;
  return n;
}

long running_pid(const ever::it::daemon& d, const std::string& app) {
  for (const auto& w : d.workers(app))
    if (w["status"] == "RUNNING")
      return w["pid"].get<long>();
  return 0;
}

} // namespace

TEST_CASE("restart stops orphan processes and re-adopts recorded workers",
          "[integration][restart][reconcile]") {
  ever::it::daemon d; // qualified: <unistd.h> declares ::daemon()
  REQUIRE(d.ever({"configmap", "create", "get-start-configmap", "-l", "min_workers=1", "-l",
                  "max_workers=1", "-l", "max_queue_size=2", "-l", "scale_up_step=1", "-l",
                  "max_idle_time=600"})
            .exit_code == 0);
  REQUIRE(d.ever({"app", "create", "-f", source("docs/examples/getting-started/app.yaml")}).exit_code
          == 0);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 15s));
  long worker_pid = running_pid(d, "get-start");
  REQUIRE(worker_pid > 0);

  d.kill9();
  REQUIRE(process_alive(worker_pid)); // workers outlive everd
  // Stand-ins with no record: a worker of get-start whose record was never written, and one of
  // an app that no longer exists. Worker ids have the real length (22).
  fake_worker stray{d.data_dir(), "StrayWorker00000000000", "get-start"};
  fake_worker gone{d.data_dir(), "FakeWorker000000000000", "deleted-app"};
  // Another owner's process is not ours to stop.
  fake_worker foreign{d.data_dir() + "-other", "ForeignWorker000000000", "get-start"};
  REQUIRE(process_alive(stray.pid()));
  REQUIRE(process_alive(gone.pid()));

  d.start();
  // Reconciliation runs before the apps are loaded, so by the time the API answers the orphans
  // have had SIGTERM; `sleep` ends on it at once.
  CHECK(eventually([&] { return !process_alive(stray.pid()) && !process_alive(gone.pid()); }, 5s));
  CHECK(process_alive(foreign.pid()));
  // The record still says RUNNING from before the crash; the event shows the adoption happened.
  REQUIRE(eventually([&] { return readoptions(d, "get-start", worker_pid) == 1; }, 10s));
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 10s));
  CHECK(running_pid(d, "get-start") == worker_pid); // re-adopted, not restarted
  CHECK(process_alive(worker_pid));
  CHECK(d.workers("get-start").size() == 1); // no replacement was needed

  auto events = orphan_events(d, "get-start");
  REQUIRE(events.size() == 1);
  CHECK(events[0] == "stopped orphan worker StrayWorker00000000000 (pid "
                       + std::to_string(stray.pid()) + "): no live record");
  // The harness logs everd's output next to the data dir.
  auto log = slurp(d.data_dir() + "/../everd.log");
  CHECK(log.find("everd: stopped orphan worker FakeWorker000000000000 (pid "
                 + std::to_string(gone.pid()) + "): no live record")
        != std::string::npos);

  // R1: restarting over the same state stops nothing and records nothing more.
  d.kill9();
  d.start();
  REQUIRE(eventually([&] { return readoptions(d, "get-start", worker_pid) == 2; }, 10s));
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 10s));
  CHECK(running_pid(d, "get-start") == worker_pid);
  CHECK(process_alive(worker_pid));
  CHECK(process_alive(foreign.pid()));
  CHECK(orphan_events(d, "get-start").size() == 1);
}
