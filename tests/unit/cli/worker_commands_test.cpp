#include "cli_fixture.hpp"

#include "core/time.hpp"

using ever::format_time;
using ever::cli::test::cli_harness;

namespace {

const std::string one_app =
    R"({"items":[{"name":"get-start","namespace":"default","status":"DEPLOYED","workers":{"ready":1,"desired":1}}]})";

const std::string worker_list =
    R"({"workers":[{"id":"3Pr4LzKwbzNq2nVeM8kTgX","namespace":"default","app":"get-start","node":"n1",)"
    R"("status":"RUNNING","detailStatus":"FREE","createdAt":1715425252000,"startedAt":1715425253000,)"
    R"("deletedAt":0,"lastServeAt":1715425300000,"successCount":12,"failedCount":1,"sessionNumber":0,)"
    R"("pid":4242,"port":35001,"message":""}],"queueSize":0,"maxWorkers":5})";

} // namespace

TEST_CASE("worker list prints ID STATUS DETAIL_STATUS CREATED_AT DELETED_AT") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/workers", 200, worker_list);
  auto r = h.run({"worker", "list", "get-start"});
  CHECK(r.err == "");
  CHECK(r.code == 0);
  auto t = format_time(1715425252000);
  CHECK(r.out == "ID                      STATUS   DETAIL_STATUS  CREATED_AT" + std::string(t.size() - 10 + 2, ' ') + "DELETED_AT\n"
                 "----------------------  -------  -------------  " + std::string(t.size(), '-') + "  ----------\n"
                 "3Pr4LzKwbzNq2nVeM8kTgX  RUNNING  FREE           " + t + "\n");
}

TEST_CASE("worker list -a -d N sends showAll and recentDays and wide adds columns") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/workers?showAll=true&recentDays=7", 200,
                 worker_list);
  auto r = h.run({"w", "ls", "get-start", "-a", "-d", "7", "-o", "wide"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ID                      STATUS   DETAIL_STATUS  CREATED_AT", 0) == 0);
  for (auto col : {"NODE", "LAST_SERVE_AT", "SUCCESS_COUNT", "FAILED_COUNT", "SESSIONS", "PID", "PORT"})
    CHECK(r.out.find(col) != std::string::npos);
  CHECK(r.out.find(format_time(1715425300000) + "  12             1             0         4242  35001\n")
        != std::string::npos);

  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/workers?showAll=true", 200, worker_list);
  r = h.run({"workers", "list", "--all", "get-start"});
  CHECK(r.code == 0);
  CHECK(h.last().target == "/api/apps/v1/namespaces/default/apps/get-start/workers?showAll=true");
}

TEST_CASE("worker list -A lists every app's workers") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/workers", 200, worker_list);
  auto r = h.run({"worker", "list", "-A"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ID                      NAMESPACE  APP        STATUS", 0) == 0);
}

TEST_CASE("APP omitted: metadata.name (and namespace) of ./app.yaml") {
  cli_harness h;
  h.cwd.write("app.yaml", "version: everai/v1alpha1\nkind: App\nmetadata:\n  name: from-yaml\n  namespace: ns1\n");
  h.transport.on("GET /api/apps/v1/namespaces/ns1/apps/from-yaml/workers", 200, worker_list);
  auto r = h.run({"worker", "list"});
  CHECK(r.code == 0);
  REQUIRE(h.transport.requests.size() == 1);

  h.transport.on("GET /api/apps/v1/namespaces/other/apps/from-yaml/queue", 200, R"({"items":[]})");
  r = h.run({"app", "queue", "-n", "other"}); // -n beats the file's namespace
  CHECK(r.code == 0);
  CHECK(h.last().target == "/api/apps/v1/namespaces/other/apps/from-yaml/queue");
}

TEST_CASE("APP omitted: the only app in the namespace") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, one_app);
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/workers", 200, worker_list);
  auto r = h.run({"worker", "list"}); // the walk-through's command
  CHECK(r.code == 0);
  REQUIRE(h.transport.requests.size() == 2);
  CHECK(h.transport.requests[0].target == "/api/apps/v1/namespaces/default/apps");
  CHECK(r.out.find("3Pr4LzKwbzNq2nVeM8kTgX  RUNNING  FREE") != std::string::npos);
}

TEST_CASE("APP omitted with several apps (or none) is a usage error naming them") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200,
                 R"({"items":[{"name":"a"},{"name":"b"}]})");
  auto r = h.run({"app", "queue"});
  CHECK(r.code == 2);
  CHECK(r.err.find("specify the app: 2 apps exist (a, b)") != std::string::npos);
  CHECK(h.transport.requests.size() == 1);

  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, R"({"items":[]})");
  r = h.run({"worker", "list"});
  CHECK(r.code == 2);
  CHECK(r.err.find("specify the app") != std::string::npos);
}

TEST_CASE("worker logs prints the body with --tail") {
  cli_harness h;
  h.transport.answers["GET /api/apps/v1/workers/abc/logs?tail=5"] = {200, "line 1\nline 2\n", "text/plain"};
  auto r = h.run({"worker", "logs", "abc", "--tail", "5"});
  CHECK(r.code == 0);
  CHECK(r.out == "line 1\nline 2\n");
  CHECK(h.run({"worker", "logs"}).code == 2);
}
