#pragma once
// Plain types of the node agent's protocol (node_messages.hpp), apart from their CAF
// serialization (node_wire.hpp) so that pure code can use them without CAF.

#include "actors/runtime/process.hpp"
#include "actors/worker/launch_plan.hpp"

#include <cstdint>

namespace ever::node {

/// Reply to start: the process runs (not ready yet).
struct started {
  runtime::process_id id;
  uint16_t port = 0;
};

} // namespace ever::node
