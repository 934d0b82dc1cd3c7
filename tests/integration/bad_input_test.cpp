// Bad input is refused clearly and stores nothing; errors map to their HTTP statuses.
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

const char* good_head = R"(version: everai/v1alpha1
kind: App
metadata:
  name: bad-app
spec:
  command: [ever-sample-app]
)";

struct bad_case {
  const char* what;
  std::string manifest;
  const char* path_in_error;
};

} // namespace

TEST_CASE("bad manifests are refused with the field's path and nothing is stored",
          "[integration][bad-input]") {
  daemon d;
  REQUIRE(d.ever({"configmap", "create", "cm", "-l", "min_workers=1"}).exit_code == 0);
  std::vector<bad_case> cases{
    {"missing name", "version: everai/v1alpha1\nkind: App\nmetadata: {}\nspec:\n  command: [x]\n",
     "metadata.name"},
    {"unknown autoscaler",
     std::string{good_head} + "  autoscaler:\n    builtin:\n      name: fancy\n",
     "spec.autoscaler.builtin.name"},
    {"negative argument",
     std::string{good_head}
       + "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n        max_workers: '-1'\n",
     "spec.autoscaler.builtin.arguments.max_workers"},
    {"non-integer argument",
     std::string{good_head}
       + "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n        max_workers: '1.5'\n",
     "spec.autoscaler.builtin.arguments.max_workers"},
    {"unknown field", std::string{good_head} + "  replicas: 3\n", "spec.replicas"},
    {"missing configmap",
     std::string{good_head}
       + "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n        min_workers:\n"
         "          valueFrom:\n            configMapKeyRef: {name: nope, key: min_workers}\n",
     "spec.autoscaler.builtin.arguments.min_workers"},
    {"missing configmap key",
     std::string{good_head}
       + "  autoscaler:\n    builtin:\n      name: simple\n      arguments:\n        min_workers:\n"
         "          valueFrom:\n            configMapKeyRef: {name: cm, key: absent}\n",
     "spec.autoscaler.builtin.arguments.min_workers"},
  };
  temp_dir dir;
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto file = dir.path + "/app.yaml";
      std::ofstream{file} << c.manifest;
      auto r = d.ever({"app", "create", "-f", file});
      INFO(r.out << r.err);
      CHECK(r.exit_code != 0);
      CHECK(r.err.find(c.path_in_error) != std::string::npos);
      auto apps = d.api("/api/apps/v1/apps");
      CHECK(apps["items"].empty());
    }
  }
}

TEST_CASE("tokens, routes and a worker dying mid-request", "[integration][bad-input]") {
  daemon d;
  REQUIRE(d.ever({"configmap", "create", "get-start-configmap", "-l", "min_workers=1", "-l",
                  "max_workers=5", "-l", "max_queue_size=2", "-l", "scale_up_step=1", "-l",
                  "max_idle_time=60"})
            .exit_code == 0);
  REQUIRE(d.ever({"app", "create", "-f", source("docs/examples/getting-started/app.yaml")}).exit_code
          == 0);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 15s));

  std::string none, wrong = "ever_0000000000000000000000000000000000000000";
  CHECK(d.http("GET", "/api/routes/v1/get-start/echo", "", &none).status == 401);
  CHECK(d.http("GET", "/api/routes/v1/get-start/echo", "", &wrong).status == 401);
  CHECK(d.http("GET", "/api/apps/v1/apps", "", &wrong).status == 401);
  CHECK(d.http("GET", "/api/routes/v1/no-such-app/x").status == 404);
  CHECK(d.http("GET", "/api/routes/v1/get-start/echo").status == 200);
  CHECK(d.http("GET", "/api/routes/v1/default/get-start/echo").status == 200);

  auto first = d.workers("get-start")[0];
  auto r = d.http("GET", "/api/routes/v1/get-start/crash-now");
  CHECK(r.status == 502);
  // The dead worker is recorded as ERROR and the policy (min_workers 1) replaces it.
  REQUIRE(eventually(
    [&] {
      for (const auto& w : d.workers("get-start"))
        if (w["id"] == first["id"])
          return w["status"] == "ERROR";
      return false;
    },
    5s));
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 1; }, 10s));
  CHECK(d.http("GET", "/api/routes/v1/get-start/echo").status == 200);
}
