#pragma once
// The 5-field cron expressions of the time-match decorator (everai-reference §4.2), read the way
// upstream's crontab library reads them: every field must match (day-of-month AND day-of-week),
// `*`, numbers, ranges a-b, lists, steps `*/n`, `a-b/n` and `a/n`; day-of-week 0 and 7 = Sunday.

#include "actors/policy/time_zone.hpp"
#include "core/errc.hpp"

#include <bitset>
#include <string>

namespace ever::policy {

/// A parsed "minute hour day-of-month month day-of-week" expression.
class cron_expr {
public:
  /// Parses exactly five space-separated fields of [0-9,*/-]. errc::invalid_argument on error.
  static expected<cron_expr> parse(const std::string& text);

  /// True if `t` (seconds ignored) matches every field.
  bool matches(const civil_time& t) const;

private:
  std::bitset<60> minute_;
  std::bitset<24> hour_;
  std::bitset<32> day_;   ///< 1-31
  std::bitset<13> month_; ///< 1-12
  std::bitset<7> weekday_; ///< 0 = Sunday
};

} // namespace ever::policy
