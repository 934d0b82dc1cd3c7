#include "actors/runtime/process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace ever::runtime {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

/// Closes an fd when it goes out of scope; keeps the error paths of spawn_process short.
struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f) : fd(f) {}
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
};

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos)
    return {};
  if (pos == 0)
    return "/";
  return path.substr(0, pos);
}

/// mkdir -p with `mode` for every directory it creates. Returns 0 or an errno value.
int make_dirs(const std::string& path, mode_t mode) {
  if (path.empty())
    return 0;
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos)
      next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty() || cur == "." || cur == "..")
      continue;
    if (::mkdir(cur.c_str(), mode) != 0) {
      int err = errno;
      struct stat st {};
      // EEXIST is fine only if it is a directory (or a symlink to one: stat follows it).
      if (err == EEXIST && ::stat(cur.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        continue;
      if (err == EEXIST)
        return ENOTDIR;
      return err;
    }
  }
  return 0;
}

/// Finds argv[0] the way execvp would, but in the child's PATH rather than ours. Relative PATH
/// entries are taken relative to `work_dir`, which will be the child's cwd. Returns the path to
/// exec or an errno value.
int resolve_program(const process_spec& spec, std::string& out) {
  const std::string& name = spec.argv[0];
  if (name.empty())
    return ENOENT;
  if (name.find('/') != std::string::npos) {
    // posix_spawn runs the chdir file action before execve, so a relative name resolves against
    // work_dir, as it would in a shell started there.
    out = name;
    return 0;
  }
  auto it = spec.env.find("PATH");
  // Same default as glibc's execvp when PATH is unset.
  std::string path = it != spec.env.end() ? it->second : std::string("/bin:/usr/bin");
  int result = ENOENT;
  size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find(':', pos);
    if (next == std::string::npos)
      next = path.size();
    std::string dir = path.substr(pos, next - pos);
    pos = next + 1;
    if (dir.empty())
      dir = ".";
    std::string candidate = dir + "/" + name;
    std::string check = candidate;
    if (candidate[0] != '/') {
      check = (spec.work_dir.empty() ? std::string(".") : spec.work_dir) + "/" + candidate;
    }
    struct stat st {};
    if (::stat(check.c_str(), &st) != 0) {
      if (errno == EACCES)
        result = EACCES; // like execvp: remember, keep looking
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      result = EACCES;
      continue;
    }
    if (::access(check.c_str(), X_OK) != 0) {
      result = EACCES;
      continue;
    }
    // Pass an absolute path when we can so the result does not depend on the child's cwd.
    out = check[0] == '/' ? check : candidate;
    return 0;
  }
  return result;
}

/// State letter (field 3) and start time (field 22) of /proc/<pid>/stat; false if unreadable.
bool read_stat(pid_t pid, char& state, uint64_t& start_time) {
  if (pid <= 0)
    return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[1024];
  ssize_t total = 0;
  while (total < static_cast<ssize_t>(sizeof buf) - 1) {
    ssize_t n = ::read(fd, buf + total, sizeof buf - 1 - total);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    total += n;
  }
  ::close(fd);
  if (total <= 0)
    return false;
  buf[total] = '\0';
  // comm (field 2) may contain spaces and ')' itself; it is the last ')' that closes it.
  const char* close_paren = std::strrchr(buf, ')');
  if (!close_paren)
    return false;
  const char* p = close_paren + 1;
  // Fields from 3 on are separated by single spaces; field 3 is the state.
  int field = 2;
  const char* field_start = nullptr;
  while (*p) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    ++field;
    field_start = p;
    while (*p && *p != ' ' && *p != '\n')
      ++p;
    if (field == 3)
      state = *field_start;
    if (field == 22) {
      char* end = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(field_start, &end, 10);
      if (errno != 0 || end == field_start)
        return false;
      start_time = v;
      return true;
    }
    if (*p == '\n')
      break;
  }
  return false;
}

} // namespace

expected<process_id> spawn_process(const process_spec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty())
    return make_error(errc::invalid_argument, "spawn: empty command");
  const std::string& name = spec.argv[0];

  if (!spec.work_dir.empty()) {
    if (int err = make_dirs(spec.work_dir, 0755))
      return make_error(errc::unavailable,
                        "spawn " + name + ": cannot create work dir " + spec.work_dir + ": " +
                          errno_text(err));
  }

  std::string program;
  if (int err = resolve_program(spec, program))
    return make_error(errc::unavailable, "spawn " + name + ": " + errno_text(err));

  // The log is opened here, not in the child, so that a bad log path is reported as such; the
  // child only dup2()s it. O_CLOEXEC keeps it out of processes other threads spawn meanwhile.
  int log_fd = -1;
  if (!spec.log_path.empty()) {
    auto dir = parent_dir(spec.log_path);
    if (int err = make_dirs(dir, 0755))
      return make_error(errc::unavailable, "spawn " + name + ": cannot create log dir " + dir +
                                             ": " + errno_text(err));
    log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } else {
    log_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  if (log_fd < 0)
    return make_error(errc::unavailable, "spawn " + name + ": cannot open log " + spec.log_path +
                                           ": " + errno_text(errno));
  fd_guard log_guard{log_fd};

  std::vector<std::string> env_strings;
  env_strings.reserve(spec.env.size());
  for (auto& [k, v] : spec.env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = spec.argv;
  std::vector<char*> argv;
  argv.reserve(argv_copy.size() + 1);
  for (auto& s : argv_copy)
    argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (int err = posix_spawn_file_actions_init(&actions))
    return make_error(errc::unavailable, "spawn " + name + ": " + errno_text(err));
  if (int err = posix_spawnattr_init(&attr)) {
    posix_spawn_file_actions_destroy(&actions);
    return make_error(errc::unavailable, "spawn " + name + ": " + errno_text(err));
  }

  int rc = 0;
  // Order matters if the parent has 0/1/2 closed and log_fd landed on one of them: duplicate the
  // log onto 1 and 2 first, then replace 0 (dup2 onto itself clears FD_CLOEXEC, per POSIX 2018).
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  if (rc == 0)
    rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0 && !spec.work_dir.empty())
    rc = posix_spawn_file_actions_addchdir_np(&actions, spec.work_dir.c_str());
  // Everything else the daemon has open (RocksDB, sockets of other threads that were not opened
  // with CLOEXEC) must not leak into a long-lived worker.
  if (rc == 0)
    rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  // A new session makes the worker its own process group leader (so signal_group reaches its
  // children) and detaches it from our terminal, so it survives everd. Signal mask and handlers are
  // reset: a daemon thread may block SIGTERM or ignore SIGPIPE, which a worker must not inherit.
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  if (rc == 0)
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF);
  if (rc == 0)
    rc = posix_spawnattr_setsigmask(&attr, &none);
  if (rc == 0)
    rc = posix_spawnattr_setsigdefault(&attr, &all);

  pid_t pid = 0;
  if (rc == 0)
    // glibc reports exec and file-action failures as the return value (its child shares our memory
    // until exec, CLONE_VFORK), and reaps the failed child itself.
    rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string msg = "spawn " + name + ": " + errno_text(rc);
    if (program != name)
      msg += " (" + program + ")";
    if (rc == ENOENT && !spec.work_dir.empty() && name.find('/') != std::string::npos &&
        name[0] != '/')
      msg += " (relative to " + spec.work_dir + ")";
    return make_error(errc::unavailable, msg);
  }

  process_id id;
  id.pid = pid;
  id.start_time = read_start_time(pid);
  return id;
}

uint64_t read_start_time(pid_t pid) {
  char state = 0;
  uint64_t start = 0;
  if (!read_stat(pid, state, start))
    return 0;
  return start;
}

bool is_alive(const process_id& id) {
  if (id.pid <= 0)
    return false;
  if (::kill(id.pid, 0) != 0)
    return false;
  char state = 0;
  uint64_t start = 0;
  if (!read_stat(id.pid, state, start))
    return false;
  return start == id.start_time && state != 'Z' && state != 'X' && state != 'x';
}

bool signal_group(const process_id& id, int sig) {
  // The check narrows, but cannot close, the window in which the pid could be reused; a process
  // group id also stays reserved while any member lives, which is what we signal.
  if (!is_alive(id))
    return false;
  return ::kill(-id.pid, sig) == 0;
}

expected<std::string> read_log_tail(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return make_error(errc::not_found, "no log file " + path);
    return make_error(errc::unavailable, "cannot read " + path + ": " + errno_text(err));
  }
  fd_guard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(errc::unavailable, "cannot stat " + path + ": " + errno_text(errno));
  off_t size = st.st_size;
  off_t start = size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
  std::string out;
  out.resize(static_cast<size_t>(size - start));
  size_t got = 0;
  while (got < out.size()) {
    // pread: the worker may still be appending; we return what existed when we looked.
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, start + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return make_error(errc::unavailable, "cannot read " + path + ": " + errno_text(errno));
    if (n == 0)
      break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

expected<uint16_t> pick_free_port(uint16_t first, uint16_t last,
                                  const std::vector<uint16_t>& taken) {
  if (first == 0)
    first = 1;
  if (first > last)
    return make_error(errc::unavailable, "no port range");
  uint32_t count = static_cast<uint32_t>(last) - first + 1;
  // A random starting point: two daemons (or two workers started at once) that each test and then
  // hand out a port would otherwise both pick the lowest free one.
  std::random_device rd;
  uint32_t offset = std::uniform_int_distribution<uint32_t>(0, count - 1)(rd);
  for (uint32_t i = 0; i < count; ++i) {
    auto port = static_cast<uint16_t>(first + (offset + i) % count);
    if (std::find(taken.begin(), taken.end(), port) != taken.end())
      continue;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return make_error(errc::unavailable, "socket: " + errno_text(errno));
    // No SO_REUSEADDR: then bind also fails for ports in TIME_WAIT or bound on 0.0.0.0, which is
    // the conservative answer for a worker that may not set it either.
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok)
      return port;
  }
  return make_error(errc::unavailable, "no free port in " + std::to_string(first) + "-" +
                                         std::to_string(last));
}

namespace {

/// True if `rel` is a plain relative path that stays below its base directory.
bool safe_relative_path(const std::string& rel) {
  if (rel.empty() || rel[0] == '/' || rel.back() == '/')
    return false;
  if (rel.find('\0') != std::string::npos)
    return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    auto next = rel.find('/', pos);
    if (next == std::string::npos)
      next = rel.size();
    auto part = rel.substr(pos, next - pos);
    if (part == "..")
      return false;
    pos = next + 1;
  }
  return true;
}

int write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    done += static_cast<size_t>(n);
  }
  return 0;
}

} // namespace

caf::error write_files(const std::string& dir, const std::map<std::string, std::string>& files,
                       unsigned mode) {
  // Validate everything first so a bad entry writes nothing at all.
  for (auto& [rel, content] : files) {
    if (!safe_relative_path(rel))
      return make_error(errc::invalid_argument, "refusing file path '" + rel + "'");
  }
  if (int err = make_dirs(dir, 0755))
    return make_error(errc::unavailable, "cannot create " + dir + ": " + errno_text(err));
  static std::atomic<unsigned> counter{0};
  for (auto& [rel, content] : files) {
    std::string path = dir + "/" + rel;
    if (int err = make_dirs(parent_dir(path), 0755))
      return make_error(errc::unavailable, "cannot create directory for " + path + ": " +
                                             errno_text(err));
    // Write a temporary and rename it over: a worker reading the file (a ConfigMap being updated)
    // sees the old or the new content, never half; and a symlink planted at `path` is replaced,
    // not followed.
    std::string tmp = parent_dir(path) + "/.ever-tmp." + std::to_string(::getpid()) + "." +
                      std::to_string(counter++);
    // Created 0600 so secret content is never readable by others, even for a moment.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      return make_error(errc::unavailable, "cannot write " + path + ": " + errno_text(errno));
    int err = write_all(fd, content);
    // fchmod, not the open mode: the umask must not change what the manifest asked for.
    if (err == 0 && ::fchmod(fd, static_cast<mode_t>(mode & 07777)) != 0)
      err = errno;
    if (::close(fd) != 0 && err == 0)
      err = errno;
    if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0)
      err = errno;
    if (err != 0) {
      ::unlink(tmp.c_str());
      return make_error(errc::unavailable, "cannot write " + path + ": " + errno_text(err));
    }
  }
  return caf::error{};
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

std::string self_exe_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return {};
  buf[n] = '\0';
  return parent_dir(std::string(buf, static_cast<size_t>(n)));
}

} // namespace ever::runtime
