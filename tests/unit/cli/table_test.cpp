#include "cli/format.hpp"
#include "cli/table.hpp"

#include <catch2/catch.hpp>

using ever::cli::json_to_yaml;
using ever::cli::pretty_json;
using ever::cli::render_table;

TEST_CASE("table columns are padded to the widest cell with dashes as wide as the column") {
  auto text = render_table({"NAME", "ITEMS"}, {{"get-start-configmap", "5"}, {"a", "10"}});
  CHECK(text == "NAME                 ITEMS\n"
                "-------------------  -----\n"
                "get-start-configmap  5\n"
                "a                    10\n");
}

TEST_CASE("table: header wider than every cell sets the width") {
  auto text = render_table({"QUEUE_INDEX", "CREATE_AT", "QUEUE_REASON"}, {{"0", "x", "WorkerBusy"}});
  CHECK(text == "QUEUE_INDEX  CREATE_AT  QUEUE_REASON\n"
                "-----------  ---------  ------------\n"
                "0            x          WorkerBusy\n");
}

TEST_CASE("table: an empty list prints the header and its underline only") {
  CHECK(render_table({"ID", "STATUS"}, {}) == "ID  STATUS\n--  ------\n");
}

TEST_CASE("table empty and missing cells keep alignment without trailing blanks") {
  auto text = render_table({"A", "B", "C"}, {{"x", "", "z"}, {"long-x"}});
  CHECK(text == "A       B  C\n"
                "------  -  -\n"
                "x          z\n"
                "long-x\n");
}

TEST_CASE("table newlines in cells become spaces and UTF-8 counts characters") {
  auto text = render_table({"K", "V"}, {{"é", "a\nb"}, {"ab", "c"}});
  CHECK(text == "K   V\n"
                "--  ---\n"
                "é   a b\n"
                "ab  c\n");
}

TEST_CASE("json output keeps the order of keys as received") {
  auto text = pretty_json(R"({"zeta":1,"alpha":{"b":2,"a":3}})");
  CHECK(text == "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"b\": 2,\n    \"a\": 3\n  }\n}\n");
  CHECK(pretty_json("not json") == "not json");
}

TEST_CASE("yaml output quotes strings that would read back as other types") {
  auto text = json_to_yaml(
      R"({"name":"get-start","num":"1","b":"true","e":"","i":2,"t":true,"items":[],"m":{},"z":null,"text":"a\nb\n"})");
  CHECK(text == "name: get-start\n"
                "num: \"1\"\n"
                "b: \"true\"\n"
                "e: \"\"\n"
                "i: 2\n"
                "t: true\n"
                "items: []\n"
                "m: {}\n"
                "z: ~\n"
                "text: |\n"
                "  a\n"
                "  b\n");
}
