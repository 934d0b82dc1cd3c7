#include "actors/common/scheduler_tuning.hpp"

#include <caf/actor_system_config.hpp>

#include <algorithm>
#include <thread>

namespace ever {

void tune_scheduler(caf::actor_system_config& cfg, int threads) {
  if (threads <= 0)
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cfg.set("scheduler.max-threads", threads);
  // Idle workers otherwise poll in 50 µs sleeps first, adding ~100 µs to every wake-up
  // (caf-0.17-notes §5.1).
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  // A busy actor yields after this many messages, so the actors it made runnable run before it
  // goes on. Otherwise one handler pass can queue a whole burst on one thread (a restart
  // re-adopting 100,000 workers), and CAF 0.17's steal walks the victim's whole run queue under
  // its locks: quadratic, the restart stalled (docs/benchmarks.md, section 3).
  cfg.set("scheduler.max-throughput", scheduler_max_throughput);
}

} // namespace ever
