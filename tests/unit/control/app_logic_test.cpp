// app_logic: new worker records, which updates roll workers (§6.2, §13), ready/desired counts.

#include "actors/app/app_logic.hpp"
#include "core/ids.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace ever;
using namespace ever::app;

namespace {

constexpr time_ms t0 = 1'700'000'000'000;

app_spec base() {
  app_spec s;
  s.name = "get-start";
  s.ns = "team";
  s.command = {"ever-sample-app", "--port-env", "PORT"};
  env_var literal;
  literal.name = "MODE";
  literal.value.value = "fast";
  env_var ref;
  ref.name = "TOKEN";
  ref.value.ref = key_ref{key_ref::source::secret, "app-secret", "token"};
  s.env = {literal, ref};
  volume_spec v;
  v.name = "cfg";
  v.kind = key_ref::source::config_map;
  v.source_name = "app-config";
  v.items = {{"greeting", "greeting.txt"}};
  v.mount_path = "/etc/cfg";
  s.volumes = {v};
  s.autoscaler.name = "simple";
  s.autoscaler.arguments["max_workers"].value = "5";
  return s;
}

worker_record worker(const std::string& id, worker_status st) {
  worker_record w;
  w.id = id;
  w.status = st;
  return w;
}

} // namespace

TEST_CASE("new_worker: CREATED/IN_FLIGHT with a fresh 22-character id") {
  app_record app;
  app.spec = base();
  app.revision = 7;
  auto w = new_worker(app, "node-a", t0);
  CHECK(w.id.size() == 22);
  CHECK(is_worker_id(w.id));
  for (char c : w.id)
    CHECK(base57_alphabet.find(c) != std::string_view::npos);
  CHECK(w.ns == "team");
  CHECK(w.app == "get-start");
  CHECK(w.node == "node-a");
  CHECK(w.status == worker_status::created);
  CHECK(w.detail == worker_detail::in_flight);
  CHECK(w.app_revision == 7);
  CHECK(w.created_at == t0);
  CHECK(w.started_at == 0);
  CHECK(w.last_service_at == 0);
  CHECK(w.pid == 0);

  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i)
    ids.insert(new_worker(app, "node-a", t0).id);
  CHECK(ids.size() == 200);
}

TEST_CASE("needs_rollout: what the process sees -> true") {
  auto a = base();
  CHECK_FALSE(needs_rollout(a, a));
  auto b = a;
  SECTION("command") { b.command.push_back("--verbose"); }
  SECTION("readiness path") { b.readiness_path = "/ready"; }
  SECTION("concurrency") { b.concurrency = 4; }
  SECTION("cpu") { b.resource.cpu = 2; }
  SECTION("memory") { b.resource.memory_mb = 2048; }
  SECTION("gpu") { b.resource.gpu = 1; }
  SECTION("env literal value") { b.env[0].value.value = "slow"; }
  SECTION("env name") { b.env[0].name = "MODE2"; }
  SECTION("env added") { b.env.push_back(b.env[0]); }
  SECTION("env removed") { b.env.pop_back(); }
  SECTION("env literal -> reference") {
    b.env[0].value.ref = key_ref{key_ref::source::config_map, "app-config", "mode"};
  }
  SECTION("env reference key") { b.env[1].value.ref->key = "other"; }
  SECTION("env reference object") { b.env[1].value.ref->name = "other-secret"; }
  SECTION("env reference kind") { b.env[1].value.ref->kind = key_ref::source::config_map; }
  SECTION("volume added") { b.volumes.push_back(b.volumes[0]); }
  SECTION("volume removed") { b.volumes.clear(); }
  SECTION("volume name") { b.volumes[0].name = "cfg2"; }
  SECTION("volume kind") { b.volumes[0].kind = key_ref::source::secret; }
  SECTION("volume source") { b.volumes[0].source_name = "other-config"; }
  SECTION("volume items") { b.volumes[0].items.push_back({"mode", "mode.txt"}); }
  SECTION("volume item path") { b.volumes[0].items[0].second = "hello.txt"; }
  CHECK(needs_rollout(a, b));
  CHECK(needs_rollout(b, a));
}

TEST_CASE("needs_rollout: scaling, queue and metadata only -> false") {
  auto a = base();
  auto b = a;
  SECTION("autoscaler argument") { b.autoscaler.arguments["max_workers"].value = "10"; }
  SECTION("autoscaler argument as a reference") {
    b.autoscaler.arguments["min_workers"].ref =
      key_ref{key_ref::source::config_map, "app-config", "min_workers"};
  }
  SECTION("autoscaler policy") { b.autoscaler.name = "free-worker"; }
  SECTION("manual autoscaler") {
    b.autoscaler.kind = autoscaler_spec::kind_t::manual;
    b.autoscaler.default_worker_num = 3;
  }
  SECTION("decorators") {
    decorator_spec d;
    d.name = "average";
    b.autoscaler.factor_decorators.push_back(d);
  }
  SECTION("queue limits") {
    b.queue.max_length = 10;
    b.queue.wait_timeout_ms = 5'000;
  }
  SECTION("labels") { b.labels["team"] = "ml"; }
  SECTION("route path") { b.route_path = "hello"; }
  SECTION("public") { b.is_public = true; }
  SECTION("mount path (informational)") { b.volumes[0].mount_path = "/elsewhere"; }
  CHECK_FALSE(needs_rollout(a, b));
  CHECK_FALSE(needs_rollout(b, a));
}

TEST_CASE("count_workers: ready = RUNNING, desired = not TERMINATING/TERMINATED/ERROR") {
  std::map<std::string, worker_record> ws;
  CHECK(count_workers(ws) == std::pair<int64_t, int64_t>{0, 0});
  for (auto [id, st] : std::vector<std::pair<std::string, worker_status>>{
         {"c", worker_status::created},
         {"i", worker_status::initialized},
         {"p", worker_status::pending},
         {"r1", worker_status::running},
         {"r2", worker_status::running},
         {"t", worker_status::terminating},
         {"x", worker_status::terminated},
         {"e", worker_status::error}})
    ws[id] = worker(id, st);
  auto [ready, desired] = count_workers(ws);
  CHECK(ready == 2);
  CHECK(desired == 5);
}
