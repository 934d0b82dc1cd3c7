// json_views: the JSON objects of docs/http-api.md built from records.

#include "actors/admin/json_views.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::admin;
using nlohmann::json;

namespace {

constexpr time_ms now = 1'718'769'302'000;
constexpr time_ms day = 86'400'000;

worker_record worker(worker_status st, worker_detail d = worker_detail::none) {
  worker_record w;
  w.id = "7bUsPkMnQ2rT9wXyZaBcDe";
  w.ns = "default";
  w.app = "get-start";
  w.node = "local";
  w.status = st;
  w.detail = d;
  w.pid = 4242;
  w.port = 9001;
  w.app_revision = 3;
  w.created_at = now - 1'000;
  w.started_at = now - 500;
  w.last_service_at = now - 100;
  w.success_count = 12;
  w.failure_count = 2;
  w.message = "";
  return w;
}

} // namespace

TEST_CASE("worker_json: the stored record's fields") {
  auto j = worker_json(worker(worker_status::running, worker_detail::free), nullptr);
  CHECK(j.at("id") == "7bUsPkMnQ2rT9wXyZaBcDe");
  CHECK(j.at("namespace") == "default");
  CHECK(j.at("app") == "get-start");
  CHECK(j.at("node") == "local");
  CHECK(j.at("status") == "RUNNING");
  CHECK(j.at("detailStatus") == "FREE");
  CHECK(j.at("createdAt") == now - 1'000);
  CHECK(j.at("startedAt") == now - 500);
  CHECK(j.at("deletedAt") == 0);
  CHECK(j.at("lastServeAt") == now - 100);
  CHECK(j.at("successCount") == 12);
  CHECK(j.at("failedCount") == 2);
  CHECK(j.at("sessionNumber") == 0);
  CHECK(j.at("pid") == 4242);
  CHECK(j.at("port") == 9001);
  CHECK(j.at("message") == "");
}

TEST_CASE("worker_json: live queue facts overlay a RUNNING worker") {
  auto w = worker(worker_status::running, worker_detail::free);
  live_worker_info busy{1, 2};
  auto j = worker_json(w, &busy);
  CHECK(j.at("detailStatus") == "BUSY");
  CHECK(j.at("sessionNumber") == 2);

  live_worker_info idle{0, 0};
  w.detail = worker_detail::busy; // stale stored value
  CHECK(worker_json(w, &idle).at("detailStatus") == "FREE");
  CHECK(worker_json(w, nullptr).at("detailStatus") == "BUSY");
}

TEST_CASE("worker_json: no BUSY overlay for workers that are not RUNNING") {
  live_worker_info busy{1, 1};
  CHECK(worker_json(worker(worker_status::terminating, worker_detail::remove), &busy)
          .at("detailStatus") == "REMOVE");
  CHECK(worker_json(worker(worker_status::initialized, worker_detail::in_flight), &busy)
          .at("detailStatus") == "IN_FLIGHT");
  auto done = worker(worker_status::terminated, worker_detail::none);
  done.deleted_at = now;
  done.message = "scale down";
  auto j = worker_json(done, nullptr);
  CHECK(j.at("status") == "TERMINATED");
  CHECK(j.at("detailStatus") == "");
  CHECK(j.at("deletedAt") == now);
  CHECK(j.at("message") == "scale down");
}

TEST_CASE("config_json: Secret values are masked unless revealed - ConfigMaps never") {
  config_record r;
  r.ns = "team";
  r.name = "creds";
  r.data = {{"user", "admin"}, {"password", "hunter2"}};
  r.revision = 4;
  r.created_at = now - day;
  r.updated_at = now;
  auto masked = config_json(r, true, false);
  CHECK(masked.at("name") == "creds");
  CHECK(masked.at("namespace") == "team");
  CHECK(masked.at("revision") == 4);
  CHECK(masked.at("createdAt") == now - day);
  CHECK(masked.at("updatedAt") == now);
  CHECK(masked.at("data") == json{{"user", "***"}, {"password", "***"}});
  CHECK(masked.dump().find("hunter2") == std::string::npos);

  CHECK(config_json(r, true, true).at("data") == json{{"user", "admin"}, {"password", "hunter2"}});
  CHECK(config_json(r, false, false).at("data") == json{{"user", "admin"}, {"password", "hunter2"}});

  r.data.clear();
  CHECK(config_json(r, true, false).at("data") == json::object());
}

TEST_CASE("decision_json: stored factors/result texts are embedded as objects") {
  decision_record d;
  d.seq = 9;
  d.at = now;
  d.policy = "simple";
  d.arguments = {{"max_workers", 5}, {"min_workers", 1}};
  d.factors_json = R"({"queue":{"QueueDueBusy":3},"workers":[]})";
  d.result_json = R"({"max_workers":5,"actions":[{"action":"ScaleUp","count":1}]})";
  d.reason = "queue WorkerBusy 3 > max_queue_size 2 and no worker starting: scale up 1";
  auto j = decision_json(d);
  CHECK(j.at("seq") == 9);
  CHECK(j.at("at") == now);
  CHECK(j.at("policy") == "simple");
  CHECK(j.at("arguments") == json{{"max_workers", 5}, {"min_workers", 1}});
  REQUIRE(j.at("factors").is_object());
  CHECK(j.at("factors").at("queue").at("QueueDueBusy") == 3);
  REQUIRE(j.at("result").is_object());
  CHECK(j.at("result").at("actions")[0].at("action") == "ScaleUp");
  CHECK(j.at("reason") == d.reason);

  d.factors_json = "{not json";
  auto broken = decision_json(d);
  CHECK(broken.at("factors") == "{not json"); // kept as text rather than lost
  CHECK(broken.at("result").is_object());
}

TEST_CASE("worker_listed: live always - final only with showAll and within recentDays") {
  for (auto st : {worker_status::created, worker_status::initialized, worker_status::pending,
                  worker_status::running, worker_status::terminating}) {
    auto w = worker(st);
    w.created_at = now - 30 * day;
    CHECK(worker_listed(w, false, 2, now));
    CHECK(worker_listed(w, true, 2, now));
  }
  for (auto st : {worker_status::terminated, worker_status::error}) {
    auto w = worker(st);
    w.created_at = now - day;
    CHECK_FALSE(worker_listed(w, false, 2, now));
    CHECK(worker_listed(w, true, 2, now));
    w.created_at = now - 2 * day;
    CHECK(worker_listed(w, true, 2, now)); // exactly N days: kept
    w.created_at = now - 2 * day - 1;
    CHECK_FALSE(worker_listed(w, true, 2, now));
    CHECK(worker_listed(w, true, 3, now));
    CHECK(worker_listed(w, true, 0, now)); // no day limit
  }
}

TEST_CASE("queue_entry_json and event_json") {
  queue::waiter w;
  w.seq = 17;
  w.created_at = now;
  w.reason = queue_reason::not_dispatch;
  CHECK(queue_entry_json(w, 2) == json{{"index", 2}, {"createdAt", now}, {"reason", "NotDispatch"}});
  w.reason = queue_reason::worker_busy;
  CHECK(queue_entry_json(w, 0).at("reason") == "WorkerBusy");
  w.reason = queue_reason::session;
  CHECK(queue_entry_json(w, 0).at("reason") == "Session");

  event_record e;
  e.seq = 3;
  e.type = event_type::warning;
  e.from = "Worker";
  e.created_at = now;
  e.message = "Worker/x exited unexpectedly";
  CHECK(event_json(e) == json{{"seq", 3},
                              {"type", "WARNING"},
                              {"from", "Worker"},
                              {"createdAt", now},
                              {"message", "Worker/x exited unexpectedly"}});
}

TEST_CASE("app_json: routePath defaults to the name - autoscaler kind - worker counts") {
  app::app_view v;
  v.record.spec.name = "get-start";
  v.record.spec.ns = "default";
  v.record.status = app_status::paused;
  v.record.revision = 2;
  v.record.created_at = now - day;
  v.record.updated_at = now;
  v.record.manifest = "kind: App\n";
  v.ready = 1;
  v.desired = 2;
  auto j = app_json(v);
  CHECK(j.at("name") == "get-start");
  CHECK(j.at("namespace") == "default");
  CHECK(j.at("status") == "PAUSED");
  CHECK(j.at("revision") == 2);
  CHECK(j.at("routePath") == "get-start");
  CHECK(j.at("public") == false);
  CHECK(j.at("workers") == json{{"ready", 1}, {"desired", 2}});
  CHECK(j.at("autoscaler") == "simple");
  CHECK(j.at("manifest") == "kind: App\n");

  v.record.spec.route_path = "hello";
  v.record.spec.autoscaler.kind = autoscaler_spec::kind_t::manual;
  CHECK(app_json(v).at("routePath") == "hello");
  CHECK(app_json(v).at("autoscaler") == "manual");
}

TEST_CASE("error_json: code name and message") {
  auto j = error_json(make_error(errc::queue_full, "queue of default/a is full"));
  CHECK(j == json{{"error", {{"code", "queue_full"}, {"message", "queue of default/a is full"}}}});
}
