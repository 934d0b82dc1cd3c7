// The control plane's /metrics text: gauges, counters, histograms, forgetting an app, and the
// workers-by-status series the app actor publishes. Also the gateway's token check shortcut.

#include "actors/common/metrics.hpp"
#include "actors/common/shared_view.hpp"
#include "actors/common/worker_gauges.hpp"
#include "core/token.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace ever;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    if (l == line)
      return true;
  return false;
}

} // namespace

TEST_CASE("metrics: gauges, counters and HELP/TYPE render in Prometheus text", "[metrics]") {
  metrics_registry m;
  m.describe("ever_queue_length", "gauge", "Requests waiting");
  m.set_gauge("ever_queue_length", app_label("default", "a"), 3);
  m.set_gauge("ever_queue_length", app_label("default", "a"), 2);
  m.add_counter("ever_scale_actions_total", app_label("default", "a") + ",direction=\"up\"");
  m.add_counter("ever_scale_actions_total", app_label("default", "a") + ",direction=\"up\"", 2);
  auto text = m.render();
  CHECK(has_line(text, "# HELP ever_queue_length Requests waiting"));
  CHECK(has_line(text, "# TYPE ever_queue_length gauge"));
  CHECK(has_line(text, "ever_queue_length{app=\"default/a\"} 2"));
  CHECK(has_line(text, "ever_scale_actions_total{app=\"default/a\",direction=\"up\"} 3"));
}

TEST_CASE("metrics: a histogram has cumulative buckets, +Inf, sum and count", "[metrics]") {
  metrics_registry m;
  auto l = app_label("default", "a");
  m.observe("ever_decision_latency_seconds", l, 0.0002); // le 0.00025
  m.observe("ever_decision_latency_seconds", l, 0.003);  // le 0.005
  m.observe("ever_decision_latency_seconds", l, 60);     // only +Inf
  auto text = m.render();
  CHECK(has_line(text, "ever_decision_latency_seconds_bucket{app=\"default/a\",le=\"0.0001\"} 0"));
  CHECK(has_line(text, "ever_decision_latency_seconds_bucket{app=\"default/a\",le=\"0.00025\"} 1"));
  CHECK(has_line(text, "ever_decision_latency_seconds_bucket{app=\"default/a\",le=\"0.005\"} 2"));
  CHECK(has_line(text, "ever_decision_latency_seconds_bucket{app=\"default/a\",le=\"10\"} 2"));
  CHECK(has_line(text, "ever_decision_latency_seconds_bucket{app=\"default/a\",le=\"+Inf\"} 3"));
  CHECK(has_line(text, "ever_decision_latency_seconds_count{app=\"default/a\"} 3"));
}

TEST_CASE("metrics: workers by status list every status, 0 for the absent ones", "[metrics]") {
  metrics_registry m;
  describe_worker_metrics(m);
  auto l = app_label("default", "a");
  publish_worker_gauges(m, l, {worker_status::running, worker_status::running,
                               worker_status::pending});
  auto text = m.render();
  CHECK(has_line(text, "# TYPE ever_workers gauge"));
  CHECK(has_line(text, "ever_workers{app=\"default/a\",status=\"RUNNING\"} 2"));
  CHECK(has_line(text, "ever_workers{app=\"default/a\",status=\"PENDING\"} 1"));
  CHECK(has_line(text, "ever_workers{app=\"default/a\",status=\"TERMINATING\"} 0"));

  // A worker leaves: its status drops to 0 instead of keeping the last value.
  publish_worker_gauges(m, l, {worker_status::running, worker_status::running});
  count_worker_exit(m, l, worker_status::error);
  text = m.render();
  CHECK(has_line(text, "ever_workers{app=\"default/a\",status=\"PENDING\"} 0"));
  CHECK(has_line(text, "ever_worker_exits_total{app=\"default/a\",status=\"ERROR\"} 1"));
}

TEST_CASE("metrics: forgetting an app drops its series, not those of a longer app name",
          "[metrics]") {
  metrics_registry m;
  publish_worker_gauges(m, app_label("default", "a"), {worker_status::running});
  publish_worker_gauges(m, app_label("default", "ab"), {worker_status::running});
  m.observe("ever_decision_latency_seconds", app_label("default", "a"), 0.001);
  m.forget(app_label("default", "a"));
  auto text = m.render();
  CHECK_FALSE(has_line(text, "ever_workers{app=\"default/a\",status=\"RUNNING\"} 1"));
  CHECK(text.find("ever_decision_latency_seconds_count{app=\"default/a\"}") == std::string::npos);
  CHECK(has_line(text, "ever_workers{app=\"default/ab\",status=\"RUNNING\"} 1"));
}

// shared_view::check_token remembers the last valid token per thread; that must never outlive a
// change of the token set.

TEST_CASE("shared view: a remembered valid token stops being valid when the token set changes",
          "[metrics][token]") {
  shared_view view;
  view.set_token_hashes(std::make_shared<std::vector<std::string>>(
    std::vector<std::string>{sha256_hex("alpha"), sha256_hex("beta")}));
  CHECK(view.check_token("alpha"));
  CHECK(view.check_token("alpha")); // the remembered path
  CHECK_FALSE(view.check_token("alphA"));
  CHECK_FALSE(view.check_token("alph"));
  CHECK(view.check_token("beta"));
  CHECK(view.check_token("alpha")); // remembered again, right before the change
  // "alpha" revoked: the same text must be refused at once.
  view.set_token_hashes(std::make_shared<std::vector<std::string>>(
    std::vector<std::string>{sha256_hex("beta")}));
  CHECK_FALSE(view.check_token("alpha"));
  CHECK(view.check_token("beta"));
  CHECK_FALSE(view.check_token(""));
}
