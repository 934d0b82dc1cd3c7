#pragma once
// One client connection: reads requests, authenticates, routes, answers management calls and
// proxies data-plane requests to workers. Internal to the gateway (Asio/Beast).
//
// Everything of one session runs on its event loop (one io_context, one thread; see
// loop_types.hpp). The only cross-thread entry points are the port callbacks, which post back
// onto that loop. Request flow:
//   read_header -> route (auth first) -> read_body -> port.manage | port.lease -> reply | proxy
// Proxy flow (proxy.cpp):
//   pooled or fresh upstream connection -> write request -> read response header -> stream the body
//   piece by piece (read <= 16 KiB, write it, read again) -> release the grant exactly once.

#include "net/gateway/gateway_context.hpp"
#include "net/gateway/loop_types.hpp"
#include "net/gateway/upstream_pool.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ever::net::gateway_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

/// Bytes of a worker's response body read (and then written to the client) at a time.
inline constexpr size_t body_piece_bytes = 16 * 1024;
/// Limit on a worker's response header block.
inline constexpr uint32_t upstream_header_limit = 64 * 1024;

/// A beast/boost string_view as a std::string_view.
inline std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

class session : public std::enable_shared_from_this<session> {
public:
  /// `sock` is an accepted connection; the session runs on its executor's loop, whose idle
  /// worker connections `pool` holds.
  session(gateway_context& ctx, upstream_pool& pool, socket_type sock);
  ~session();

  /// Starts serving. Call on the loop.
  void start();
  /// Server stop: closes everything now (a held grant is released as client_gone). On the loop.
  void abort();
  /// Graceful stop: closes the connection if it is between requests. On the loop.
  void close_if_idle();

  const loop_executor& executor() const { return ex_; }

private:
  enum class target_kind : uint8_t { other, management, data };
  enum class timer_use : uint8_t { body, connect, linger };
  enum class out_mode : uint8_t { none, raw, chunked };
  using steady_time = std::chrono::steady_clock::time_point;

  // session.cpp: requests
  void read_header();
  void on_header(error_code ec);
  void begin_request();
  void end_request();
  void route_request();
  void route_data_plane(std::string_view route_path);
  bool authorized();
  void read_body();
  void read_body_some();
  void on_body_some(error_code ec);
  void on_body_ready();
  void call_manage();
  /// From a control_port callback (any thread): runs `fn(session&)` on the session's loop if
  /// the server is still open and the session alive. The gate's shared lock is held across the
  /// post so stop() cannot tear the io_context down in between (see port_gate). Whatever `fn`
  /// owns (e.g. a lease_guard) is destroyed after the lock is dropped when nothing is posted.
  template <class Fn>
  static void post_if_live(const std::weak_ptr<session>& weak,
                           const std::shared_ptr<port_gate>& gate, Fn fn);
  void on_manage_reply(uint64_t gen, http_reply r);
  void call_lease();
  void on_lease_error(uint64_t gen, const caf::error& err);
  void on_lease_granted(uint64_t gen, lease_guard guard);
  http::request_header<>& request_header();
  bool request_body_unread() const;
  bool request_line_too_long() const;

  // session.cpp: replies and closing
  void begin_reply(int status, std::string_view content_type);
  void add_header(std::string_view name, std::string_view value);
  void finish_reply(std::string body, bool force_close = false);
  void on_reply_written(error_code ec, bool close);
  void reply_error(int status, std::string_view code, std::string_view message,
                   bool force_close = false);
  void reply_unauthorized();
  void arm_timer(int64_t ms, timer_use use);
  void cancel_timer();
  void on_timer(error_code ec, uint64_t gen, timer_use use);

  // session_clock.cpp: the header deadline and the slow-exchange check, without a timer
  // operation per request (see there)
  void set_header_deadline();
  void clear_header_deadline() { header_deadline_ = {}; }
  void begin_exchange();
  void end_exchange() { exchange_since_ = {}; }
  void schedule_clock(steady_time at);
  void on_clock(error_code ec, uint64_t gen);
  void stop_clock();
  void start_watch();
  void stop_watch();
  void on_watch(error_code ec, uint64_t gen);
  void linger_close();
  void linger_read();
  void close_now();
  void reset_close();

  // proxy.cpp
  void start_proxy();
  void build_upstream_request();
  void connect_upstream();
  void connect_to(const tcp::endpoint& ep);
  void on_connect(error_code ec, uint64_t gen);
  void write_upstream();
  void on_upstream_written(error_code ec, uint64_t gen);
  void read_upstream_header();
  void on_upstream_header(error_code ec, uint64_t gen);
  void retry_or_fail();
  void fail_before_header(std::string_view message);
  void send_head();
  void stream_body();
  size_t pump_buffered(error_code& ec);
  void read_upstream_body();
  void on_upstream_body(error_code ec, uint64_t gen);
  void write_out(size_t n, bool done);
  void on_client_written(error_code ec);
  void finish_exchange();
  void fail_after_header();
  void abort_exchange(lease_end how);
  void close_upstream();

  gateway_context& ctx_;
  upstream_pool& pool_;
  loop_executor ex_;
  socket_type sock_;
  timer_type timer_;
  uint64_t timer_gen_ = 0;
  timer_type clock_;            ///< the lazy timer of session_clock.cpp
  uint64_t clock_gen_ = 0;
  steady_time clock_at_{};       ///< when the pending wait of clock_ fires; {} if none
  steady_time header_deadline_{}; ///< {}: not reading a header
  steady_time exchange_since_{};  ///< {}: no fast-path exchange unwatched
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::empty_body>> head_;
  std::optional<http::request_parser<http::string_body>> body_;
  std::string peer_ip_;

  // connection
  bool closed_ = false;
  bool reading_header_ = false;
  bool watching_ = false;
  uint64_t watch_gen_ = 0;
  bool writing_ = false;    ///< a write to the client is in flight
  bool client_eof_ = false; ///< the watch saw the client leave while we were writing
  size_t linger_left_ = 0;

  // current request
  uint64_t request_gen_ = 0;
  bool request_active_ = false;
  bool keep_alive_ = false;
  bool http10_ = false;
  bool is_head_ = false;
  target_kind kind_ = target_kind::other;
  int status_ = 0;
  std::shared_ptr<const route_match> route_;
  std::optional<lease_guard> lease_;
  std::string out_;      ///< response head
  std::string out_body_; ///< body of a gateway-made response

  // upstream exchange
  std::optional<socket_type> up_;
  uint64_t up_gen_ = 0; ///< bumped when the upstream socket is closed: stale completions ignore
  std::optional<resolver_type> resolver_;
  std::string up_key_;
  std::string up_req_;
  beast::flat_buffer up_buf_;
  std::optional<http::response_parser<http::buffer_body>> res_;
  std::unique_ptr<char[]> piece_;
  std::chrono::steady_clock::time_point up_start_;
  bool reused_ = false;
  bool retried_ = false;
  bool up_got_bytes_ = false;
  bool head_pending_ = false;
  bool finishing_ = false;
  bool client_close_ = false;
  out_mode mode_ = out_mode::none;
  std::string chunk_hdr_;
};

} // namespace ever::net::gateway_detail
