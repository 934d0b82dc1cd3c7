#pragma once
// Load for `ever policy simulate`: synthetic shapes of closed-loop clients ("const:2",
// "step:4@30s", "ramp:1-8@60s") or a recorded request log (CSV arrival_ms,service_ms). Pure text
// parsing; errors name what is wrong (errc::invalid_argument).

#include "core/errc.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ever::sim {

/// From `at` on, `clients` clients each keep one request outstanding (like `ab -c`).
struct client_step {
  time_ms at = 0;
  int64_t clients = 0;
};

/// One request of a recorded log.
struct logged_request {
  time_ms arrival = 0; ///< ms after the start of the run
  time_ms service = 0; ///< how long the worker takes to serve it
};

/// What loads the simulated app: closed-loop clients or a fixed list of requests.
struct trace {
  std::vector<client_step> clients;     ///< sorted by `at`; count holds until the next step
  std::vector<logged_request> requests; ///< sorted by arrival
  /// The last moment the trace changes (last step or last arrival).
  time_ms last_change() const;
};

/// "30s", "500ms", "2m", "1.5s"; a bare number is seconds. Errors name `what`.
expected<time_ms> parse_duration(const std::string& what, const std::string& text);

/// A load shape: comma-separated segments, each setting the client count from its start on
/// (later starts win):
///   const:N          N clients from 0
///   step:N@T         N clients from T
///   ramp:A-B@T+D     A clients at T rising (or falling) evenly to B at T+D
///   ramp:A-B@D       the same from 0: A at 0 to B at D
expected<trace> parse_load_shape(const std::string& spec);

/// A request log: one "arrival_ms,service_ms" line per request; an optional header line, blank
/// lines and lines starting with '#' are skipped. Errors name the line.
expected<trace> parse_request_log(std::string_view csv);

} // namespace ever::sim
