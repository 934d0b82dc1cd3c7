// ConfigMap/Secret files, --from-literal, memory sizes and durations.

#include "actors/manifest/manifest.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::manifest;

TEST_CASE("configmap files") {
  auto cm = parse_config_file("name: get-start-configmap\n"
                              "data:\n  min_workers: '1'\n  max_workers: 5\n  note: hello world\n",
                              false);
  REQUIRE(cm);
  CHECK(cm->name == "get-start-configmap");
  CHECK(cm->data == std::map<std::string, std::string>{
                      {"min_workers", "1"}, {"max_workers", "5"}, {"note", "hello world"}});

  auto no_name = parse_config_file("data: {a: b}\n", false);
  REQUIRE(no_name);
  CHECK(no_name->name.empty()); // the CLI may name it instead

  struct bad {
    const char* yaml;
    const char* expect;
  };
  for (const auto& c : {
         bad{"name: x\nkind: ConfigMap\n", "kind: unknown field (expected one of: name, data)"},
         bad{"name: X_Y\n", "name: must be a DNS label"},
         bad{"name: x\ndata: {a: [1, 2]}\n", "data.a: must be a string, got a list"},
         bad{"name: x\ndata: {a: {b: c}}\n", "data.a: must be a string, got a mapping"},
         bad{"name: x\ndata: {a: }\n", "data.a: must be a string, got null"},
         bad{"name: x\ndata: [a]\n", "data: must be a mapping"},
         bad{"name: x\ndata: {../etc: v}\n", "data.../etc: keys must be"},
         bad{"name: x\ndata: {a: b\n", "malformed YAML at line"},
         bad{"", "empty"},
       }) {
    INFO(c.yaml);
    auto r = parse_config_file(c.yaml, false);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
    INFO(message_of(r.error()));
    CHECK(message_of(r.error()).find(c.expect) != std::string::npos);
  }
}

TEST_CASE("secret files are base64-decoded") {
  auto sec = parse_config_file("name: creds\ndata:\n  user: YWRtaW4=\n  pass: aHVudGVyMg==\n"
                               "  raw: YWI\n  empty: ''\n  wrapped: |\n    aGVs\n    bG8=\n",
                               true);
  REQUIRE(sec);
  CHECK(sec->data.at("user") == "admin");
  CHECK(sec->data.at("pass") == "hunter2");
  CHECK(sec->data.at("raw") == "ab"); // padding is optional
  CHECK(sec->data.at("empty").empty());
  CHECK(sec->data.at("wrapped") == "hello"); // line breaks inside a value are ignored

  auto binary = parse_config_file("data: {k: AP8=}\n", true);
  REQUIRE(binary);
  CHECK(binary->data.at("k") == std::string("\x00\xff", 2));

  for (const auto* value : {"not base64!", "YWJ=Y", "Y", "YW=", "YWJjZ===", "YQ=="}) {
    auto r = parse_config_file(std::string{"data: {password: '"} + value + "'}\n", true);
    if (std::string{value} == "YQ==") { // the one valid value in the list, as a control
      CHECK(r);
      continue;
    }
    INFO(value);
    REQUIRE_FALSE(r);
    auto msg = message_of(r.error());
    CHECK(msg.find("data.password: not valid base64") != std::string::npos);
    CHECK(msg.find(value) == std::string::npos); // never echo a secret
  }
  // A ConfigMap value is taken as written, base64 or not.
  auto plain = parse_config_file("data: {k: YWRtaW4=}\n", false);
  REQUIRE(plain);
  CHECK(plain->data.at("k") == "YWRtaW4=");
}

TEST_CASE("literals split at the first '='") {
  auto kv = parse_literal("min_workers=1");
  REQUIRE(kv);
  CHECK(kv->first == "min_workers");
  CHECK(kv->second == "1");
  auto eq = parse_literal("url=http://x/?a=b");
  REQUIRE(eq);
  CHECK(eq->first == "url");
  CHECK(eq->second == "http://x/?a=b");
  auto empty_value = parse_literal("k=");
  REQUIRE(empty_value);
  CHECK(empty_value->second.empty());

  for (const auto* bad : {"novalue", "=v", "", "a/b=c", "..=x"}) {
    INFO(bad);
    auto r = parse_literal(bad);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
  }
  CHECK(is_config_key("a-b_c.d"));
  CHECK_FALSE(is_config_key("a b"));
  CHECK_FALSE(is_config_key("."));
}

TEST_CASE("memory sizes are MiB, rounded up") {
  const std::vector<std::pair<const char*, int64_t>> ok = {
    {"256 MiB", 256}, {"256MiB", 256},  {"512Mi", 512},    {"1 GiB", 1024},  {"1Gi", 1024},
    {"1.5 GiB", 1536}, {"2 TiB", 2 * 1024 * 1024}, {"1Ti", 1024 * 1024}, {"1024", 1024},
    {"0.5", 1},        {"1 KiB", 1},    {"2048Ki", 2},     {"1 G", 954},     {"1M", 1},
    {"100 M", 96},     {"1000K", 1},    {" 64 Mi ", 64},   {"20480 MiB", 20480}, {"1T", 953'675},
  };
  for (const auto& [text, mb] : ok) {
    INFO(text);
    auto r = parse_memory_mb(text);
    REQUIRE(r);
    CHECK(*r == mb);
  }
  for (const auto* bad : {"", "0", "0 MiB", "-1 MiB", "1 XB", "MiB", "1.2.3 Mi", "1 mib", "abc",
                          "99999999999999999999 TiB"}) {
    INFO(bad);
    auto r = parse_memory_mb(bad);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
    CHECK(message_of(r.error()).find(std::string{"\""} + bad + "\"") != std::string::npos);
  }
}

TEST_CASE("durations are milliseconds") {
  const std::vector<std::pair<const char*, int64_t>> ok = {
    {"500ms", 500}, {"30s", 30'000},  {"2m", 120'000},      {"1h", 3'600'000},
    {"1.5s", 1500}, {"120", 120'000}, {"0.25", 250},        {"1m30s", 90'000},
    {"0s", 0},      {"30 s", 30'000}, {"0.0001s", 1},       {"1h2m3s4ms", 3'723'004},
  };
  for (const auto& [text, ms] : ok) {
    INFO(text);
    auto r = parse_duration_ms(text);
    REQUIRE(r);
    CHECK(*r == ms);
  }
  for (const auto* bad : {"", "s", "-1s", "1d", "2min", "1m30", "abc", "1.5.2s"}) {
    INFO(bad);
    auto r = parse_duration_ms(bad);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
  }
}
