#pragma once
// The `ever` CLI as a library: argument parsing, API calls and table output, with the terminal,
// the environment and the network injected so tests run it without any of them.

#include "core/errc.hpp"
#include "net/client/http_client.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ever::cli {

/// One management API call as the CLI makes it. The transport gets the resolved endpoint and the
/// complete header list (Authorization included) so fakes can check what would go on the wire.
struct api_request {
  std::string endpoint; ///< e.g. "http://127.0.0.1:8080"
  std::string method;   ///< "GET", "POST", "PUT", "DELETE"
  std::string target;   ///< path and query, e.g. "/api/apps/v1/namespaces/default/apps"
  std::string body;     ///< JSON text, empty for GET/DELETE
  net::header_list headers;
};

/// Sends one request; errc::unavailable (with one printable line) when everd cannot be reached.
using transport_fn = std::function<expected<net::http_response>(const api_request&)>;

/// Everything the CLI reads from its surroundings.
struct cli_env {
  /// Environment lookup (EVER_ENDPOINT, EVER_TOKEN, EVER_HOME, EVER_DATA_DIR, HOME);
  /// nullopt for unset. Empty function = nothing is set.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  /// Working directory: relative `-f` paths, ./app.yaml and ./.ever/token are resolved here.
  std::string cwd = ".";
  /// The network; empty = net::http_request with the request's endpoint and `timeout`.
  transport_fn transport;
  /// Bound for each request made by the default transport.
  std::chrono::milliseconds timeout{30000};

  /// The real process environment and working directory, the real network.
  static cli_env from_process();
};

/// Runs `ever` with `args` (argv without the program name). Output goes to `out`, errors and
/// verbose traces to `err`, `in` is stdin (`-f -`, `--token -`, `policy decide --factors -`).
/// Exit codes: 0 ok, 1 the request failed (server error, unreachable), 2 usage error.
int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err, cli_env env);

} // namespace ever::cli
