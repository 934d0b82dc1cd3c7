#pragma once
// Plain types of the node agent's protocol (node_messages.hpp), apart from their CAF
// serialization (node_wire.hpp) so that pure code can use them without CAF.

#include "actors/runtime/process.hpp"
#include "actors/worker/launch_plan.hpp"

#include <cstdint>
#include <string>

namespace ever::node {

/// Reply to start: the process runs (not ready yet).
struct started {
  runtime::process_id id;
  uint16_t port = 0;
};

/// One recorded process to re-adopt after a restart (adopt_many_atom).
struct adoption {
  std::string worker_id;
  runtime::process_id id;
  uint16_t port = 0;
  std::string readiness_path;
};

} // namespace ever::node
