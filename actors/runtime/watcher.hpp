#pragma once
// Notices process exits at once (pidfd + epoll on a background thread), for children and for
// re-adopted processes that are not our children alike. Reaps children so no zombies remain.

#include "actors/runtime/process.hpp"

#include <functional>
#include <memory>

namespace ever::runtime {

class process_watcher {
public:
  /// `on_exit(pid, status_text)` runs on the watcher thread once per watched process that exits,
  /// e.g. "exited with code 1", "killed by signal 9".
  using exit_callback = std::function<void(pid_t, std::string)>;

  explicit process_watcher(exit_callback on_exit);
  ~process_watcher(); ///< stops the thread; watched processes keep running
  process_watcher(const process_watcher&) = delete;
  process_watcher& operator=(const process_watcher&) = delete;

  /// Starts watching `id`. If it is already gone, on_exit runs promptly.
  void watch(const process_id& id);
  /// Stops watching `pid` (no callback).
  void unwatch(pid_t pid);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Blocking HTTP GET of http://127.0.0.1:<port><path> with a timeout; true only for status 200.
bool probe_http(uint16_t port, const std::string& path, int timeout_ms);

} // namespace ever::runtime
