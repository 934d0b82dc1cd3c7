#pragma once
// Helpers for the runtime tests: temp dirs, bounded waits, exit collection, raw HTTP.

#include "actors/runtime/process.hpp"
#include "actors/runtime/watcher.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <ftw.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ever::runtime::test {

using namespace std::chrono_literals;
using test_clock = std::chrono::steady_clock;

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents at scope exit.
struct temp_dir {
  std::string path;
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ever-runtime-test-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    ::nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p) == 0 ? 0 : 0; },
      16, FTW_DEPTH | FTW_PHYS);
  }
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
};

/// Polls `pred` until it holds or `timeout` passes.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = test_clock::now() + timeout;
  while (!pred()) {
    if (test_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A minimal environment for children: only a PATH.
inline std::map<std::string, std::string> base_env() {
  return {{"PATH", "/usr/bin:/bin"}};
}

inline process_spec make_spec(const temp_dir& dir, std::vector<std::string> argv) {
  process_spec spec;
  spec.argv = std::move(argv);
  spec.env = base_env();
  spec.work_dir = dir / "work";
  spec.log_path = dir / "logs/worker.log";
  return spec;
}

/// Kills (SIGKILL to its group) and reaps a process this test started, if still there, at scope
/// exit. Never touches anything else: the group is the one spawn_process created for it.
struct process_guard {
  process_id id;
  explicit process_guard(process_id i) : id(i) {}
  ~process_guard() {
    if (id.pid <= 0)
      return;
    signal_group(id, SIGKILL);
    // Reap if it is still our unreaped child (the watcher may have done it already: ECHILD).
    auto deadline = test_clock::now() + 2s;
    while (test_clock::now() < deadline) {
      pid_t r = ::waitpid(id.pid, nullptr, WNOHANG);
      if (r != 0)
        break;
      std::this_thread::sleep_for(2ms);
    }
  }
  process_guard(const process_guard&) = delete;
  process_guard& operator=(const process_guard&) = delete;
};

/// Collects on_exit callbacks so tests can wait for them.
struct exit_log {
  std::mutex mtx;
  std::condition_variable cv;
  std::map<pid_t, std::vector<std::string>> exits;

  process_watcher::exit_callback callback() {
    return [this](pid_t pid, std::string text) {
      std::lock_guard<std::mutex> lock(mtx);
      exits[pid].push_back(std::move(text));
      cv.notify_all();
    };
  }

  std::optional<std::string> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mtx);
    if (!cv.wait_for(lock, timeout, [&] { return exits.count(pid) > 0; }))
      return std::nullopt;
    return exits[pid].front();
  }

  size_t count(pid_t pid) {
    std::lock_guard<std::mutex> lock(mtx);
    auto it = exits.find(pid);
    return it == exits.end() ? 0 : it->second.size();
  }
};

/// Sends `request` to 127.0.0.1:port and returns everything read until the server closes the
/// connection (or `timeout` passes: then whatever arrived).
inline std::string http_raw(uint16_t port, const std::string& request,
                            std::chrono::milliseconds timeout = 5000ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
    auto deadline = test_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                        test_clock::now());
      if (left.count() <= 0)
        break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

/// The body of a raw response (everything after the blank line).
inline std::string body_of(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? std::string{} : response.substr(pos + 4);
}

/// The header block of a raw response.
inline std::string head_of(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? response : response.substr(0, pos);
}

/// Decodes a chunked body; nullopt if malformed or missing the last chunk.
inline std::optional<std::string> dechunk(const std::string& body) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos)
      return std::nullopt;
    size_t len = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (len == 0)
      return out;
    if (pos + len + 2 > body.size())
      return std::nullopt;
    out += body.substr(pos, len);
    pos += len + 2;
  }
}

} // namespace ever::runtime::test
