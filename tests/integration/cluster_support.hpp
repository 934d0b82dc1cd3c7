#pragma once
// A node process for cluster tests: `everd --roles node --join` against a control daemon, with its
// own temp data dir. It can be killed, stopped and continued; its destructor kills it and the
// worker processes it started (those carrying EVER_OWNER=<its data dir>), and nothing else.

#include "harness.hpp"

#include <fstream>
#include <signal.h>
#include <sys/wait.h>
#include <thread>

namespace ever::it {

/// Pids of live process-group leaders whose environment has EVER_OWNER=`owner`.
inline std::vector<long> owned_pids(const std::string& owner) {
  auto needle = "EVER_OWNER=" + owner;
  return find_processes([&](long pid) {
    if (::getpgid(static_cast<pid_t>(pid)) != pid)
      return false;
    std::ifstream env{"/proc/" + std::to_string(pid) + "/environ", std::ios::binary};
    std::string var;
    while (std::getline(env, var, '\0'))
      if (var == needle)
        return process_alive(pid);
    return false;
  });
}

class node_process {
public:
  node_process(const ever::it::daemon& control, std::string name, std::map<std::string, std::string> knobs,
               double cpu = 4)
    : control_(control), name_(std::move(name)), knobs_(std::move(knobs)), cpu_(cpu) {
    data_dir_ = dir_.path + "/data";
    start();
  }
  ~node_process() {
    if (pid_ > 0) {
      ::kill(static_cast<pid_t>(pid_), SIGCONT);
      kill9();
    }
    for (auto p : owned_pids(data_dir_))
      ::kill(-static_cast<pid_t>(p), SIGKILL);
  }

  void start() {
    std::vector<std::string> argv{bin("everd"),     "--roles",     "node",
                                  "--join",         "127.0.0.1:" + std::to_string(control_.cluster_port()),
                                  "--token-file",   control_.data_dir() + "/token",
                                  "--node-name",    name_,
                                  "--data-dir",     data_dir_,
                                  "--cpu",          std::to_string(cpu_),
                                  "--threads",      "2"};
    for (const auto& [k, v] : knobs_) {
      argv.push_back("--knob");
      argv.push_back(k + "=" + v);
    }
    pid_ = start_background(argv, dir_.path + "/everd.log", dir_.path);
  }
  void kill9() {
    if (pid_ <= 0)
      return;
    ::kill(static_cast<pid_t>(pid_), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid_), nullptr, 0);
    pid_ = 0;
  }
  void sigstop() { ::kill(static_cast<pid_t>(pid_), SIGSTOP); }
  void sigcont() { ::kill(static_cast<pid_t>(pid_), SIGCONT); }

  const std::string& name() const { return name_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const {
    std::ifstream in{dir_.path + "/everd.log"};
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

private:
  const ever::it::daemon& control_;
  temp_dir dir_;
  std::string data_dir_;
  std::string name_;
  std::map<std::string, std::string> knobs_;
  double cpu_ = 4;
  long pid_ = 0;
};

/// The control node's view of node `name` ("" if unknown).
inline nlohmann::json node_row(const ever::it::daemon& control, const std::string& name) {
  auto doc = control.api("/api/apps/v1/nodes"); // kept: the loop must not outlive it
  for (const auto& n : doc["nodes"])
    if (n["name"] == name)
      return n;
  return {};
}

inline std::string node_status(const ever::it::daemon& control, const std::string& name) {
  auto n = node_row(control, name);
  return n.is_null() ? std::string{} : n["status"].get<std::string>();
}

} // namespace ever::it
