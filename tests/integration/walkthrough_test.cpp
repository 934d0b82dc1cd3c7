// The seed walk-through (PRODUCT.md) with real processes and a shortened max_idle_time.
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

run_result create_configmap(const daemon& d, const std::string& idle) {
  return d.ever({"configmap", "create", "get-start-configmap", "--from-literal", "min_workers=1",
                 "--from-literal", "max_workers=5", "--from-literal", "max_queue_size=2",
                 "--from-literal", "scale_up_step=1", "--from-literal", "max_idle_time=" + idle});
}

void deploy(const daemon& d, const std::string& idle = "3") {
  auto cm = create_configmap(d, idle);
  REQUIRE(cm.exit_code == 0);
  auto app = d.ever({"app", "create", "-f", source("docs/examples/getting-started/app.yaml")});
  INFO(app.out << app.err);
  REQUIRE(app.exit_code == 0);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 15s));
}

} // namespace

TEST_CASE("walk-through: one worker, scale to exactly two under 4 clients, back to one when idle",
          "[integration][walkthrough]") {
  daemon d;
  deploy(d);
  auto list = d.ever({"worker", "list"});
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("RUNNING") != std::string::npos);
  CHECK(list.out.find("FREE") != std::string::npos);

  load clients{d, "/api/routes/v1/get-start/sse", 4};
  // 4 clients, 1 s per request: 1 busy + 3 waiting > max_queue_size 2 -> one more worker; then
  // 2 busy + 2 waiting is not > 2, so it stays at two.
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 2; }, 10s));
  bool saw_queue = eventually(
    [&] {
      auto q = d.ever({"app", "queue", "get-start"});
      return q.exit_code == 0 && q.out.find("WorkerBusy") != std::string::npos;
    },
    5s);
  CHECK(saw_queue);
  std::this_thread::sleep_for(3s); // steady state under load: no third worker
  CHECK(d.workers("get-start").size() == 2);
  auto busy = d.ever({"worker", "list"});
  CHECK(busy.out.find("BUSY") != std::string::npos);
  auto statuses = clients.finish();
  int total = 0;
  for (auto [code, n] : statuses) {
    INFO("status " << code << " x" << n);
    CHECK(code >= 200);
    CHECK(code < 300);
    total += n;
  }
  CHECK(total >= 8);

  // Idle for max_idle_time (3 s) -> the newest worker goes; allow 2 s for the 1 s idle check.
  auto idle_start = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return live_count(d.workers("get-start")) == 1; }, 7s));
  auto took = std::chrono::steady_clock::now() - idle_start;
  CHECK(took <= 5s + 500ms);
  auto all = d.workers("get-start");
  REQUIRE(all.size() == 2);
  auto gone = all[0]["status"] == "TERMINATED" ? all[0] : all[1];
  CHECK(gone["status"] == "TERMINATED");
  CHECK(gone["deletedAt"].get<long>() > 0);
  CHECK(eventually([&] { return !process_alive(gone["pid"].get<long>()); }, 3s));
  auto listed = d.ever({"worker", "list", "-a"});
  CHECK(listed.out.find("TERMINATED") != std::string::npos);
}

TEST_CASE("live update: configmap changes retune the policy without touching the app",
          "[integration][walkthrough]") {
  daemon d;
  deploy(d, "60");
  auto raise = d.ever({"configmap", "update", "get-start-configmap", "-l", "min_workers=2", "-l",
                       "max_workers=2", "-l", "max_queue_size=2", "-l", "scale_up_step=1", "-l",
                       "max_idle_time=60"});
  INFO(raise.err);
  REQUIRE(raise.exit_code == 0);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 2; }, 10s));
  auto app = d.api("/api/apps/v1/namespaces/default/apps/get-start");
  CHECK(app["revision"] == 1); // the app itself was not redeployed

  // max_workers is now 2: 8 clients keep 6 waiting (> 2), yet no third worker starts.
  {
    load clients{d, "/api/routes/v1/get-start/sse", 8};
    std::this_thread::sleep_for(4s);
    CHECK(d.workers("get-start").size() == 2);
    for (auto [code, n] : clients.finish())
      CHECK(code == 200);
  }
}
