#include "actors/app/app_logic.hpp"

#include "actors/common/volume_files.hpp"
#include "core/ids.hpp"

#include <tuple>

namespace ever::app {

worker_record new_worker(const app_record& app, const std::string& node, time_ms now) {
  worker_record w;
  w.id = make_worker_id();
  w.ns = app.spec.ns;
  w.app = app.spec.name;
  w.node = node;
  w.status = worker_status::created;
  w.detail = worker_detail::in_flight;
  w.app_revision = app.revision;
  w.created_at = now;
  return w;
}

namespace {
auto value_tie(const value_source& v) {
  return std::make_tuple(v.value, v.ref.has_value(), v.ref ? v.ref->name : std::string{},
                         v.ref ? v.ref->key : std::string{},
                         v.ref ? static_cast<int>(v.ref->kind) : 0);
}
} // namespace

bool needs_rollout(const app_spec& a, const app_spec& b) {
  if (a.command != b.command || a.readiness_path != b.readiness_path
      || a.concurrency != b.concurrency || a.resource.cpu != b.resource.cpu
      || a.resource.memory_mb != b.resource.memory_mb || a.resource.gpu != b.resource.gpu
      || a.env.size() != b.env.size() || !same_volumes(a.volumes, b.volumes))
    return true;
  for (size_t i = 0; i < a.env.size(); ++i)
    if (a.env[i].name != b.env[i].name || value_tie(a.env[i].value) != value_tie(b.env[i].value))
      return true;
  return false;
}

std::pair<int64_t, int64_t> count_workers(const std::map<std::string, worker_record>& workers) {
  int64_t ready = 0, desired = 0;
  for (const auto& [id, w] : workers) {
    if (w.status == worker_status::running)
      ++ready;
    if (!is_final(w.status) && w.status != worker_status::terminating)
      ++desired;
  }
  return {ready, desired};
}

} // namespace ever::app
