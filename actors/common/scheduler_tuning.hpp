#pragma once
// The CAF scheduler settings everd runs with, in one place so that the benchmarks measure the
// same scheduler as everd.

#include <caf/fwd.hpp>

namespace ever {

/// Messages an actor handles before it yields its thread (CAF's default: unbounded).
constexpr int scheduler_max_throughput = 100;

/// `threads` scheduler threads (0: one per hardware thread) with everd's work-stealing
/// settings.
void tune_scheduler(caf::actor_system_config& cfg, int threads);

} // namespace ever
