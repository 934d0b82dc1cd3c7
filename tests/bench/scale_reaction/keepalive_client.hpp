#pragma once
// A blocking HTTP/1.1 client on one kept-alive connection, for the scale-reaction benchmark: the
// connection is made before the first request, so a request's send time is the moment its bytes
// go out, not the start of a TCP handshake and an accept that the 2-vCPU machine may delay by
// milliseconds while it creates the step's client threads.

#include <cstdint>
#include <memory>
#include <string>

namespace ever::bench {

class keepalive_client {
public:
  /// Connects to host:port (numeric IPv4/IPv6); throws std::runtime_error if it cannot.
  keepalive_client(const std::string& host, uint16_t port);
  ~keepalive_client();
  keepalive_client(const keepalive_client&) = delete;
  keepalive_client& operator=(const keepalive_client&) = delete;

  struct answer {
    int status = 0; ///< 0: the exchange failed (the connection is then reopened by the next get)
    std::string body;
  };

  /// GET `target` with `Authorization: Bearer <token>`; waits up to 30 s for the answer.
  answer get(const std::string& target, const std::string& token);

  /// Opens the connection again if the last exchange broke it. Throws like the constructor.
  void ensure_connected();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ever::bench
