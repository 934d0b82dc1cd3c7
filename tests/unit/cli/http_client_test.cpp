#include "net/client/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <catch2/catch.hpp>

#include <thread>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// Accepts one connection on 127.0.0.1:<ephemeral>, records the request, and answers with
/// `reply` (or, if `answer` is false, holds the connection until the client closes it).
struct one_shot_server {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  http::request<http::string_body> received;
  std::thread thread;

  explicit one_shot_server(http::response<http::string_body> reply, bool answer = true) {
    thread = std::thread([this, reply = std::move(reply), answer]() mutable {
      tcp::socket socket(ioc);
      acceptor.accept(socket);
      boost::beast::flat_buffer buffer;
      boost::system::error_code ec;
      http::read(socket, buffer, received, ec);
      if (answer) {
        reply.prepare_payload();
        http::write(socket, reply, ec);
      } else {
        char byte;
        socket.read_some(asio::buffer(&byte, 1), ec); // returns when the client closes
      }
    });
  }
  ~one_shot_server() { wait(); }
  void wait() {
    if (thread.joinable())
      thread.join();
  }
  std::string endpoint() const {
    return "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }
};

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
unsigned short closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = a.local_endpoint().port();
  a.close();
  return port;
}

} // namespace

TEST_CASE("http_request sends method target headers and body and returns status body and type") {
  http::response<http::string_body> reply{http::status::created, 11};
  reply.set(http::field::content_type, "application/json");
  reply.body() = R"({"name":"x"})";
  one_shot_server server(std::move(reply));

  auto res = ever::net::http_request(
      "http://" + server.endpoint(), "POST", "/api/apps/v1/namespaces/default/configmaps?x=1",
      R"({"name":"x","data":{}})",
      {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}}, 5s);
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(res->body == R"({"name":"x"})");
  CHECK(res->content_type == "application/json");

  server.wait();
  CHECK(server.received.method() == http::verb::post);
  CHECK(server.received.target() == "/api/apps/v1/namespaces/default/configmaps?x=1");
  CHECK(server.received[http::field::authorization] == "Bearer t");
  CHECK(server.received[http::field::content_type] == "application/json");
  CHECK(server.received[http::field::host] == server.endpoint());
  CHECK(server.received.body() == R"({"name":"x","data":{}})");
}

TEST_CASE("http_request treats error statuses as answers and not failures") {
  http::response<http::string_body> reply{http::status::not_found, 11};
  reply.set(http::field::content_type, "application/json");
  reply.body() = R"({"error":{"code":"not_found","message":"no app \"x\""}})";
  one_shot_server server(std::move(reply));
  auto res = ever::net::http_request(server.endpoint(), "GET", "/api/apps/v1/apps", "", {}, 5s);
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(res->body.find("no app") != std::string::npos);
  server.wait();
  CHECK(server.received.method() == http::verb::get);
  CHECK(server.received.body().empty());
}

TEST_CASE("http_request to a closed port: errc::unavailable naming the endpoint") {
  auto port = std::to_string(closed_port());
  auto res = ever::net::http_request("http://127.0.0.1:" + port, "GET", "/healthz", "", {}, 5s);
  REQUIRE_FALSE(res);
  CHECK(ever::code_of(res.error()) == ever::errc::unavailable);
  auto message = ever::message_of(res.error());
  CHECK(message == "cannot reach everd at 127.0.0.1:" + port
                       + " (connection refused) - is it running? start it with `everd`");
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("http_request gives up after the timeout") {
  one_shot_server server({}, false);
  auto started = std::chrono::steady_clock::now();
  auto res = ever::net::http_request(server.endpoint(), "GET", "/slow", "", {}, 200ms);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(res);
  CHECK(ever::code_of(res.error()) == ever::errc::unavailable);
  CHECK(ever::message_of(res.error())
        == "everd at " + server.endpoint() + " did not answer within 200ms");
  CHECK(took < 3s);
}

TEST_CASE("endpoints with or without http:// and IPv6 and default port and https refused") {
  using ever::net::parse_endpoint;
  auto a = parse_endpoint("http://127.0.0.1:8080");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == "8080");
  CHECK(a->display() == "127.0.0.1:8080");
  auto b = parse_endpoint("localhost");
  REQUIRE(b);
  CHECK(b->port == "80");
  auto c = parse_endpoint("http://[::1]:9000/prefix/");
  REQUIRE(c);
  CHECK(c->host == "::1");
  CHECK(c->display() == "[::1]:9000");
  CHECK(c->base_path == "/prefix");
  CHECK_FALSE(parse_endpoint("https://x:1"));
  CHECK_FALSE(parse_endpoint("x:notaport"));
  CHECK_FALSE(parse_endpoint(":80"));
  auto bad = ever::net::http_request("https://x", "GET", "/", "", {}, 1s);
  REQUIRE_FALSE(bad);
  CHECK(ever::code_of(bad.error()) == ever::errc::invalid_argument);
}
