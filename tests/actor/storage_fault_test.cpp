// C6 (storage fault via a fault-injecting store) and G1 (a 2xx means the change is stored), at the
// management API: the admin actor in front of the directory (and the app actors it starts), on a
// storage::faulty_store over a memory store, under CAF's test coordinator (no threads, no sleeps).
// Each test injects write faults, checks the answer (503 unavailable / 507 storage_full), that
// memory (API reads, the shared view) and the store are unchanged, then heals and checks that the
// same call succeeds in the same actor system (no restart).

#include "actor/actor_fixture.hpp"

#include "actors/admin/admin_actor.hpp"
#include "actors/admin/admin_messages.hpp"
#include "actors/directory/directory_actor.hpp"
#include "storage/faulty_store.hpp"

#include <nlohmann/json.hpp>

#include <optional>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;
using nlohmann::json;
using storage::table;

namespace {

/// Owns the stores. A base listed before actor_fixture, so the stores outlive the actors that
/// actor_fixture kills in its destructor.
struct fault_stores {
  std::shared_ptr<storage::store> inner = storage::make_memory_store();
  std::shared_ptr<storage::faulty_store> faulty = std::make_shared<storage::faulty_store>(inner);
};

/// The admin's node agent: only asked for worker logs, which these tests never read.
caf::behavior silent_node(caf::event_based_actor* self) {
  self->set_default_handler(caf::drop);
  return {
    [](caf::get_atom) {
      // nop: a behavior keeps it alive
    },
  };
}

/// A minimal valid app that never starts workers.
std::string app_manifest(const std::string& name, const std::string& route = {}) {
  std::string text = "version: everai/v1alpha1\n"
                     "kind: App\n"
                     "metadata:\n"
                     "  name: " + name + "\n"
                     "spec:\n"
                     "  command: [ever-sample-app]\n";
  if (!route.empty())
    text += "  routePath: " + route + "\n";
  text += "  autoscaler:\n"
          "    manual: {defaultWorkerNum: 0}\n";
  return text;
}

std::string manifest_body(const std::string& name, const std::string& route = {}) {
  return json{{"manifest", app_manifest(name, route)}}.dump();
}

std::string cm_body(const std::string& name, std::map<std::string, std::string> data) {
  return json{{"name", name}, {"data", data}}.dump();
}

const std::string api = "/api/apps/v1";
const std::string cms = api + "/namespaces/default/configmaps";
const std::string secrets = api + "/namespaces/default/secrets";
const std::string apps = api + "/namespaces/default/apps";

struct fault_fixture : fault_stores, actor_fixture {
  caf::actor node;
  caf::actor dir;
  caf::actor adm;

  fault_fixture() {
    ctx.db = faulty.get();
    node = keep(sys.spawn(silent_node));
    // No node agent for the directory: no app here starts a worker, and start-up reconciliation
    // (which asks the node agent for its processes) is not what these tests are about.
    dir = keep(directory::spawn_directory(sys, ctx, caf::actor{}));
    adm = keep(admin::spawn_admin(sys, ctx, admin::admin_config{dir, node, {}}));
    sched.run();
  }

  /// One management call; requires exactly one reply once every actor is idle.
  admin::mgmt_reply call(const std::string& method, const std::string& target,
                         const std::string& body = {}) {
    auto replies = std::make_shared<std::vector<admin::mgmt_reply>>();
    caf::anon_send(adm, admin::mgmt_atom::value, admin::mgmt_request{method, target, body},
                   admin::mgmt_callback{[replies](admin::mgmt_reply r) {
                     replies->push_back(std::move(r));
                   }});
    sched.run();
    INFO(method << " " << target);
    REQUIRE(replies->size() == 1);
    return replies->front();
  }

  /// The body of a reply as JSON; fails the test if it is not JSON.
  static json body_of(const admin::mgmt_reply& r) {
    INFO(r.body);
    auto j = json::parse(r.body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  }

  /// The error code of an error reply (`{"error": {"code": ...}}`), or "" if it is not one.
  static std::string error_code(const admin::mgmt_reply& r) {
    auto j = body_of(r);
    if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
      return {};
    auto err = j["error"];
    if (!err.contains("message") || !err["message"].is_string() || err["message"].get<std::string>().empty())
      return {};
    return err.value("code", std::string{});
  }

  /// The stored row of a ConfigMap (or Secret) in the inner store, if any.
  std::optional<config_record> config_row(const std::string& name, bool secret = false) {
    auto bytes = inner->get(secret ? table::secrets : table::configmaps,
                            storage::object_key(ns, name));
    REQUIRE(bytes);
    if (!bytes->has_value())
      return std::nullopt;
    auto rec = storage::decode<config_record>(**bytes);
    REQUIRE(rec);
    return *rec;
  }

  /// The stored row of an app in the inner store, if any.
  std::optional<app_record> app_row(const std::string& name) {
    auto bytes = inner->get(table::apps, storage::object_key(ns, name));
    REQUIRE(bytes);
    if (!bytes->has_value())
      return std::nullopt;
    auto rec = storage::decode<app_record>(**bytes);
    REQUIRE(rec);
    return *rec;
  }

  /// Names listed by GET /api/apps/v1/apps.
  std::vector<std::string> listed_apps() {
    auto r = call("GET", api + "/apps");
    REQUIRE(r.status == 200);
    auto j = body_of(r);
    REQUIRE(j.contains("items"));
    std::vector<std::string> out;
    for (const auto& item : j["items"])
      out.push_back(item.at("name").get<std::string>());
    return out;
  }

  /// Names listed by GET .../configmaps.
  std::vector<std::string> listed_config_maps() {
    auto r = call("GET", cms);
    REQUIRE(r.status == 200);
    auto j = body_of(r);
    REQUIRE(j.contains("items"));
    std::vector<std::string> out;
    for (const auto& item : j["items"])
      out.push_back(item.at("name").get<std::string>());
    return out;
  }

  bool route_published(const std::string& route) const { return view.routes()->count(route) > 0; }

  /// Creates a ConfigMap through the API and requires 201.
  void create_config_map(const std::string& name, std::map<std::string, std::string> data) {
    auto r = call("POST", cms, cm_body(name, std::move(data)));
    INFO(r.body);
    REQUIRE(r.status == 201);
  }

  /// Creates an app through the API and requires 201.
  void create_app(const std::string& name, const std::string& route = {}) {
    auto r = call("POST", apps, manifest_body(name, route));
    INFO(r.body);
    REQUIRE(r.status == 201);
  }
};

using strings = std::vector<std::string>;

} // namespace

// -- ConfigMaps -----------------------------------------------------------------------------------

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: ConfigMap create under an I/O fault answers 503, changes nothing, "
                 "and succeeds once healed",
                 "[fault][directory][admin]") {
  auto configs_before = view.configs();
  faulty->fail_writes(errc::unavailable);

  auto r = call("POST", cms, cm_body("a", {{"k", "1"}}));
  CHECK(r.status == 503);
  CHECK(r.content_type == "application/json");
  CHECK(error_code(r) == "unavailable");
  CHECK(faulty->writes_failed() == 1); // the directory did try to persist it

  // Memory unchanged: not readable, not listed, the shared view not republished.
  CHECK(call("GET", cms + "/a").status == 404);
  CHECK(listed_config_maps().empty());
  CHECK(view.configs() == configs_before);
  CHECK(view.configs()->config_maps.count("default/a") == 0);
  // Store unchanged.
  CHECK_FALSE(config_row("a"));

  // Recovers without restart.
  faulty->heal();
  auto ok = call("POST", cms, cm_body("a", {{"k", "1"}}));
  CHECK(ok.status == 201);
  auto created = body_of(ok);
  CHECK(created.value("name", "") == "a");
  CHECK(created.value("revision", 0) == 1);

  auto got = call("GET", cms + "/a");
  CHECK(got.status == 200);
  CHECK(body_of(got)["data"] == json{{"k", "1"}});
  auto row = config_row("a");
  REQUIRE(row);
  CHECK(row->data == std::map<std::string, std::string>{{"k", "1"}});
  CHECK(row->revision == 1);
  CHECK(view.configs()->config_maps.count("default/a") == 1);
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: ConfigMap create with the disk full answers 507 and changes "
                 "nothing",
                 "[fault][directory][admin]") {
  auto configs_before = view.configs();
  faulty->fail_writes(errc::storage_full);

  auto r = call("POST", cms, cm_body("a", {{"k", "1"}}));
  CHECK(r.status == 507);
  CHECK(error_code(r) == "storage_full");
  CHECK(call("GET", cms + "/a").status == 404);
  CHECK(view.configs() == configs_before);
  CHECK_FALSE(config_row("a"));

  faulty->heal();
  CHECK(call("POST", cms, cm_body("a", {{"k", "1"}})).status == 201);
  CHECK(config_row("a"));
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: ConfigMap update under a fault answers 503/507 and keeps the old "
                 "data and revision",
                 "[fault][directory][admin]") {
  auto code = GENERATE(errc::unavailable, errc::storage_full);
  int expected_status = code == errc::unavailable ? 503 : 507;
  INFO("fault: " << to_string(code));

  create_config_map("a", {{"k", "1"}});
  auto before = config_row("a");
  REQUIRE(before);
  REQUIRE(before->revision == 1);
  auto configs_before = view.configs();

  faulty->fail_writes(code);
  clock.advance(1000); // an update would carry a new updatedAt
  auto r = call("PUT", cms + "/a", json{{"data", {{"k", "2"}}}}.dump());
  CHECK(r.status == expected_status);
  CHECK(error_code(r) == to_string(code));

  auto got = call("GET", cms + "/a");
  REQUIRE(got.status == 200);
  auto j = body_of(got);
  CHECK(j["data"] == json{{"k", "1"}});
  CHECK(j.value("revision", 0) == 1);
  CHECK(j.value("updatedAt", int64_t{0}) == before->updated_at);
  auto row = config_row("a");
  REQUIRE(row);
  CHECK(row->data == before->data);
  CHECK(row->revision == 1);
  CHECK(view.configs() == configs_before);
  CHECK(view.configs()->config_maps.at("default/a").data.at("k") == "1");

  faulty->heal();
  auto ok = call("PUT", cms + "/a", json{{"data", {{"k", "2"}}}}.dump());
  CHECK(ok.status == 200);
  CHECK(body_of(ok).value("revision", 0) == 2);
  auto after = call("GET", cms + "/a");
  CHECK(body_of(after)["data"] == json{{"k", "2"}});
  row = config_row("a");
  REQUIRE(row);
  CHECK(row->revision == 2);
  CHECK(row->data.at("k") == "2");
  CHECK(view.configs()->config_maps.at("default/a").data.at("k") == "2");
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: ConfigMap delete under an I/O fault answers 503 and the object "
                 "stays",
                 "[fault][directory][admin]") {
  create_config_map("a", {{"k", "1"}});
  auto configs_before = view.configs();

  faulty->fail_writes(errc::unavailable);
  auto r = call("DELETE", cms + "/a");
  CHECK(r.status == 503);
  CHECK(error_code(r) == "unavailable");

  auto got = call("GET", cms + "/a");
  CHECK(got.status == 200);
  CHECK(body_of(got)["data"] == json{{"k", "1"}});
  CHECK(listed_config_maps() == strings{"a"});
  CHECK(config_row("a"));
  CHECK(view.configs() == configs_before);

  faulty->heal();
  CHECK(call("DELETE", cms + "/a").status == 200);
  CHECK(call("GET", cms + "/a").status == 404);
  CHECK_FALSE(config_row("a"));
  CHECK(view.configs()->config_maps.count("default/a") == 0);
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: Secret create under an I/O fault answers 503 and changes nothing",
                 "[fault][directory][admin]") {
  auto configs_before = view.configs();
  faulty->fail_writes(errc::unavailable);

  auto r = call("POST", secrets, cm_body("s", {{"token", "x"}}));
  CHECK(r.status == 503);
  CHECK(error_code(r) == "unavailable");
  CHECK(call("GET", secrets + "/s").status == 404);
  CHECK(view.configs() == configs_before);
  CHECK_FALSE(config_row("s", true));

  faulty->heal();
  CHECK(call("POST", secrets, cm_body("s", {{"token", "x"}})).status == 201);
  CHECK(call("GET", secrets + "/s").status == 200);
  CHECK(config_row("s", true));
  CHECK(view.configs()->secrets.count("default/s") == 1);
}

// -- Apps -----------------------------------------------------------------------------------------

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: app create under a fault answers 503/507, lists nothing, and "
                 "succeeds once healed",
                 "[fault][directory][admin]") {
  auto code = GENERATE(errc::unavailable, errc::storage_full);
  int expected_status = code == errc::unavailable ? 503 : 507;
  INFO("fault: " << to_string(code));
  auto routes_before = view.routes();

  faulty->fail_writes(code);
  auto r = call("POST", apps, manifest_body("demo"));
  CHECK(r.status == expected_status);
  CHECK(error_code(r) == to_string(code));

  CHECK(listed_apps().empty());
  CHECK(call("GET", apps + "/demo").status == 404);
  CHECK(view.routes() == routes_before);
  CHECK_FALSE(route_published("demo"));
  CHECK_FALSE(app_row("demo"));

  faulty->heal();
  auto ok = call("POST", apps, manifest_body("demo"));
  INFO(ok.body);
  CHECK(ok.status == 201);
  CHECK(body_of(ok).value("revision", 0) == 1);
  CHECK(listed_apps() == strings{"demo"});
  CHECK(call("GET", apps + "/demo").status == 200);
  CHECK(route_published("demo"));
  auto row = app_row("demo");
  REQUIRE(row);
  CHECK(row->spec.name == "demo");
  CHECK(row->status == app_status::deployed);
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: app update under an I/O fault answers 503 and the app keeps its "
                 "record and revision",
                 "[fault][directory][admin]") {
  create_app("demo", "one");
  faulty->fail_writes(errc::unavailable);
  auto r = call("PUT", apps + "/demo", manifest_body("demo", "two"));
  CHECK(r.status == 503);
  CHECK(error_code(r) == "unavailable");

  auto got = call("GET", apps + "/demo");
  REQUIRE(got.status == 200);
  auto j = body_of(got);
  CHECK(j.value("revision", 0) == 1);
  CHECK(j.value("routePath", "") == "one");
  auto row = app_row("demo");
  REQUIRE(row);
  CHECK(row->revision == 1);
  CHECK(row->spec.route_path == "one");

  faulty->heal();
  auto ok = call("PUT", apps + "/demo", manifest_body("demo", "two"));
  INFO(ok.body);
  CHECK(ok.status == 200);
  CHECK(body_of(ok).value("revision", 0) == 2);
  row = app_row("demo");
  REQUIRE(row);
  CHECK(row->revision == 2);
  CHECK(row->spec.route_path == "two");
  CHECK(route_published("two"));
  CHECK_FALSE(route_published("one"));
}

// The directory takes the new spec and republishes routes only after the app persisted it, so a
// failed update does not move the gateway's route.
TEST_CASE_METHOD(fault_fixture,
                 "storage fault: a failed app update leaves the gateway's routes unchanged",
                 "[fault][directory][admin]") {
  create_app("demo", "one");
  auto routes_before = view.routes();
  faulty->fail_writes(errc::unavailable);
  REQUIRE(call("PUT", apps + "/demo", manifest_body("demo", "two")).status == 503);

  CHECK(view.routes() == routes_before);
  CHECK(route_published("one"));
  CHECK_FALSE(route_published("two"));
}

// Seen from the API: a failed update keeps the old route reserved in the directory's books, so
// no other app can take a route that "demo" still owns on disk.
TEST_CASE_METHOD(fault_fixture,
                 "storage fault: a failed app update keeps the app's route reserved",
                 "[fault][directory][admin]") {
  create_app("demo", "one");
  faulty->fail_writes(errc::unavailable);
  REQUIRE(call("PUT", apps + "/demo", manifest_body("demo", "two")).status == 503);
  faulty->heal();

  auto r = call("POST", apps, manifest_body("other", "one"));
  INFO(r.body);
  CHECK(r.status == 409);
  CHECK(error_code(r) == "conflict");
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: app pause under an I/O fault answers 503 and the app stays "
                 "deployed",
                 "[fault][directory][admin]") {
  create_app("demo");
  faulty->fail_writes(errc::unavailable);
  auto r = call("POST", apps + "/demo:pause");
  CHECK(r.status == 503);
  CHECK(error_code(r) == "unavailable");
  CHECK(body_of(call("GET", apps + "/demo")).value("status", "") == "DEPLOYED");
  auto row = app_row("demo");
  REQUIRE(row);
  CHECK(row->status == app_status::deployed);

  faulty->heal();
  auto ok = call("POST", apps + "/demo:pause");
  CHECK(ok.status == 200);
  CHECK(body_of(ok).value("status", "") == "PAUSED");
  row = app_row("demo");
  REQUIRE(row);
  CHECK(row->status == app_status::paused);
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: app delete under an I/O fault answers 503 and the app stays",
                 "[fault][directory][admin]") {
  create_app("demo");
  faulty->fail_writes(errc::unavailable);
  auto r = call("DELETE", apps + "/demo");
  CHECK(r.status == 503);
  CHECK(error_code(r) == "unavailable");

  CHECK(listed_apps() == strings{"demo"});
  auto got = call("GET", apps + "/demo");
  CHECK(got.status == 200);
  CHECK(body_of(got).value("status", "") == "DEPLOYED");
  CHECK(route_published("demo"));
  auto row = app_row("demo");
  REQUIRE(row);
  CHECK(row->status == app_status::deployed);

  faulty->heal();
  CHECK(call("DELETE", apps + "/demo").status == 200);
  CHECK(listed_apps().empty());
  CHECK_FALSE(route_published("demo"));
  CHECK_FALSE(app_row("demo"));
}

// An app delete whose final erase fails is retried until the rows are gone: memory and store
// agree, and an acknowledged delete ends up on disk (G1).
TEST_CASE_METHOD(fault_fixture,
                 "storage fault: an app delete whose final erase fails does not leave memory and "
                 "store disagreeing",
                 "[fault][directory][admin]") {
  create_app("demo");
  faulty->fail_after(1); // the DELETING record is stored, the erase of the rows fails
  auto r = call("DELETE", apps + "/demo");
  INFO("DELETE answered " << r.status << " " << r.body);
  REQUIRE(faulty->writes_failed() == 1);

  faulty->heal();
  advance(5s); // room for a retry, if there were one
  bool listed = listed_apps() == strings{"demo"};
  bool stored = app_row("demo").has_value();
  INFO("listed: " << listed << ", stored: " << stored);
  CHECK(listed == stored);
  if (r.status / 100 == 2)
    CHECK_FALSE(stored); // G1: an acknowledged delete is on disk
}

// -- Sequences: fail_after ------------------------------------------------------------------------

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: a sequence of creates stops cleanly at the first failed write",
                 "[fault][directory][admin]") {
  faulty->fail_after(2);
  std::vector<int> statuses;
  for (const auto& name : {"a", "b", "c", "d"})
    statuses.push_back(call("POST", cms, cm_body(name, {{"k", name}})).status);
  CHECK(statuses == std::vector<int>{201, 201, 503, 503});
  CHECK(faulty->writes_attempted() == 4);
  CHECK(faulty->writes_failed() == 2);

  // Each acknowledged object is present in memory and on disk, with what was sent ...
  for (const auto& name : {"a", "b"}) {
    INFO(name);
    auto got = call("GET", cms + "/" + name);
    CHECK(got.status == 200);
    CHECK(body_of(got)["data"] == json{{"k", name}});
    auto row = config_row(name);
    REQUIRE(row);
    CHECK(row->data.at("k") == name);
  }
  // ... and the unacknowledged ones are in neither.
  for (const auto& name : {"c", "d"}) {
    INFO(name);
    CHECK(call("GET", cms + "/" + name).status == 404);
    CHECK_FALSE(config_row(name));
  }
  CHECK(listed_config_maps() == strings{"a", "b"});
  CHECK(view.configs()->config_maps.size() == 2);

  faulty->heal();
  CHECK(call("POST", cms, cm_body("c", {{"k", "c"}})).status == 201);
  CHECK(config_row("c"));
  CHECK(listed_config_maps() == strings{"a", "b", "c"});
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: a ConfigMap then an app, with only one write left: the ConfigMap "
                 "is kept, the app is not",
                 "[fault][directory][admin]") {
  faulty->fail_after(1, errc::storage_full);
  auto cm_reply = call("POST", cms, cm_body("demo-config", {{"k", "1"}}));
  auto app_reply = call("POST", apps, manifest_body("demo"));
  CHECK(cm_reply.status == 201);
  CHECK(app_reply.status == 507);
  CHECK(error_code(app_reply) == "storage_full");

  CHECK(call("GET", cms + "/demo-config").status == 200);
  CHECK(config_row("demo-config"));
  CHECK(listed_apps().empty());
  CHECK_FALSE(app_row("demo"));
  CHECK_FALSE(route_published("demo"));

  faulty->heal();
  CHECK(call("POST", apps, manifest_body("demo")).status == 201);
  CHECK(listed_apps() == strings{"demo"});
  CHECK(app_row("demo"));
}

TEST_CASE_METHOD(fault_fixture,
                 "storage fault: updates to several ConfigMaps stop cleanly at the first failed "
                 "write",
                 "[fault][directory][admin]") {
  create_config_map("a", {{"k", "1"}});
  create_config_map("b", {{"k", "1"}});
  create_config_map("c", {{"k", "1"}});

  faulty->fail_after(1);
  std::vector<int> statuses;
  for (const auto& name : {"a", "b", "c"})
    statuses.push_back(call("PUT", cms + "/" + name, json{{"data", {{"k", "2"}}}}.dump()).status);
  CHECK(statuses == std::vector<int>{200, 503, 503});

  auto expect = [&](const std::string& name, const std::string& value, uint64_t revision) {
    INFO(name);
    auto j = body_of(call("GET", cms + "/" + name));
    CHECK(j["data"] == json{{"k", value}});
    CHECK(j.value("revision", 0u) == revision);
    auto row = config_row(name);
    REQUIRE(row);
    CHECK(row->data.at("k") == value);
    CHECK(row->revision == revision);
    CHECK(view.configs()->config_maps.at("default/" + name).revision == revision);
  };
  expect("a", "2", 2);
  expect("b", "1", 1);
  expect("c", "1", 1);
}
