#include "net/gateway/idle_poll.hpp"

namespace ever::net::gateway_detail {

namespace {
// Polling pays when at least half of the polls save a wake-up; below that, the budgets spent on
// the misses outweigh the wake-ups saved (both are about the same tens of µs here).
constexpr double pays_off = 0.5;
constexpr double weight = 1.0 / 8;
} // namespace

idle_poll::duration idle_poll::next_idle() {
  if (!enabled())
    return duration::zero();
  if (hit_rate_ >= pays_off || ++since_probe_ >= probe_every) {
    since_probe_ = 0;
    return budget_;
  }
  return duration::zero();
}

void idle_poll::record_poll(bool found_work) {
  hit_rate_ += ((found_work ? 1.0 : 0.0) - hit_rate_) * weight;
}

} // namespace ever::net::gateway_detail
