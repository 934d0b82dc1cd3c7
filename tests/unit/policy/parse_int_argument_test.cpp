// parse_int_argument: Python int() on text (everai-reference §1.4).

#include "actors/policy/pipeline.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;

TEST_CASE("parse_int_argument accepts what Python int() accepts") {
  struct row {
    const char* text;
    int64_t value;
  };
  for (const auto& r : {row{"60", 60}, row{" 7", 7}, row{" 7 ", 7}, row{"\t8\n", 8},
                        row{"+3", 3}, row{"-1", -1}, row{"007", 7}, row{"-0", 0},
                        row{"1_000", 1000}, row{"9223372036854775807", INT64_MAX},
                        row{"-9223372036854775808", INT64_MIN}}) {
    INFO(r.text);
    auto v = parse_int_argument("argument x", r.text);
    REQUIRE(v);
    CHECK(*v == r.value);
  }
}

TEST_CASE("parse_int_argument rejects the rest, naming the argument") {
  for (const char* bad : {"1.5", "", "  ", "abc", "0x10", "1e3", "- 1", "+", "1_", "_1", "1__0",
                          "1 2", "9223372036854775808", "-9223372036854775809",
                          "٣" /* Python would take Unicode digits; Ever takes ASCII only */}) {
    INFO(bad);
    auto v = parse_int_argument("argument max_workers", bad);
    REQUIRE_FALSE(v);
    CHECK(code_of(v.error()) == errc::invalid_argument);
    CHECK_THAT(message_of(v.error()), Catch::StartsWith("argument max_workers: '"));
  }
}
