#include "net/daemon/daemon_setup.hpp"

#include "actors/cluster/cluster_types.hpp"
#include "actors/common/scheduler_tuning.hpp"
#include "actors/registry/registry.hpp"
#include "net/daemon/cluster_setup.hpp"

#include <caf/actor_system_config.hpp>

#include <filesystem>

namespace ever::daemon {

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // a client closing mid-write is an error code, not a death
  return set;
}

expected<std::string> prepare_data_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::unavailable, "cannot create data dir " + dir + ": " + ec.message());
  auto out = fs::absolute(dir).lexically_normal().string();
  if (!out.empty() && out.back() == '/')
    out.pop_back();
  return out;
}

void configure_actor_system(caf::actor_system_config& cfg, const daemon_options& opts) {
  tune_scheduler(cfg, opts.threads);
  cluster::configure_link(cfg, link_of(opts));
  cluster::register_cluster_types(cfg);
  register_error_category(cfg);
  registry::register_builtin_types(cfg); // spawn by name, also from other nodes
}

} // namespace ever::daemon
