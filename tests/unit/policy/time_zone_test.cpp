// Our TZif reader against known offsets (values checked with Python's zoneinfo).

#include "actors/policy/time_zone.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::policy;

namespace {

int64_t offset(const std::string& zone, int64_t utc) {
  auto z = load_time_zone(zone);
  REQUIRE(z);
  return (*z)->utc_offset(utc);
}

} // namespace

TEST_CASE("civil time arithmetic") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  auto t = civil_from_seconds(1718769302); // 2024-06-19 03:55:02 UTC, Wednesday
  CHECK(t.year == 2024);
  CHECK(t.month == 6);
  CHECK(t.day == 19);
  CHECK(t.hour == 3);
  CHECK(t.minute == 55);
  CHECK(t.second == 2);
  CHECK(t.weekday == 3);
  auto leap = civil_from_seconds(days_from_civil(2024, 2, 29) * 86400 + 86399);
  CHECK((leap.month == 2 && leap.day == 29 && leap.hour == 23 && leap.weekday == 4));
  auto before = civil_from_seconds(-1);
  CHECK((before.year == 1969 && before.month == 12 && before.day == 31 && before.second == 59 &&
         before.weekday == 3));
}

TEST_CASE("time zones from /usr/share/zoneinfo") {
  CHECK(offset("UTC", 1718769302) == 0);
  CHECK(offset("Asia/Shanghai", 1718769302) == 8 * 3600);
  // Before the first transition: local mean time (type 0).
  CHECK(offset("Asia/Shanghai", -2209017943) == 29143);
  // New York DST starts 2024-03-10 02:00 EST.
  CHECK(offset("America/New_York", 1710053999) == -5 * 3600);
  CHECK(offset("America/New_York", 1710054000) == -4 * 3600);
  // 2050 is past the transitions in the file: the footer rule decides.
  CHECK(offset("America/New_York", 2540304000) == -4 * 3600);
  CHECK(offset("America/New_York", 2524669200) == -5 * 3600);
  // Southern hemisphere: DST across the new year.
  CHECK(offset("Australia/Sydney", 2550704400) == 11 * 3600);
  CHECK(offset("Australia/Sydney", 2540167200) == 10 * 3600);

  auto local = (*load_time_zone("Asia/Shanghai"))->local_time(1718769302);
  CHECK((local.hour == 11 && local.minute == 55 && local.weekday == 3));
}

TEST_CASE("unknown and malformed zone names") {
  for (const char* bad : {"Mars/Olympus", "", "../etc/passwd", "/etc/localtime", "Asia/",
                          "zone.tab", "America"}) {
    auto z = load_time_zone(bad);
    REQUIRE_FALSE(z);
    CHECK(code_of(z.error()) == errc::invalid_argument);
  }
}

TEST_CASE("POSIX TZ strings") {
  auto cst = parse_posix_tz("CST-8");
  REQUIRE(cst);
  CHECK(cst->std_offset == 8 * 3600);
  CHECK_FALSE(cst->has_dst);

  auto cet = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  REQUIRE(cet);
  CHECK(cet->has_dst);
  CHECK(cet->dst_offset == 2 * 3600);
  CHECK((cet->end.month == 10 && cet->end.week == 5 && cet->end.time == 3 * 3600));

  auto quoted = parse_posix_tz("<+0330>-3:30");
  REQUIRE(quoted);
  CHECK(quoted->std_offset == 3 * 3600 + 1800);

  auto julian = parse_posix_tz("<-03>3<-02>,J60/-1,J300/25");
  REQUIRE(julian);
  CHECK((julian->start.kind == 'J' && julian->start.n == 60 && julian->start.time == -3600));

  for (const char* bad : {"", "X-1", "CET", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.5.0"})
    CHECK_FALSE(parse_posix_tz(bad));
}
