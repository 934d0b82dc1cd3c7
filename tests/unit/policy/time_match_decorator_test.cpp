// `time-match` arguments decorator (everai-reference §4.2) with an injected `now`.

#include "actors/policy/time_match_decorator.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;

namespace {

// Epoch milliseconds of local times, checked with Python's zoneinfo.
constexpr time_ms shanghai_wed_1155 = 1718769302'000; // 2024-06-19 11:55:02 +08, Wednesday
constexpr time_ms shanghai_wed_1055 = 1718765702'000;
constexpr time_ms shanghai_wed_1125 = 1718767500'000;
constexpr time_ms shanghai_sat_1155 = 1719028502'000; // 2024-06-22, Saturday
constexpr time_ms shanghai_sun_1155 = 1719114902'000; // 2024-06-23, Sunday

const raw_arguments base = {{"min_workers", "4"}, {"max_workers", "40"}};

raw_arguments run(const raw_arguments& settings, time_ms now) {
  auto out = apply_time_match(settings, base, now);
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("time-match: upstream test_time_match") {
  raw_arguments settings = {{"timezone", "Asia/Shanghai"},
                            {"match(* 11 * * 1-5)", "weekday_day_"},
                            {"weekday_day_max_workers", "3"}};
  auto out = run(settings, shanghai_wed_1155);
  CHECK(out.at("min_workers") == "4");
  CHECK(out.at("max_workers") == "3");
}

TEST_CASE("time-match: §4.2 cases") {
  raw_arguments weekday = {{"timezone", "Asia/Shanghai"},
                           {"match(* 11-23 * * 1-5)", "weekday_day_"},
                           {"weekday_day_max_workers", "3"}};
  struct row {
    const char* name;
    raw_arguments settings;
    time_ms now;
    const char* max_workers;
  };
  raw_arguments minutes = weekday;
  minutes.erase("match(* 11-23 * * 1-5)");
  minutes["match(0-30 11-23 * * 1-5)"] = "weekday_day_";
  raw_arguments both = weekday;
  both["match(* 11-23 * * 0,6)"] = "weekend_day_";
  both["weekend_day_max_workers"] = "30";

  std::vector<row> rows = {
    {"Wed 11:55 matches", weekday, shanghai_wed_1155, "3"},
    {"Wed 10:55 does not", weekday, shanghai_wed_1055, "40"},
    {"minute range: 11:55 outside 0-30", minutes, shanghai_wed_1155, "40"},
    {"minute range: 11:25 inside 0-30", minutes, shanghai_wed_1125, "3"},
    {"Saturday not matched by 1-5", weekday, shanghai_sat_1155, "40"},
    {"second matcher on Saturday", both, shanghai_sat_1155, "30"},
    {"second matcher on Sunday", both, shanghai_sun_1155, "30"},
    {"first matcher on a weekday", both, shanghai_wed_1155, "3"},
  };
  for (const auto& r : rows) {
    SECTION(r.name) {
      auto out = run(r.settings, r.now);
      CHECK(out.at("max_workers") == r.max_workers);
      CHECK(out.at("min_workers") == "4");
    }
  }
}

TEST_CASE("time-match: the same instant in two time zones") {
  // 2024-06-19 03:55:02 UTC = 11:55 Wed in Shanghai = 23:55 Tue in New York (EDT).
  raw_arguments settings = {{"match(* 11 * * 3)", "wed11_"},
                            {"match(* 23 * * 2)", "tue23_"},
                            {"wed11_max_workers", "11"},
                            {"tue23_max_workers", "23"}};
  CHECK(run(settings, shanghai_wed_1155).at("max_workers") == "40"); // UTC: 03:55, no match
  settings["timezone"] = "Asia/Shanghai";
  CHECK(run(settings, shanghai_wed_1155).at("max_workers") == "11");
  settings["timezone"] = "America/New_York";
  CHECK(run(settings, shanghai_wed_1155).at("max_workers") == "23");
  settings["timezone"] = "UTC";
  CHECK(run(settings, shanghai_wed_1155).at("max_workers") == "40");
}

TEST_CASE("time-match: later matches win - all prefixed settings apply") {
  raw_arguments settings = {{"match(* * * * *)", "always_"},
                            {"match(* 3 * * *)", "three_"},
                            {"always_max_workers", "7"},
                            {"always_scale_up_step", "2"},
                            {"three_max_workers", "9"}};
  auto out = run(settings, shanghai_wed_1155); // UTC 03:55
  // Matchers run in key order (raw_arguments is sorted): "match(* *" before "match(* 3".
  CHECK(out.at("max_workers") == "9");
  CHECK(out.at("scale_up_step") == "2");
  CHECK(out.at("min_workers") == "4");
  CHECK(out.count("timezone") == 0);
}

TEST_CASE("time-match: errors") {
  auto unknown_zone = apply_time_match({{"timezone", "Mars/Olympus"}}, base, shanghai_wed_1155);
  REQUIRE_FALSE(unknown_zone);
  CHECK(code_of(unknown_zone.error()) == errc::invalid_argument);
  CHECK_THAT(message_of(unknown_zone.error()), Catch::Contains("Mars/Olympus"));

  for (const char* key : {"match(* * * *)", "match(* * * * MON)", "match(61 * * * *)",
                          "match(* * * * *"}) {
    auto bad = apply_time_match({{key, "p_"}}, base, shanghai_wed_1155);
    INFO(key);
    REQUIRE_FALSE(bad);
    CHECK(code_of(bad.error()) == errc::invalid_argument);
  }
  // No settings at all: arguments unchanged.
  CHECK(run({}, shanghai_wed_1155) == base);
}
