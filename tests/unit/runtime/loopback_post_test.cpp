// post_loopback and parse_http_reply: framing by Content-Length, chunks and close; refused
// connections, timeouts and non-HTTP replies give clear errors. Servers are threads on loopback.

#include "actors/runtime/loopback_post.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace ever;
using namespace ever::runtime;

namespace {

/// A one-connection server: reads the request head, sends `reply` (unless `hang`), closes.
struct one_shot_server {
  int fd = -1;
  uint16_t port = 0;
  std::string request;
  std::thread thread;

  explicit one_shot_server(std::string reply, bool hang = false) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    REQUIRE(::listen(fd, 4) == 0);
    thread = std::thread([this, reply, hang] {
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0)
        return;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        request.append(buf, static_cast<size_t>(n));
      }
      if (hang) {
        ::recv(c, buf, sizeof buf, 0); // until the client gives up and closes
      } else {
        ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    });
  }
  ~one_shot_server() {
    ::shutdown(fd, SHUT_RDWR);
    if (thread.joinable())
      thread.join();
    ::close(fd);
  }
};

uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd); // nothing listens there now
  return ntohs(addr.sin_port);
}

} // namespace

TEST_CASE("post_loopback sends the body and reads a Content-Length reply", "[loopback_post]") {
  one_shot_server srv{"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"max_workers\":1}"};
  auto r = post_loopback(srv.port, "/-everai-/autoscaler", R"({"queue":{}})", 2000);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == R"({"max_workers":1})");
  srv.thread.join();
  CHECK(srv.request.rfind("POST /-everai-/autoscaler HTTP/1.1\r\n", 0) == 0);
  CHECK(srv.request.find("Content-Length: 12\r\n") != std::string::npos);
}

TEST_CASE("post_loopback reads chunked and close-delimited replies", "[loopback_post]") {
  {
    one_shot_server srv{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                        "6\r\n world\r\n0\r\n\r\n"};
    auto r = post_loopback(srv.port, "/", "{}", 2000);
    REQUIRE(r);
    CHECK(r->body == "hello world");
  }
  {
    one_shot_server srv{"HTTP/1.0 500 Internal Server Error\r\nServer: x\r\n\r\nboom"};
    auto r = post_loopback(srv.port, "/", "{}", 2000);
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(r->body == "boom");
  }
}

TEST_CASE("post_loopback says connection refused when nothing listens", "[loopback_post]") {
  auto start = std::chrono::steady_clock::now();
  auto r = post_loopback(closed_port(), "/", "{}", 300, 50);
  REQUIRE(!r);
  CHECK(code_of(r.error()) == errc::unavailable);
  CHECK(message_of(r.error()).find("connection refused") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("post_loopback times out on a server that never answers", "[loopback_post]") {
  one_shot_server srv{"", true};
  auto start = std::chrono::steady_clock::now();
  auto r = post_loopback(srv.port, "/", "{}", 300);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(!r);
  CHECK(message_of(r.error()).find("no reply within 300 ms") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("parse_http_reply refuses what is not HTTP", "[loopback_post]") {
  bool complete = true;
  auto r = parse_http_reply("garbage\r\n\r\n", true, complete);
  REQUIRE(!r);
  CHECK(message_of(r.error()).find("status line") != std::string::npos);
  auto closed = parse_http_reply("", true, complete);
  REQUIRE(!closed);
  CHECK(message_of(closed.error()).find("closed without a reply") != std::string::npos);
  auto partial = parse_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, complete);
  REQUIRE(partial);
  CHECK(!complete);
  auto truncated = parse_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true, complete);
  REQUIRE(!truncated);
  CHECK(message_of(truncated.error()).find("3 of 10") != std::string::npos);
  auto bad_chunk = parse_http_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, complete);
  REQUIRE(!bad_chunk);
}
