#include "harness.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <dirent.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace ever::it {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string bin(const std::string& name) {
  return std::string{EVER_BIN_DIR} + "/" + name;
}

std::string source(const std::string& rel) {
  return std::string{EVER_SOURCE_DIR} + "/" + rel;
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/ever-it-XXXXXX";
  if (!mkdtemp(tmpl))
    throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond())
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

std::vector<long> find_processes(const std::function<bool(long)>& match) {
  std::vector<long> out;
  DIR* proc = ::opendir("/proc");
  if (!proc)
    return out;
  while (auto* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid > 0 && *end == '\0' && match(pid))
      out.push_back(pid);
  }
  ::closedir(proc);
  return out;
}

bool process_alive(long pid) {
  if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
    return false;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

namespace {

std::vector<std::string> make_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra)
    all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all)
    out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
            const std::string& cwd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  if (!cwd.empty())
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  auto envs = make_env(env);
  auto cargv = c_strings(argv);
  auto cenv = c_strings(envs);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

} // namespace

long start_background(const std::vector<std::string>& argv, const std::string& log,
                      const std::string& cwd) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open " + log);
  pid_t pid = spawn(argv, {}, cwd, fd, fd);
  ::close(fd);
  return pid;
}

run_result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& cwd, std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = spawn(argv, env, cwd, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  run_result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 100) <= 0)
      continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      auto n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (open_fds > 0)
    ::kill(pid, SIGKILL); // took too long: the test fails on the exit code
  for (auto& f : fds)
    if (f.fd >= 0)
      ::close(f.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

daemon::daemon(std::map<std::string, std::string> knobs, std::vector<std::string> extra_args)
  : knobs_(std::move(knobs)), extra_args_(std::move(extra_args)) {
  data_dir_ = dir_.path + "/data";
  http_port_ = free_port();
  cluster_port_ = free_port();
  start();
}

std::string daemon::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(http_port_);
}

void daemon::start() {
  std::vector<std::string> argv{bin("everd"), "--data-dir", data_dir_, "--listen",
                                "127.0.0.1:" + std::to_string(http_port_), "--cluster-listen",
                                "127.0.0.1:" + std::to_string(cluster_port_), "--threads", "2"};
  for (const auto& [k, v] : knobs_) {
    argv.push_back("--knob");
    argv.push_back(k + "=" + v);
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  auto log = dir_.path + "/everd.log";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_ = spawn(argv, {}, dir_.path, fd, fd);
  ::close(fd);
  bool up = eventually(
    [&] {
      auto r = net::http_request(endpoint(), "GET", "/healthz", "", {}, 500ms);
      return r && r->status == 200;
    },
    20s);
  if (!up)
    throw std::runtime_error("everd did not come up; log: " + log);
  std::ifstream t{data_dir_ + "/token"};
  std::getline(t, token_);
}

int daemon::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(static_cast<pid_t>(pid_), SIGTERM);
  int status = 0;
  for (int i = 0; i < 400; ++i) { // 20 s
    if (::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(50ms);
  }
  kill9();
  return -1;
}

void daemon::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(static_cast<pid_t>(pid_), SIGKILL);
  ::waitpid(static_cast<pid_t>(pid_), nullptr, 0);
  pid_ = 0;
}

daemon::~daemon() {
  // Stop everd together with its workers; then make sure no worker it recorded survives.
  std::vector<long> pids;
  if (pid_ > 0) {
    try {
      auto apps = api("/api/apps/v1/apps"); // kept: the loop must not outlive it
      for (const auto& app : apps["items"])
        for (const auto& w : workers(app["name"].get<std::string>()))
          pids.push_back(w["pid"].get<long>());
    } catch (...) {
    }
    http("POST", "/api/apps/v1/system:shutdown?stopWorkers=true", "", nullptr, {}, 30s);
    int status = 0;
    for (int i = 0; i < 300 && ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG) != pid_; ++i)
      std::this_thread::sleep_for(50ms);
    kill9();
  }
  for (auto p : pids)
    if (p > 0 && process_alive(p))
      ::kill(-static_cast<pid_t>(p), SIGKILL);
}

run_result daemon::ever(const std::vector<std::string>& args, const std::string& cwd) const {
  std::vector<std::string> argv{bin("ever")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"EVER_ENDPOINT", endpoint()}, {"EVER_TOKEN", token_}, {"EVER_HOME", dir_.path}},
             cwd.empty() ? dir_.path : cwd);
}

net::http_response daemon::http(const std::string& method, const std::string& target,
                                const std::string& body, const std::string* token,
                                net::header_list headers, std::chrono::milliseconds timeout) const {
  const auto& t = token ? *token : token_;
  if (!t.empty())
    headers.emplace_back("Authorization", "Bearer " + t);
  auto r = net::http_request(endpoint(), method, target, body, headers, timeout);
  if (!r)
    return net::http_response{0, message_of(r.error()), ""};
  return *r;
}

nlohmann::json daemon::api(const std::string& target) const {
  auto r = http("GET", target);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded())
    throw std::runtime_error("GET " + target + " -> " + std::to_string(r.status) + " " + r.body);
  return j;
}

std::vector<nlohmann::json> daemon::workers(const std::string& app, bool show_all) const {
  auto j = api("/api/apps/v1/namespaces/default/apps/" + app + "/workers"
               + (show_all ? "?showAll=true" : ""));
  return j["workers"].get<std::vector<nlohmann::json>>();
}

} // namespace ever::it
