#pragma once
// What every control-plane actor is given at spawn: the store, the clock, the knobs, the shared
// view, the data directory and the metrics. Owned by everd (or a test); outlives every actor.

#include "actors/common/metrics.hpp"
#include "actors/common/shared_view.hpp"
#include "core/knobs.hpp"
#include "core/time.hpp"
#include "storage/store.hpp"

#include <string>

namespace ever::cluster {
class cluster_state;
}

namespace ever {

struct control_context {
  storage::store* db = nullptr;
  const clock_source* clock = &system_clock();
  knobs limits;
  shared_view* view = nullptr;
  metrics_registry* metrics = nullptr;
  std::string data_dir;   ///< workers' dirs and logs live under <data_dir>/workers
  std::string node_name = "local";
  /// Members and placement (control node). Null in tests of a single node: workers then run on
  /// the node agent the app was given, as node `node_name`.
  cluster::cluster_state* cluster = nullptr;

  time_ms now() const { return clock->now(); }
};

} // namespace ever
