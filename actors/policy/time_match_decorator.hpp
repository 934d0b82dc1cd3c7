#pragma once
// `time-match` arguments decorator (everai-reference §4.2): overrides policy arguments while a
// cron expression matches the current time in a given time zone.

#include "actors/policy/pipeline.hpp"
#include "core/errc.hpp"
#include "core/time.hpp"

namespace ever::policy {

/// Applies `time-match`. `settings` holds `timezone` (IANA name, default UTC), keys
/// `match(<5 cron fields>)` whose values are prefixes, and prefixed settings such as
/// `weekday_day_max_workers`. For each matching matcher in key order, every setting starting
/// with its prefix sets the argument named by the rest; later matches win.
/// errc::invalid_argument for an unknown time zone or a malformed `match(...)` key.
expected<raw_arguments> apply_time_match(const raw_arguments& settings,
                                         const raw_arguments& arguments, time_ms now);

} // namespace ever::policy
