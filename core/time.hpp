#pragma once
// Time as plain numbers: every piece of logic takes `now` as an input; actors read it from one
// clock that tests replace.

#include <atomic>
#include <cstdint>
#include <string>

namespace ever {

/// Milliseconds since the Unix epoch.
using time_ms = int64_t;

/// Source of the current wall-clock time.
class clock_source {
public:
  virtual ~clock_source() = default;
  /// Current time in epoch milliseconds.
  virtual time_ms now() const = 0;
};

/// The real wall clock.
class system_clock_source final : public clock_source {
public:
  time_ms now() const override;
};

/// A clock that only moves when told to (tests, simulation).
class manual_clock_source final : public clock_source {
public:
  explicit manual_clock_source(time_ms start = 1'700'000'000'000) : now_(start) {}
  time_ms now() const override { return now_.load(); }
  /// Moves the clock forward by `delta` milliseconds.
  void advance(time_ms delta) { now_ += delta; }
  /// Sets the clock to `t`.
  void set(time_ms t) { now_ = t; }

private:
  std::atomic<time_ms> now_;
};

/// The process-wide real clock.
const clock_source& system_clock();

/// Formats `t` in local time as `2024-05-11 19:00:52+0800`; 0 formats as an empty string.
std::string format_time(time_ms t);

/// Formats a duration in the style of kubectl: `45s`, `3m12s`, `2h5m`, `3d4h`.
std::string format_age(time_ms duration);

} // namespace ever
