#include "cli_fixture.hpp"

#include "core/time.hpp"

#include <nlohmann/json.hpp>

using ever::format_time;
using ever::cli::test::cli_harness;
using nlohmann::json;

namespace {

const std::string manifest = "version: everai/v1alpha1\n"
                             "kind: App\n"
                             "metadata:\n"
                             "  name: get-start\n"
                             "  namespace: team-a\n"
                             "spec:\n"
                             "  command: [ever-sample-app]\n";

constexpr long long t1 = 1715425252000; // 2024-05-11 11:00:52 UTC
constexpr long long t2 = 1715428852000;

std::string app_json(const std::string& name, const std::string& ns, int ready, int desired) {
  return R"({"name":")" + name + R"(","namespace":")" + ns
         + R"(","status":"DEPLOYED","revision":1,"routePath":")" + name
         + R"(","public":false,"workers":{"ready":)" + std::to_string(ready)
         + R"(,"desired":)" + std::to_string(desired) + R"(},"createdAt":)" + std::to_string(t1)
         + R"(,"updatedAt":)" + std::to_string(t2) + "}";
}

} // namespace

TEST_CASE("app create -f sends the manifest text and takes the namespace from it") {
  cli_harness h;
  h.cwd.write("deploy/app.yaml", manifest);
  h.transport.on("POST /api/apps/v1/namespaces/team-a/apps", 201, app_json("get-start", "team-a", 0, 1));
  auto r = h.run({"app", "create", "-f", "deploy/app.yaml"});
  CHECK(r.err == "");
  CHECK(r.code == 0);
  CHECK(r.out == "app/get-start created\n");
  CHECK(json::parse(h.last().body) == json{{"manifest", manifest}});
}

TEST_CASE("app create defaults to ./app.yaml and -n beats metadata.namespace in a dry run") {
  cli_harness h;
  h.cwd.write("app.yaml", manifest);
  h.transport.on("POST /api/apps/v1/namespaces/prod/apps?dryRun=true", 201,
                 app_json("get-start", "prod", 0, 0));
  auto r = h.run({"a", "create", "--dry-run", "-n", "prod"});
  CHECK(r.code == 0);
  CHECK(r.out == "app/get-start created (dry run)\n");
}

TEST_CASE("app create without a manifest is a usage error") {
  cli_harness h;
  auto r = h.run({"app", "create"});
  CHECK(r.code == 2);
  CHECK(r.err.find("app.yaml") != std::string::npos);
  r = h.run({"app", "create", "-f", "missing.yaml"});
  CHECK(r.code == 1);
  CHECK(r.err.find("missing.yaml") != std::string::npos);
}

TEST_CASE("app update and the seed's upgrade PUT to the manifest's app") {
  cli_harness h;
  h.cwd.write("app.yaml", manifest);
  h.transport.on("PUT /api/apps/v1/namespaces/team-a/apps/get-start", 200, app_json("get-start", "team-a", 1, 1));
  for (auto verb : {"update", "upgrade"}) {
    auto r = h.run({"app", verb});
    CHECK(r.code == 0);
    CHECK(r.out == "app/get-start updated\n");
    CHECK(h.last().method == "PUT");
    CHECK(json::parse(h.last().body)["manifest"] == manifest);
  }
}

TEST_CASE("server validation errors are printed as is with exit 1") {
  cli_harness h;
  h.cwd.write("app.yaml", manifest);
  h.transport.on("POST /api/apps/v1/namespaces/team-a/apps", 400,
                 R"({"error":{"code":"invalid_manifest","message":"spec.autoscaler.builtin.arguments.max_workers: must be a non-negative integer, got \"-1\""}})");
  auto r = h.run({"app", "create"});
  CHECK(r.code == 1);
  CHECK(r.out == "");
  CHECK(r.err
        == "error: spec.autoscaler.builtin.arguments.max_workers: must be a non-negative integer, "
           "got \"-1\"\n");
}

TEST_CASE("app list prints NAME NAMESPACE STATUS WORKERS CREATED_AT and wide adds UPDATED_AT ROUTE") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200,
                 "{\"items\":[" + app_json("get-start", "default", 1, 2) + ","
                     + app_json("sd", "default", 0, 0) + "]}");
  auto r = h.run({"app", "list"});
  CHECK(r.code == 0);
  auto c1 = format_time(t1);
  CHECK(r.out == "NAME       NAMESPACE  STATUS    WORKERS  CREATED_AT\n"
                 "---------  ---------  --------  -------  " + std::string(c1.size(), '-') + "\n"
                 "get-start  default    DEPLOYED  1/2      " + c1 + "\n"
                 "sd         default    DEPLOYED  0/0      " + c1 + "\n");
  r = h.run({"apps", "ls", "-o", "wide"});
  auto c2 = format_time(t2);
  CHECK(r.out.find("CREATED_AT" + std::string(c1.size() - 10 + 2, ' ') + "UPDATED_AT") != std::string::npos);
  CHECK(r.out.find(c1 + "  " + c2 + "  get-start\n") != std::string::npos);

  h.transport.on("GET /api/apps/v1/apps", 200, "{\"items\":[]}");
  r = h.run({"app", "ls", "-A"});
  CHECK(h.last().target == "/api/apps/v1/apps");
  CHECK(r.out == "NAME  NAMESPACE  STATUS  WORKERS  CREATED_AT\n"
                 "----  ---------  ------  -------  ----------\n");
}

TEST_CASE("output json prints the answer as received and yaml converts it") {
  cli_harness h;
  std::string body = R"({"items":[{"name":"x","zeta":1,"alpha":[true]}]})";
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, body);
  auto r = h.run({"app", "list", "-o", "json"});
  CHECK(r.code == 0);
  CHECK(json::parse(r.out) == json::parse(body));
  CHECK(r.out.find("\"zeta\"") < r.out.find("\"alpha\""));
  CHECK(r.out.find('\n') != r.out.size() - 1); // pretty, not one line
  r = h.run({"app", "list", "-oyaml"});
  CHECK(r.out == "items:\n  - name: x\n    zeta: 1\n    alpha:\n      - true\n");
  r = h.run({"app", "list", "-o", "xml"});
  CHECK(r.code == 2);
}

TEST_CASE("app get pause resume delete") {
  cli_harness h;
  auto app = app_json("get-start", "default", 1, 1);
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start", 200, app);
  h.transport.on("POST /api/apps/v1/namespaces/default/apps/get-start:pause", 200, app);
  h.transport.on("POST /api/apps/v1/namespaces/default/apps/get-start:resume", 200, app);
  h.transport.on("DELETE /api/apps/v1/namespaces/default/apps/get-start", 200, "{}");
  auto r = h.run({"app", "get", "get-start"});
  CHECK(r.code == 0);
  CHECK(r.out.find("get-start  default    DEPLOYED  1/1") != std::string::npos);
  CHECK(h.run({"app", "pause", "get-start"}).out == "app/get-start paused\n");
  CHECK(h.last().method == "POST");
  CHECK(h.run({"app", "resume", "get-start"}).out == "app/get-start resumed\n");
  CHECK(h.run({"app", "delete", "get-start"}).out == "app/get-start deleted\n");
  CHECK(h.last().method == "DELETE");
  CHECK(h.run({"app", "delete"}).code == 2); // deleting needs an explicit name
}

TEST_CASE("app queue prints QUEUE_INDEX CREATE_AT QUEUE_REASON") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/queue", 200,
                 R"({"items":[{"index":0,"createdAt":1715425252000,"reason":"WorkerBusy"},)"
                 R"({"index":1,"createdAt":1715425252000,"reason":"WorkerBusy"}]})");
  for (auto verb : {"queue", "q"}) {
    auto r = h.run({"app", verb, "get-start"});
    CHECK(r.code == 0);
    auto t = format_time(t1);
    CHECK(r.out == "QUEUE_INDEX  CREATE_AT" + std::string(t.size() - 9 + 2, ' ') + "QUEUE_REASON\n"
                   "-----------  " + std::string(t.size(), '-') + "  ------------\n"
                   "0            " + t + "  WorkerBusy\n"
                   "1            " + t + "  WorkerBusy\n");
  }
}

TEST_CASE("app events and decisions") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/events?limit=5", 200,
                 R"({"items":[{"seq":2,"type":"NORMAL","from":"Scheduler","createdAt":0,"message":"Worker/abc is ready now"}]})");
  for (auto verb : {"events", "e", "event"}) {
    auto r = h.run({"app", verb, "get-start", "--limit", "5"});
    CHECK(r.code == 0);
    CHECK(r.out == "TYPE    FROM       CREATED_AT  MESSAGE\n"
                   "------  ---------  ----------  -----------------------\n"
                   "NORMAL  Scheduler  " + std::string(12, ' ') + "Worker/abc is ready now\n");
  }
  h.transport.on("GET /api/apps/v1/namespaces/default/apps/get-start/decisions?last=2", 200,
                 R"({"items":[{"seq":7,"at":0,"policy":"simple","arguments":{},"factors":{},)"
                 R"("result":{"max_workers":5,"actions":[{"action":"ScaleUp","count":1}]},"reason":"queue 3 > 2"},)"
                 R"({"seq":6,"at":0,"policy":"simple","result":{"max_workers":5,"actions":[]},"reason":"idle"}]})");
  auto r = h.run({"app", "decisions", "get-start", "--last", "2"});
  CHECK(r.code == 0);
  CHECK(r.out == "SEQ  TIME  POLICY  ACTIONS     REASON\n"
                 "---  ----  ------  ----------  -----------\n"
                 "7    " + std::string(6, ' ') + "simple  ScaleUp +1  queue 3 > 2\n"
                 "6    " + std::string(6, ' ') + "simple  -" + std::string(11, ' ') + "idle\n");
  CHECK(h.run({"app", "decisions", "get-start", "--last", "x"}).code == 2);
}
