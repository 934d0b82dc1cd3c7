#include "actors/common/worker_gauges.hpp"

#include <array>

namespace ever {

namespace {

constexpr std::array<worker_status, 7> all_statuses{
  worker_status::created,     worker_status::initialized, worker_status::pending,
  worker_status::running,     worker_status::terminating, worker_status::terminated,
  worker_status::error};

std::string status_labels(const std::string& app_label, worker_status s) {
  return app_label + ",status=\"" + to_string(s) + "\"";
}

} // namespace

void publish_worker_gauges(metrics_registry& m, const std::string& app_label,
                           const std::vector<worker_status>& statuses) {
  for (auto s : all_statuses) {
    int64_t n = 0;
    for (auto t : statuses)
      n += t == s ? 1 : 0;
    m.set_gauge("ever_workers", status_labels(app_label, s), static_cast<double>(n));
  }
}

void count_worker_exit(metrics_registry& m, const std::string& app_label, worker_status s) {
  m.add_counter("ever_worker_exits_total", status_labels(app_label, s));
}

void describe_worker_metrics(metrics_registry& m) {
  m.describe("ever_workers", "gauge", "Live workers of the app by status");
  m.describe("ever_worker_exits_total", "counter",
             "Workers that reached TERMINATED or ERROR, by that status");
}

} // namespace ever
