#pragma once
// IANA time zones for the time-match decorator, read from the TZif files under /usr/share/zoneinfo
// (or $TZDIR) by our own reader, so no process-global TZ/tzset state is touched.

#include "core/errc.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ever::policy {

/// A broken-down civil time.
struct civil_time {
  int64_t year = 1970;
  int month = 1;   ///< 1-12
  int day = 1;     ///< 1-31
  int hour = 0;    ///< 0-23
  int minute = 0;  ///< 0-59
  int second = 0;  ///< 0-59
  int weekday = 4; ///< 0 = Sunday ... 6 = Saturday
};

/// Civil time of `seconds` counted from 1970-01-01 00:00:00 (no zone applied).
civil_time civil_from_seconds(int64_t seconds);
/// Days from 1970-01-01 to the given proleptic Gregorian date.
int64_t days_from_civil(int64_t year, int month, int day);

/// One loaded zone: UTC offsets over time.
class time_zone {
public:
  /// Seconds east of UTC in effect at `utc_seconds`.
  int64_t utc_offset(int64_t utc_seconds) const;
  /// Local civil time at `utc_seconds`.
  civil_time local_time(int64_t utc_seconds) const;

  /// DST rule of a POSIX TZ string (the TZif footer, e.g. "EST5EDT,M3.2.0,M11.1.0").
  struct posix_rule {
    int64_t std_offset = 0; ///< seconds east of UTC
    bool has_dst = false;
    int64_t dst_offset = 0;
    struct date {
      char kind = 'M'; ///< 'J': Jn (1-365, no Feb 29), 'D': n (0-365), 'M': Mm.w.d
      int n = 0, month = 0, week = 0, weekday = 0;
      int64_t time = 7200; ///< seconds after local midnight, may be negative or > 24 h
    } start, end;
  };

  std::vector<int64_t> transitions;      ///< UTC seconds, ascending
  std::vector<uint8_t> transition_types; ///< index into offsets per transition
  std::vector<int64_t> offsets;          ///< seconds east of UTC per local time type
  bool has_footer = false;
  posix_rule footer;                     ///< used after the last transition when has_footer
};

/// Loads (and caches) zone `name`, e.g. "Asia/Shanghai"; "UTC" needs no file.
/// errc::invalid_argument for a malformed or unknown name or an unreadable file.
expected<std::shared_ptr<const time_zone>> load_time_zone(const std::string& name);

/// Parses a TZif file's bytes (RFC 8536, versions 1-4).
expected<time_zone> parse_tzif(const std::string& bytes);

/// Parses a POSIX TZ string such as "CST-8" or "CET-1CEST,M3.5.0,M10.5.0/3".
expected<time_zone::posix_rule> parse_posix_tz(const std::string& text);

} // namespace ever::policy
