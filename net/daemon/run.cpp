#include "net/daemon/daemon.hpp"

#include "actors/admin/admin_actor.hpp"
#include "actors/cluster/cluster_state.hpp"
#include "actors/cluster/cluster_types.hpp"
#include "actors/cluster/control_service.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/registry/registry.hpp"
#include "actors/cluster/gate_actor.hpp"
#include "actors/cluster/membership_actor.hpp"
#include "actors/common/context.hpp"
#include "actors/common/worker_gauges.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/node/node_agent.hpp"
#include "net/bridge/caf_control_port.hpp"
#include "net/daemon/admin_token.hpp"
#include "net/daemon/cluster_setup.hpp"
#include "net/daemon/daemon_setup.hpp"
#include "net/gateway/gateway_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace ever::daemon {

namespace {

void write_pid_file(const std::string& data_dir) {
  std::ofstream out{data_dir + "/everd.pid", std::ios::trunc};
  out << ::getpid() << '\n';
}

} // namespace

int run(const daemon_options& opts) {
  if (!opts.roles.control)
    return run_joined(opts);
  // Before any thread exists (RocksDB starts its own): every thread must inherit the blocked
  // mask, or a second SIGTERM during the drain lands on a thread that dies of it.
  auto stop_signals = block_stop_signals();
  auto prepared = prepare_data_dir(opts.data_dir);
  if (!prepared) {
    std::cerr << "everd: " << message_of(prepared.error()) << '\n';
    return 1;
  }
  const auto& data_dir = *prepared;
  auto http = split_host_port(opts.listen);
  if (!http) {
    std::cerr << "everd: " << message_of(http.error()) << '\n';
    return 2;
  }
  auto link = link_of(opts);
  if (auto err = cluster::check_link(link, true)) {
    std::cerr << "everd: " << message_of(err) << '\n';
    return 2;
  }
  auto db = storage::open_rocksdb_store(data_dir + "/db");
  if (!db) {
    std::cerr << "everd: cannot open the database in " << data_dir
              << "/db: " << message_of(db.error())
              << " (is another everd using this --data-dir?)\n";
    return 1;
  }
  auto hashes = ensure_admin_token(**db, data_dir);
  if (!hashes) {
    std::cerr << "everd: " << message_of(hashes.error()) << '\n';
    return 1;
  }
  shared_view view;
  view.set_token_hashes(std::make_shared<std::vector<std::string>>(*hashes));
  metrics_registry metrics;
  metrics.describe("ever_queue_length", "gauge", "Requests waiting in the app's queue");
  metrics.describe("ever_scale_actions_total", "counter", "Workers added or removed by the scaler");
  metrics.describe("ever_decision_latency_seconds", "histogram",
                   "Time from a change to the scaler's decision on it");
  describe_worker_metrics(metrics);
  control_context ctx;
  ctx.db = db->get();
  ctx.limits = opts.limits;
  ctx.view = &view;
  ctx.metrics = &metrics;
  ctx.data_dir = data_dir;
  ctx.node_name = node_name_of(opts);
  cluster::cluster_state members;
  ctx.cluster = &members;

  caf::actor_system_config cfg;
  configure_actor_system(cfg, opts);
  caf::actor_system sys{cfg};
  caf::actor node;
  if (opts.roles.node) {
    // The local node joins before any app starts, so recovered workers find their agent.
    node = node::spawn_node_agent(sys, ctx);
    auto gen = cluster::next_generation(*ctx.db, ctx.node_name);
    if (!gen) {
      std::cerr << "everd: " << message_of(gen.error()) << '\n';
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
      return 1;
    }
    members.join(node_info_of(opts), node, *gen, ctx.now(), true);
  }
  auto directory = directory::spawn_directory(sys, ctx, node);
  auto membership = cluster::spawn_membership(sys, ctx, directory);
  pid_t me = ::getpid();
  auto admin = admin::spawn_admin(sys, ctx, admin::admin_config{directory, node, [me] {
                                                                  ::kill(me, SIGTERM);
                                                                }});
  cluster::gate_config gates;
  gates.membership = membership;
  // Services on the gate, handed out to holders of the admin token: remote gateways dispatch
  // through "control", `ever console` talks to "console".
  gates.services["control"] = cluster::spawn_control_service(sys, ctx, admin);
  gates.services["console"] =
    console::spawn_console(sys, ctx, console::console_config{directory, admin, node, membership});
  auto gate = cluster::spawn_gate(sys, ctx, gates);
  // Types spawned by name (the console's `spawn`, remote_spawn) find the control node here.
  registry::set_spawn_context({&sys, &ctx, directory, node, admin, membership});
  net::caf_control_port port{view, metrics, admin};
  net::gateway_server gateway{port, ctx.limits, http->first, http->second};
  int rc = 0;
  try {
    auto bound = gateway.start();
    if (link.port != 0) {
      auto published = cluster::publish_gate(sys, gate, link);
      if (!published)
        throw std::runtime_error(message_of(published.error()));
    }
    write_pid_file(data_dir);
    std::cout << "everd: serving http://" << http->first << ':' << bound << " (data dir "
              << data_dir << ", admin token in " << data_dir << "/token)" << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "everd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ": stopping (in-flight requests get " << ctx.limits.shutdown_grace_ms / 1000
              << "s)" << std::endl;
    gateway.stop_accepting();
    if (!gateway.drain(std::chrono::milliseconds(ctx.limits.shutdown_grace_ms)))
      std::cerr << "everd: " << gateway.in_flight() << " request(s) still in flight at the grace deadline\n";
  } catch (const std::exception& e) {
    std::cerr << "everd: " << e.what() << '\n';
    rc = 1;
  }
  gateway.stop();
  for (const auto& a : {directory, admin, node, membership, gate, gates.services["control"],
                        gates.services["console"]})
    if (a)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  // Strong handles outside the actors would keep ~actor_system waiting for detached threads.
  registry::clear_spawn_context();
  members.forget_agents();
  gates.services.clear();
  ::unlink((data_dir + "/everd.pid").c_str());
  return rc;
}

} // namespace ever::daemon
