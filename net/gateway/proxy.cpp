// The data-plane half of a session: forwarding one granted request to its worker and streaming
// the answer back. See session.hpp for the flow.

#include "net/gateway/session.hpp"

#include "net/gateway/http_text.hpp"
#include "net/gateway/write_now.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <array>
#include <limits>

namespace ever::net::gateway_detail {

namespace {

// Hop-by-hop headers (RFC 7230 6.1) plus the framing headers the gateway sets itself.
bool is_hop_or_framing(http::field f, std::string_view name) {
  switch (f) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
    case http::field::content_length:
      return true;
    default:
      break;
  }
  return name.size() > 6 && iequals(name.substr(0, 6), "proxy-");
}

// Header names listed in a Connection header are hop-by-hop too.
class connection_tokens {
public:
  explicit connection_tokens(const http::fields& fields) {
    auto it = fields.find(http::field::connection);
    if (it == fields.end())
      return;
    for (auto tok : http::token_list(it->value())) {
      auto t = sv(tok);
      if (iequals(t, "close") || iequals(t, "keep-alive"))
        continue;
      if (n_ < tokens_.size())
        tokens_[n_++] = t;
    }
  }
  bool contains(std::string_view name) const {
    for (size_t i = 0; i < n_; ++i)
      if (iequals(tokens_[i], name))
        return true;
    return false;
  }

private:
  std::array<std::string_view, 8> tokens_;
  size_t n_ = 0;
};

} // namespace

void session::start_proxy() {
  const auto& g = lease_->grant();
  up_key_.clear();
  up_key_ += g.host;
  up_key_ += ':';
  append_number(up_key_, g.port);
  build_upstream_request();
  if (!piece_) {
    // Allocated on the first proxied request only: management-only connections never need them.
    piece_.reset(new char[body_piece_bytes]);
    up_buf_.reserve(body_piece_bytes); // Beast reads at most the buffer's free capacity
  }
  res_.reset();
  retried_ = false;
  up_got_bytes_ = false;
  head_pending_ = false;
  finishing_ = false;
  up_start_ = std::chrono::steady_clock::now();
  if (auto s = pool_.acquire(up_key_)) {
    up_.emplace(std::move(*s));
    reused_ = true;
    write_upstream();
    return;
  }
  connect_upstream();
}

void session::build_upstream_request() {
  auto& req = request_header();
  const auto& g = lease_->grant();
  auto target = sv(req.target());
  auto q = target.find('?');
  up_req_.clear();
  up_req_ += sv(req.method_string());
  up_req_ += ' ';
  up_req_ += route_->rest.empty() ? std::string_view("/") : std::string_view(route_->rest);
  if (q != std::string_view::npos)
    up_req_ += target.substr(q);
  up_req_ += " HTTP/1.1\r\nHost: ";
  up_req_ += g.host;
  up_req_ += ':';
  append_number(up_req_, g.port);
  up_req_ += "\r\n";

  connection_tokens hop(req);
  bool had_length = false;
  std::string xff; // earlier proxies' X-Forwarded-For values, joined; rare, so allocating is fine
  for (const auto& f : req) {
    auto name = sv(f.name_string());
    auto field = f.name();
    if (field == http::field::content_length)
      had_length = true;
    // Authorization carries the Ever token, which must never reach a worker.
    if (field == http::field::authorization || field == http::field::host ||
        field == http::field::expect || is_hop_or_framing(field, name) || hop.contains(name))
      continue;
    if (iequals(name, "x-forwarded-for")) {
      xff += sv(f.value());
      xff += ", ";
      continue;
    }
    up_req_ += name;
    up_req_ += ": ";
    up_req_ += sv(f.value());
    up_req_ += "\r\n";
  }
  up_req_ += "X-Forwarded-For: ";
  up_req_ += xff;
  up_req_ += peer_ip_;
  up_req_ += "\r\n";
  if (body_ || had_length) {
    up_req_ += "Content-Length: ";
    append_number(up_req_, body_ ? body_->get().body().size() : 0);
    up_req_ += "\r\n";
  }
  up_req_ += "\r\n";
}

void session::connect_upstream() {
  reused_ = false;
  close_upstream();
  res_.reset();
  const auto& g = lease_->grant();
  arm_timer(ctx_.k.upstream_connect_timeout_ms, timer_use::connect);
  error_code ec;
  auto addr = asio::ip::make_address(g.host, ec);
  if (!ec) {
    connect_to(tcp::endpoint(addr, g.port));
    return;
  }
  if (!resolver_)
    resolver_.emplace(ex_);
  resolver_->async_resolve(
      g.host, std::to_string(g.port),
      [self = shared_from_this(), gen = up_gen_](error_code ec, resolver_type::results_type r) {
        if (self->closed_ || gen != self->up_gen_)
          return;
        if (ec || r.empty()) {
          self->cancel_timer();
          self->fail_before_header("cannot resolve the worker's host");
          return;
        }
        self->connect_to(*r.begin());
      });
}

void session::connect_to(const tcp::endpoint& ep) {
  // On this session's loop: pooled connections move only between sessions of the same loop.
  up_.emplace(ex_);
  up_->async_connect(ep, [self = shared_from_this(), gen = up_gen_](error_code ec) {
    self->on_connect(ec, gen);
  });
}

void session::on_connect(error_code ec, uint64_t gen) {
  if (closed_ || gen != up_gen_)
    return;
  cancel_timer();
  if (ec) {
    fail_before_header("cannot connect to the worker");
    return;
  }
  error_code ig;
  up_->set_option(tcp::no_delay(true), ig);
  write_upstream();
}

void session::write_upstream() {
  up_buf_.clear();
  std::array<asio::const_buffer, 2> bufs{
      asio::buffer(up_req_),
      body_ ? asio::buffer(body_->get().body()) : asio::const_buffer()};
  write_now_or_later(*up_, bufs,
                     [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
                       self->on_upstream_written(ec, gen);
                     });
}

void session::on_upstream_written(error_code ec, uint64_t gen) {
  if (closed_ || gen != up_gen_)
    return;
  if (ec) {
    retry_or_fail();
    return;
  }
  read_upstream_header();
}

void session::read_upstream_header() {
  res_.emplace();
  res_->header_limit(upstream_header_limit);
  // A number, not boost::none: Beast 1.74 treats an empty optional limit as exceeded.
  res_->body_limit(std::numeric_limits<uint64_t>::max());
  if (is_head_)
    res_->skip(true);
  http::async_read_header(
      *up_, up_buf_, *res_,
      [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
        self->on_upstream_header(ec, gen);
      });
}

void session::on_upstream_header(error_code ec, uint64_t gen) {
  if (closed_ || gen != up_gen_)
    return;
  if (ec) {
    retry_or_fail();
    return;
  }
  up_got_bytes_ = true;
  int st = res_->get().result_int();
  if (st >= 100 && st < 200) {
    if (st == 101) {
      fail_before_header("the worker switched protocols");
      return;
    }
    read_upstream_header(); // an interim answer: the real one follows
    return;
  }
  auto elapsed = std::chrono::steady_clock::now() - up_start_;
  ctx_.metrics.observe_upstream(
      route_->ns, route_->app,
      std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  send_head();
}

void session::retry_or_fail() {
  bool nothing_received = !up_got_bytes_ && up_buf_.size() == 0 && !(res_ && res_->got_some());
  close_upstream();
  // A kept-alive connection the worker closed while it sat in the pool fails like this; the
  // request never reached the worker, so one fresh attempt is safe.
  if (reused_ && !retried_ && nothing_received) {
    retried_ = true;
    connect_upstream();
    return;
  }
  fail_before_header("the worker closed the connection before answering");
}

void session::fail_before_header(std::string_view message) {
  close_upstream();
  if (lease_) {
    lease_->release(lease_end::worker_failed);
    lease_.reset();
  }
  reply_error(502, "worker_failed", message);
}

void session::send_head() {
  auto& res = res_->get();
  int st = res.result_int();
  status_ = st;
  out_.clear();
  out_ += "HTTP/1.1 ";
  append_number(out_, static_cast<uint64_t>(st));
  out_ += ' ';
  auto reason = sv(res.reason());
  out_ += (!reason.empty() && header_safe(reason)) ? reason : reason_phrase(st);
  out_ += "\r\n";

  connection_tokens hop(res);
  for (const auto& f : res) {
    auto name = sv(f.name_string());
    if (is_hop_or_framing(f.name(), name) || hop.contains(name))
      continue;
    out_ += name;
    out_ += ": ";
    out_ += sv(f.value());
    out_ += "\r\n";
  }

  bool upstream_chunked = res_->chunked();
  auto cl = res.find(http::field::content_length);
  bool has_length = cl != res.end() && !upstream_chunked;
  client_close_ = !keep_alive_ || ctx_.stopping.load(std::memory_order_relaxed);
  if (res_->is_done()) {
    // No body follows (HEAD, 204, 304, Content-Length: 0): pass the length on as is.
    mode_ = out_mode::none;
  } else if (has_length) {
    mode_ = out_mode::raw;
  } else if (!http10_) {
    mode_ = out_mode::chunked;
    out_ += "Transfer-Encoding: chunked\r\n";
  } else {
    // HTTP/1.0 knows no chunking: the body ends when we close.
    mode_ = out_mode::raw;
    client_close_ = true;
  }
  if (has_length) {
    out_ += "Content-Length: ";
    out_ += sv(cl->value());
    out_ += "\r\n";
  }
  if (client_close_)
    out_ += "Connection: close\r\n";
  else if (http10_)
    out_ += "Connection: keep-alive\r\n";
  out_ += "\r\n";
  head_pending_ = true;
  stream_body();
}

size_t session::pump_buffered(error_code& ec) {
  auto& b = res_->get().body();
  b.data = piece_.get();
  b.size = body_piece_bytes;
  while (b.size > 0 && up_buf_.size() > 0 && !res_->is_done()) {
    auto used = res_->put(up_buf_.data(), ec);
    up_buf_.consume(used);
    if (ec == http::error::need_buffer || ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0)
      break;
  }
  return body_piece_bytes - b.size;
}

void session::stream_body() {
  if (closed_)
    return;
  size_t n = 0;
  if (!res_->is_done()) {
    error_code ec;
    n = pump_buffered(ec);
    if (ec) {
      if (head_pending_) {
        status_ = 0;
        fail_before_header("the worker sent a malformed answer");
      } else {
        fail_after_header();
      }
      return;
    }
  }
  bool done = res_->is_done();
  if (n == 0 && !done && !head_pending_) {
    read_upstream_body();
    return;
  }
  // The head goes out as soon as it is known (an SSE client should see it at once), together
  // with whatever body bytes already arrived.
  write_out(n, done);
}

void session::read_upstream_body() {
  auto& b = res_->get().body();
  b.data = piece_.get();
  b.size = body_piece_bytes;
  http::async_read_some(
      *up_, up_buf_, *res_,
      [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
        self->on_upstream_body(ec, gen);
      });
}

void session::on_upstream_body(error_code ec, uint64_t gen) {
  if (closed_ || gen != up_gen_)
    return;
  if (ec == http::error::need_buffer)
    ec = {};
  if (ec) {
    fail_after_header();
    return;
  }
  size_t n = body_piece_bytes - res_->get().body().size;
  bool done = res_->is_done();
  if (n == 0 && !done) {
    stream_body(); // parsed framing only (e.g. a chunk header); look again
    return;
  }
  write_out(n, done);
}

void session::write_out(size_t n, bool done) {
  static constexpr std::string_view crlf = "\r\n";
  static constexpr std::string_view last_chunk = "0\r\n\r\n";
  std::array<asio::const_buffer, 5> bufs{};
  size_t k = 0;
  if (head_pending_)
    bufs[k++] = asio::buffer(out_);
  if (n > 0) {
    if (mode_ == out_mode::chunked) {
      chunk_hdr_.clear();
      append_hex(chunk_hdr_, n);
      chunk_hdr_ += crlf;
      bufs[k++] = asio::buffer(chunk_hdr_);
      bufs[k++] = asio::buffer(piece_.get(), n);
      bufs[k++] = asio::buffer(crlf.data(), crlf.size());
    } else {
      bufs[k++] = asio::buffer(piece_.get(), n);
    }
  }
  if (done && mode_ == out_mode::chunked)
    bufs[k++] = asio::buffer(last_chunk.data(), last_chunk.size());
  finishing_ = done;
  if (k == 0) {
    finish_exchange();
    return;
  }
  writing_ = true;
  auto written = [self = shared_from_this()](error_code ec, size_t) {
    self->on_client_written(ec);
  };
  // The last piece may complete inline (it ends the exchange, nothing recurses); earlier pieces
  // of a streamed body go through the queue, so a long body does not nest one call per piece.
  if (done)
    write_now_or_later(sock_, bufs, std::move(written));
  else
    asio::async_write(sock_, bufs, std::move(written));
}

void session::on_client_written(error_code ec) {
  writing_ = false;
  if (closed_)
    return;
  if (ec || (client_eof_ && !finishing_)) {
    abort_exchange(lease_end::client_gone);
    return;
  }
  head_pending_ = false;
  if (finishing_) {
    finish_exchange();
    return;
  }
  stream_body();
}

void session::finish_exchange() {
  // Reusable only if the worker framed its answer and left nothing extra behind.
  if (up_ && up_->is_open() && res_->keep_alive() && up_buf_.size() == 0) {
    pool_.put(up_key_, std::move(*up_));
    up_.reset();
  } else {
    close_upstream();
  }
  if (lease_) {
    lease_->release(lease_end::ok);
    lease_.reset();
  }
  bool close = client_close_;
  end_request();
  if (close)
    linger_close();
  else
    read_header();
}

void session::fail_after_header() {
  close_upstream();
  if (lease_) {
    lease_->release(lease_end::worker_failed);
    lease_.reset();
  }
  reset_close();
}

void session::abort_exchange(lease_end how) {
  close_upstream();
  if (lease_) {
    lease_->release(how);
    lease_.reset();
  }
  reset_close();
}

void session::close_upstream() {
  ++up_gen_;
  if (up_ && up_->is_open()) {
    error_code ig;
    up_->close(ig);
  }
}

} // namespace ever::net::gateway_detail
