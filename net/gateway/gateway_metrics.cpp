#include "net/gateway/gateway_metrics.hpp"

#include "net/gateway/http_text.hpp"

#include <cstdio>

namespace ever::net::gateway_detail {

namespace {

// Prometheus label values escape backslash, double quote and newline.
void append_label(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_app_labels(std::string& out, std::string_view ns, std::string_view app) {
  out += "namespace=\"";
  append_label(out, ns);
  out += "\",app=\"";
  append_label(out, app);
  out += '"';
}

void append_double(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.9g", v);
  if (n > 0)
    out.append(buf, static_cast<size_t>(n));
}

} // namespace

gateway_metrics::app_stats& gateway_metrics::stats_for(std::string_view ns, std::string_view app) {
  auto it = apps_.find(key_view{ns, app});
  if (it == apps_.end())
    it = apps_.emplace(key{std::string(ns), std::string(app)}, app_stats{}).first;
  return it->second;
}

void gateway_metrics::count_request(std::string_view ns, std::string_view app, int status) {
  std::lock_guard<std::mutex> lk(mu_);
  ++stats_for(ns, app).by_status[status];
}

void gateway_metrics::observe_upstream(std::string_view ns, std::string_view app,
                                       int64_t nanoseconds) {
  double seconds = static_cast<double>(nanoseconds) / 1e9;
  size_t bucket = 0;
  while (bucket < latency_bounds.size() && seconds > latency_bounds[bucket])
    ++bucket;
  std::lock_guard<std::mutex> lk(mu_);
  auto& s = stats_for(ns, app);
  ++s.buckets[bucket];
  ++s.latency_count;
  s.latency_sum_ns += nanoseconds;
}

void gateway_metrics::render(std::string& out, int64_t in_flight, int64_t connections) const {
  std::lock_guard<std::mutex> lk(mu_);
  out += "# HELP ever_gateway_requests_total HTTP requests answered by the gateway, by app and "
         "status code.\n# TYPE ever_gateway_requests_total counter\n";
  for (const auto& [k, s] : apps_) {
    for (const auto& [status, n] : s.by_status) {
      out += "ever_gateway_requests_total{";
      append_app_labels(out, k.first, k.second);
      out += ",code=\"";
      append_number(out, static_cast<uint64_t>(status));
      out += "\"} ";
      append_number(out, n);
      out += '\n';
    }
  }
  out += "# HELP ever_gateway_upstream_latency_seconds Time from sending a request to a worker "
         "until its response header arrived.\n"
         "# TYPE ever_gateway_upstream_latency_seconds histogram\n";
  for (const auto& [k, s] : apps_) {
    if (s.latency_count == 0)
      continue;
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= latency_bounds.size(); ++i) {
      cumulative += s.buckets[i];
      out += "ever_gateway_upstream_latency_seconds_bucket{";
      append_app_labels(out, k.first, k.second);
      out += ",le=\"";
      if (i < latency_bounds.size())
        append_double(out, latency_bounds[i]);
      else
        out += "+Inf";
      out += "\"} ";
      append_number(out, cumulative);
      out += '\n';
    }
    out += "ever_gateway_upstream_latency_seconds_sum{";
    append_app_labels(out, k.first, k.second);
    out += "} ";
    append_double(out, static_cast<double>(s.latency_sum_ns) / 1e9);
    out += "\never_gateway_upstream_latency_seconds_count{";
    append_app_labels(out, k.first, k.second);
    out += "} ";
    append_number(out, s.latency_count);
    out += '\n';
  }
  out += "# HELP ever_gateway_in_flight_requests Requests received and not yet answered.\n"
         "# TYPE ever_gateway_in_flight_requests gauge\never_gateway_in_flight_requests ";
  append_number(out, static_cast<uint64_t>(in_flight < 0 ? 0 : in_flight));
  out += "\n# HELP ever_gateway_connections Open client connections.\n"
         "# TYPE ever_gateway_connections gauge\never_gateway_connections ";
  append_number(out, static_cast<uint64_t>(connections < 0 ? 0 : connections));
  out += "\n# HELP ever_gateway_idle_polls_total Times an idle event loop polled for the next "
         "event before sleeping, by whether one came within the budget.\n"
         "# TYPE ever_gateway_idle_polls_total counter\n"
         "ever_gateway_idle_polls_total{result=\"found\"} ";
  append_number(out, idle_polls_found.load(std::memory_order_relaxed));
  out += "\never_gateway_idle_polls_total{result=\"missed\"} ";
  append_number(out, idle_polls_missed.load(std::memory_order_relaxed));
  out += "\n# HELP ever_gateway_loop_sleeps_total Times an event loop slept in epoll_wait for its "
         "next event (counted while gateway_idle_poll_us > 0).\n"
         "# TYPE ever_gateway_loop_sleeps_total counter\never_gateway_loop_sleeps_total ";
  append_number(out, loop_sleeps.load(std::memory_order_relaxed));
  out += '\n';
}

} // namespace ever::net::gateway_detail
