#include "cli_fixture.hpp"

#include <nlohmann/json.hpp>

using ever::cli::test::cli_harness;
using nlohmann::json;

TEST_CASE("configmap create with literals posts name and data split at the first '='") {
  cli_harness h;
  h.transport.on("POST /api/apps/v1/namespaces/default/configmaps", 201,
                 R"({"name":"cfg","namespace":"default","data":{"a":"1","b":"x=y"}})");
  auto r = h.run({"configmap", "create", "cfg", "-l", "a=1", "--from-literal", "b=x=y"});
  CHECK(r.err == "");
  CHECK(r.code == 0);
  CHECK(r.out == "configmap/cfg created\n");
  REQUIRE(h.transport.requests.size() == 1);
  CHECK(h.last().method == "POST");
  CHECK(json::parse(h.last().body) == json{{"name", "cfg"}, {"data", {{"a", "1"}, {"b", "x=y"}}}});
  CHECK(h.transport.header(0, "Content-Type") == "application/json");
}

TEST_CASE("the walk-through's configmap command works verbatim") {
  cli_harness h;
  h.transport.on("POST /api/apps/v1/namespaces/default/configmaps", 201, R"({"name":"x"})");
  auto r = h.run({"configmap", "create", "get-start-configmap", "--from-literal", "min_workers=1",
                  "--from-literal", "max_workers=5", "--from-literal", "max_queue_size=2",
                  "--from-literal", "scale_up_step=1", "--from-literal", "max_idle_time=60"});
  CHECK(r.code == 0);
  CHECK(r.out == "configmap/get-start-configmap created\n");
  auto body = json::parse(h.last().body);
  CHECK(body["data"].size() == 5);
  CHECK(body["data"]["max_idle_time"] == "60");
}

TEST_CASE("configmap create -f reads the file and literals and the NAME argument win") {
  cli_harness h;
  h.cwd.write("cm.yaml", "name: from-file\ndata:\n  a: '1'\n  b: two\n");
  h.transport.on("POST /api/apps/v1/namespaces/default/configmaps", 201, "{}");
  auto r = h.run({"cm", "create", "-f", "cm.yaml", "-l", "b=2"});
  CHECK(r.code == 0);
  CHECK(r.out == "configmap/from-file created\n");
  CHECK(json::parse(h.last().body)
        == json{{"name", "from-file"}, {"data", {{"a", "1"}, {"b", "2"}}}});

  r = h.run({"cm", "create", "-f", "cm.yaml", "other"});
  CHECK(r.out == "configmap/other created\n");
  CHECK(json::parse(h.last().body)["name"] == "other");
}

TEST_CASE("configmap update replaces the data with PUT") {
  cli_harness h;
  h.transport.on("PUT /api/apps/v1/namespaces/default/configmaps/cfg", 200, "{}");
  auto r = h.run({"configmaps", "update", "cfg", "-l", "min_workers=2"});
  CHECK(r.code == 0);
  CHECK(r.out == "configmap/cfg updated\n");
  CHECK(json::parse(h.last().body) == json{{"data", {{"min_workers", "2"}}}});

  r = h.run({"cm", "update", "cfg"}); // nothing to set
  CHECK(r.code == 2);
}

TEST_CASE("secret create -f decodes base64 values while literals are plain") {
  cli_harness h;
  h.cwd.write("s.yaml", "name: hf\ndata:\n  token: aGZfMTIz\n");
  h.transport.on("POST /api/apps/v1/namespaces/default/secrets", 201, "{}");
  auto r = h.run({"secret", "create", "-f", "s.yaml", "-l", "user=bob"});
  CHECK(r.err == "");
  CHECK(r.code == 0);
  CHECK(r.out == "secret/hf created\n");
  CHECK(json::parse(h.last().body)
        == json{{"name", "hf"}, {"data", {{"token", "hf_123"}, {"user", "bob"}}}});
  for (auto alias : {"secrets", "sec", "s"}) {
    r = h.run({alias, "create", "x", "-l", "k=v"});
    CHECK(r.out == "secret/x created\n");
  }
}

TEST_CASE("a literal without '=' is a usage error") {
  cli_harness h;
  auto r = h.run({"cm", "create", "cfg", "-l", "novalue"});
  CHECK(r.code == 2);
  CHECK(r.err.find("novalue") != std::string::npos);
  CHECK(h.transport.requests.empty());
}

TEST_CASE("configmap list and get print tables and -n changes the path") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/team-a/configmaps", 200,
                 R"({"items":[{"name":"get-start-configmap","data":{"a":"1","b":"2"}},{"name":"x","data":{}}]})");
  auto r = h.run({"-n", "team-a", "cm", "ls"});
  CHECK(r.code == 0);
  CHECK(r.out == "NAME                 ITEMS\n"
                 "-------------------  -----\n"
                 "get-start-configmap  2\n"
                 "x                    0\n");

  h.transport.on("GET /api/apps/v1/namespaces/default/configmaps/cfg", 200,
                 R"({"name":"cfg","data":{"max_workers":"5","min_workers":"1"}})");
  r = h.run({"cm", "get", "cfg"});
  CHECK(r.code == 0);
  CHECK(r.out == "KEY          VALUE\n"
                 "-----------  -----\n"
                 "max_workers  5\n"
                 "min_workers  1\n");
}

TEST_CASE("secret list and get show ITEMS and never values") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/secrets/hf", 200,
                 R"({"name":"hf","data":{"token":"***","user":"***"}})");
  auto r = h.run({"secret", "get", "hf"});
  CHECK(r.code == 0);
  CHECK(r.out == "NAME  ITEMS\n----  -----\nhf    2\n");
  h.transport.on("GET /api/apps/v1/namespaces/default/secrets", 200,
                 R"({"items":[{"name":"hf","data":{"token":"***"}}]})");
  r = h.run({"secret", "list"});
  CHECK(r.out == "NAME  ITEMS\n----  -----\nhf    1\n");
}

TEST_CASE("configmap delete") {
  cli_harness h;
  h.transport.on("DELETE /api/apps/v1/namespaces/default/configmaps/cfg", 200, "{}");
  auto r = h.run({"cm", "delete", "cfg"});
  CHECK(r.code == 0);
  CHECK(r.out == "configmap/cfg deleted\n");
  r = h.run({"cm", "delete"});
  CHECK(r.code == 2);
}

TEST_CASE("an empty list prints the header only") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/configmaps", 200, R"({"items":[]})");
  auto r = h.run({"cm", "list"});
  CHECK(r.out == "NAME  ITEMS\n----  -----\n");
}
