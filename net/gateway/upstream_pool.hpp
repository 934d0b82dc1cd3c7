#pragma once
// Idle keep-alive connections to workers, keyed by "host:port". Internal to the gateway (Asio).

#include "net/gateway/loop_types.hpp"


#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ever::net::gateway_detail {

/// The idle connections of one event loop (sockets are registered with their loop's reactor and
/// cannot move to another). Sockets in it have no pending operation and belong to no session.
/// The lock is uncontended while serving; it guards stop() and metrics reads from other threads.
class upstream_pool {
public:
  using socket = socket_type;
  using clock = std::chrono::steady_clock;

  /// Keeps at most `max_idle_per_key` idle connections per worker; drops those idle longer than
  /// `max_idle_age` (workers that went away would otherwise pin their sockets forever).
  upstream_pool(size_t max_idle_per_key, clock::duration max_idle_age);

  /// The most recently returned connection to `key` that still looks alive, if any.
  std::optional<socket> acquire(const std::string& key);

  /// Returns a reusable connection; closes it instead if the worker already has enough idle ones.
  void put(const std::string& key, socket s);

  /// Closes every idle connection.
  void clear();

  /// Idle connections held, over all workers.
  size_t idle_count() const;

private:
  struct idle_conn {
    socket sock;
    clock::time_point since;
  };
  void sweep(clock::time_point now); // mu_ held

  size_t max_idle_per_key_;
  clock::duration max_idle_age_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<idle_conn>> idle_;
  clock::time_point last_sweep_ = clock::now();
};

/// True if an idle connection shows no sign of having been closed by the peer (no EOF, no error,
/// no unexpected bytes waiting). One non-blocking MSG_PEEK recv.
bool looks_alive(upstream_pool::socket& s);

} // namespace ever::net::gateway_detail
