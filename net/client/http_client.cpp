#include "net/client/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cctype>
#include <cstdlib>

namespace ever::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string endpoint_parts::display() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + port;
}

expected<endpoint_parts> parse_endpoint(const std::string& endpoint) {
  std::string rest = endpoint;
  auto starts_with = [&](const char* prefix) { return rest.rfind(prefix, 0) == 0; };
  if (starts_with("https://"))
    return make_error(errc::invalid_argument,
                      "endpoint \"" + endpoint + "\": https is not supported, use http://");
  if (starts_with("http://"))
    rest.erase(0, 7);
  endpoint_parts parts;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    parts.base_path = rest.substr(slash);
    rest.erase(slash);
    while (!parts.base_path.empty() && parts.base_path.back() == '/')
      parts.base_path.pop_back();
  }
  std::string port;
  if (!rest.empty() && rest.front() == '[') { // IPv6 literal: [::1]:8080
    auto close = rest.find(']');
    if (close == std::string::npos)
      return make_error(errc::invalid_argument, "endpoint \"" + endpoint + "\": missing ']'");
    parts.host = rest.substr(1, close - 1);
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return make_error(errc::invalid_argument,
                          "endpoint \"" + endpoint + "\": expected ':' after ']'");
      port = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
      parts.host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    } else {
      parts.host = rest;
    }
  }
  if (parts.host.empty())
    return make_error(errc::invalid_argument, "endpoint \"" + endpoint + "\": no host");
  if (!port.empty()) {
    bool digits = port.size() <= 5;
    for (char c : port)
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::atoi(port.c_str()) == 0 || std::atoi(port.c_str()) > 65535)
      return make_error(errc::invalid_argument,
                        "endpoint \"" + endpoint + "\": bad port \"" + port + "\"");
    parts.port = port;
  }
  return parts;
}

namespace {

std::string format_timeout(std::chrono::milliseconds t) {
  if (t.count() % 1000 == 0)
    return std::to_string(t.count() / 1000) + "s";
  return std::to_string(t.count()) + "ms";
}

/// A short lower-case description of a socket error, e.g. "connection refused".
std::string describe(const beast::error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "connection refused";
  if (ec == asio::error::connection_reset)
    return "connection reset";
  if (ec == asio::error::host_unreachable)
    return "host unreachable";
  if (ec == asio::error::network_unreachable)
    return "network unreachable";
  if (ec == http::error::end_of_stream || ec == asio::error::eof)
    return "connection closed before an answer";
  auto text = ec.message();
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

/// One request/answer exchange driven by async operations on a private io_context, so that a
/// single deadline (io_context::run_for) bounds every step, name resolution included.
class exchange {
public:
  enum class stage { resolve, connect, write, read, done };

  exchange(const endpoint_parts& ep, http::request<http::string_body> req)
      : ep_(ep), req_(std::move(req)) {
    // Logs and manifests can be large; the default 8 MiB limit would cut them off.
    parser_.body_limit(std::uint64_t{1} << 30);
  }

  stage run(std::chrono::milliseconds timeout) {
    resolver_.async_resolve(ep_.host, ep_.port,
                            [this](beast::error_code ec, tcp::resolver::results_type results) {
                              on_resolve(ec, std::move(results));
                            });
    ioc_.run_for(timeout);
    if (stage_ != stage::done && !ec_) {
      // Deadline passed: cancel what is pending and let the handlers finish, so none runs
      // after this object is gone.
      timed_out_ = true;
      resolver_.cancel();
      stream_.close();
      ioc_.restart();
      ioc_.run();
    }
    return stage_;
  }

  bool timed_out() const { return timed_out_; }
  const beast::error_code& error() const { return ec_; }
  http::response<http::string_body> release() { return parser_.release(); }

private:
  bool fail(beast::error_code ec) {
    if (!ec)
      return false;
    if (!timed_out_)
      ec_ = ec;
    return true;
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (fail(ec))
      return;
    stage_ = stage::connect;
    stream_.async_connect(results, [this](beast::error_code ec, const tcp::endpoint&) {
      if (fail(ec))
        return;
      stage_ = stage::write;
      http::async_write(stream_, req_, [this](beast::error_code ec, std::size_t) {
        if (fail(ec))
          return;
        stage_ = stage::read;
        http::async_read(stream_, buffer_, parser_, [this](beast::error_code ec, std::size_t) {
          if (fail(ec))
            return;
          stage_ = stage::done;
          beast::error_code ignored;
          stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    });
  }

  endpoint_parts ep_;
  asio::io_context ioc_;
  tcp::resolver resolver_{ioc_};
  beast::tcp_stream stream_{ioc_};
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  stage stage_ = stage::resolve;
  beast::error_code ec_;
  bool timed_out_ = false;
};

} // namespace

expected<http_response> http_request(const std::string& endpoint, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     const header_list& headers,
                                     std::chrono::milliseconds timeout) {
  auto ep = parse_endpoint(endpoint);
  if (!ep)
    return ep.error();

  http::request<http::string_body> req;
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    req.method_string(method);
  else
    req.method(verb);
  req.target(ep->base_path + (target.empty() ? "/" : target));
  req.version(11);
  req.set(http::field::host, ep->display());
  req.set(http::field::user_agent, "ever-cli");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();

  exchange ex{*ep, std::move(req)};
  auto reached = ex.run(timeout);
  const std::string where = ep->display();
  const std::string hint = " - is it running? start it with `everd`";
  if (reached != exchange::stage::done) {
    switch (reached) {
      case exchange::stage::resolve:
        if (ex.timed_out())
          return make_error(errc::unavailable, "cannot reach everd at " + where
                                                   + " (resolving the host took longer than "
                                                   + format_timeout(timeout) + ")");
        return make_error(errc::unavailable, "cannot reach everd at " + where
                                                 + " (cannot resolve host \"" + ep->host
                                                 + "\": " + describe(ex.error()) + ")");
      case exchange::stage::connect:
        if (ex.timed_out())
          return make_error(errc::unavailable, "cannot reach everd at " + where
                                                   + " (no answer to connect within "
                                                   + format_timeout(timeout) + ")" + hint);
        return make_error(errc::unavailable, "cannot reach everd at " + where + " ("
                                                 + describe(ex.error()) + ")" + hint);
      default:
        if (ex.timed_out())
          return make_error(errc::unavailable, "everd at " + where + " did not answer within "
                                                   + format_timeout(timeout));
        return make_error(errc::unavailable, "lost the connection to everd at " + where + " ("
                                                 + describe(ex.error()) + ")");
    }
  }
  auto res = ex.release();
  http_response out;
  out.status = static_cast<int>(res.result_int());
  if (auto it = res.find(http::field::content_type); it != res.end())
    out.content_type = std::string(it->value());
  out.body = std::move(res.body());
  return out;
}

} // namespace ever::net
