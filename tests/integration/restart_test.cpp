// A clean stop and start keeps apps, ConfigMaps, worker history, decisions and events, and
// re-adopts the running worker (same pid).
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

using namespace ever::it;
using namespace std::chrono_literals;

TEST_CASE("restart keeps state and re-adopts workers", "[integration][restart]") {
  daemon d;
  REQUIRE(d.ever({"configmap", "create", "get-start-configmap", "-l", "min_workers=1", "-l",
                  "max_workers=5", "-l", "max_queue_size=2", "-l", "scale_up_step=1", "-l",
                  "max_idle_time=2"})
            .exit_code == 0);
  REQUIRE(d.ever({"app", "create", "-f", source("docs/examples/getting-started/app.yaml")}).exit_code
          == 0);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 15s));
  {
    load clients{d, "/api/routes/v1/get-start/sse", 4};
    REQUIRE(eventually([&] { return d.workers("get-start").size() == 2; }, 10s));
  }
  REQUIRE(eventually([&] { return live_count(d.workers("get-start")) == 1; }, 8s));

  auto before_workers = d.workers("get-start");
  auto before_decisions = d.api("/api/apps/v1/namespaces/default/apps/get-start/decisions?last=100");
  auto before_events = d.api("/api/apps/v1/namespaces/default/apps/get-start/events?limit=1000");
  long live_pid = 0;
  for (const auto& w : before_workers)
    if (w["status"] == "RUNNING")
      live_pid = w["pid"].get<long>();
  REQUIRE(live_pid > 0);

  CHECK(d.stop() == 0);
  CHECK(process_alive(live_pid)); // workers outlive a clean stop of everd
  d.start();

  auto cm = d.api("/api/apps/v1/namespaces/default/configmaps/get-start-configmap");
  CHECK(cm["data"]["max_idle_time"] == "2");
  auto apps = d.api("/api/apps/v1/apps");
  REQUIRE(apps["items"].size() == 1);
  CHECK(apps["items"][0]["name"] == "get-start");
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 5s));
  auto after_workers = d.workers("get-start");
  CHECK(after_workers.size() == before_workers.size());
  for (const auto& w : after_workers)
    if (w["status"] == "RUNNING")
      CHECK(w["pid"].get<long>() == live_pid); // re-adopted, not restarted
  auto after_decisions = d.api("/api/apps/v1/namespaces/default/apps/get-start/decisions?last=100");
  CHECK(after_decisions["items"].size() == before_decisions["items"].size());
  auto after_events = d.api("/api/apps/v1/namespaces/default/apps/get-start/events?limit=1000");
  CHECK(after_events["items"].size() > before_events["items"].size()); // + re-adoption events
  CHECK(d.http("GET", "/api/routes/v1/get-start/echo").status == 200);
}
