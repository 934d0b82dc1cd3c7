#pragma once
// everd: one process with every role (control, node, gateway). Parses its options, opens the
// store, creates the admin token on first start, starts the actors and the gateway, and stops
// gracefully on SIGTERM/SIGINT (workers keep running, to be re-adopted at the next start).

#include "core/errc.hpp"
#include "core/knobs.hpp"

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace ever::daemon {

/// The parts of Ever one everd process runs.
struct role_set {
  bool control = true; ///< directory, apps, queues, scalers, membership, management API
  bool gateway = true; ///< the HTTP front door
  bool node = true;    ///< a node agent running worker processes on this machine

  bool all() const { return control && gateway && node; }
};

struct daemon_options {
  std::string data_dir = "./.ever";
  role_set roles;
  std::string join;        ///< HOST:PORT of the control node's cluster port (roles without control)
  std::string token_file;  ///< admin token used to join; default <control data dir>/token
  std::string node_name;   ///< default "local" with the control role, else the host name
  std::string advertise = "127.0.0.1"; ///< host the gateway uses to reach this node's workers
  double cpu = 0;          ///< capacity overrides; 0 = detected
  int64_t memory_mb = 0;
  int64_t gpu = -1;        ///< -1 = detected (NVIDIA devices under /dev)
  std::map<std::string, std::string> labels;
  std::string tls_cert, tls_key, tls_ca; ///< cluster link TLS (required off loopback)
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

/// Parses "control,gateway,node" (any non-empty subset). errc::invalid_argument names a bad role.
expected<role_set> parse_roles(const std::string& text);

/// Runs everd until SIGTERM/SIGINT. Returns the process exit code.
int run(const daemon_options& opts);

/// The roles without control: a node (and/or gateway) that joins opts.join. Called by run().
int run_joined(const daemon_options& opts);

/// The gateway-only role: an HTTP front door dispatching through the control node's queues.
/// Called by run_joined() when the node role is off.
int run_gateway_role(const daemon_options& opts);

} // namespace ever::daemon
