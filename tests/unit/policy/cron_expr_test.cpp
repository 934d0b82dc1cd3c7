// Cron fields as the upstream time-match decorator's crontab library reads them.

#include "actors/policy/cron_expr.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;

namespace {

// A civil time by fields; weekday 0 = Sunday.
civil_time at(int month, int day, int hour, int minute, int weekday) {
  civil_time t;
  t.year = 2024;
  t.month = month;
  t.day = day;
  t.hour = hour;
  t.minute = minute;
  t.weekday = weekday;
  return t;
}

bool matches(const std::string& expr, const civil_time& t) {
  auto e = cron_expr::parse(expr);
  REQUIRE(e);
  return e->matches(t);
}

} // namespace

TEST_CASE("cron: field forms") {
  struct row {
    const char* expr;
    civil_time t;
    bool expected;
  };
  const civil_time wed_1155 = at(6, 19, 11, 55, 3);
  std::vector<row> rows = {
    {"* * * * *", wed_1155, true},
    {"55 11 19 6 3", wed_1155, true},
    {"* 11-23 * * 1-5", wed_1155, true},
    {"* 12-23 * * 1-5", wed_1155, false},
    {"0-30 11-23 * * 1-5", wed_1155, false},
    {"0-30 11-23 * * 1-5", at(6, 19, 11, 25, 3), true},
    {"* * * * 1-5", at(6, 22, 11, 55, 6), false},         // Saturday
    {"* 11-23 * * 0,6", at(6, 22, 11, 55, 6), true},      // Saturday
    {"* * * * 7", at(6, 23, 11, 55, 0), true},            // 7 = Sunday
    {"* * * * 0", at(6, 23, 11, 55, 0), true},
    {"* * * * 5-7", at(6, 23, 11, 55, 0), true},          // range through 7 covers Sunday
    {"* * * * 6-0", at(6, 23, 11, 55, 0), true},          // 6-0 = Saturday to Sunday
    {"*/15 * * * *", at(1, 1, 0, 45, 1), true},
    {"*/15 * * * *", at(1, 1, 0, 46, 1), false},
    {"10-40/15 * * * *", at(1, 1, 0, 40, 1), true},
    {"10-40/15 * * * *", at(1, 1, 0, 45, 1), false},
    {"50/5 * * * *", at(1, 1, 0, 55, 1), true},           // a/n runs to the field's end
    {"50/5 * * * *", at(1, 1, 0, 45, 1), false},
    {"* 9-22,23,0 * * *", at(1, 1, 0, 0, 1), true},
    {"* * 19 * 1", wed_1155, false},                      // day AND weekday, not OR
    {"* * 19 6 *", wed_1155, true},
    {"* * * 7 *", wed_1155, false},
  };
  for (const auto& r : rows) {
    INFO(r.expr);
    CHECK(matches(r.expr, r.t) == r.expected);
  }
}

TEST_CASE("cron: invalid expressions") {
  for (const char* bad :
       {"* * * *", "* * * * * *", "*  * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
        "* * 32 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "*/60 * * * *",
        "* */24 * * *", "1-2-3 * * * *", ", * * * *",
        "1,,2 * * * *", "-5 * * * *", "1/2/3 * * * *", "*/ * * * *", "MON * * * *",
        "? * * * *", "L * * * *"}) {
    auto e = cron_expr::parse(bad);
    INFO(bad);
    CHECK_FALSE(e);
  }
  // The first stepped value must stay in range (upstream asserts start + step <= limit).
  CHECK_FALSE(cron_expr::parse("* 20/4 * * *"));
  CHECK(cron_expr::parse("* 20/3 * * *"));
  CHECK(cron_expr::parse("*/30 * * * *"));
}
