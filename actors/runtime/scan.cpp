// scan_owned_processes: finds the processes this everd started (or an earlier everd on the same
// data dir started) by the EVER_OWNER each worker carries, so a restart can stop those that no
// record accounts for.
#include "actors/runtime/process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <unistd.h>

#include <algorithm>

namespace ever::runtime {

namespace {

/// Upper bound on what is read of one environ: the kernel caps a process's initial arguments plus
/// environment near ARG_MAX-like limits, but a bound keeps one odd process from costing us much.
constexpr size_t max_environ_bytes = size_t{8} << 20;

/// Reads a whole /proc file; false if it cannot be opened or read (gone, not ours).
bool read_proc_file(const char* path, size_t limit, std::string& out) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  out.clear();
  char buf[16384];
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ok = false; // e.g. EACCES on environ of a process that changed credentials
      break;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  return ok;
}

/// Fields of /proc/<pid>/stat that the scan needs.
struct stat_fields {
  char state = 0;
  pid_t pgid = 0;          // field 5
  uint64_t start_time = 0; // field 22
};

bool read_stat_fields(pid_t pid, stat_fields& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  std::string text;
  if (!read_proc_file(path, 4096, text) || text.empty())
    return false;
  // comm (field 2) may contain spaces and ')' itself; it is the last ')' that closes it.
  auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos)
    return false;
  size_t pos = close_paren + 1;
  int field = 2;
  bool have_pgid = false;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    if (text[pos] == '\n')
      break;
    ++field;
    size_t end = text.find_first_of(" \n", pos);
    if (end == std::string::npos)
      end = text.size();
    std::string value = text.substr(pos, end - pos);
    pos = end;
    if (field == 3) {
      out.state = value.empty() ? 0 : value[0];
    } else if (field == 5) {
      char* stop = nullptr;
      long v = std::strtol(value.c_str(), &stop, 10);
      if (stop == value.c_str())
        return false;
      out.pgid = static_cast<pid_t>(v);
      have_pgid = true;
    } else if (field == 22) {
      char* stop = nullptr;
      unsigned long long v = std::strtoull(value.c_str(), &stop, 10);
      if (stop == value.c_str())
        return false;
      out.start_time = v;
      return have_pgid;
    }
  }
  return false;
}

/// The value of `name` in a NUL-separated environ block; false if absent.
bool environ_value(std::string_view block, std::string_view name, std::string& out) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t end = block.find('\0', pos);
    if (end == std::string_view::npos)
      end = block.size(); // the last entry may lack its NUL if the process rewrote its memory
    std::string_view entry = block.substr(pos, end - pos);
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      out.assign(entry.substr(name.size() + 1));
      return true;
    }
    pos = end + 1;
  }
  return false;
}

bool parse_pid(const char* name, pid_t& out) {
  if (!*name)
    return false;
  long v = 0;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9')
      return false;
    v = v * 10 + (*p - '0');
    if (v > 0x7fffffff)
      return false;
  }
  out = static_cast<pid_t>(v);
  return v > 0;
}

} // namespace

std::vector<owned_process> scan_owned_processes(const std::string& owner) {
  std::vector<owned_process> out;
  if (owner.empty())
    return out; // an empty owner would match workers that carry EVER_OWNER= by accident
  DIR* dir = ::opendir("/proc");
  if (!dir)
    return out;
  const pid_t self = ::getpid();
  std::string environ_text;
  std::string value;
  while (dirent* e = ::readdir(dir)) {
    pid_t pid = 0;
    if (!parse_pid(e->d_name, pid) || pid == self)
      continue;
    // Stat first: most processes are not group leaders, and stat is cheap and always readable.
    stat_fields before;
    if (!read_stat_fields(pid, before) || before.pgid != pid)
      continue;
    if (before.state == 'Z' || before.state == 'X' || before.state == 'x')
      continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/environ", static_cast<int>(pid));
    if (!read_proc_file(path, max_environ_bytes, environ_text))
      continue;
    if (!environ_value(environ_text, owner_env, value) || value != owner)
      continue;
    // The pid may have been reused between the two reads: the start time taken before the
    // environ must still be the process's, or the environ we read belongs to someone else.
    stat_fields after;
    if (!read_stat_fields(pid, after) || after.start_time != before.start_time ||
        after.pgid != pid)
      continue;
    owned_process p;
    p.pid = pid;
    p.start_time = before.start_time;
    if (environ_value(environ_text, "EVER_WORKER_ID", value))
      p.worker_id = value;
    if (environ_value(environ_text, "EVER_NAMESPACE", value))
      p.ns = value;
    if (environ_value(environ_text, "EVER_APP", value))
      p.app = value;
    out.push_back(std::move(p));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(),
            [](const owned_process& a, const owned_process& b) { return a.pid < b.pid; });
  return out;
}

} // namespace ever::runtime
