// everd without the control role: a node (worker processes on this machine) that joins a
// control node over the cluster link, or a gateway-only front door (role_gateway.cpp).

#include "net/daemon/daemon.hpp"

#include "actors/cluster/node_link.hpp"
#include "actors/common/context.hpp"
#include "actors/node/node_agent.hpp"
#include "actors/registry/registry.hpp"
#include "net/daemon/cluster_setup.hpp"
#include "net/daemon/daemon_setup.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace ever::daemon {

int run_joined(const daemon_options& opts) {
  if (!opts.roles.node)
    return run_gateway_role(opts);
  if (opts.roles.gateway && !opts.roles.all())
    std::cerr << "everd: note: a joined node serves no HTTP; run `everd --roles gateway --join "
              << opts.join << "` for another front door\n";
  auto stop_signals = block_stop_signals();
  auto prepared = prepare_data_dir(opts.data_dir);
  if (!prepared) {
    std::cerr << "everd: " << message_of(prepared.error()) << '\n';
    return 1;
  }
  const auto& data_dir = *prepared;
  auto link = link_of(opts);
  if (auto err = cluster::check_link(link, false)) {
    std::cerr << "everd: " << message_of(err) << '\n';
    return 2;
  }
  auto token = read_token_file(opts.token_file.empty() ? data_dir + "/token" : opts.token_file);
  if (!token) {
    std::cerr << "everd: " << message_of(token.error()) << '\n';
    return 2;
  }
  // The node agent reads only the knobs, the clock and the data dir of its context.
  control_context ctx;
  ctx.limits = opts.limits;
  ctx.data_dir = data_dir;
  ctx.node_name = node_name_of(opts);

  caf::actor_system_config cfg;
  configure_actor_system(cfg, opts);
  caf::actor_system sys{cfg};
  auto agent = node::spawn_node_agent(sys, ctx);
  cluster::node_link_config lc;
  lc.control_host = link.host;
  lc.control_port = link.port;
  lc.link = link;
  lc.token = *token;
  lc.info = node_info_of(opts);
  lc.agent = agent;
  auto node_link = cluster::spawn_node_link(sys, std::move(lc));
  registry::set_spawn_context({&sys, &ctx, {}, agent, {}, {}});
  {
    std::ofstream pid{data_dir + "/everd.pid", std::ios::trunc};
    pid << ::getpid() << '\n';
  }
  std::cout << "everd: node " << ctx.node_name << " (data dir " << data_dir << ") joining "
            << opts.join << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << "everd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping the node (its workers keep running)" << std::endl;
  for (const auto& a : {node_link, agent})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  registry::clear_spawn_context(); // its handles would keep ~actor_system waiting
  ::unlink((data_dir + "/everd.pid").c_str());
  return 0;
}

} // namespace ever::daemon
