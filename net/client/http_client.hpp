#pragma once
// A small blocking HTTP/1.1 client for the CLI and the integration tests: one request per
// connection, no TLS, no CAF. Beast stays inside the .cpp so the CLI's headers do not pull it in.

#include "core/errc.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace ever::net {

/// A complete HTTP answer.
struct http_response {
  int status = 0;           ///< e.g. 200
  std::string body;         ///< the whole body (chunked bodies are joined)
  std::string content_type; ///< the Content-Type header, empty if absent
};

/// Header name/value pairs, in the order they are sent.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// An endpoint split into its parts. `host` has no brackets (IPv6 literals are bare).
struct endpoint_parts {
  std::string host;
  std::string port = "80";
  std::string base_path; ///< a path prefix such as "/ever" (no trailing '/'), usually empty
  /// "host:port" as a user would type it (brackets around IPv6 literals).
  std::string display() const;
};

/// Parses "http://127.0.0.1:8080", "127.0.0.1:8080", "localhost", "http://[::1]:8080/prefix".
/// errc::invalid_argument for https:// (not supported) or an empty host or a bad port.
expected<endpoint_parts> parse_endpoint(const std::string& endpoint);

/// Sends one request and reads the whole answer. `target` is the path with its query
/// ("/api/apps/v1/apps?x=1"). Host, User-Agent and Content-Length are set here; `headers` are
/// added as given. `timeout` bounds the whole exchange (resolve, connect, write, read).
/// Errors: errc::unavailable with one line naming the endpoint when it cannot be reached (refused,
/// timeout, unknown host, connection dropped); errc::invalid_argument for a bad endpoint.
/// Any HTTP status, including 4xx/5xx, is a successful result.
expected<http_response> http_request(const std::string& endpoint, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     const header_list& headers, std::chrono::milliseconds timeout);

} // namespace ever::net
