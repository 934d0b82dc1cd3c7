#include "net/gateway/session.hpp"

#include "net/gateway/http_text.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <cerrno>
#include <limits>
#include <sys/socket.h>

namespace ever::net::gateway_detail {

namespace {

constexpr std::string_view routes_prefix = "/api/routes/v1/";
constexpr std::string_view apps_prefix = "/api/apps/v1";
// After a final answer on a connection we will close, keep reading (and discarding) what the
// client still sends for a short while, so our answer is not destroyed by a TCP reset.
constexpr int64_t linger_ms = 1000;
constexpr size_t linger_max_bytes = 1 << 20;

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

} // namespace

session::session(gateway_context& ctx, upstream_pool& pool, socket_type sock)
    : ctx_(ctx), pool_(pool), ex_(sock.get_executor()), sock_(std::move(sock)), timer_(ex_),
      clock_(ex_),
      buf_(static_cast<size_t>(ctx.k.max_header_bytes) + 64 * 1024),
      up_buf_(2 * upstream_header_limit) {
  ctx_.connections.fetch_add(1, std::memory_order_relaxed);
  // Beast reads at most the free capacity (at least 512 bytes); a small start keeps idle
  // connections cheap while most request headers still arrive in one read.
  buf_.reserve(2048);
}

session::~session() {
  if (request_active_)
    ctx_.request_finished();
  ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
  // lease_ (if any) releases itself as client_gone.
}

void session::start() {
  error_code ec;
  sock_.set_option(tcp::no_delay(true), ec); // small SSE pieces must not wait for Nagle
  auto ep = sock_.remote_endpoint(ec);
  if (!ec)
    peer_ip_ = ep.address().to_string();
  read_header();
}

void session::abort() {
  if (request_active_ && status_ == 0)
    status_ = 503;
  close_now();
}

void session::close_if_idle() {
  if (closed_ || request_active_ || !reading_header_)
    return;
  if (buf_.size() == 0 && head_ && !head_->got_some())
    close_now();
}

// ---------------------------------------------------------------------------------------------
// requests

void session::read_header() {
  if (closed_)
    return;
  if (ctx_.stopping.load(std::memory_order_relaxed) && buf_.size() == 0) {
    linger_close();
    return;
  }
  body_.reset();
  head_.emplace();
  head_->header_limit(static_cast<uint32_t>(ctx_.k.max_header_bytes));
  // Content-Length is checked against max_body_bytes only after authentication; "unlimited" must
  // be a number, because Beast 1.74 treats an empty optional limit as exceeded.
  head_->body_limit(std::numeric_limits<uint64_t>::max());
  reading_header_ = true;
  set_header_deadline();
  http::async_read_header(sock_, buf_, *head_,
                          [self = shared_from_this()](error_code ec, size_t) {
                            self->on_header(ec);
                          });
}

void session::on_header(error_code ec) {
  reading_header_ = false;
  clear_header_deadline();
  if (closed_)
    return;
  if (ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      begin_request();
      if (request_line_too_long())
        reply_error(414, "invalid_argument", "request URI too long", true);
      else
        reply_error(431, "invalid_argument", "request header too large", true);
    } else if (is_http_parse_error(ec)) {
      begin_request();
      reply_error(400, "invalid_argument", "malformed request: " + ec.message(), true);
    } else {
      close_now(); // the client went away, or the header timeout closed the socket
    }
    return;
  }
  begin_request();
  route_request();
}

void session::begin_request() {
  ++request_gen_;
  request_active_ = true;
  ctx_.request_started();
  status_ = 0;
  kind_ = target_kind::other;
  keep_alive_ = false;
  http10_ = false;
  is_head_ = false;
  client_eof_ = false;
  route_.reset();
}

void session::end_request() {
  if (!request_active_)
    return;
  request_active_ = false;
  end_exchange();
  stop_watch();
  int st = status_ != 0 ? status_ : 499; // 499: the client closed before an answer
  if (route_)
    ctx_.metrics.count_request(route_->ns, route_->app, st);
  else
    ctx_.metrics.count_request({}, {}, st);
  ctx_.request_finished();
}

http::request_header<>& session::request_header() {
  return body_ ? body_->get().base() : head_->get().base();
}

bool session::request_body_unread() const {
  if (body_)
    return !body_->is_done();
  return head_ && !head_->is_done();
}

bool session::request_line_too_long() const {
  // The header limit hit first; decide whether the request line alone is the culprit.
  auto data = static_cast<const char*>(buf_.data().data());
  std::string_view text(data, buf_.size());
  auto eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  auto sp = line.find(' ');
  if (sp == std::string_view::npos)
    return false;
  auto target = line.substr(sp + 1);
  if (eol != std::string_view::npos) {
    auto last = target.rfind(' ');
    if (last != std::string_view::npos)
      target = target.substr(0, last);
  }
  return target.size() > static_cast<size_t>(ctx_.k.max_uri_bytes);
}

void session::route_request() {
  auto& req = head_->get();
  http10_ = req.version() < 11;
  is_head_ = req.method() == http::verb::head;
  keep_alive_ = head_->keep_alive() && !ctx_.stopping.load(std::memory_order_relaxed);
  auto target = sv(req.target());
  if (target.size() > static_cast<size_t>(ctx_.k.max_uri_bytes)) {
    reply_error(414, "invalid_argument", "request URI too long", true);
    return;
  }
  auto path = target.substr(0, target.find('?'));
  bool get_like = req.method() == http::verb::get || is_head_;

  if (path == "/healthz" || path == "/metrics") {
    if (!get_like) {
      begin_reply(405, "application/json");
      add_header("Allow", "GET, HEAD");
      finish_reply(json_error("invalid_argument", "method not allowed"));
      return;
    }
    if (path == "/healthz") {
      begin_reply(200, "text/plain; charset=utf-8");
      finish_reply("ok");
      return;
    }
    std::string text;
    ctx_.metrics.render(text, ctx_.in_flight(), ctx_.connections.load());
    try {
      text += ctx_.port.metrics();
    } catch (...) {
      // Serve the gateway's own counters even if the control plane cannot answer.
    }
    begin_reply(200, "text/plain; version=0.0.4; charset=utf-8");
    finish_reply(std::move(text));
    return;
  }
  if (starts_with(path, routes_prefix)) {
    route_data_plane(path.substr(routes_prefix.size()));
    return;
  }
  if (path == apps_prefix || (starts_with(path, apps_prefix) && path[apps_prefix.size()] == '/')) {
    if (!authorized()) {
      reply_unauthorized();
      return;
    }
    kind_ = target_kind::management;
    read_body();
    return;
  }
  reply_error(404, "not_found", "no such path");
}

void session::route_data_plane(std::string_view route_path) {
  std::optional<route_match> m;
  try {
    m = ctx_.port.resolve(route_path);
  } catch (...) {
    reply_error(500, "internal", "route lookup failed");
    return;
  }
  if (!m) {
    // Unknown routes look the same as private ones to a client without a valid token.
    if (!authorized())
      reply_unauthorized();
    else
      reply_error(404, "not_found", "no app for this route");
    return;
  }
  if (!m->is_public && !authorized()) {
    reply_unauthorized();
    return;
  }
  route_ = std::make_shared<const route_match>(std::move(*m));
  kind_ = target_kind::data;
  read_body();
}

bool session::authorized() {
  auto& req = request_header();
  auto it = req.find(http::field::authorization);
  if (it == req.end())
    return false;
  auto token = bearer_token(sv(it->value()));
  if (!token)
    return false;
  try {
    return ctx_.port.check_token(*token);
  } catch (...) {
    return false;
  }
}

void session::read_body() {
  if (head_->is_done()) {
    on_body_ready();
    return;
  }
  auto max = static_cast<uint64_t>(ctx_.k.max_body_bytes);
  if (auto cl = head_->content_length(); cl && *cl > max) {
    reply_error(413, "invalid_argument",
                "request body larger than " + std::to_string(max) + " bytes", true);
    return;
  }
  bool expect_continue =
      !http10_ && iequals(sv(head_->get()[http::field::expect]), "100-continue");
  body_.emplace(std::move(*head_));
  head_.reset();
  body_->body_limit(max);
  // Larger reads for uploads (Beast reads at most the buffer's free capacity).
  if (buf_.capacity() < body_piece_bytes)
    buf_.reserve(body_piece_bytes);
  if (expect_continue && buf_.size() == 0) {
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(sock_, asio::buffer(cont.data(), cont.size()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->closed_)
                          return;
                        if (ec)
                          self->close_now();
                        else
                          self->read_body_some();
                      });
    return;
  }
  read_body_some();
}

void session::read_body_some() {
  // An upload that stalls for header_timeout is treated like a slow header.
  arm_timer(ctx_.k.header_timeout_ms, timer_use::body);
  http::async_read_some(sock_, buf_, *body_,
                        [self = shared_from_this()](error_code ec, size_t) {
                          self->on_body_some(ec);
                        });
}

void session::on_body_some(error_code ec) {
  cancel_timer();
  if (closed_)
    return;
  if (ec) {
    if (ec == http::error::body_limit)
      reply_error(413, "invalid_argument",
                  "request body larger than " + std::to_string(ctx_.k.max_body_bytes) + " bytes",
                  true);
    else if (is_http_parse_error(ec))
      reply_error(400, "invalid_argument", "malformed request body: " + ec.message(), true);
    else
      close_now();
    return;
  }
  if (!body_->is_done()) {
    read_body_some();
    return;
  }
  on_body_ready();
}

void session::on_body_ready() {
  if (kind_ == target_kind::management)
    call_manage();
  else if (kind_ == target_kind::data)
    call_lease();
  else
    reply_error(404, "not_found", "no such path");
}

template <class Fn>
void session::post_if_live(const std::weak_ptr<session>& weak,
                           const std::shared_ptr<port_gate>& gate, Fn fn) {
  std::shared_lock<std::shared_mutex> lk(gate->mu);
  if (!gate->open)
    return;
  auto s = weak.lock();
  if (!s)
    return;
  auto ex = s->ex_;
  asio::post(ex, [s = std::move(s), fn = std::move(fn)]() mutable { fn(*s); });
}

void session::call_manage() {
  auto& req = request_header();
  http_call call{std::string(sv(req.method_string())), std::string(sv(req.target())),
                 body_ ? std::move(body_->get().body()) : std::string()};
  std::weak_ptr<session> weak = shared_from_this();
  try {
    ctx_.port.manage(std::move(call),
                     [weak, gate = ctx_.gate, gen = request_gen_](http_reply r) mutable {
                       post_if_live(weak, gate, [gen, r = std::move(r)](session& s) mutable {
                         s.on_manage_reply(gen, std::move(r));
                       });
                     });
  } catch (...) {
    reply_error(500, "internal", "management call failed");
  }
}

void session::on_manage_reply(uint64_t gen, http_reply r) {
  if (closed_ || !request_active_ || gen != request_gen_)
    return;
  begin_reply(r.status, header_safe(r.content_type) ? r.content_type : "application/json");
  for (const auto& [name, value] : r.headers) {
    // The framing headers are ours to set.
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "connection"))
      continue;
    add_header(name, value);
  }
  finish_reply(std::move(r.body));
}

void session::call_lease() {
  auto& req = request_header();
  std::string sid;
  if (auto it = req.find("x-everai-session-id"); it != req.end())
    sid = std::string(sv(it->value()));
  try {
    // A worker with room: granted here, on this thread, with no message to any actor. The
    // client is watched for hang-ups only if the worker takes long (begin_exchange).
    if (auto g = ctx_.port.try_lease(*route_, sid)) {
      begin_exchange();
      on_lease_granted(request_gen_, lease_guard(ctx_.port, route_, std::move(*g)));
      return;
    }
  } catch (...) {
    reply_error(500, "internal", "queue call failed");
    return;
  }
  std::weak_ptr<session> weak = shared_from_this();
  // While the request waits in the queue (and then on its worker), notice a client that hangs up.
  start_watch();
  try {
    ctx_.port.lease(
        *route_, std::move(sid),
        [weak, gate = ctx_.gate, port = &ctx_.port, route = route_,
         gen = request_gen_](expected<lease_grant> r) mutable {
          if (!r) {
            post_if_live(weak, gate, [gen, err = r.error()](session& s) {
              s.on_lease_error(gen, err);
            });
            return;
          }
          lease_guard guard(*port, std::move(route), std::move(*r));
          post_if_live(weak, gate, [gen, g = std::move(guard)](session& s) mutable {
            s.on_lease_granted(gen, std::move(g));
          });
        });
  } catch (...) {
    reply_error(500, "internal", "queue call failed");
  }
}

void session::on_lease_error(uint64_t gen, const caf::error& err) {
  if (closed_ || !request_active_ || gen != request_gen_)
    return;
  auto code = code_of(err);
  if (code == errc::ok)
    code = errc::internal;
  reply_error(http_status(code), to_string(code), message_of(err));
}

void session::on_lease_granted(uint64_t gen, lease_guard guard) {
  if (closed_ || !request_active_ || gen != request_gen_)
    return; // guard releases as client_gone
  lease_.emplace(std::move(guard));
  start_proxy();
}

// ---------------------------------------------------------------------------------------------
// replies and closing

void session::begin_reply(int status, std::string_view content_type) {
  status_ = status;
  out_.clear();
  out_ += "HTTP/1.1 ";
  append_number(out_, static_cast<uint64_t>(status));
  out_ += ' ';
  out_ += reason_phrase(status);
  out_ += "\r\n";
  if (!content_type.empty())
    add_header("Content-Type", content_type);
}

void session::add_header(std::string_view name, std::string_view value) {
  if (name.empty() || !header_safe(name) || !header_safe(value))
    return;
  out_ += name;
  out_ += ": ";
  out_ += value;
  out_ += "\r\n";
}

void session::finish_reply(std::string body, bool force_close) {
  bool close = force_close || !keep_alive_ || request_body_unread() ||
               ctx_.stopping.load(std::memory_order_relaxed);
  out_ += "Content-Length: ";
  append_number(out_, body.size());
  out_ += "\r\n";
  if (close)
    out_ += "Connection: close\r\n";
  else if (http10_)
    out_ += "Connection: keep-alive\r\n";
  out_ += "\r\n";
  out_body_ = std::move(body);
  std::array<asio::const_buffer, 2> bufs{
      asio::buffer(out_), is_head_ ? asio::const_buffer() : asio::buffer(out_body_)};
  writing_ = true;
  asio::async_write(sock_, bufs,
                    [self = shared_from_this(), close](error_code ec, size_t) {
                      self->on_reply_written(ec, close);
                    });
}

void session::on_reply_written(error_code ec, bool close) {
  writing_ = false;
  if (closed_)
    return;
  if (ec) {
    close_now();
    return;
  }
  end_request();
  if (close)
    linger_close();
  else
    read_header();
}

void session::reply_error(int status, std::string_view code, std::string_view message,
                          bool force_close) {
  begin_reply(status, "application/json");
  if (status == 401)
    add_header("WWW-Authenticate", "Bearer");
  if (status == 429) {
    std::string v;
    append_number(v, static_cast<uint64_t>(ctx_.k.retry_after_s));
    add_header("Retry-After", v);
  }
  finish_reply(json_error(code, message), force_close);
}

void session::reply_unauthorized() {
  reply_error(401, "unauthorized", "missing or invalid bearer token");
}

void session::arm_timer(int64_t ms, timer_use use) {
  ++timer_gen_;
  timer_.expires_after(std::chrono::milliseconds(ms));
  timer_.async_wait([self = shared_from_this(), gen = timer_gen_, use](error_code ec) {
    self->on_timer(ec, gen, use);
  });
}

void session::cancel_timer() {
  ++timer_gen_;
  timer_.cancel();
}

void session::on_timer(error_code ec, uint64_t gen, timer_use use) {
  if (ec || gen != timer_gen_ || closed_)
    return;
  switch (use) {
    case timer_use::body:
      status_ = 408;
      close_now();
      break;
    case timer_use::connect: {
      // The pending connect (or resolve) completes with an error and reports 502.
      error_code ig;
      if (up_)
        up_->close(ig);
      if (resolver_)
        resolver_->cancel();
      break;
    }
    case timer_use::linger:
      close_now();
      break;
  }
}

void session::start_watch() {
  if (watching_ || closed_)
    return;
  watching_ = true;
  ++watch_gen_;
  sock_.async_wait(socket_type::wait_read,
                   [self = shared_from_this(), gen = watch_gen_](error_code ec) {
                     self->on_watch(ec, gen);
                   });
}

void session::stop_watch() {
  if (!watching_)
    return;
  watching_ = false;
  ++watch_gen_;
  // Only called when no read or write of ours is pending, so this cancels just the wait.
  error_code ig;
  sock_.cancel(ig);
}

void session::on_watch(error_code ec, uint64_t gen) {
  if (gen != watch_gen_ || closed_)
    return;
  watching_ = false;
  if (ec)
    return;
  char c;
  ssize_t n = ::recv(sock_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0)
    return; // the client sent more (a pipelined request); stop watching, read it later
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    start_watch();
    return;
  }
  // EOF or reset: the client is gone. Like nginx, a half-close counts as gone.
  if (writing_) {
    // The write in flight may be the answer's last bytes, already in the client's hands: let its
    // completion decide between a finished answer and a client that left early.
    client_eof_ = true;
    return;
  }
  abort_exchange(lease_end::client_gone);
}

void session::linger_close() {
  if (closed_)
    return;
  end_request();
  stop_watch();
  error_code ec;
  sock_.shutdown(socket_type::shutdown_send, ec);
  if (ec) {
    close_now();
    return;
  }
  linger_left_ = linger_max_bytes;
  arm_timer(std::min<int64_t>(linger_ms, ctx_.k.header_timeout_ms), timer_use::linger);
  linger_read();
}

void session::linger_read() {
  buf_.clear();
  sock_.async_read_some(buf_.prepare(4096),
                        [self = shared_from_this()](error_code ec, size_t n) {
                          if (self->closed_)
                            return;
                          if (ec || n >= self->linger_left_) {
                            self->close_now();
                            return;
                          }
                          self->linger_left_ -= n;
                          self->linger_read();
                        });
}

void session::close_now() {
  if (closed_)
    return;
  closed_ = true;
  cancel_timer();
  stop_clock();
  end_request();
  error_code ig;
  sock_.close(ig);
  close_upstream();
  if (resolver_)
    resolver_->cancel();
  if (lease_) {
    lease_->release(lease_end::client_gone);
    lease_.reset();
  }
  // Last: may drop the registry's reference; the caller's handler still holds one.
  ctx_.forget(this);
}

void session::reset_close() {
  // SO_LINGER 0 makes close() send RST: the client sees an error, not a clean end of a
  // close-delimited body it could mistake for complete.
  error_code ig;
  sock_.set_option(asio::socket_base::linger(true, 0), ig);
  close_now();
}

} // namespace ever::net::gateway_detail
