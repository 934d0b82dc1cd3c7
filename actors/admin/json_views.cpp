#include "actors/admin/json_views.hpp"

namespace ever::admin {

using nlohmann::json;

json config_json(const config_record& r, bool secret, bool reveal) {
  json data = json::object();
  for (const auto& [k, v] : r.data)
    data[k] = secret && !reveal ? "***" : v;
  return {{"name", r.name},         {"namespace", r.ns},         {"data", data},
          {"revision", r.revision}, {"createdAt", r.created_at}, {"updatedAt", r.updated_at}};
}

json app_json(const app::app_view& v) {
  const auto& s = v.record.spec;
  const char* scaler = s.autoscaler.kind == autoscaler_spec::kind_t::manual      ? "manual"
                       : s.autoscaler.kind == autoscaler_spec::kind_t::container ? "container"
                                                                                : nullptr;
  return {{"name", s.name},
          {"namespace", s.ns},
          {"status", to_string(v.record.status)},
          {"revision", v.record.revision},
          {"routePath", s.route_path.empty() ? s.name : s.route_path},
          {"public", s.is_public},
          {"workers", {{"ready", v.ready}, {"desired", v.desired}}},
          {"autoscaler", scaler ? std::string{scaler} : s.autoscaler.name},
          {"createdAt", v.record.created_at},
          {"updatedAt", v.record.updated_at},
          {"manifest", v.record.manifest}};
}

json worker_json(const worker_record& w, const live_worker_info* live) {
  auto detail = w.detail;
  if (w.status == worker_status::running && live)
    detail = live->in_flight > 0 ? worker_detail::busy : worker_detail::free;
  return {{"id", w.id},
          {"namespace", w.ns},
          {"app", w.app},
          {"node", w.node},
          {"status", to_string(w.status)},
          {"detailStatus", to_string(detail)},
          {"createdAt", w.created_at},
          {"startedAt", w.started_at},
          {"deletedAt", w.deleted_at},
          {"lastServeAt", w.last_service_at},
          {"successCount", w.success_count},
          {"failedCount", w.failure_count},
          {"sessionNumber", live ? live->sessions : 0},
          {"pid", w.pid},
          {"port", w.port},
          {"revision", w.app_revision},
          {"message", w.message}};
}

json queue_entry_json(const queue::waiter& w, size_t index) {
  return {{"index", index}, {"createdAt", w.created_at}, {"reason", to_string(w.reason)}};
}

json event_json(const event_record& e) {
  return {{"seq", e.seq},
          {"type", to_string(e.type)},
          {"from", e.from},
          {"createdAt", e.created_at},
          {"message", e.message}};
}

json decision_json(const decision_record& d) {
  auto embed = [](const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json(text) : j;
  };
  return {{"seq", d.seq},
          {"at", d.at},
          {"policy", d.policy},
          {"arguments", d.arguments},
          {"factors", embed(d.factors_json)},
          {"result", embed(d.result_json)},
          {"reason", d.reason}};
}

json error_json(const caf::error& err) {
  return {{"error", {{"code", to_string(code_of(err))}, {"message", message_of(err)}}}};
}

bool worker_listed(const worker_record& w, bool show_all, int64_t recent_days, time_ms now) {
  if (!is_final(w.status))
    return true;
  if (!show_all)
    return false;
  return recent_days <= 0 || now - w.created_at <= recent_days * 86'400'000;
}

nlohmann::json node_json(const cluster::node_row& n) {
  auto resource = [](double total, double used) {
    return nlohmann::json{{"total", total}, {"used", used}};
  };
  return {{"name", n.info.name},
          {"address", n.info.address},
          {"status", cluster::to_string(n.status)},
          {"generation", n.generation},
          {"cpu", resource(n.info.total.cpu, n.used.cpu)},
          {"memoryMb", resource(static_cast<double>(n.info.total.memory_mb),
                                static_cast<double>(n.used.memory_mb))},
          {"gpu", resource(static_cast<double>(n.info.total.gpu), static_cast<double>(n.used.gpu))},
          {"workers", n.workers},
          {"labels", n.info.labels},
          {"lastHeartbeat", n.last_heartbeat}}; // ms since the epoch like every time; 0 = none
}

} // namespace ever::admin
