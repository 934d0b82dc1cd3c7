// Manifest parsing: the getting-started example, every field, and one refusal per kind of mistake
// (each asserting the path the user must fix).

#include "actors/manifest/manifest.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace ever;
using namespace ever::manifest;

namespace {

policy_catalog test_catalog() {
  policy_catalog c;
  std::set<std::string> simple = {"min_workers", "max_workers", "max_queue_size", "max_idle_time",
                                  "scale_up_step"};
  auto free_worker = simple;
  free_worker.insert("min_free_workers");
  c.policies["simple"] = simple;
  c.policies["free-worker"] = free_worker;
  c.factor_decorators = {"noop", "average"};
  c.argument_decorators = {"noop", "time-match"};
  return c;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* const minimal = R"(version: everai/v1alpha1
kind: App
metadata:
  name: demo
spec:
  command: [python3, app.py]
)";

key_ref cm(const std::string& name, const std::string& key) {
  return key_ref{key_ref::source::config_map, name, key};
}

bool same_ref(const std::optional<key_ref>& a, const key_ref& b) {
  return a && a->kind == b.kind && a->name == b.name && a->key == b.key;
}

} // namespace

TEST_CASE("the getting-started example parses to the expected spec") {
  auto text = read_text(std::string{EVER_SOURCE_DIR} + "/docs/examples/getting-started/app.yaml");
  auto spec = parse_manifest(text, test_catalog());
  REQUIRE(spec);
  CHECK(spec->name == "get-start");
  CHECK(spec->ns == "default");
  CHECK(spec->command == std::vector<std::string>{"ever-sample-app", "--service-ms", "1000"});
  CHECK(spec->readiness_path == "/-everai-/healthy");
  CHECK(spec->resource.cpu == 1);
  CHECK(spec->resource.memory_mb == 256);
  CHECK(spec->resource.gpu == 0);
  CHECK(spec->route_path == "get-start");
  REQUIRE(spec->volumes.size() == 1);
  CHECK(spec->volumes[0].name == "get-start-configmap");
  CHECK(spec->volumes[0].kind == key_ref::source::config_map);
  CHECK(spec->volumes[0].source_name == "get-start-configmap");
  CHECK(spec->volumes[0].items.empty());
  const auto& as = spec->autoscaler;
  CHECK(as.kind == autoscaler_spec::kind_t::builtin);
  CHECK(as.name == "simple");
  REQUIRE(as.arguments.size() == 5);
  for (const auto& key :
       {"min_workers", "max_workers", "max_queue_size", "scale_up_step", "max_idle_time"}) {
    INFO(key);
    REQUIRE(as.arguments.count(key) == 1);
    CHECK(same_ref(as.arguments.at(key).ref, cm("get-start-configmap", key)));
  }
  CHECK(spec->concurrency == 1);
  CHECK(spec->queue.max_length == 1000);
  CHECK_FALSE(spec->is_public);

  auto refs = collect_references(*spec);
  REQUIRE(refs.size() == 6); // 5 arguments + the volume
  CHECK(refs[0].path.rfind("spec.autoscaler.builtin.arguments.", 0) == 0);
  CHECK(refs.back().path == "spec.volumes[0]");
  CHECK(refs.back().ref.key.empty());
}

TEST_CASE("a minimal manifest gets the defaults") {
  auto spec = parse_manifest(minimal, test_catalog());
  REQUIRE(spec);
  CHECK(spec->ns == "default");
  CHECK(spec->route_path == "demo");
  CHECK(spec->readiness_path == "/-everai-/healthy");
  CHECK(spec->resource.memory_mb == 1024);
  CHECK(spec->autoscaler.kind == autoscaler_spec::kind_t::builtin);
  CHECK(spec->autoscaler.name == "simple");
  CHECK(spec->autoscaler.arguments.empty());
  CHECK(collect_references(*spec).empty());

  auto other = parse_manifest(minimal, test_catalog(), "team-a");
  REQUIRE(other);
  CHECK(other->ns == "team-a");
  auto bad = parse_manifest(minimal, test_catalog(), "Team_A");
  REQUIRE_FALSE(bad);
  CHECK(code_of(bad.error()) == errc::invalid_manifest);
}

TEST_CASE("a manifest using every field") {
  const char* text = R"yaml(
version: everai/v1alpha1
kind: App
metadata:
  name: full
  namespace: team-a
  labels: {tier: gold, owner: ml}
spec:
  image: registry.example.com/full:1
  imagePullSecrets:
    username: {valueFrom: {secretKeyRef: {name: reg, key: user}}}
    password: {valueFrom: {secretKeyRef: {name: reg, key: pass}}}
  port: 80
  command: python3 serve.py  --port 0
  env:
    - name: PLAIN
      value: hello
    - name: FROM_CM
      valueFrom:
        configMapKeyRef: {name: settings, key: model}
    - name: NESTED_SECRET
      envValue:
        valueFrom:
          secretKeyRef: {name: creds, key: token}
    - name: NESTED_VALUE
      envValue: {value: "42"}
  readinessProbe:
    httpGet: {path: /ready}
  resources:
    cpu: 0.5
    memory: 1.5 GiB
    gpu: 1
    filters:
      gpu: [A100 40G, "4090"]
      cpu: {platforms: [amd64], models: []}
      cuda: ">=12.4"
  volumes:
    - name: settings
      configMap:
        name: settings
        items: [{key: model, path: conf/model.txt}]
    - name: creds
      secret: {secretName: creds}
  volumeMounts:
    - {name: settings, mountPath: /etc/settings, readOnly: true}
    - {name: creds, mountPath: /etc/creds}
  routePath: full-route
  autoscaler:
    scheduler: queue
    builtin:
      name: free-worker
      arguments:
        min_workers: 1
        max_workers: "5"
        min_free_workers: " 2 "
        max_idle_time: {valueFrom: {configMapKeyRef: {name: settings, key: idle}}}
      decorators:
        factors:
          - name: average
            arguments: {used_histories: "3"}
        arguments:
          - name: time-match
            arguments:
              timezone: Asia/Shanghai
              "match(* 9-18 * * 1-5)": day_
              day_max_workers: {valueFrom: {secretKeyRef: {name: creds, key: day-max}}}
  concurrency: 4
  queue: {maxLength: 50, waitTimeout: 2m}
  public: true
)yaml";
  auto spec = parse_manifest(text, test_catalog());
  INFO((spec ? std::string{} : message_of(spec.error())));
  REQUIRE(spec);
  CHECK(spec->name == "full");
  CHECK(spec->ns == "team-a");
  CHECK(spec->labels == std::map<std::string, std::string>{{"tier", "gold"}, {"owner", "ml"}});
  CHECK(spec->command == std::vector<std::string>{"python3", "serve.py", "--port", "0"});

  REQUIRE(spec->env.size() == 4);
  CHECK(spec->env[0].name == "PLAIN");
  CHECK(spec->env[0].value.value == "hello");
  CHECK_FALSE(spec->env[0].value.ref);
  CHECK(same_ref(spec->env[1].value.ref, cm("settings", "model")));
  CHECK(same_ref(spec->env[2].value.ref, key_ref{key_ref::source::secret, "creds", "token"}));
  CHECK(spec->env[3].value.value == "42");

  CHECK(spec->readiness_path == "/ready");
  CHECK(spec->resource.cpu == 0.5);
  CHECK(spec->resource.memory_mb == 1536);
  CHECK(spec->resource.gpu == 1);

  REQUIRE(spec->volumes.size() == 2);
  CHECK(spec->volumes[0].kind == key_ref::source::config_map);
  CHECK(spec->volumes[0].items ==
        std::vector<std::pair<std::string, std::string>>{{"model", "conf/model.txt"}});
  CHECK(spec->volumes[0].mount_path == "/etc/settings");
  CHECK(spec->volumes[1].kind == key_ref::source::secret);
  CHECK(spec->volumes[1].source_name == "creds");
  CHECK(spec->volumes[1].mount_path == "/etc/creds");
  CHECK(spec->route_path == "full-route");

  const auto& as = spec->autoscaler;
  CHECK(as.kind == autoscaler_spec::kind_t::builtin);
  CHECK(as.name == "free-worker");
  CHECK(as.arguments.at("min_workers").value == "1");
  CHECK(as.arguments.at("max_workers").value == "5");
  CHECK(as.arguments.at("min_free_workers").value == "2"); // int() strips whitespace
  CHECK(same_ref(as.arguments.at("max_idle_time").ref, cm("settings", "idle")));
  REQUIRE(as.factor_decorators.size() == 1);
  CHECK(as.factor_decorators[0].name == "average");
  CHECK(as.factor_decorators[0].arguments.at("used_histories").value == "3");
  REQUIRE(as.argument_decorators.size() == 1);
  const auto& tm = as.argument_decorators[0];
  CHECK(tm.name == "time-match");
  CHECK(tm.arguments.at("timezone").value == "Asia/Shanghai");
  CHECK(tm.arguments.at("match(* 9-18 * * 1-5)").value == "day_");
  CHECK(same_ref(tm.arguments.at("day_max_workers").ref,
                 key_ref{key_ref::source::secret, "creds", "day-max"}));

  CHECK(spec->concurrency == 4);
  CHECK(spec->queue.max_length == 50);
  CHECK(spec->queue.wait_timeout_ms == 120'000);
  CHECK(spec->is_public);

  auto refs = collect_references(*spec);
  std::vector<std::string> paths;
  for (const auto& r : refs)
    paths.push_back(r.path);
  CHECK(paths == std::vector<std::string>{
                   "spec.env[1]",
                   "spec.env[2]",
                   "spec.autoscaler.builtin.arguments.max_idle_time",
                   "spec.autoscaler.builtin.decorators.arguments[0].arguments.day_max_workers",
                   "spec.volumes[0]",
                   "spec.volumes[1]",
                 });
  CHECK(refs[1].ref.kind == key_ref::source::secret);
  CHECK(refs[5].ref.name == "creds");
  CHECK(refs[5].ref.key.empty());
}

TEST_CASE("manual and container autoscalers") {
  std::string base = minimal;
  auto manual = parse_manifest(base + "  autoscaler:\n    manual: {defaultWorkerNum: 3}\n",
                               test_catalog());
  REQUIRE(manual);
  CHECK(manual->autoscaler.kind == autoscaler_spec::kind_t::manual);
  CHECK(manual->autoscaler.default_worker_num == 3);

  auto container = parse_manifest(base + R"(  autoscaler:
    container:
      command: [python3, scaler.py]
      port: 9000
      entryPath: {httpPost: {path: /decide}}
)",
                                  test_catalog());
  REQUIRE(container);
  CHECK(container->autoscaler.kind == autoscaler_spec::kind_t::container);
  CHECK(container->autoscaler.container_command ==
        std::vector<std::string>{"python3", "scaler.py"});
  CHECK(container->autoscaler.container_port == 9000);
  CHECK(container->autoscaler.container_entry_path == "/decide");

  auto short_entry = parse_manifest(
    base + "  autoscaler:\n    container: {command: scaler, entryPath: /x}\n", test_catalog());
  REQUIRE(short_entry);
  CHECK(short_entry->autoscaler.container_entry_path == "/x");
  CHECK(short_entry->autoscaler.container_port == 0);
}

namespace {

struct bad_case {
  const char* what;
  std::string yaml;
  std::string expect; ///< must appear in the error message
};

/// `minimal` with `lines` (already indented under spec) appended.
std::string with_spec(const std::string& lines) {
  return std::string{minimal} + lines;
}

} // namespace

TEST_CASE("bad manifests are refused with the path to fix") {
  const std::string head = "version: everai/v1alpha1\nkind: App\n";
  const std::string spec = "spec:\n  command: [x]\n";
  const std::vector<bad_case> cases = {
    {"missing name", head + "metadata: {namespace: default}\n" + spec, "metadata.name: required"},
    {"bad name", head + "metadata: {name: My_App}\n" + spec, "metadata.name: must be a DNS label"},
    {"bad namespace", head + "metadata: {name: a, namespace: A}\n" + spec,
     "metadata.namespace: must be a DNS label"},
    {"missing version", "kind: App\nmetadata: {name: a}\n" + spec, "version: required"},
    {"wrong version", "version: v1\nkind: App\nmetadata: {name: a}\n" + spec,
     "version: must be everai/v1alpha1, got \"v1\""},
    {"wrong kind", "version: everai/v1alpha1\nkind: Pod\nmetadata: {name: a}\n" + spec,
     "kind: must be App, got \"Pod\""},
    {"missing spec", head + "metadata: {name: a}\n", "spec: required"},
    {"missing command", head + "metadata: {name: a}\nspec: {concurrency: 2}\n",
     "spec.command: required"},
    {"unknown autoscaler", with_spec("  autoscaler:\n    builtin: {name: foo}\n"),
     "spec.autoscaler.builtin.name: unknown autoscaler 'foo' (valid: free-worker, simple)"},
    {"unknown argument", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                   "      arguments: {max_worker: 5}\n"),
     "spec.autoscaler.builtin.arguments.max_worker: unknown argument of autoscaler 'simple' "
     "(valid: max_idle_time, max_queue_size, max_workers, min_workers, scale_up_step)"},
    {"negative argument", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                    "      arguments: {max_workers: \"-1\"}\n"),
     "spec.autoscaler.builtin.arguments.max_workers: must be a non-negative integer, got \"-1\""},
    {"non-integer argument", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                       "      arguments: {max_workers: \"1.5\"}\n"),
     "spec.autoscaler.builtin.arguments.max_workers: must be a non-negative integer, got \"1.5\""},
    {"text argument", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                "      arguments: {min_workers: abc}\n"),
     "spec.autoscaler.builtin.arguments.min_workers: must be a non-negative integer, got \"abc\""},
    {"unknown decorator", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                    "      decorators: {factors: [{name: median}]}\n"),
     "spec.autoscaler.builtin.decorators.factors[0].name: unknown factors decorator 'median' "
     "(valid: average, noop)"},
    {"no autoscaler kind", with_spec("  autoscaler: {scheduler: queue}\n"),
     "spec.autoscaler: needs one of: builtin, manual, container"},
    {"two autoscaler kinds",
     with_spec("  autoscaler:\n    builtin: {name: simple}\n    manual: {defaultWorkerNum: 1}\n"),
     "spec.autoscaler.manual: conflicts with spec.autoscaler.builtin"},
    {"bad scheduler", with_spec("  autoscaler: {scheduler: fifo, builtin: {name: simple}}\n"),
     "spec.autoscaler.scheduler: must be queue"},
    {"unknown top-level field", head + "metadata: {name: a}\n" + spec + "status: {}\n",
     "status: unknown field (expected one of: version, kind, metadata, spec)"},
    {"unknown spec field", with_spec("  replicas: 3\n"), "spec.replicas: unknown field"},
    {"unknown nested field", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                       "      argumentz: {}\n"),
     "spec.autoscaler.builtin.argumentz: unknown field (expected one of: name, arguments, "
     "decorators)"},
    {"ref missing key", with_spec("  env:\n    - {name: A, value: x}\n    - {name: B, value: y}\n"
                                  "    - name: C\n      valueFrom:\n"
                                  "        configMapKeyRef: {name: cm}\n"),
     "spec.env[2].valueFrom.configMapKeyRef.key: required"},
    {"ref missing name", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                   "      arguments:\n        min_workers:\n"
                                   "          valueFrom: {secretKeyRef: {key: k}}\n"),
     "spec.autoscaler.builtin.arguments.min_workers.valueFrom.secretKeyRef.name: required"},
    {"ref with both kinds",
     with_spec("  env:\n    - name: A\n      valueFrom:\n        configMapKeyRef: {name: a, key: "
               "b}\n        secretKeyRef: {name: a, key: b}\n"),
     "spec.env[0].valueFrom.secretKeyRef: conflicts with"},
    {"env without value", with_spec("  env:\n    - {name: A}\n"),
     "spec.env[0]: needs one of: value, valueFrom, envValue"},
    {"both resource and resources",
     with_spec("  resource: {cpu: 1}\n  resources: {cpu: 2}\n"), "spec.resources: conflicts with"},
    {"bad memory", with_spec("  resource: {memory: lots}\n"),
     "spec.resource.memory: invalid memory size \"lots\""},
    {"zero memory", with_spec("  resource: {memory: 0 MiB}\n"), "spec.resource.memory:"},
    {"zero cpu", with_spec("  resource: {cpu: 0}\n"), "spec.resource.cpu: must be a number > 0"},
    {"negative gpu", with_spec("  resources: {gpu: -1}\n"),
     "spec.resources.gpu: must be an integer >= 0, got \"-1\""},
    {"concurrency 0", with_spec("  concurrency: 0\n"),
     "spec.concurrency: must be an integer >= 1, got \"0\""},
    {"concurrency text", with_spec("  concurrency: abc\n"),
     "spec.concurrency: must be an integer >= 1, got \"abc\""},
    {"bad wait timeout", with_spec("  queue: {waitTimeout: soon}\n"),
     "spec.queue.waitTimeout: invalid duration \"soon\""},
    {"zero wait timeout", with_spec("  queue: {waitTimeout: 0s}\n"),
     "spec.queue.waitTimeout: must be longer than 0"},
    {"queue length 0", with_spec("  queue: {maxLength: 0}\n"), "spec.queue.maxLength:"},
    {"public not bool", with_spec("  public: maybe\n"), "spec.public: must be true or false"},
    {"readiness path", with_spec("  readinessProbe: {httpGet: {path: healthy}}\n"),
     "spec.readinessProbe.httpGet.path: must be a path starting with '/'"},
    {"bad route path", with_spec("  routePath: /foo\n"), "spec.routePath: must be a DNS label"},
    {"malformed YAML", "version: everai/v1alpha1\nkind: App\nmetadata: {name: a\n", "line "},
    {"wrong type for command", head + "metadata: {name: a}\nspec:\n  command: {run: x}\n",
     "spec.command: must be a list of strings or a string, got a mapping"},
    {"empty command", head + "metadata: {name: a}\nspec:\n  command: []\n",
     "spec.command: must not be empty"},
    {"command item not a string", head + "metadata: {name: a}\nspec:\n  command: [a, [b]]\n",
     "spec.command[1]: must be a string, got a list"},
    {"mount naming no volume",
     with_spec("  volumes: [{name: v, configMap: {name: cm}}]\n"
               "  volumeMounts: [{name: w, mountPath: /etc/w}]\n"),
     "spec.volumeMounts[0].name: no volume named 'w'"},
    {"duplicate env name", with_spec("  env:\n    - {name: A, value: x}\n    - {name: A, value: y}\n"),
     "spec.env[1].name: duplicate env name 'A'"},
    {"duplicate volume name",
     with_spec("  volumes:\n    - {name: v, configMap: {name: a}}\n"
               "    - {name: v, secret: {secretName: b}}\n"),
     "spec.volumes[1].name: duplicate volume name 'v'"},
    {"volume item escapes",
     with_spec("  volumes: [{name: v, configMap: {name: a, items: [{key: k, path: ../x}]}}]\n"),
     "spec.volumes[0].configMap.items[0].path: must be a relative path"},
    {"repeated key", with_spec("  concurrency: 2\n  concurrency: 3\n"),
     "spec.concurrency: repeated field"},
    {"labels not strings", head + "metadata: {name: a, labels: {x: [1]}}\n" + spec,
     "metadata.labels.x: must be a string, got a list"},
    {"env name with '='", with_spec("  env:\n    - {name: A=B, value: x}\n"),
     "spec.env[0].name: must be a non-empty name without '='"},
    {"argument not a scalar", with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                        "      arguments: {min_workers: [1]}\n"),
     "spec.autoscaler.builtin.arguments.min_workers: must be a non-negative integer or "
     "{valueFrom: ...}, got a list"},
    {"argument map without valueFrom",
     with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
               "      arguments: {min_workers: {value: 1}}\n"),
     "spec.autoscaler.builtin.arguments.min_workers.value: unknown field (expected one of: "
     "valueFrom)"},
    {"env not a list", with_spec("  env: {A: b}\n"), "spec.env: must be a list, got a mapping"},
    {"filters not a mapping", with_spec("  resource: {filters: [a]}\n"),
     "spec.resource.filters: must be a mapping"},
    {"read-write mount",
     with_spec("  volumes: [{name: v, configMap: {name: a}}]\n"
               "  volumeMounts: [{name: v, mountPath: /v, readOnly: false}]\n"),
     "spec.volumeMounts[0].readOnly:"},
    {"empty document", "# nothing here\n", "manifest is empty"},
    {"not a mapping", "- a\n- b\n", "must be a mapping, got a list"},
    {"two documents", std::string{minimal} + "---\n" + minimal, "expected one YAML document"},
  };
  auto catalog = test_catalog();
  for (const auto& c : cases) {
    INFO(c.what);
    auto spec = parse_manifest(c.yaml, catalog);
    REQUIRE_FALSE(spec);
    CHECK(code_of(spec.error()) == errc::invalid_manifest);
    auto msg = message_of(spec.error());
    INFO(msg);
    CHECK(msg.find(c.expect) != std::string::npos);
  }
}

TEST_CASE("malformed YAML reports yaml-cpp's line and column") {
  auto spec = parse_manifest("version: everai/v1alpha1\nkind: App\nmetadata: {name: a\n",
                             test_catalog());
  REQUIRE_FALSE(spec);
  auto msg = message_of(spec.error());
  CHECK(msg.rfind("malformed YAML at line ", 0) == 0);
  CHECK(msg.find("column") != std::string::npos);
}

TEST_CASE("builtin argument integers follow Python int()") {
  auto catalog = test_catalog();
  auto parse_arg = [&](const std::string& value) {
    return parse_manifest(with_spec("  autoscaler:\n    builtin:\n      name: simple\n"
                                    "      arguments: {max_workers: " + value + "}\n"),
                          catalog);
  };
  for (const auto& ok : {std::pair{"60", "60"}, {"\"60\"", "60"}, {"'+7'", "7"},
                         {"\"1_000\"", "1000"}, {"0", "0"}, {"\"007\"", "7"}}) {
    INFO(ok.first);
    auto spec = parse_arg(ok.first);
    REQUIRE(spec);
    CHECK(spec->autoscaler.arguments.at("max_workers").value == ok.second);
  }
  for (const auto* bad :
       {"\"1.5\"", "1.5", "\"-1\"", "abc", "\"\"", "\"1__0\"", "\"_1\"", "[1]", "true",
        "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_arg(bad));
  }
}
