#pragma once
// Workers by status for /metrics: the app actor publishes the statuses of its live workers after
// every change; terminal transitions are counted separately, because the app forgets a worker
// once it is TERMINATED or ERROR.

#include "actors/common/metrics.hpp"
#include "core/model.hpp"

#include <string>
#include <vector>

namespace ever {

/// Sets `ever_workers{<app_label>,status="S"}` for every worker status S to how many of
/// `statuses` are S, including 0 for the absent ones, so a status that empties reads 0.
void publish_worker_gauges(metrics_registry& m, const std::string& app_label,
                           const std::vector<worker_status>& statuses);

/// Adds one to `ever_worker_exits_total{<app_label>,status="S"}` (S: TERMINATED or ERROR).
void count_worker_exit(metrics_registry& m, const std::string& app_label, worker_status s);

/// Declares HELP/TYPE of the two series above.
void describe_worker_metrics(metrics_registry& m);

} // namespace ever
