#include "actors/runtime/loopback_post.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace ever::runtime {

namespace {

using steady = std::chrono::steady_clock;

struct fd_closer {
  int fd = -1;
  ~fd_closer() {
    if (fd >= 0)
      ::close(fd);
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

caf::error bad(const std::string& what) {
  return make_error(errc::invalid_argument, "reply is not HTTP: " + what);
}

/// Decodes a chunked body starting at `pos`. Sets `complete` false if more bytes are needed.
expected<std::string> dechunk(const std::string& raw, size_t pos, bool& complete) {
  std::string out;
  for (;;) {
    auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) {
      complete = false;
      return out;
    }
    auto size_text = trim(raw.substr(pos, eol - pos));
    if (auto semi = size_text.find(';'); semi != std::string::npos)
      size_text = trim(size_text.substr(0, semi)); // chunk extensions are ignored
    if (size_text.empty() || size_text.size() > 8
        || size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return bad("bad chunk size '" + size_text + "'");
    auto size = std::stoul(size_text, nullptr, 16);
    pos = eol + 2;
    if (size == 0) {
      complete = true; // trailers, if any, are not needed
      return out;
    }
    if (raw.size() < pos + size + 2) {
      complete = false;
      return out;
    }
    out.append(raw, pos, size);
    pos += size + 2;
  }
}

} // namespace

expected<http_reply> parse_http_reply(const std::string& raw, bool eof, bool& complete) {
  complete = false;
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (eof)
      return bad(raw.empty() ? "the connection closed without a reply"
                             : "the connection closed inside the headers");
    return http_reply{};
  }
  auto line_end = raw.find("\r\n");
  auto line = raw.substr(0, line_end);
  // "HTTP/1.1 200 OK": the version, one space, three digits.
  if (line.compare(0, 5, "HTTP/") != 0 || line.find(' ') == std::string::npos)
    return bad("status line '" + line.substr(0, 60) + "'");
  auto sp = line.find(' ');
  auto code = line.substr(sp + 1, 3);
  if (code.size() != 3 || !std::all_of(code.begin(), code.end(), ::isdigit))
    return bad("status line '" + line.substr(0, 60) + "'");
  http_reply reply;
  reply.status = std::stoi(code);
  bool chunked = false;
  long long length = -1;
  size_t pos = line_end + 2;
  while (pos < head_end) {
    auto eol = raw.find("\r\n", pos);
    auto header = raw.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = header.find(':');
    if (colon == std::string::npos)
      continue;
    auto name = lower(trim(header.substr(0, colon)));
    auto value = trim(header.substr(colon + 1));
    if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos)
      chunked = true;
    else if (name == "content-length") {
      if (value.empty() || value.size() > 12
          || value.find_first_not_of("0123456789") != std::string::npos)
        return bad("Content-Length '" + value + "'");
      length = std::stoll(value);
    }
  }
  size_t body_at = head_end + 4;
  if (chunked) {
    auto body = dechunk(raw, body_at, complete);
    if (!body)
      return body.error();
    if (!complete && eof)
      return bad("the connection closed inside a chunked body");
    reply.body = std::move(*body);
    return reply;
  }
  if (length >= 0) {
    if (raw.size() - body_at < static_cast<size_t>(length)) {
      if (eof)
        return bad("the connection closed after " + std::to_string(raw.size() - body_at) + " of "
                   + std::to_string(length) + " body bytes");
      return reply;
    }
    reply.body = raw.substr(body_at, static_cast<size_t>(length));
    complete = true;
    return reply;
  }
  // No framing: the body runs until the server closes (HTTP/1.0 style).
  reply.body = raw.substr(body_at);
  complete = eof;
  return reply;
}

expected<http_reply> post_loopback(uint16_t port, const std::string& path, const std::string& body,
                                   int timeout_ms, int retry_ms, size_t max_reply_bytes) {
  auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  };
  auto timed_out = [&](const char* stage) {
    return make_error(errc::unavailable, std::string("no reply within ") + std::to_string(timeout_ms)
                                           + " ms (" + stage + ")");
  };

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd_closer sock;
  for (;;) {
    if (sock.fd >= 0)
      ::close(sock.fd); // a refused socket cannot be reused for the next attempt
    sock.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sock.fd < 0)
      return make_error(errc::unavailable, std::string("socket: ") + std::strerror(errno));
    int err = 0;
    if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{sock.fd, POLLOUT, 0};
        int rc;
        do {
          rc = ::poll(&p, 1, remaining());
        } while (rc < 0 && errno == EINTR);
        if (rc == 0)
          return timed_out("connecting");
        socklen_t len = sizeof err;
        if (rc < 0 || ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
          err = errno;
      }
    }
    if (err == 0)
      break;
    if (err != ECONNREFUSED)
      return make_error(errc::unavailable, "connect to 127.0.0.1:" + std::to_string(port) + ": "
                                             + std::strerror(err));
    if (remaining() <= retry_ms)
      return make_error(errc::unavailable,
                        "connection refused on 127.0.0.1:" + std::to_string(port)
                          + " (nothing listening)");
    std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
  }

  std::string request = "POST " + (path.empty() || path[0] != '/' ? "/" + path : path)
                        + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
                        + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{sock.fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining()) <= 0)
        return timed_out("sending");
      continue;
    }
    return make_error(errc::unavailable, std::string("send: ") + std::strerror(errno));
  }

  std::string raw;
  char buf[4096];
  for (;;) {
    bool complete = false;
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      if (raw.size() > max_reply_bytes)
        return make_error(errc::invalid_argument,
                          "reply larger than " + std::to_string(max_reply_bytes) + " bytes");
      auto r = parse_http_reply(raw, false, complete);
      if (!r || complete)
        return r;
      continue;
    }
    if (n == 0)
      return parse_http_reply(raw, true, complete);
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{sock.fd, POLLIN, 0};
      int left = remaining();
      if (left <= 0 || ::poll(&p, 1, left) <= 0)
        return timed_out(raw.empty() ? "waiting for the reply" : "reading the reply");
      continue;
    }
    if (errno == ECONNRESET)
      return make_error(errc::unavailable, "the policy reset the connection");
    return make_error(errc::unavailable, std::string("recv: ") + std::strerror(errno));
  }
}

} // namespace ever::runtime
