// everd --roles gateway --join HOST:PORT: an HTTP front door on another host. No store, no
// actors of its own beyond the remote port's: every request goes through the control node's
// queue actors (one queue per app in the cluster, however many gateways).
#include "net/daemon/daemon.hpp"

#include "net/bridge/remote_control_port.hpp"
#include "net/daemon/cluster_setup.hpp"
#include "net/daemon/daemon_setup.hpp"
#include "net/gateway/gateway_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace ever::daemon {

int run_gateway_role(const daemon_options& opts) {
  auto stop_signals = block_stop_signals(); // before any thread exists
  auto http = split_host_port(opts.listen);
  if (!http) {
    std::cerr << "everd: " << message_of(http.error()) << '\n';
    return 2;
  }
  auto prepared = prepare_data_dir(opts.data_dir);
  if (!prepared) {
    std::cerr << "everd: " << message_of(prepared.error()) << '\n';
    return 1;
  }
  const auto& data_dir = *prepared;
  auto token = read_token_file(opts.token_file.empty() ? data_dir + "/token" : opts.token_file);
  if (!token) {
    std::cerr << "everd: " << message_of(token.error()) << '\n';
    return 2;
  }
  auto link = link_of(opts);
  if (auto err = cluster::check_link(link, false)) {
    std::cerr << "everd: " << message_of(err) << '\n';
    return 2;
  }
  caf::actor_system_config cfg;
  configure_actor_system(cfg, opts);
  caf::actor_system sys{cfg};

  net::remote_control_port port{sys, opts.limits,
                                net::remote_target{link.host, link.port, link, *token}};
  port.start();
  // Serve at once either way: while the control node is away, requests get 503 and the port
  // keeps reconnecting. Only a refused token is fatal: retrying cannot fix it.
  caf::error why;
  if (!port.wait_connected(std::chrono::milliseconds(opts.limits.remote_call_timeout_ms), why)
      && code_of(why) == errc::unauthorized) {
    std::cerr << "everd: the control node at " << opts.join
              << " refused the admin token: " << message_of(why) << '\n';
    port.stop();
    return 1;
  }
  net::gateway_server gateway{port, opts.limits, http->first, http->second};
  int rc = 0;
  try {
    auto bound = gateway.start();
    std::ofstream{data_dir + "/everd.pid", std::ios::trunc} << ::getpid() << '\n';
    std::cout << "everd: gateway serving http://" << http->first << ':' << bound
              << " for the control node at " << opts.join << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "everd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ": stopping (in-flight requests get " << opts.limits.shutdown_grace_ms / 1000
              << "s)" << std::endl;
    gateway.stop_accepting();
    if (!gateway.drain(std::chrono::milliseconds(opts.limits.shutdown_grace_ms)))
      std::cerr << "everd: " << gateway.in_flight()
                << " request(s) still in flight at the grace deadline\n";
  } catch (const std::exception& e) {
    std::cerr << "everd: " << e.what() << '\n';
    rc = 1;
  }
  gateway.stop(); // releases the grants still held, through the port
  port.stop();
  ::unlink((data_dir + "/everd.pid").c_str());
  return rc;
}

} // namespace ever::daemon
