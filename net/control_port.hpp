#pragma once
// What the HTTP side needs from the control plane, as a plain C++ interface. The real
// implementation (caf_control_port) turns these calls into actor messages; tests use fakes.
// No CAF and no Beast here: this header is included by both sides.

#include "core/errc.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ever::queue {
class shared_queue;
}

namespace ever::net {

/// An app found for a gateway path.
struct route_match {
  std::string ns;
  std::string app;
  bool is_public = false;
  std::string rest; ///< the path to forward to the worker, starting with '/', query excluded
  /// The app's queue logic when it lives in this process (the port's fast path), else empty.
  std::shared_ptr<queue::shared_queue> lane;
};

/// A worker granted to one request by the app's queue.
struct lease_grant {
  uint64_t lease_id = 0;
  std::string worker_id;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

/// How a leased request ended.
enum class lease_end : uint8_t {
  ok,            ///< the worker answered (any HTTP status)
  worker_failed, ///< connect failed or the worker broke the connection mid-request
  client_gone,   ///< the client went away before the answer was complete
};

/// A management API request, already authenticated.
struct http_call {
  std::string method; ///< "GET", "POST", ...
  std::string target; ///< path and query, e.g. "/api/apps/v1/namespaces/default/apps?x=1"
  std::string body;
};

/// A complete (non-streamed) HTTP answer.
struct http_reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using lease_callback = std::function<void(expected<lease_grant>)>;
using reply_callback = std::function<void(http_reply)>;

class control_port {
public:
  virtual ~control_port() = default;

  /// Finds the app for the part of a gateway path after "/api/routes/v1/": either
  /// "<route>/<path...>" or "<ns>/<app>/<path...>". Thread-safe, asks no actor.
  virtual std::optional<route_match> resolve(std::string_view path) = 0;

  /// True if `token` is a valid bearer token (constant-time). Thread-safe, asks no actor.
  virtual bool check_token(std::string_view token) = 0;

  /// Fast path: a worker granted now, on the calling thread, without asking any actor; nullopt
  /// when the request has to go through lease() (it may have to wait). A grant from here is
  /// released with release() like any other.
  virtual std::optional<lease_grant> try_lease(const route_match&, const std::string& session) {
    (void)session;
    return std::nullopt;
  }

  /// Asks the app's queue for a worker. `cb` runs exactly once, on any thread: with a grant, or
  /// with errc::queue_full (429), errc::queue_timeout (504), errc::not_found (404),
  /// errc::unavailable (503).
  virtual void lease(const route_match& route, std::string session, lease_callback cb) = 0;

  /// Returns a lease to the queue. Must be called exactly once per grant.
  virtual void release(const route_match& route, const lease_grant& grant, lease_end how) = 0;

  /// Serves one management API call (/api/apps/v1/...). `cb` runs exactly once, on any thread.
  virtual void manage(http_call call, reply_callback cb) = 0;

  /// Prometheus text for /metrics. Thread-safe.
  virtual std::string metrics() = 0;
};

} // namespace ever::net
