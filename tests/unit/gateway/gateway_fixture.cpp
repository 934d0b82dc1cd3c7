#include "gateway_fixture.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <exception>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace gwtest {

namespace http = boost::beast::http;
using ever::net::lease_end;

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c + 32);
  return s;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// task_thread

task_thread::task_thread() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      if (tasks_.empty()) {
        if (stop_)
          return;
        cv_.wait(lk);
        continue;
      }
      auto due = tasks_.begin()->first;
      // On stop, run what is left at once: a lease callback must not be lost.
      if (!stop_ && clock::now() < due) {
        cv_.wait_until(lk, due);
        continue;
      }
      auto fn = std::move(tasks_.begin()->second);
      tasks_.erase(tasks_.begin());
      lk.unlock();
      fn();
      lk.lock();
    }
  });
}

task_thread::~task_thread() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void task_thread::post(std::function<void()> fn, std::chrono::milliseconds delay) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    tasks_.emplace(clock::now() + delay, std::move(fn));
  }
  cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// fake_port

fake_port::fake_port() { manage_reply.body = "{}"; }
fake_port::~fake_port() = default;

void fake_port::add_route(std::string name, bool is_public, std::string ns, std::string app) {
  ever::net::route_match m;
  m.ns = std::move(ns);
  m.app = app.empty() ? name : std::move(app);
  m.is_public = is_public;
  std::lock_guard<std::mutex> lk(mu_);
  routes_[std::move(name)] = std::move(m);
}

std::optional<ever::net::route_match> fake_port::resolve(std::string_view path) {
  auto slash = path.find('/');
  std::string first(path.substr(0, slash));
  std::lock_guard<std::mutex> lk(mu_);
  auto it = routes_.find(first);
  if (it == routes_.end())
    return std::nullopt;
  auto m = it->second;
  m.rest = slash == std::string_view::npos ? "/" : std::string(path.substr(slash));
  return m;
}

bool fake_port::check_token(std::string_view token) { return token == "secret"; }

std::optional<ever::net::lease_grant> fake_port::try_lease(const ever::net::route_match&,
                                                           const std::string& session) {
  if (!fast_grants || lease_error)
    return std::nullopt;
  ++fast_grants_made_;
  ever::net::lease_grant g;
  {
    std::lock_guard<std::mutex> lk(mu_);
    sessions_.push_back(session);
    g.lease_id = next_lease_++;
    release_count_[g.lease_id] = 0;
  }
  g.worker_id = "w1";
  g.host = upstream_host;
  g.port = upstream_port;
  return g;
}

void fake_port::lease(const ever::net::route_match& route, std::string session,
                      ever::net::lease_callback cb) {
  ++lease_calls_;
  {
    std::lock_guard<std::mutex> lk(mu_);
    sessions_.push_back(session);
  }
  auto err = lease_error;
  auto task = [this, err, cb = std::move(cb)] {
        if (err) {
          cb(ever::make_error(*err, "fake lease failure"));
          return;
        }
        ever::net::lease_grant g;
        {
          std::lock_guard<std::mutex> lk(mu_);
          g.lease_id = next_lease_++;
          release_count_[g.lease_id] = 0;
        }
        g.worker_id = "w1";
        g.host = upstream_host;
        g.port = upstream_port;
        cb(std::move(g));
      };
  if (inline_callbacks)
    task();
  else
    tasks_.post(std::move(task), lease_delay);
}

void fake_port::release(const ever::net::route_match&, const ever::net::lease_grant& grant,
                        lease_end how) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = release_count_.find(grant.lease_id);
    if (it == release_count_.end())
      bogus_releases_.push_back(grant.lease_id);
    else
      ++it->second;
    ends_.push_back(how);
  }
  cv_.notify_all();
}

void fake_port::manage(ever::net::http_call call, ever::net::reply_callback cb) {
  ++manage_calls_;
  ever::net::http_reply reply;
  {
    std::lock_guard<std::mutex> lk(mu_);
    last_call_ = std::move(call);
    reply = manage_reply;
  }
  if (inline_callbacks)
    cb(std::move(reply));
  else
    tasks_.post([cb = std::move(cb), reply = std::move(reply)]() mutable { cb(std::move(reply)); });
}

std::string fake_port::metrics() { return "# TYPE fake_control_metric gauge\nfake_control_metric 7\n"; }

int fake_port::grants() {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(release_count_.size());
}

int fake_port::releases() {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(ends_.size());
}

std::vector<lease_end> fake_port::ends() {
  std::lock_guard<std::mutex> lk(mu_);
  return ends_;
}

std::vector<std::string> fake_port::sessions() {
  std::lock_guard<std::mutex> lk(mu_);
  return sessions_;
}

std::optional<ever::net::http_call> fake_port::last_call() {
  std::lock_guard<std::mutex> lk(mu_);
  return last_call_;
}

bool fake_port::wait_releases(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return static_cast<int>(ends_.size()) >= n; });
}

std::string fake_port::balance_problems() {
  std::lock_guard<std::mutex> lk(mu_);
  std::string out;
  for (const auto& [id, n] : release_count_)
    if (n != 1)
      out += "lease " + std::to_string(id) + " released " + std::to_string(n) + " times; ";
  for (auto id : bogus_releases_)
    out += "release of unknown lease " + std::to_string(id) + "; ";
  return out;
}

// ---------------------------------------------------------------------------------------------
// upstream_server

upstream_server::upstream_server() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("upstream cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

upstream_server::~upstream_server() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR); // wakes the blocking accept()
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (int fd : conns_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_)
    t.join();
  for (int fd : conns_)
    ::close(fd);
}

void upstream_server::accept_loop() {
  for (;;) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (stop_) {
      if (fd >= 0)
        ::close(fd);
      return;
    }
    if (fd < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    ++accepts_;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard<std::mutex> lk(mu_);
    conns_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

const std::string& upstream_server::big_body() {
  static const std::string body = [] {
    std::string s(300000, ' ');
    for (size_t i = 0; i < s.size(); ++i)
      s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
    return s;
  }();
  return body;
}

std::vector<seen_request> upstream_server::requests() {
  std::lock_guard<std::mutex> lk(mu_);
  return requests_;
}

std::vector<clock::time_point> upstream_server::event_times() {
  std::lock_guard<std::mutex> lk(mu_);
  return event_times_;
}

void upstream_server::serve(int fd) {
  std::string buf;
  char tmp[16384];
  for (;;) {
    // Read one request with Beast's parser fed from raw recv().
    http::request_parser<http::string_body> p;
    p.body_limit(1 << 26);
    p.eager(true);
    boost::system::error_code ec;
    while (!p.is_done()) {
      if (!buf.empty()) {
        auto used = p.put(boost::asio::buffer(buf), ec);
        buf.erase(0, used);
        if (ec == http::error::need_more)
          ec = {};
        if (ec)
          break;
        if (p.is_done())
          break;
        if (used > 0)
          continue;
      }
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) {
        ec = http::error::end_of_stream;
        break;
      }
      buf.append(tmp, static_cast<size_t>(n));
    }
    if (ec || stop_)
      break;
    auto& req = p.get();
    seen_request seen;
    seen.method = std::string(req.method_string());
    seen.target = std::string(req.target());
    for (const auto& f : req) {
      auto name = lower(std::string(f.name_string()));
      seen.header_names.push_back(name);
      seen.headers[name] = std::string(f.value());
    }
    seen.body = req.body();
    {
      std::lock_guard<std::mutex> lk(mu_);
      requests_.push_back(seen);
    }
    std::string path = seen.target.substr(0, seen.target.find('?'));
    bool keep = p.keep_alive();

    auto fixed = [&](const std::string& body) {
      return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: yes\r\n"
             "Connection: keep-alive\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + (seen.method == "HEAD" ? "" : body);
    };
    if (path == "/fixed") {
      if (!send_all(fd, fixed("hello world")))
        break;
    } else if (path == "/big") {
      if (!send_all(fd, fixed(big_body())))
        break;
    } else if (path == "/echo") {
      if (!send_all(fd, fixed(seen.body)))
        break;
    } else if (path == "/slow") {
      std::this_thread::sleep_for(300ms);
      if (!send_all(fd, fixed("slow done")))
        break;
    } else if (path == "/sse" || path == "/sse-long") {
      int events = path == "/sse" ? 3 : 40;
      bool ok = send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; ok && i < events; ++i) {
        if (i > 0)
          std::this_thread::sleep_for(50ms);
        std::string ev = "data: event " + std::to_string(i) + "\n\n";
        char hex[16];
        std::snprintf(hex, sizeof hex, "%zx\r\n", ev.size());
        {
          // Stamped before the write, so a client can never see an event before its stamp.
          std::lock_guard<std::mutex> lk(mu_);
          event_times_.push_back(clock::now());
        }
        ok = send_all(fd, hex + ev + "\r\n");
      }
      if (!ok || !send_all(fd, "0\r\n\r\n"))
        break;
    } else if (path == "/close-delim") {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                   "close-delimited body");
      break;
    } else if (path == "/die-mid-body") {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'x'));
      std::this_thread::sleep_for(20ms);
      break;
    } else if (path == "/die-before") {
      break;
    } else if (path == "/split-head") {
      // An interim answer, then the real header in two pieces: the gateway must wait for more
      // of a header more than once per exchange.
      bool ok = send_all(fd, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
      std::this_thread::sleep_for(20ms);
      ok = ok && send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/pl");
      std::this_thread::sleep_for(20ms);
      if (!ok || !send_all(fd, "ain\r\nContent-Length: 10\r\n\r\nsplit head"))
        break;
    } else {
      if (!send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
        break;
    }
    if (!keep)
      break;
  }
  // The fd stays open (and its number reserved) until the destructor closes it: closing it here
  // could let a new connection reuse the number and the destructor shut down the wrong socket.
  ::shutdown(fd, SHUT_RDWR);
}

// ---------------------------------------------------------------------------------------------
// raw_client

raw_client::raw_client(uint16_t port, std::chrono::milliseconds recv_timeout) {
  fd_ = connect_to(port);
  if (fd_ < 0)
    throw std::runtime_error("cannot connect to the gateway");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(recv_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((recv_timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

raw_client::~raw_client() { close(); }

void raw_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool raw_client::send(std::string_view bytes) { return send_all(fd_, bytes); }

int raw_client::recv_some() {
  char tmp[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n > 0)
      pending_.append(tmp, static_cast<size_t>(n));
    return n > 0 ? static_cast<int>(n) : (n == 0 ? 0 : -1);
  }
}

std::optional<response> raw_client::read_response(bool head_request) {
  std::optional<http::response_parser<http::string_body>> p;
  auto fresh = [&] {
    p.emplace();
    p->body_limit(std::numeric_limits<uint64_t>::max());
    p->header_limit(1 << 20);
    p->eager(true);
    if (head_request)
      p->skip(true);
  };
  fresh();
  boost::system::error_code ec;
  for (;;) {
    if (!pending_.empty()) {
      auto used = p->put(boost::asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec == http::error::need_more)
        ec = {};
      if (ec)
        return std::nullopt;
      if (p->is_done()) {
        auto status = p->get().result_int();
        if (status >= 100 && status < 200) { // interim: read the final answer
          fresh();
          continue;
        }
        break;
      }
      if (used > 0)
        continue;
    }
    int n = recv_some();
    if (n == 0) {
      if (!p->got_some())
        return std::nullopt;
      p->put_eof(ec);
      if (ec)
        return std::nullopt;
      break;
    }
    if (n < 0)
      return std::nullopt;
  }
  response r;
  auto& m = p->get();
  r.status = m.result_int();
  r.version = m.version();
  r.chunked = p->chunked();
  for (const auto& f : m)
    r.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  r.body = m.body();
  return r;
}

std::string raw_client::read_to_close(bool* clean) {
  for (;;) {
    int n = recv_some();
    if (n > 0)
      continue;
    if (clean)
      *clean = n == 0;
    break;
  }
  std::string out = std::move(pending_);
  pending_.clear();
  return out;
}

std::optional<clock::time_point> raw_client::read_until(std::string_view needle) {
  for (;;) {
    if (all_.find(needle) != std::string::npos || pending_.find(needle) != std::string::npos)
      return clock::now();
    int n = recv_some();
    if (n <= 0)
      return std::nullopt;
    all_.append(pending_.end() - n, pending_.end());
  }
}

bool raw_client::closed_within(std::chrono::milliseconds within) {
  auto deadline = clock::now() + within;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return false;
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r <= 0)
      continue;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      return true;
    if (n > 0)
      pending_.append(tmp, static_cast<size_t>(n));
  }
}

// ---------------------------------------------------------------------------------------------
// fixture

fixture::fixture(std::function<void(ever::knobs&)> tweak) {
  knobs.gateway_threads = 2;
  if (tweak)
    tweak(knobs);
  port.upstream_port = upstream.port();
  port.add_route("pub", true, "default", "pubapp");
  port.add_route("priv", false, "default", "privapp");
  server = std::make_unique<ever::net::gateway_server>(port, knobs, "127.0.0.1", 0);
  gw_port = server->start();
}

fixture::~fixture() {
  server->stop();
  server.reset();
  // Grants still in the fake's task queue arrive now, after the server is gone; the gateway's
  // callbacks must release them. Give them a moment.
  auto deadline = clock::now() + 2s;
  while (port.grants() != port.releases() && clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  auto problems = port.balance_problems();
  if (port.grants() != port.releases())
    problems += "grants " + std::to_string(port.grants()) + " != releases " +
                std::to_string(port.releases());
  if (!std::uncaught_exceptions()) {
    INFO(problems);
    CHECK(problems.empty());
  }
}

std::optional<response> fixture::get(const std::string& raw_request, bool head) {
  raw_client c(gw_port);
  if (!c.send(raw_request))
    return std::nullopt;
  return c.read_response(head);
}

std::string fixture::req(const std::string& method, const std::string& target,
                         const std::string& extra_headers, const std::string& body) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: gw\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n" + body;
  return r;
}

} // namespace gwtest
