#include "keepalive_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>

namespace ever::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct keepalive_client::impl {
  impl(const std::string& h, uint16_t p) : host(h), port(p), sock(ioc) {}

  void connect() {
    boost::system::error_code ec;
    sock = tcp::socket(ioc);
    sock.connect(tcp::endpoint(asio::ip::make_address(host, ec), port), ec);
    if (ec)
      throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                               ec.message());
    sock.set_option(tcp::no_delay(true), ec);
    // A bound on every blocking read, so a lost answer ends the exchange instead of the bench.
    timeval tv{30, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    buf.clear();
  }

  std::string host;
  uint16_t port;
  asio::io_context ioc;
  tcp::socket sock;
  boost::beast::flat_buffer buf;
};

keepalive_client::keepalive_client(const std::string& host, uint16_t port)
    : impl_(std::make_unique<impl>(host, port)) {
  impl_->connect();
}

keepalive_client::~keepalive_client() = default;

void keepalive_client::ensure_connected() {
  if (!impl_->sock.is_open())
    impl_->connect();
}

keepalive_client::answer keepalive_client::get(const std::string& target,
                                               const std::string& token) {
  auto& d = *impl_;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, d.host);
  req.set(http::field::authorization, "Bearer " + token);
  req.keep_alive(true);
  boost::system::error_code ec;
  http::write(d.sock, req, ec);
  http::response<http::string_body> res;
  if (!ec)
    http::read(d.sock, d.buf, res, ec);
  if (ec || !res.keep_alive()) {
    boost::system::error_code ig;
    d.sock.close(ig);
    if (ec)
      return {};
  }
  return {res.result_int(), std::move(res.body())};
}

} // namespace ever::bench
