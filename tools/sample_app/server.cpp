#include "server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace ever::sample_app {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr size_t body_limit = 8 * 1024 * 1024;
constexpr const char* readiness_path = "/-everai-/healthy";
constexpr const char* server_name = "ever-sample-app";

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/// Splits a request target into its path and its (decoded) query parameters, in order.
void split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& params) {
  auto q = target.find('?');
  path = std::string(target.substr(0, q));
  if (q == std::string_view::npos)
    return;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      params.emplace_back(url_decode(part), std::string{});
    else
      params.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
  }
}

std::optional<std::string> param(const std::vector<std::pair<std::string, std::string>>& params,
                                 const std::string& name) {
  for (auto& [k, v] : params)
    if (k == name)
      return v;
  return std::nullopt;
}

/// A non-negative integer query parameter, or `fallback` if absent or malformed.
int int_param(const std::vector<std::pair<std::string, std::string>>& params,
              const std::string& name, int fallback) {
  auto v = param(params, name);
  if (!v || v->empty() || v->size() > 9)
    return fallback;
  for (char c : *v)
    if (c < '0' || c > '9')
      return fallback;
  return std::stoi(*v);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// The SSE event with index `i`: identical bytes on every request, so load generators that check
/// response lengths (ab) stay happy.
std::string sse_event(int i) {
  return "data: {\"index\": " + std::to_string(i) + ", \"message\": \"hello from ever\"}\n\n";
}

/// A relative path that cannot leave the working directory.
bool safe_relative(const std::string& p) {
  if (p.empty() || p[0] == '/')
    return false;
  size_t pos = 0;
  while (pos <= p.size()) {
    auto next = p.find('/', pos);
    if (next == std::string::npos)
      next = p.size();
    if (p.compare(pos, next - pos, "..") == 0 && next - pos == 2)
      return false;
    pos = next + 1;
  }
  return true;
}

} // namespace

/// One connection: reads requests one after another (keep-alive) and answers them.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, server& srv)
    : stream_(std::move(socket)), server_(srv), timer_(stream_.get_executor()) {}

  ~session() {
    if (id_ != 0)
      server_.remove_session(id_);
  }

  void start() {
    id_ = server_.add_session(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  /// Called on shutdown: closes the connection if it waits for a request that has not begun.
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->reading_)
        return;
      beast::error_code ec;
      auto& sock = self->stream_.socket();
      bool got_bytes = self->buffer_.size() > 0 || (self->parser_ && self->parser_->got_some()) ||
                       sock.available(ec) > 0;
      if (!got_bytes) {
        sock.shutdown(tcp::socket::shutdown_both, ec);
        sock.close(ec);
      }
    });
  }

private:
  void do_read() {
    if (server_.stopping() && buffer_.size() == 0) {
      // Between requests while stopping: no new work.
      close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(body_limit);
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return on_read(ec); // a Content-Length over the limit is caught with the header
    if (ec) {
      reading_ = false;
      return close();
    }
    auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (beast::iequals(expect, "100-continue") && req.version() >= 11) {
      // Clients that ask (curl with larger bodies) would otherwise wait a second before sending.
      static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(cont),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) {
                           self->reading_ = false;
                           return self->close();
                         }
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      req_ = {};
      req_.version(11);
      req_.keep_alive(false);
      return send(make_response(http::status::payload_too_large, "request body too large\n"));
    }
    if (ec)
      return close();
    req_ = parser_->release();
    handle();
  }

  http::response<http::string_body> make_response(http::status status, std::string body,
                                                  std::string content_type = "text/plain") {
    http::response<http::string_body> res{status, req_.version()};
    res.set(http::field::server, server_name);
    res.set(http::field::content_type, content_type);
    res.keep_alive(req_.keep_alive() && !server_.stopping());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  void send(http::response<http::string_body>&& res) {
    if (server_.stopping())
      res.keep_alive(false);
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    bool close_after = sp->need_eof();
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp, close_after](beast::error_code ec, size_t) {
                        self->on_write(ec, close_after);
                      });
  }

  void on_write(beast::error_code ec, bool close_after) {
    if (ec || close_after || server_.stopping())
      return close();
    do_read();
  }

  void close() {
    beast::error_code ec;
    // Half-close so the client reads everything we sent, then an EOF; then drain what the client
    // still sends (a refused body, pipelined requests) for a moment, because closing a socket with
    // unread input sends a reset that can destroy our response before the client has read it.
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return;
    stream_.expires_after(std::chrono::seconds(1));
    linger();
  }

  void linger() {
    stream_.async_read_some(net::buffer(linger_buf_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec)
                                self->linger();
                            });
  }

  void handle() {
    std::string path;
    std::vector<std::pair<std::string, std::string>> params;
    split_target(std::string_view(req_.target().data(), req_.target().size()), path, params);
    const auto& opts = server_.opts();

    if (path == readiness_path) {
      if (server_.ready())
        return send(make_response(http::status::ok, "ok"));
      return send(make_response(http::status::service_unavailable, "not ready"));
    }
    if (path == "/fast")
      return send(make_response(http::status::ok, "ok"));
    if (path == "/sse")
      return start_sse(int_param(params, "ms", opts.service_ms),
                       int_param(params, "events", opts.events));
    if (path == "/work") {
      int ms = int_param(params, "ms", opts.service_ms);
      timer_.expires_after(std::chrono::milliseconds(ms));
      timer_.async_wait([self = shared_from_this(), ms](beast::error_code) {
        // The worker id lets a benchmark tell which worker served (scale reaction).
        const char* wid = std::getenv("EVER_WORKER_ID");
        self->send(self->make_response(http::status::ok,
                                       "{\"ok\": true, \"ms\": " + std::to_string(ms)
                                         + ", \"worker\": \"" + (wid ? wid : "") + "\"}\n",
                                       "application/json"));
      });
      return;
    }
    if (path == "/echo") {
      std::string type(req_[http::field::content_type]);
      auto res = make_response(http::status::ok, std::move(req_.body()),
                               type.empty() ? "application/octet-stream" : type);
      res.set("X-Echo-Method", req_.method_string());
      return send(std::move(res));
    }
    if (path == "/env")
      return send(make_response(http::status::ok, env_json(params), "application/json"));
    if (path == "/file")
      return serve_file(param(params, "path").value_or(""));
    if (path == "/crash") {
      // The header and part of the body reach the client, then the worker dies: the gateway
      // must turn this into a 502 rather than a truncated 200.
      static const std::string partial = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                         "Content-Length: 1000\r\n\r\npartial body";
      beast::error_code ec;
      net::write(stream_.socket(), net::buffer(partial), ec);
      std::fflush(stdout);
      ::_exit(3);
    }
    if (path == "/crash-now") {
      std::fflush(stdout);
      ::_exit(3);
    }
    send(make_response(http::status::not_found, "not found\n"));
  }

  std::string env_json(const std::vector<std::pair<std::string, std::string>>& params) {
    std::map<std::string, std::optional<std::string>> vars;
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos)
        continue;
      auto name = kv.substr(0, eq);
      if (starts_with(name, "EVER_") || starts_with(name, "PORT"))
        vars[std::string(name)] = std::string(kv.substr(eq + 1));
    }
    for (auto& [k, v] : params) {
      if (k != "name")
        continue;
      const char* value = ::getenv(v.c_str());
      vars[v] = value ? std::optional<std::string>(value) : std::nullopt;
    }
    std::string out = "{";
    bool first = true;
    for (auto& [k, v] : vars) {
      if (!first)
        out += ", ";
      first = false;
      out += json_string(k) + ": " + (v ? json_string(*v) : std::string("null"));
    }
    out += "}\n";
    return out;
  }

  void serve_file(const std::string& rel) {
    if (!safe_relative(rel))
      return send(make_response(http::status::bad_request, "path must be relative, without ..\n"));
    std::ifstream in(rel, std::ios::binary);
    if (!in)
      return send(make_response(http::status::not_found, "no such file\n"));
    std::ostringstream ss;
    ss << in.rdbuf();
    send(make_response(http::status::ok, ss.str(), "application/octet-stream"));
  }

  // --- /sse: a header, then `events` events spread evenly over `ms`, each written as it happens.

  void start_sse(int ms, int events) {
    sse_events_ = events;
    sse_index_ = 0;
    sse_start_ = clock_type::now();
    sse_total_ = std::chrono::milliseconds(ms);
    // HTTP/1.0 has no chunked encoding: the body ends when the connection does.
    sse_chunked_ = req_.version() >= 11;
    sse_keep_alive_ = sse_chunked_ && req_.keep_alive() && !server_.stopping();
    sse_res_ = std::make_unique<http::response<http::empty_body>>(http::status::ok, req_.version());
    sse_res_->set(http::field::server, server_name);
    sse_res_->set(http::field::content_type, "text/event-stream");
    sse_res_->set(http::field::cache_control, "no-cache");
    sse_res_->keep_alive(sse_keep_alive_);
    if (sse_chunked_)
      sse_res_->chunked(true);
    sse_sr_ = std::make_unique<http::response_serializer<http::empty_body>>(*sse_res_);
    http::async_write_header(stream_, *sse_sr_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               if (ec)
                                 return self->close();
                               self->sse_wait();
                             });
  }

  void sse_wait() {
    // Absolute deadlines so the total stays at `ms` however long the writes take.
    int slots = sse_events_ > 0 ? sse_events_ : 1;
    auto due = sse_start_ + sse_total_ * (sse_index_ + 1) / slots;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->close();
      if (self->sse_index_ >= self->sse_events_)
        return self->sse_finish();
      self->sse_buf_ = sse_event(self->sse_index_++);
      auto done = [self](beast::error_code ec, size_t) {
        if (ec)
          return self->close();
        if (self->sse_index_ >= self->sse_events_)
          return self->sse_finish();
        self->sse_wait();
      };
      if (self->sse_chunked_)
        net::async_write(self->stream_, http::make_chunk(net::buffer(self->sse_buf_)), done);
      else
        net::async_write(self->stream_, net::buffer(self->sse_buf_), done);
    });
  }

  void sse_finish() {
    if (!sse_chunked_)
      return close();
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_write(ec, !self->sse_keep_alive_);
                     });
  }

  beast::tcp_stream stream_;
  server& server_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  uint64_t id_ = 0;
  bool reading_ = false;
  char linger_buf_[4096];

  int sse_events_ = 0;
  int sse_index_ = 0;
  clock_type::time_point sse_start_;
  clock_type::duration sse_total_{};
  bool sse_chunked_ = true;
  bool sse_keep_alive_ = true;
  std::string sse_buf_;
  std::unique_ptr<http::response<http::empty_body>> sse_res_;
  std::unique_ptr<http::response_serializer<http::empty_body>> sse_sr_;
};

server::server(net::io_context& ioc, options opts)
  : ioc_(ioc),
    opts_(std::move(opts)),
    started_(clock_type::now()),
    strand_(net::make_strand(ioc)),
    acceptor_(strand_),
    retry_timer_(strand_),
    grace_timer_(ioc) {}

uint16_t server::listen() {
  tcp::endpoint ep{net::ip::make_address(opts_.host), opts_.port};
  acceptor_.open(ep.protocol());
  // A restarted worker must be able to take its port back while old connections sit in TIME_WAIT.
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
  return acceptor_.local_endpoint().port();
}

void server::run() {
  net::dispatch(strand_, [this] { do_accept(); });
}

bool server::ready() const {
  return clock_type::now() - started_ >= std::chrono::milliseconds(opts_.ready_after_ms);
}

void server::do_accept() {
  // Each connection gets its own strand, so --threads N serves connections in parallel.
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket sock) {
    if (stopping_)
      return;
    if (ec) {
      // E.g. EMFILE: back off briefly instead of spinning.
      retry_timer_.expires_after(std::chrono::milliseconds(10));
      retry_timer_.async_wait([this](beast::error_code) {
        if (!stopping_)
          do_accept();
      });
      return;
    }
    beast::error_code opt_ec;
    sock.set_option(tcp::no_delay(true), opt_ec); // every SSE event goes out as it is written
    std::make_shared<session>(std::move(sock), *this)->start();
    do_accept();
  });
}

uint64_t server::add_session(const std::shared_ptr<session>& s) {
  std::lock_guard<std::mutex> lock(mtx_);
  auto id = next_id_++;
  sessions_[id] = s;
  return id;
}

void server::remove_session(uint64_t id) {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    sessions_.erase(id);
    last = sessions_.empty() && stopping_;
  }
  if (last)
    ioc_.stop();
}

void server::stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true))
    return;
  net::dispatch(strand_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
  });
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    for (auto& [id, w] : sessions_)
      if (auto s = w.lock())
        live.push_back(std::move(s));
    if (sessions_.empty()) {
      ioc_.stop();
      return;
    }
  }
  for (auto& s : live)
    s->close_if_idle();
  live.clear();
  grace_timer_.expires_after(grace);
  grace_timer_.async_wait([this](beast::error_code ec) {
    if (!ec)
      ioc_.stop();
  });
}

} // namespace ever::sample_app
