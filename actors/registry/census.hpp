#pragma once
// The census: every live actor of a registered kind in this process, for the console's `actors`
// and `inspect`. CAF 0.17 cannot enumerate actors (its registry holds only named or published
// ones, and the profiler hook is compiled out of Debian's build), so each spawn function enrolls
// its actor here. Entries hold weak handles (the census never keeps an actor alive) and are
// removed by a functor attached to the actor when it exits.

#include "core/time.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ever {

struct control_context;

namespace registry {

/// One live actor as the console lists it.
struct census_row {
  std::string type;     ///< registry name, e.g. "ever.queue"
  uint64_t id = 0;      ///< CAF actor id (unique within its node)
  std::string node;     ///< control_context::node_name of the process
  time_ms started = 0;  ///< when it was enrolled (context clock)
  std::string label;    ///< what it is about, e.g. "default/demo" for an app's queue
  std::string mailbox;  ///< "idle" (waiting, provably empty) or "busy" (running or queued)
};

/// Enrolls `a` as a live actor of `type` and returns it unchanged (so spawn functions can wrap
/// their `return sys.spawn(...)`). A null handle is returned as is and not enrolled.
caf::actor enroll(caf::actor a, const std::string& type, const control_context& ctx,
                  std::string label = {});

/// The live actors, oldest first. Actors that exited are not listed.
std::vector<census_row> census_rows();

/// The live actor with CAF id `id` in this process, or a null handle.
caf::actor census_find(uint64_t id);

/// Number of live actors of `type` in this process.
size_t census_count(const std::string& type);

} // namespace registry
} // namespace ever
