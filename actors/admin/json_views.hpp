#pragma once
// Records -> the JSON objects of docs/http-api.md. Pure.

#include "actors/app/app_messages.hpp"
#include "actors/queue/queue_logic.hpp"
#include "core/model.hpp"

#include "actors/cluster/cluster_messages.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace ever::admin {

/// ConfigMap or Secret; secret values are masked unless `reveal`.
nlohmann::json config_json(const config_record& r, bool secret, bool reveal);

/// App with worker counts.
nlohmann::json app_json(const app::app_view& v);

/// What the queue knows live about a worker (overlays the stored record).
struct live_worker_info {
  int64_t in_flight = 0;
  int64_t sessions = 0;
};

/// Worker; RUNNING workers show BUSY while a request is in flight.
nlohmann::json worker_json(const worker_record& w, const live_worker_info* live);

/// Queue entry at position `index`.
nlohmann::json queue_entry_json(const queue::waiter& w, size_t index);

nlohmann::json event_json(const event_record& e);

/// Decision; its stored factors/result JSON texts are embedded as objects.
nlohmann::json decision_json(const decision_record& d);

/// `{"error": {"code": ..., "message": ...}}`.
nlohmann::json error_json(const caf::error& err);

/// GET /nodes: one node as the control node sees it (now: for heartbeat age).
nlohmann::json node_json(const cluster::node_row& n);

/// True if a worker should be listed: live ones always; final ones only with show_all and when
/// created within `recent_days` of `now`.
bool worker_listed(const worker_record& w, bool show_all, int64_t recent_days, time_ms now);

} // namespace ever::admin
