#pragma once
// Integration harness: starts the real binaries (everd, ever) on loopback with their own temp
// data dirs and free ports, talks HTTP to them, and kills only the processes it started (everd
// and the workers that everd recorded). Every wait is bounded.

#include "net/client/http_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ever::it {

/// Output of a finished command.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` to completion with extra environment `env` (added to the test's own) and `cwd`.
run_result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& cwd = {}, std::chrono::seconds timeout = std::chrono::seconds(60));

/// A fresh directory under /tmp, removed by the destructor.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  std::string path;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port();

/// Polls `cond` every 50 ms until true or `limit` passes. Returns whether it became true.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit);

/// Pids of the live processes for which `match(pid)` is true (a walk over /proc).
std::vector<long> find_processes(const std::function<bool(long)>& match);

/// True if `pid` exists and is not a zombie.
bool process_alive(long pid);

/// One everd under test.
class daemon {
public:
  /// `knobs` are passed as --knob name=value.
  explicit daemon(std::map<std::string, std::string> knobs = {},
                  std::vector<std::string> extra_args = {});
  ~daemon(); ///< stops everd and every worker it recorded

  /// Starts everd on the same data dir and ports (again, after stop()/kill()).
  void start();
  /// SIGTERM and wait for exit (bounded); returns its exit code.
  int stop();
  /// SIGKILL.
  void kill9();

  /// `ever ARGS...` against this daemon (EVER_ENDPOINT and EVER_TOKEN set), cwd = `cwd` or the
  /// source tree.
  run_result ever(const std::vector<std::string>& args, const std::string& cwd = {}) const;

  /// An HTTP request to the gateway with the admin token (unless `token` is given; "" = none).
  net::http_response http(const std::string& method, const std::string& target,
                          const std::string& body = {}, const std::string* token = nullptr,
                          net::header_list headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  /// GET of a management API path with the admin token, parsed.
  nlohmann::json api(const std::string& target) const;

  /// Workers of app `name` (showAll) from the API.
  std::vector<nlohmann::json> workers(const std::string& app, bool show_all = true) const;

  const std::string& data_dir() const { return data_dir_; }
  const std::string& token() const { return token_; }
  std::string endpoint() const;
  long pid() const { return pid_; }
  uint16_t cluster_port() const { return cluster_port_; }

private:
  temp_dir dir_;
  std::string data_dir_;
  std::map<std::string, std::string> knobs_;
  std::vector<std::string> extra_args_;
  uint16_t http_port_ = 0;
  uint16_t cluster_port_ = 0;
  long pid_ = 0;
  std::string token_;
  std::vector<long> worker_pids_seen_;
};

/// Starts `argv` in the background, stdout and stderr appended to `log`. Returns its pid; the
/// caller reaps it.
long start_background(const std::vector<std::string>& argv, const std::string& log,
                      const std::string& cwd = {});

/// Path of a built binary (everd, ever, ever-sample-app).
std::string bin(const std::string& name);

/// Path in the source tree.
std::string source(const std::string& rel);

} // namespace ever::it
