#include "net/daemon/daemon.hpp"

#include "actors/admin/admin_actor.hpp"
#include "actors/common/context.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/node/node_agent.hpp"
#include "net/bridge/caf_control_port.hpp"
#include "net/daemon/admin_token.hpp"
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

/// Blocks the stop signals in this thread and every thread started after it, so that only the
/// main thread's sigwait sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // a client closing mid-write is an error code, not a death
  return set;
}

void configure(caf::actor_system_config& cfg, const daemon_options& opts) {
  auto threads = opts.threads > 0 ? opts.threads
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cfg.set("scheduler.max-threads", threads);
  // Idle workers otherwise poll in 50 µs sleeps first, adding ~100 µs to every wake-up
  // (caf-0.17-notes §5.1).
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  cfg.load<caf::io::middleman>();
  register_error_category(cfg);
}

void write_pid_file(const std::string& data_dir) {
  std::ofstream out{data_dir + "/everd.pid", std::ios::trunc};
  out << ::getpid() << '\n';
}

} // namespace

int run(const daemon_options& opts) {
  namespace fs = std::filesystem;
  // Before any thread exists (RocksDB starts its own): every thread must inherit the blocked
  // mask, or a second SIGTERM during the drain lands on a thread that dies of it.
  auto stop_signals = block_stop_signals();
  std::error_code ec;
  fs::create_directories(opts.data_dir, ec);
  if (ec) {
    std::cerr << "everd: cannot create data dir " << opts.data_dir << ": " << ec.message() << '\n';
    return 1;
  }
  auto data_dir = fs::absolute(opts.data_dir).lexically_normal().string();
  if (!data_dir.empty() && data_dir.back() == '/')
    data_dir.pop_back();
  auto http = split_host_port(opts.listen);
  auto cluster = split_host_port(opts.cluster_listen);
  if (!http || !cluster) {
    std::cerr << "everd: " << message_of(http ? cluster.error() : http.error()) << '\n';
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
  control_context ctx;
  ctx.db = db->get();
  ctx.limits = opts.limits;
  ctx.view = &view;
  ctx.metrics = &metrics;
  ctx.data_dir = data_dir;

  caf::actor_system_config cfg;
  configure(cfg, opts);
  caf::actor_system sys{cfg};
  auto node = node::spawn_node_agent(sys, ctx);
  auto directory = directory::spawn_directory(sys, ctx, node);
  pid_t me = ::getpid();
  auto admin = admin::spawn_admin(sys, ctx, admin::admin_config{directory, node, [me] {
                                                                  ::kill(me, SIGTERM);
                                                                }});
  net::caf_control_port port{view, metrics, admin};
  net::gateway_server gateway{port, ctx.limits, http->first, http->second};
  int rc = 0;
  try {
    auto bound = gateway.start();
    if (cluster->second != 0) {
      auto opened = sys.middleman().open(cluster->second, cluster->first.c_str(), true);
      if (!opened)
        throw std::runtime_error("cannot listen on cluster address " + opts.cluster_listen + ": "
                                 + sys.render(opened.error()));
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
  for (const auto& a : {directory, admin, node})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  ::unlink((data_dir + "/everd.pid").c_str());
  return rc;
}

} // namespace ever::daemon
