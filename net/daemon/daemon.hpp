#pragma once
// everd: one process with every role (control, node, gateway). Parses its options, opens the
// store, creates the admin token on first start, starts the actors and the gateway, and stops
// gracefully on SIGTERM/SIGINT (workers keep running, to be re-adopted at the next start).

#include "core/errc.hpp"
#include "core/knobs.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace ever::daemon {

struct daemon_options {
  std::string data_dir = "./.ever";
  std::string listen = "127.0.0.1:8080";          ///< HTTP gateway
  std::string cluster_listen = "127.0.0.1:7420";  ///< CAF middleman
  int threads = 0;                                ///< CAF scheduler threads; 0 = cores
  knobs limits;
  bool help = false;
};

/// Parses everd's arguments. errc::invalid_argument names the bad one.
expected<daemon_options> parse_args(const std::vector<std::string>& args);

/// The --help text.
std::string usage();

/// Splits "HOST:PORT"; errc::invalid_argument if malformed.
expected<std::pair<std::string, uint16_t>> split_host_port(const std::string& text);

/// Runs everd until SIGTERM/SIGINT. Returns the process exit code.
int run(const daemon_options& opts);

} // namespace ever::daemon
