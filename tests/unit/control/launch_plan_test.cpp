// build_launch_plan: the worker's process (argv, complete environment, work dir, log file) and its
// volume files, with ConfigMap/Secret references resolved at start time.

#include "actors/worker/launch_plan.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::worker;

namespace {

const std::string worker_id = "7bUsPkMnQ2rT9wXyZaBcDe";
const std::string data_dir = "/var/lib/ever";
const std::string base_path = "/opt/ever/bin:/usr/bin:/bin";

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
  c.config_maps["default/app-config"] =
    record("default", "app-config", {{"greeting", "hello"}, {"mode", "fast"}, {"extra", "x"}});
  c.secrets["default/app-secret"] = record("default", "app-secret", {{"token", "s3cr3t"}});
  c.config_maps["other/app-config"] = record("other", "app-config", {{"greeting", "elsewhere"}});
  return c;
}

env_var literal_env(const std::string& name, const std::string& value) {
  env_var e;
  e.name = name;
  e.value.value = value;
  return e;
}

env_var ref_env(const std::string& name, key_ref::source kind, const std::string& object,
                const std::string& key) {
  env_var e;
  e.name = name;
  e.value.ref = key_ref{kind, object, key};
  return e;
}

app_spec spec() {
  app_spec s;
  s.name = "get-start";
  s.ns = "default";
  s.command = {"ever-sample-app", "--service-time", "50ms"};
  s.readiness_path = "/ready";
  return s;
}

volume_spec volume(const std::string& name, key_ref::source kind, const std::string& source,
                   std::vector<std::pair<std::string, std::string>> items = {}) {
  volume_spec v;
  v.name = name;
  v.kind = kind;
  v.source_name = source;
  v.items = std::move(items);
  v.mount_path = "/etc/" + name;
  return v;
}

launch_plan must_build(const app_spec& s, const std::map<std::string, std::string>& parent = {}) {
  auto plan = build_launch_plan(s, worker_id, configs(), data_dir, parent, base_path);
  if (!plan)
    FAIL("build_launch_plan failed: " << message_of(plan.error()));
  return *plan;
}

} // namespace

TEST_CASE("launch plan: identity, argv, work dir and log path") {
  auto plan = must_build(spec());
  CHECK(plan.worker_id == worker_id);
  CHECK(plan.ns == "default");
  CHECK(plan.app == "get-start");
  CHECK(plan.readiness_path == "/ready");
  CHECK(plan.process.argv == spec().command);
  CHECK(plan.process.work_dir == data_dir + "/workers/" + worker_id);
  CHECK(plan.process.log_path == data_dir + "/workers/" + worker_id + "/worker.log");
  CHECK(plan.volumes.empty());
}

TEST_CASE("launch plan: only the inherited names come from everd's environment") {
  std::map<std::string, std::string> parent{{"HOME", "/home/ever"},
                                            {"LANG", "C.UTF-8"},
                                            {"TZ", "Asia/Shanghai"},
                                            {"PATH", "/parent/bin"},
                                            {"AWS_SECRET_ACCESS_KEY", "leak"},
                                            {"LD_PRELOAD", "/evil.so"},
                                            {"EVER_TOKEN", "nope"}};
  auto env = must_build(spec(), parent).process.env;
  CHECK(env.at("HOME") == "/home/ever");
  CHECK(env.at("LANG") == "C.UTF-8");
  CHECK(env.at("TZ") == "Asia/Shanghai");
  CHECK(env.count("AWS_SECRET_ACCESS_KEY") == 0);
  CHECK(env.count("LD_PRELOAD") == 0);
  CHECK(env.count("EVER_TOKEN") == 0);
  CHECK(env.count("USER") == 0); // not set in the parent: not invented
  CHECK(env.count("LC_ALL") == 0);
  CHECK(env.at("PATH") == base_path); // not the parent's PATH
  CHECK(env.count("PORT") == 0);      // the node agent adds it
}

TEST_CASE("launch plan: Ever's variables and the owner marker") {
  auto env = must_build(spec()).process.env;
  CHECK(env.at("EVER_WORKER_ID") == worker_id);
  CHECK(env.at("EVER_APP") == "get-start");
  CHECK(env.at("EVER_NAMESPACE") == "default");
  CHECK(env.at("EVER_VOLUMES_DIR") == data_dir + "/workers/" + worker_id + "/volumes");
  CHECK(env.at(runtime::owner_env) == data_dir);
  // Nothing else than PATH and Ever's own with an empty parent environment.
  CHECK(env.size() == 6);
}

TEST_CASE("launch plan: manifest env, literal and referenced - Ever's variables win") {
  auto s = spec();
  s.env.push_back(literal_env("MODE", "debug"));
  s.env.push_back(ref_env("GREETING", key_ref::source::config_map, "app-config", "greeting"));
  s.env.push_back(ref_env("TOKEN", key_ref::source::secret, "app-secret", "token"));
  s.env.push_back(literal_env("HOME", "/manifest/home"));
  s.env.push_back(literal_env("EVER_WORKER_ID", "spoofed"));
  s.env.push_back(literal_env("EVER_APP", "spoofed"));
  s.env.push_back(literal_env("EVER_NAMESPACE", "spoofed"));
  s.env.push_back(literal_env("EVER_VOLUMES_DIR", "/spoofed"));
  s.env.push_back(literal_env(runtime::owner_env, "/spoofed"));
  auto env = must_build(s, {{"HOME", "/home/ever"}}).process.env;
  CHECK(env.at("MODE") == "debug");
  CHECK(env.at("GREETING") == "hello"); // the app's namespace, not "other"
  CHECK(env.at("TOKEN") == "s3cr3t");
  CHECK(env.at("HOME") == "/manifest/home"); // the manifest may set ordinary variables
  CHECK(env.at("EVER_WORKER_ID") == worker_id);
  CHECK(env.at("EVER_APP") == "get-start");
  CHECK(env.at("EVER_NAMESPACE") == "default");
  CHECK(env.at("EVER_VOLUMES_DIR") == data_dir + "/workers/" + worker_id + "/volumes");
  CHECK(env.at(runtime::owner_env) == data_dir);
}

TEST_CASE("launch plan: a missing env reference is not_found naming the variable") {
  SECTION("missing key") {
    auto s = spec();
    s.env.push_back(ref_env("GREETING", key_ref::source::config_map, "app-config", "nope"));
    auto plan = build_launch_plan(s, worker_id, configs(), data_dir, {}, base_path);
    REQUIRE_FALSE(plan);
    CHECK(code_of(plan.error()) == errc::not_found);
    CHECK_THAT(message_of(plan.error()), Catch::Contains("env GREETING")
                                           && Catch::Contains("nope"));
  }
  SECTION("missing secret") {
    auto s = spec();
    s.env.push_back(ref_env("TOKEN", key_ref::source::secret, "app-config", "greeting"));
    auto plan = build_launch_plan(s, worker_id, configs(), data_dir, {}, base_path);
    REQUIRE_FALSE(plan);
    CHECK(code_of(plan.error()) == errc::not_found);
    CHECK_THAT(message_of(plan.error()), Catch::Contains("env TOKEN")
                                           && Catch::Contains("secret 'app-config'"));
  }
}

TEST_CASE("launch plan: a ConfigMap volume with items maps keys to paths") {
  auto s = spec();
  s.volumes.push_back(volume("cfg", key_ref::source::config_map, "app-config",
                             {{"greeting", "greeting.txt"}, {"mode", "conf/mode"}}));
  auto plan = must_build(s);
  REQUIRE(plan.volumes.size() == 1);
  const auto& v = plan.volumes[0];
  CHECK(v.dir == "volumes/cfg");
  CHECK(v.mode == 0644);
  CHECK(v.files == std::map<std::string, std::string>{{"greeting.txt", "hello"},
                                                      {"conf/mode", "fast"}});
}

TEST_CASE("launch plan: a volume without items takes the whole object") {
  auto s = spec();
  s.volumes.push_back(volume("cfg", key_ref::source::config_map, "app-config"));
  s.volumes.push_back(volume("sec", key_ref::source::secret, "app-secret"));
  auto plan = must_build(s);
  REQUIRE(plan.volumes.size() == 2);
  CHECK(plan.volumes[0].files
        == std::map<std::string, std::string>{{"greeting", "hello"}, {"mode", "fast"}, {"extra", "x"}});
  CHECK(plan.volumes[0].mode == 0644);
  CHECK(plan.volumes[1].dir == "volumes/sec");
  CHECK(plan.volumes[1].files == std::map<std::string, std::string>{{"token", "s3cr3t"}});
  CHECK(plan.volumes[1].mode == 0600); // secrets are readable by the worker only
}

TEST_CASE("launch plan: a secret volume with items is 0600 too") {
  auto s = spec();
  s.volumes.push_back(volume("sec", key_ref::source::secret, "app-secret", {{"token", "t"}}));
  auto plan = must_build(s);
  REQUIRE(plan.volumes.size() == 1);
  CHECK(plan.volumes[0].mode == 0600);
  CHECK(plan.volumes[0].files == std::map<std::string, std::string>{{"t", "s3cr3t"}});
}

TEST_CASE("launch plan: missing volume sources are not_found naming the volume") {
  SECTION("missing key in items") {
    auto s = spec();
    s.volumes.push_back(volume("cfg", key_ref::source::config_map, "app-config",
                               {{"greeting", "g"}, {"absent", "a"}}));
    auto plan = build_launch_plan(s, worker_id, configs(), data_dir, {}, base_path);
    REQUIRE_FALSE(plan);
    CHECK(code_of(plan.error()) == errc::not_found);
    CHECK_THAT(message_of(plan.error()), Catch::Contains("volume cfg")
                                           && Catch::Contains("absent"));
  }
  SECTION("missing object") {
    auto s = spec();
    s.volumes.push_back(volume("sec", key_ref::source::secret, "no-such-secret"));
    auto plan = build_launch_plan(s, worker_id, configs(), data_dir, {}, base_path);
    REQUIRE_FALSE(plan);
    CHECK(code_of(plan.error()) == errc::not_found);
    CHECK_THAT(message_of(plan.error()), Catch::Contains("volume sec")
                                           && Catch::Contains("no-such-secret"));
  }
  SECTION("object only in another namespace") {
    auto s = spec();
    s.ns = "third";
    s.volumes.push_back(volume("cfg", key_ref::source::config_map, "app-config"));
    auto plan = build_launch_plan(s, worker_id, configs(), data_dir, {}, base_path);
    REQUIRE_FALSE(plan);
    CHECK(code_of(plan.error()) == errc::not_found);
  }
}
