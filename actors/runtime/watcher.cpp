#include "actors/runtime/watcher.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ever::runtime {

namespace {

/// epoll token of the wake-up eventfd; watched processes get tokens from 1 up.
constexpr uint64_t wake_token = 0;

/// How often processes without a pidfd are checked.
constexpr int poll_interval_ms = 20;

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

std::string signal_text(int sig) {
  std::string text = "killed by signal " + std::to_string(sig);
  if (const char* abbrev = ::sigabbrev_np(sig))
    text += std::string(" (SIG") + abbrev + ")";
  return text;
}

std::string describe_siginfo(const siginfo_t& info) {
  switch (info.si_code) {
    case CLD_EXITED:
      return "exited with code " + std::to_string(info.si_status);
    case CLD_KILLED:
      return signal_text(info.si_status);
    case CLD_DUMPED:
      return signal_text(info.si_status) + ", core dumped";
    default:
      return "exited";
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    auto text = signal_text(WTERMSIG(status));
    if (WCOREDUMP(status))
      text += ", core dumped";
    return text;
  }
  return "exited";
}

/// Whether /proc shows `id` as a zombie (dead, not yet reaped) with the right start time.
bool is_our_zombie(const process_id& id) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(id.pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');
  if (!paren || paren[1] != ' ')
    return false;
  return paren[2] == 'Z' && read_start_time(id.pid) == id.start_time;
}

/// Reaps `id` without blocking if it is a child of ours, identified exactly by its pidfd when
/// there is one. Returns the status text; `done` is false if the child is not waitable yet.
/// Never waits for "any child": other parts of the daemon may have children of their own.
std::string reap(const process_id& id, int pidfd, bool& done) {
  done = true;
  if (pidfd >= 0) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    int rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                      WEXITED | WNOHANG);
    if (rc == 0) {
      if (info.si_pid == 0) {
        done = false; // a child, but not waitable yet
        return {};
      }
      return describe_siginfo(info);
    }
    if (errno == ECHILD)
      return "exited"; // not our child: its parent learns how it ended, we only that it did
    // EINVAL: a kernel without P_PIDFD (< 5.4); fall through to the pid-based check.
  }
  // A pid is only safe to wait for while it is our unreaped zombie: nobody else reaps our
  // children, so it cannot have been reused.
  if (!is_our_zombie(id))
    return "exited";
  int status = 0;
  pid_t rc = ::waitpid(id.pid, &status, WNOHANG);
  if (rc == id.pid)
    return describe_wait_status(status);
  return "exited";
}

struct entry {
  process_id id;
  int pidfd = -1;       ///< -1: polled with is_alive instead
  uint64_t token = 0;   ///< epoll token while registered
  bool polled = false;  ///< checked every poll_interval_ms
};

} // namespace

struct process_watcher::impl {
  exit_callback on_exit;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::mutex mtx;
  bool stopping = false;
  uint64_t next_token = 1;
  std::unordered_map<pid_t, entry> entries;
  std::unordered_map<uint64_t, pid_t> by_token;
  /// Exits found by watch() itself (the process was already gone), reported by the thread.
  std::vector<std::pair<pid_t, std::string>> pending;
  /// Exits whose callbacks are being delivered, and the pid whose callback runs right now.
  std::vector<std::pair<pid_t, std::string>> firing;
  pid_t current = 0;
  std::condition_variable delivered;
  std::thread thread;

  void wake() {
    uint64_t one = 1;
    // The counter only saturates after 2^64-2 wake-ups; a failed write means one is pending.
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  /// Removes `pid` from every index and closes its pidfd. Caller holds mtx.
  void forget(pid_t pid) {
    auto it = entries.find(pid);
    if (it == entries.end())
      return;
    if (it->second.pidfd >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.pidfd, nullptr);
      ::close(it->second.pidfd);
    }
    if (it->second.token != 0)
      by_token.erase(it->second.token);
    entries.erase(it);
  }

  /// Handles a process whose pidfd said it exited, or a polled one found dead. Caller holds mtx.
  void finish(pid_t pid, std::vector<std::pair<pid_t, std::string>>& fired) {
    auto it = entries.find(pid);
    if (it == entries.end())
      return;
    bool done = true;
    auto text = reap(it->second.id, it->second.pidfd, done);
    if (!done) {
      // Readable but not yet waitable (should not happen): look again on the polling timer
      // instead of spinning on a level-triggered fd.
      if (!it->second.polled) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.pidfd, nullptr);
        by_token.erase(it->second.token);
        it->second.token = 0;
        it->second.polled = true;
      }
      return;
    }
    fired.emplace_back(pid, std::move(text));
    forget(pid);
  }

  void run() {
    std::vector<epoll_event> events(64);
    for (;;) {
      int timeout = -1;
      {
        std::lock_guard<std::mutex> lock(mtx);
        if (stopping)
          return;
        for (auto& [pid, e] : entries)
          if (e.polled) {
            timeout = poll_interval_ms;
            break;
          }
        if (!pending.empty())
          timeout = 0;
      }
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
      if (n < 0 && errno != EINTR)
        n = 0; // nothing sensible to do but try again
      std::vector<std::pair<pid_t, std::string>> fired;
      {
        std::unique_lock<std::mutex> lock(mtx);
        if (stopping)
          return;
        for (int i = 0; i < n; ++i) {
          uint64_t token = events[i].data.u64;
          if (token == wake_token) {
            uint64_t count = 0;
            [[maybe_unused]] auto r = ::read(wake_fd, &count, sizeof count);
            continue;
          }
          // The entry may have been unwatched between epoll_wait and here: tokens are never
          // reused, so a stale one just misses.
          auto it = by_token.find(token);
          if (it != by_token.end())
            finish(it->second, fired);
        }
        std::vector<pid_t> polled;
        for (auto& [pid, e] : entries)
          if (e.polled)
            polled.push_back(pid);
        for (pid_t pid : polled) {
          auto& e = entries.at(pid);
          if (e.pidfd >= 0 || !is_alive(e.id))
            finish(pid, fired);
        }
        for (auto& p : pending)
          fired.push_back(std::move(p));
        pending.clear();
        firing = std::move(fired);
      }
      deliver();
    }
  }

  /// Runs the callbacks of `firing` one by one, outside the lock so they may watch/unwatch; one
  /// that unwatch() cancelled meanwhile is skipped.
  void deliver() {
    std::unique_lock<std::mutex> lock(mtx);
    while (!firing.empty() && !stopping) {
      auto [pid, text] = std::move(firing.front());
      firing.erase(firing.begin());
      current = pid;
      lock.unlock();
      on_exit(pid, std::move(text));
      lock.lock();
      current = 0;
      delivered.notify_all();
    }
  }
};

process_watcher::process_watcher(exit_callback on_exit) : impl_(std::make_unique<impl>()) {
  impl_->on_exit = std::move(on_exit);
  impl_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->epoll_fd < 0 || impl_->wake_fd < 0)
    throw std::system_error(errno, std::generic_category(), "process_watcher");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_token;
  if (::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, impl_->wake_fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "process_watcher");
  impl_->thread = std::thread([p = impl_.get()] { p->run(); });
}

process_watcher::~process_watcher() {
  {
    std::lock_guard<std::mutex> lock(impl_->mtx);
    impl_->stopping = true;
  }
  impl_->wake();
  if (impl_->thread.joinable())
    impl_->thread.join();
  for (auto& [pid, e] : impl_->entries)
    if (e.pidfd >= 0)
      ::close(e.pidfd);
  ::close(impl_->wake_fd);
  ::close(impl_->epoll_fd);
}

void process_watcher::watch(const process_id& id) {
  // Open the pidfd before checking the start time: if the check then matches, the pidfd refers to
  // that same process (it existed before this call, so it already held the pid when we opened it).
  int pidfd = open_pidfd(id.pid);
  int open_err = pidfd < 0 ? errno : 0;
  if (pidfd >= 0)
    ::fcntl(pidfd, F_SETFD, FD_CLOEXEC); // pidfds are CLOEXEC already; be explicit
  bool state_is_ours = id.start_time != 0 && read_start_time(id.pid) == id.start_time;

  std::lock_guard<std::mutex> lock(impl_->mtx);
  impl_->forget(id.pid);
  if (!state_is_ours || (pidfd < 0 && open_err == ESRCH)) {
    // Gone (or the pid now belongs to someone else): report it from the thread, not from here,
    // so callers never see their callback run inside watch().
    if (pidfd >= 0)
      ::close(pidfd);
    impl_->pending.emplace_back(id.pid, "exited");
    impl_->wake();
    return;
  }
  entry e;
  e.id = id;
  if (pidfd >= 0) {
    e.pidfd = pidfd;
    e.token = impl_->next_token++;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = e.token;
    if (::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, pidfd, &ev) == 0) {
      impl_->by_token[e.token] = id.pid;
    } else {
      ::close(pidfd);
      e.pidfd = -1;
      e.token = 0;
      e.polled = true;
    }
  } else {
    // ENOSYS (kernel < 5.3) or EPERM (seccomp): fall back to polling.
    e.polled = true;
  }
  impl_->entries[id.pid] = e;
  // A zombie child is readable at once and is picked up by epoll; a polled entry needs the thread
  // to switch to a timed wait.
  impl_->wake();
}

void process_watcher::unwatch(pid_t pid) {
  std::unique_lock<std::mutex> lock(impl_->mtx);
  impl_->forget(pid);
  auto drop = [pid](std::vector<std::pair<pid_t, std::string>>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), [pid](auto& p) { return p.first == pid; }),
            v.end());
  };
  drop(impl_->pending);
  drop(impl_->firing);
  // So that no callback for `pid` runs after unwatch returns: wait out one in progress, unless it
  // is that very callback calling us.
  if (std::this_thread::get_id() != impl_->thread.get_id())
    impl_->delivered.wait(lock, [&] { return impl_->current != pid; });
}

bool probe_http(uint16_t port, const std::string& path, int timeout_ms) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  };

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return false;
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS)
      return false;
    pollfd p{fd, POLLOUT, 0};
    int rc;
    do {
      rc = ::poll(&p, 1, remaining());
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0)
      return false;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
      return false;
  }

  std::string request = "GET " + (path.empty() || path[0] != '/' ? "/" + path : path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining()) <= 0)
        return false;
      continue;
    }
    return false;
  }

  // Only the status line matters; stop reading once we have it.
  std::string head;
  char buf[512];
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      head.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{fd, POLLIN, 0};
      int left = remaining();
      if (left <= 0 || ::poll(&p, 1, left) <= 0)
        return false;
      continue;
    }
    return false;
  }
  auto eol = head.find("\r\n");
  std::string line = head.substr(0, eol == std::string::npos ? head.size() : eol);
  // "HTTP/1.1 200 OK": the version, one space, three digits, then a space or the end.
  if (line.compare(0, 5, "HTTP/") != 0)
    return false;
  auto sp = line.find(' ');
  if (sp == std::string::npos)
    return false;
  auto code = line.substr(sp + 1, 3);
  bool after_ok = line.size() == sp + 4 || line[sp + 4] == ' ';
  return code == "200" && after_ok;
}

} // namespace ever::runtime
