#pragma once
// A tiny blocking HTTP/1.1 POST to a process on this machine (127.0.0.1), with one deadline for
// the whole exchange. For the container autoscaler: the detached policy runner calls it, so the
// blocking never stalls the actor scheduler. Pure mechanism: no CAF actors, no policy.

#include "core/errc.hpp"

#include <cstdint>
#include <string>

namespace ever::runtime {

/// What came back.
struct http_reply {
  int status = 0;   ///< e.g. 200
  std::string body; ///< de-chunked if the server used chunked transfer encoding
};

/// POSTs `body` (Content-Type application/json) to http://127.0.0.1:<port><path> and reads the
/// reply until Content-Length, the last chunk or the server closes. A refused connection is
/// retried every `retry_ms` until the deadline (the policy process may still be binding).
/// Errors name what went wrong: errc::unavailable "connection refused on port P",
/// "no reply within N ms", errc::invalid_argument for a reply that is not HTTP or larger than
/// `max_reply_bytes`.
expected<http_reply> post_loopback(uint16_t port, const std::string& path, const std::string& body,
                                   int timeout_ms, int retry_ms = 50,
                                   size_t max_reply_bytes = 1 << 20);

/// Parses a complete HTTP/1.x response (status line, headers, body as framed by its headers).
/// errc::invalid_argument if it is not one (or `eof` came before its end); `complete` is false
/// (and the reply partial) while more bytes are needed. Exposed for tests.
expected<http_reply> parse_http_reply(const std::string& raw, bool eof, bool& complete);

} // namespace ever::runtime
