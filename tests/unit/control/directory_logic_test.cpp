// directory_logic: reference checks before an app is stored (§6.1), route uniqueness (§16.9),
// which apps use a ConfigMap/Secret, ConfigMap/Secret validation.

#include "actors/directory/directory_logic.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::directory;

namespace {

config_record record(const std::string& ns, const std::string& name,
                     std::map<std::string, std::string> data) {
  config_record r;
  r.ns = ns;
  r.name = name;
  r.data = std::move(data);
  return r;
}

config_snapshot configs() {
  config_snapshot c;
  c.config_maps["default/get-start-configmap"] = record(
    "default", "get-start-configmap",
    {{"min_workers", "1"}, {"max_workers", "5"}, {"bad", "1.5"}, {"negative", "-1"},
     {"spaced", " 7 "}, {"tz", "Asia/Shanghai"}});
  c.secrets["default/app-secret"] = record("default", "app-secret", {{"token", "t"}, {"n", "3"}});
  c.config_maps["other/only-there"] = record("other", "only-there", {{"k", "v"}});
  return c;
}

value_source cm_ref(const std::string& name, const std::string& key) {
  value_source v;
  v.ref = key_ref{key_ref::source::config_map, name, key};
  return v;
}

value_source secret_ref(const std::string& name, const std::string& key) {
  value_source v;
  v.ref = key_ref{key_ref::source::secret, name, key};
  return v;
}

app_spec app(const std::string& name = "get-start", const std::string& ns = "default") {
  app_spec s;
  s.name = name;
  s.ns = ns;
  s.command = {"ever-sample-app"};
  return s;
}

volume_spec volume(const std::string& name, key_ref::source kind, const std::string& source,
                   std::vector<std::pair<std::string, std::string>> items = {}) {
  volume_spec v;
  v.name = name;
  v.kind = kind;
  v.source_name = source;
  v.items = std::move(items);
  return v;
}

std::string manifest_error(const caf::error& err) {
  REQUIRE(err);
  CHECK(code_of(err) == errc::invalid_manifest);
  return message_of(err);
}

} // namespace

TEST_CASE("check_references: resolvable references pass") {
  auto s = app();
  s.autoscaler.arguments["min_workers"] = cm_ref("get-start-configmap", "min_workers");
  s.autoscaler.arguments["max_workers"] = cm_ref("get-start-configmap", "max_workers");
  s.autoscaler.arguments["scale_up_step"] = secret_ref("app-secret", "n");
  s.autoscaler.arguments["max_queue_size"] = cm_ref("get-start-configmap", "spaced"); // int(" 7 ")
  s.autoscaler.arguments["max_idle_time"].value = "not checked here"; // literals: the parser's job
  env_var e;
  e.name = "TOKEN";
  e.value = secret_ref("app-secret", "token");
  s.env.push_back(e);
  s.volumes.push_back(volume("cfg", key_ref::source::config_map, "get-start-configmap"));
  s.volumes.push_back(volume("sec", key_ref::source::secret, "app-secret"));
  CHECK_FALSE(check_references(s, configs()));
  CHECK_FALSE(check_references(app(), config_snapshot{}));
}

TEST_CASE("check_references: a missing ConfigMap names the path, the object and the namespace") {
  auto s = app();
  s.autoscaler.arguments["min_workers"] = cm_ref("nope", "min_workers");
  auto msg = manifest_error(check_references(s, configs()));
  CHECK_THAT(msg, Catch::StartsWith("spec.autoscaler.builtin.arguments.min_workers: "));
  CHECK_THAT(msg, Catch::Contains("configmap 'nope' not found in namespace default"));
}

TEST_CASE("check_references: objects of another namespace do not count") {
  auto s = app("x", "default");
  s.autoscaler.arguments["min_workers"] = cm_ref("only-there", "k");
  CHECK_THAT(manifest_error(check_references(s, configs())), Catch::Contains("only-there"));
}

TEST_CASE("check_references: a missing key names it") {
  auto s = app();
  env_var e;
  e.name = "GREETING";
  e.value = cm_ref("get-start-configmap", "greeting");
  s.env.push_back(e);
  auto msg = manifest_error(check_references(s, configs()));
  CHECK_THAT(msg, Catch::StartsWith("spec.env[0]: "));
  CHECK_THAT(msg, Catch::Contains("has no key 'greeting'"));
}

TEST_CASE("check_references: an autoscaler argument ref must hold a non-negative integer") {
  auto s = app();
  SECTION("not an integer") {
    s.autoscaler.arguments["max_workers"] = cm_ref("get-start-configmap", "bad");
    auto msg = manifest_error(check_references(s, configs()));
    CHECK_THAT(msg, Catch::StartsWith("spec.autoscaler.builtin.arguments.max_workers: "));
    CHECK_THAT(msg, Catch::Contains("non-negative integer") && Catch::Contains("1.5"));
  }
  SECTION("negative") {
    s.autoscaler.arguments["max_workers"] = cm_ref("get-start-configmap", "negative");
    auto msg = manifest_error(check_references(s, configs()));
    CHECK_THAT(msg, Catch::Contains("non-negative integer") && Catch::Contains("-1"));
  }
  SECTION("text in a secret") {
    s.autoscaler.arguments["max_workers"] = secret_ref("app-secret", "token");
    CHECK_THAT(manifest_error(check_references(s, configs())), Catch::Contains("secret 'app-secret'"));
  }
}

TEST_CASE("check_references: decorator and env refs may hold any text") {
  auto s = app();
  decorator_spec d;
  d.name = "time-match";
  d.arguments["timezone"] = cm_ref("get-start-configmap", "tz");
  s.autoscaler.argument_decorators.push_back(d);
  env_var e;
  e.name = "N";
  e.value = cm_ref("get-start-configmap", "bad");
  s.env.push_back(e);
  CHECK_FALSE(check_references(s, configs()));

  s.autoscaler.argument_decorators[0].arguments["timezone"] = cm_ref("get-start-configmap", "x");
  CHECK_THAT(manifest_error(check_references(s, configs())),
             Catch::StartsWith("spec.autoscaler.builtin.decorators.arguments[0].arguments.timezone: "));
}

TEST_CASE("check_references: secret refs look in secrets, not ConfigMaps") {
  auto s = app();
  env_var e;
  e.name = "X";
  e.value = secret_ref("get-start-configmap", "min_workers");
  s.env.push_back(e);
  CHECK_THAT(manifest_error(check_references(s, configs())),
             Catch::Contains("secret 'get-start-configmap' not found"));
}

TEST_CASE("check_references: volumes need their object") {
  auto s = app();
  s.volumes.push_back(volume("cfg", key_ref::source::config_map, "get-start-configmap"));
  s.volumes.push_back(volume("sec", key_ref::source::secret, "missing-secret"));
  auto msg = manifest_error(check_references(s, configs()));
  CHECK_THAT(msg, Catch::StartsWith("spec.volumes[1]: "));
  CHECK_THAT(msg, Catch::Contains("secret 'missing-secret' not found"));
}

TEST_CASE("check_references: arguments of a non-builtin autoscaler are no dependency") {
  auto s = app();
  s.autoscaler.kind = autoscaler_spec::kind_t::manual;
  s.autoscaler.arguments["min_workers"] = cm_ref("nope", "min_workers");
  CHECK_FALSE(check_references(s, configs()));
}

// A volume's items must name keys of its ConfigMap/Secret, or every worker would fail at start.
TEST_CASE("check_references: volume items must name existing keys") {
  auto s = app();
  s.volumes.push_back(volume("cfg", key_ref::source::config_map, "get-start-configmap",
                             {{"absent", "absent.txt"}}));
  auto err = check_references(s, configs());
  REQUIRE(err);
  CHECK(code_of(err) == errc::invalid_manifest);
  CHECK_THAT(message_of(err), Catch::Contains("spec.volumes[0]") && Catch::Contains("absent"));
}

TEST_CASE("route_of: routePath or the app name") {
  auto s = app("get-start");
  CHECK(route_of(s) == "get-start");
  s.route_path = "hello";
  CHECK(route_of(s) == "hello");
}

TEST_CASE("check_route: a route taken by another app is a conflict - the app itself may update") {
  std::map<std::string, std::string> owners{{"get-start", "default/get-start"},
                                            {"hello", "team/greeter"}};
  CHECK_FALSE(check_route(app("get-start", "default"), owners)); // self-update
  CHECK_FALSE(check_route(app("fresh", "default"), owners));

  auto same_name_other_ns = check_route(app("get-start", "team"), owners);
  REQUIRE(same_name_other_ns);
  CHECK(code_of(same_name_other_ns) == errc::conflict);
  CHECK_THAT(message_of(same_name_other_ns), Catch::Contains("default/get-start"));

  auto s = app("new-app", "default");
  s.route_path = "hello";
  auto err = check_route(s, owners);
  REQUIRE(err);
  CHECK(code_of(err) == errc::conflict);
  CHECK_THAT(message_of(err), Catch::StartsWith("spec.routePath: ")
                                && Catch::Contains("'hello'") && Catch::Contains("team/greeter"));

  auto greeter = app("greeter", "team");
  greeter.route_path = "hello";
  CHECK_FALSE(check_route(greeter, owners));
}

TEST_CASE("apps_using: apps of the namespace that refer to the object, by kind") {
  std::map<std::string, app_spec> apps;
  auto by_env = app("by-env");
  env_var e;
  e.name = "X";
  e.value = cm_ref("shared", "k");
  by_env.env.push_back(e);
  apps["default/by-env"] = by_env;

  auto by_arg = app("by-arg");
  by_arg.autoscaler.arguments["min_workers"] = cm_ref("shared", "min");
  apps["default/by-arg"] = by_arg;

  auto by_decorator = app("by-decorator");
  decorator_spec d;
  d.name = "average";
  d.arguments["used_histories"] = cm_ref("shared", "n");
  by_decorator.autoscaler.factor_decorators.push_back(d);
  apps["default/by-decorator"] = by_decorator;

  auto by_volume = app("by-volume");
  by_volume.volumes.push_back(volume("v", key_ref::source::config_map, "shared"));
  apps["default/by-volume"] = by_volume;

  auto secret_user = app("secret-user");
  secret_user.volumes.push_back(volume("v", key_ref::source::secret, "shared"));
  apps["default/secret-user"] = secret_user;

  auto other_ns = app("other-ns", "team");
  other_ns.env.push_back(e);
  apps["team/other-ns"] = other_ns;

  auto unrelated = app("unrelated");
  unrelated.env.push_back(e);
  unrelated.env.back().value = cm_ref("different", "k");
  apps["default/unrelated"] = unrelated;

  auto twice = app("twice");
  twice.env.push_back(e);
  twice.volumes.push_back(volume("v", key_ref::source::config_map, "shared"));
  apps["default/twice"] = twice;

  CHECK(apps_using(apps, "default", "shared", false)
        == std::vector<std::string>{"default/by-arg", "default/by-decorator", "default/by-env",
                                    "default/by-volume", "default/twice"});
  CHECK(apps_using(apps, "default", "shared", true) == std::vector<std::string>{"default/secret-user"});
  CHECK(apps_using(apps, "team", "shared", false) == std::vector<std::string>{"team/other-ns"});
  CHECK(apps_using(apps, "default", "nobody", false).empty());
}

TEST_CASE("check_config: DNS-label names, non-empty keys") {
  CHECK_FALSE(check_config(record("default", "get-start-configmap", {{"min_workers", "1"}})));
  CHECK_FALSE(check_config(record("default", "a", {})));

  auto bad_name = check_config(record("default", "Get_Start", {}));
  REQUIRE(bad_name);
  CHECK(code_of(bad_name) == errc::invalid_argument);
  CHECK_THAT(message_of(bad_name), Catch::StartsWith("name: ") && Catch::Contains("Get_Start"));

  CHECK(check_config(record("default", "", {})));
  CHECK(check_config(record("default", "-lead", {})));
  CHECK(check_config(record("default", std::string(64, 'a'), {})));

  auto bad_ns = check_config(record("Bad NS", "ok", {}));
  REQUIRE(bad_ns);
  CHECK(code_of(bad_ns) == errc::invalid_argument);
  CHECK_THAT(message_of(bad_ns), Catch::StartsWith("namespace: "));

  auto empty_key = check_config(record("default", "ok", {{"", "v"}}));
  REQUIRE(empty_key);
  CHECK(code_of(empty_key) == errc::invalid_argument);
  CHECK_THAT(message_of(empty_key), Catch::Contains("empty key"));
}

// Keys become file names of whole-object volumes, so the API refuses what the CLI refuses
// (manifest::is_config_key), e.g. "../x" or "a/b".
TEST_CASE("check_config: keys that cannot be file names are refused") {
  CHECK(check_config(record("default", "ok", {{"../escape", "v"}})));
  CHECK(check_config(record("default", "ok", {{"a/b", "v"}})));
  CHECK(check_config(record("default", "ok", {{"..", "v"}})));
}
