#pragma once
// Test doubles for the gateway: a fake control_port, a tiny worker ("upstream") server and a raw
// socket HTTP client. Everything listens on 127.0.0.1 port 0 and lives inside the test process.

#include "net/control_port.hpp"
#include "net/gateway/gateway_server.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace gwtest {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Runs tasks on one background thread, each no earlier than its due time: port callbacks then
/// arrive on a foreign thread, as they do from CAF.
class task_thread {
public:
  task_thread();
  ~task_thread();
  void post(std::function<void()> fn, std::chrono::milliseconds delay = 0ms);

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<clock::time_point, std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

/// A control_port with a route table, the token "secret", and an upstream for every grant.
class fake_port : public ever::net::control_port {
public:
  fake_port();
  ~fake_port() override;

  // configuration (set before requests)
  void add_route(std::string name, bool is_public, std::string ns = "default",
                 std::string app = {});
  uint16_t upstream_port = 0;
  std::string upstream_host = "127.0.0.1";
  std::optional<ever::errc> lease_error; ///< lease fails with this code
  std::chrono::milliseconds lease_delay{0};
  bool inline_callbacks = false; ///< run lease/manage callbacks inside the call (caller's thread)
  bool fast_grants = false; ///< try_lease grants (like a local queue with a free worker)
  ever::net::http_reply manage_reply;

  // control_port
  std::optional<ever::net::route_match> resolve(std::string_view path) override;
  bool check_token(std::string_view token) override;
  std::optional<ever::net::lease_grant> try_lease(const ever::net::route_match& route,
                                                  const std::string& session) override;
  void lease(const ever::net::route_match& route, std::string session,
             ever::net::lease_callback cb) override;
  void release(const ever::net::route_match& route, const ever::net::lease_grant& grant,
               ever::net::lease_end how) override;
  void manage(ever::net::http_call call, ever::net::reply_callback cb) override;
  std::string metrics() override;

  // observations
  int lease_calls() const { return lease_calls_.load(); }
  int fast_grants_made() const { return fast_grants_made_.load(); }
  int manage_calls() const { return manage_calls_.load(); }
  int grants();
  int releases();
  std::vector<ever::net::lease_end> ends();
  std::vector<std::string> sessions();
  std::optional<ever::net::http_call> last_call();
  /// Waits until `n` releases were recorded.
  bool wait_releases(int n, std::chrono::milliseconds timeout = 3s);
  /// Empty if every grant was released exactly once; otherwise what is wrong.
  std::string balance_problems();

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, ever::net::route_match> routes_;
  std::atomic<int> lease_calls_{0};
  std::atomic<int> fast_grants_made_{0};
  std::atomic<int> manage_calls_{0};
  uint64_t next_lease_ = 1;
  std::map<uint64_t, int> release_count_; ///< per granted lease id
  std::vector<uint64_t> bogus_releases_;
  std::vector<ever::net::lease_end> ends_;
  std::vector<std::string> sessions_;
  std::optional<ever::net::http_call> last_call_;
  task_thread tasks_; ///< last member: joined before the rest goes away
};

/// What the upstream saw of one request.
struct seen_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers; ///< lowercase name -> value (last wins)
  std::vector<std::string> header_names;      ///< as received, lowercase, in order
  std::string body;
};

/// A worker stand-in, one thread per connection. Paths:
///   /fixed        200, Content-Length, "hello world"
///   /big          200, Content-Length, 300000 patterned bytes (big_body())
///   /sse          200 chunked text/event-stream: 3 events 50 ms apart (event_times())
///   /sse-long     like /sse but 40 events 50 ms apart
///   /close-delim  200 without length or chunking, body "close-delimited body", then close
///   /die-mid-body Content-Length 1000, sends 100 bytes, closes
///   /die-before   closes without answering
///   /slow         waits 300 ms, then like /fixed
///   /split-head   103 Early Hints, 20 ms, half a 200 header, 20 ms, the rest and "split head"
///   /echo         200, body = the request body; records the request (see requests())
///   anything else 404
class upstream_server {
public:
  upstream_server();
  ~upstream_server();
  uint16_t port() const { return port_; }
  int accepts() const { return accepts_.load(); }
  std::vector<seen_request> requests();
  std::vector<clock::time_point> event_times();
  static const std::string& big_body();

private:
  void accept_loop();
  void serve(int fd);
  std::atomic<bool> stop_{false};
  std::atomic<int> accepts_{0};
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> threads_;
  std::vector<seen_request> requests_;
  std::vector<clock::time_point> event_times_;
  std::thread acceptor_;
};

/// A parsed response.
struct response {
  int status = 0;
  int version = 11;
  std::map<std::string, std::string> headers; ///< lowercase name -> value
  std::string body;
  bool chunked = false;
  bool has(const std::string& name) const { return headers.count(name) > 0; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// Blocking client on a raw socket with a receive timeout, so a gateway bug fails a test instead
/// of hanging it.
class raw_client {
public:
  explicit raw_client(uint16_t port, std::chrono::milliseconds recv_timeout = 5s);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool send(std::string_view bytes);
  /// Reads one response (keep-alive aware). nullopt on timeout, error or early close.
  std::optional<response> read_response(bool head_request = false);
  /// Reads until the peer closes; `clean` tells EOF (true) from reset/timeout (false).
  std::string read_to_close(bool* clean = nullptr);
  /// Reads until `needle` is among the bytes received; returns when it arrived or nullopt.
  std::optional<clock::time_point> read_until(std::string_view needle);
  /// True if the peer closes (EOF or reset) within `within`.
  bool closed_within(std::chrono::milliseconds within);
  void close();
  int fd() const { return fd_; }
  const std::string& received() const { return all_; }

private:
  int recv_some(); ///< >0 bytes appended to pending_, 0 EOF, <0 error/timeout
  int fd_ = -1;
  std::string pending_; ///< received, not yet consumed by read_response
  std::string all_;     ///< everything received by read_until
};

/// A gateway on an ephemeral port plus an upstream and a fake port wired to it. The destructor
/// stops the server and checks that every grant was released exactly once.
struct fixture {
  explicit fixture(std::function<void(ever::knobs&)> tweak = {});
  ~fixture();
  std::optional<response> get(const std::string& raw_request, bool head = false);
  static std::string req(const std::string& method, const std::string& target,
                         const std::string& extra_headers = {}, const std::string& body = {});

  ever::knobs knobs;
  upstream_server upstream;
  fake_port port;
  std::unique_ptr<ever::net::gateway_server> server;
  uint16_t gw_port = 0;
};

} // namespace gwtest
