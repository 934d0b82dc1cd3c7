#pragma once
// ever-sample-app's HTTP server: a small Beast server whose endpoints exercise what Ever's gateway
// and node agent must handle (streaming, slow requests, readiness, workers dying mid-request).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ever::sample_app {

/// Command-line settings.
struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 1;        ///< io threads
  int service_ms = 1000;  ///< duration of a /sse or /work request
  int events = 5;         ///< SSE events per /sse response
  int ready_after_ms = 0; ///< the readiness path answers 503 until this long after start
};

class session;

/// Accepts connections and owns the graceful shutdown.
class server {
public:
  server(boost::asio::io_context& ioc, options opts);

  /// Binds and listens; throws boost::system::system_error on failure. Returns the bound port.
  uint16_t listen();
  /// Starts accepting (call once, after listen).
  void run();
  /// Stops accepting, closes idle connections, lets in-flight requests finish, then stops the
  /// io_context (after at most `grace`).
  void stop(std::chrono::milliseconds grace);

  const options& opts() const { return opts_; }
  bool stopping() const { return stopping_.load(); }
  /// True once --ready-after-ms has passed.
  bool ready() const;

  // Session bookkeeping, called by sessions.
  uint64_t add_session(const std::shared_ptr<session>& s);
  void remove_session(uint64_t id);

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  options opts_;
  std::chrono::steady_clock::time_point started_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer grace_timer_;
  std::atomic<bool> stopping_{false};
  std::mutex mtx_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::weak_ptr<session>> sessions_;
};

} // namespace ever::sample_app
