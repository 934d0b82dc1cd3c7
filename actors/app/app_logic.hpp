#pragma once
// Pure decisions of the app actor: new worker records, counts for views, whether an update needs
// a rolling replacement of workers.

#include "core/model.hpp"

#include <map>
#include <string>
#include <vector>

namespace ever::app {

/// A fresh worker record for `app` in CREATED/IN_FLIGHT.
worker_record new_worker(const app_record& app, const std::string& node, time_ms now);

/// True if running workers must be replaced for `next` (what the process sees changed), false if
/// only scaling, queue or metadata settings changed.
bool needs_rollout(const app_spec& current, const app_spec& next);

/// (ready, desired) over the live workers.
std::pair<int64_t, int64_t> count_workers(const std::map<std::string, worker_record>& workers);

} // namespace ever::app
