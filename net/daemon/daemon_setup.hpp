#pragma once
// Process setup every everd role shares: signal handling and the actor system's configuration.

#include "net/daemon/daemon.hpp"

#include <caf/fwd.hpp>

#include <csignal>

namespace ever::daemon {

/// Blocks SIGTERM/SIGINT in this thread and every thread started after it, so that only the main
/// thread's sigwait sees them; ignores SIGPIPE. Call before any thread exists.
sigset_t block_stop_signals();

/// Creates the data dir if needed and returns its absolute, normalised path without a trailing
/// '/' (workers carry it in EVER_OWNER, so one dir has one spelling). errc::unavailable says why
/// it cannot be created.
expected<std::string> prepare_data_dir(const std::string& dir);

/// Scheduler threads, the cluster link (heartbeats, TLS), the cluster's message types and Ever's
/// error category.
void configure_actor_system(caf::actor_system_config& cfg, const daemon_options& opts);

} // namespace ever::daemon
