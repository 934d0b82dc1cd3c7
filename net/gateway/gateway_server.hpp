#pragma once
// The HTTP front door: health, metrics, the management API and the data-plane reverse proxy.
// Serves everything through control_port, so this header (included by CAF translation units)
// carries neither CAF actors nor Beast; the Asio/Beast machinery lives behind a pimpl.

#include "core/knobs.hpp"
#include "net/control_port.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ever::net {

/// An HTTP/1.1 server on a pool of Asio threads. Lifecycle: construct, start() once,
/// optionally stop_accepting() + drain(), then stop() (the destructor stops too).
/// `port` must outlive the server; callbacks that `port` runs after the server is gone are safe
/// (grants they carry are released as client_gone).
class gateway_server {
public:
  /// Does not bind yet. `k` is copied. `host` is an address or name to listen on; `port` 0 picks
  /// an ephemeral port.
  gateway_server(control_port& port, const knobs& k, std::string host, uint16_t port_no);
  ~gateway_server();

  gateway_server(const gateway_server&) = delete;
  gateway_server& operator=(const gateway_server&) = delete;

  /// Binds, listens and starts `knobs.gateway_threads` io threads. Returns the bound port.
  /// Throws std::runtime_error naming the address if it cannot listen.
  uint16_t start();

  /// Closes the listening socket; open connections finish their current request and then close.
  void stop_accepting();

  /// Waits until no request is in flight (true) or `grace` has passed (false).
  bool drain(std::chrono::milliseconds grace);

  /// Closes every connection (grants still held are released as client_gone) and joins the io
  /// threads. Idempotent.
  void stop();

  /// Requests whose header has arrived and whose answer is not yet complete.
  size_t in_flight() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ever::net
