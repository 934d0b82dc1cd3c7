#pragma once
// Worker processes on this machine: spawn in their own session/process group, identify by pid and
// start time, signal the group, read their logs. Pure mechanism: no CAF, no policy.

#include "core/errc.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ever::runtime {

/// What to start.
struct process_spec {
  std::vector<std::string> argv;           ///< argv[0] looked up in PATH (the env's PATH)
  std::map<std::string, std::string> env;  ///< the complete environment of the child
  std::string work_dir;                    ///< created if missing; the child's cwd
  std::string log_path;                    ///< stdout+stderr appended here
};

/// A running process, identified across restarts of everd by (pid, start_time).
struct process_id {
  pid_t pid = 0;
  uint64_t start_time = 0; ///< /proc/<pid>/stat field 22, clock ticks since boot
};

/// Starts the process in a new session (so it is its own process group leader and outlives
/// everd), stdin from /dev/null, stdout/stderr to log_path. errc::unavailable if exec fails
/// (message names argv[0] and the reason).
expected<process_id> spawn_process(const process_spec& spec);

/// Start time of `pid` from /proc, 0 if no such process.
uint64_t read_start_time(pid_t pid);

/// True if `id.pid` is alive and is the same process (start time matches), not a zombie.
bool is_alive(const process_id& id);

/// Sends `sig` to the process group led by `id.pid`, only if `id` is still the same process.
/// Returns false if it is gone.
bool signal_group(const process_id& id, int sig);

/// The environment variable every worker carries so Ever can recognise its processes later.
inline constexpr const char* owner_env = "EVER_OWNER";

/// A process that carries our EVER_OWNER, as found by scan_owned_processes.
struct owned_process {
  pid_t pid = 0;
  uint64_t start_time = 0; ///< as read_start_time
  std::string worker_id;   ///< its EVER_WORKER_ID; "" if it has none
  std::string ns;          ///< its EVER_NAMESPACE; "" if it has none
  std::string app;         ///< its EVER_APP; "" if it has none

  process_id id() const { return process_id{pid, start_time}; }
};

/// Every live process whose environment has EVER_OWNER == `owner` and that leads its process
/// group (a worker's children share its group and die with it, so only leaders are listed).
/// Reads /proc/<pid>/environ, which is the environment the process was started with; processes
/// whose environ cannot be read (other users', vanished) are skipped, as are zombies and the
/// calling process. Sorted by pid.
std::vector<owned_process> scan_owned_processes(const std::string& owner);

/// Reads up to the last `max_bytes` of a log file; errc::not_found if missing.
expected<std::string> read_log_tail(const std::string& path, size_t max_bytes);

/// Finds a TCP port in [first, last] that can be bound on 127.0.0.1 and is not in `taken`.
/// errc::unavailable if none.
expected<uint16_t> pick_free_port(uint16_t first, uint16_t last, const std::vector<uint16_t>& taken);

/// Writes `files` (relative path -> content) under `dir`, creating directories; `mode` e.g. 0600
/// for secrets, 0644 for ConfigMaps. Refuses paths with ".." or a leading '/'.
caf::error write_files(const std::string& dir, const std::map<std::string, std::string>& files,
                       unsigned mode);

/// This process's environment as a map (what a child inherits from, filtered by the caller).
std::map<std::string, std::string> current_environment();

/// Directory of the running executable (for putting ever-sample-app etc. on workers' PATH).
std::string self_exe_dir();

} // namespace ever::runtime
