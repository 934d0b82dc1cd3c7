#pragma once
// Helpers for the process-level durability tests (RELIABILITY.md G1, G2, G4, G6, G8; C1, C2, T1,
// T2): a ledger of acknowledged records with its checker, a load that backs off while everd is
// down, a raw HTTP client that tells "refused" from "answer began", and a /proc scan for worker
// processes left behind in a daemon's data dir.

#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <csignal>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ever::it::dur {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

inline std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The last `n` bytes of everd's log (for INFO on failure).
inline std::string log_tail(const daemon& d, size_t n = 4000) {
  auto text = read_text(d.data_dir() + "/../everd.log");
  return text.size() > n ? text.substr(text.size() - n) : text;
}

inline const std::string app_path = "/api/apps/v1/namespaces/default/apps/get-start";

/// The simple-policy ConfigMap of the getting-started app.
inline std::map<std::string, std::string> policy_data(int min_w, int max_w, int queue, int step,
                                                      int idle) {
  return {{"min_workers", std::to_string(min_w)},
          {"max_workers", std::to_string(max_w)},
          {"max_queue_size", std::to_string(queue)},
          {"scale_up_step", std::to_string(step)},
          {"max_idle_time", std::to_string(idle)}};
}

/// Acknowledged records and what was read back, checked after every restart.
struct ledger {
  std::map<std::string, std::map<std::string, std::string>> configmaps; // acknowledged data
  std::set<std::string> apps;
  std::map<uint64_t, nlohmann::json> decisions; // seq -> decision seen
  std::map<uint64_t, nlohmann::json> events;    // seq -> event seen
};

/// POST a ConfigMap; on 201 it enters the ledger. Returns the status.
inline int create_configmap(const daemon& d, ledger& l, const std::string& name,
                            const std::map<std::string, std::string>& data) {
  nlohmann::json body{{"name", name}, {"data", data}};
  auto r = d.http("POST", "/api/apps/v1/namespaces/default/configmaps", body.dump());
  if (r.status == 201)
    l.configmaps[name] = data;
  return r.status;
}

/// PUT a ConfigMap's data; on 200 the ledger holds the new data. Returns the status.
inline int update_configmap(const daemon& d, ledger& l, const std::string& name,
                            const std::map<std::string, std::string>& data) {
  nlohmann::json body{{"data", data}};
  auto r = d.http("PUT", "/api/apps/v1/namespaces/default/configmaps/" + name, body.dump());
  if (r.status == 200)
    l.configmaps[name] = data;
  return r.status;
}

/// POST the getting-started app; on 201 it enters the ledger. Returns the status.
inline int create_app(const daemon& d, ledger& l) {
  nlohmann::json body{{"manifest", read_text(source("docs/examples/getting-started/app.yaml"))}};
  auto r = d.http("POST", "/api/apps/v1/namespaces/default/apps", body.dump());
  INFO("create app: " << r.status << " " << r.body);
  if (r.status == 201)
    l.apps.insert("get-start");
  return r.status;
}

/// The policy ConfigMap plus the app, both acknowledged, then `running` RUNNING workers.
inline void deploy(const daemon& d, ledger& l, const std::map<std::string, std::string>& policy,
                   size_t running) {
  REQUIRE(create_configmap(d, l, "get-start-configmap", policy) == 201);
  REQUIRE(create_app(d, l) == 201);
  REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == running; }, 20s));
}

/// Items of a history endpoint by seq. Duplicated seqs are counted in `dups`.
inline std::map<uint64_t, nlohmann::json> history(const daemon& d, const std::string& what,
                                                  int& dups) {
  auto key = what == "decisions" ? "last" : "limit";
  auto j = d.api(app_path + "/" + what + "?" + key + "=1000000");
  std::map<uint64_t, nlohmann::json> out;
  dups = 0;
  for (const auto& item : j["items"]) {
    auto seq = item["seq"].get<uint64_t>();
    if (!out.emplace(seq, item).second)
      ++dups;
  }
  return out;
}

/// Checks seqs form 1..N, with no duplicate, and every item seen before is still there unchanged
/// on the fields in `same`. Then remembers what is there now.
inline void check_history(const daemon& d, const std::string& what,
                          std::map<uint64_t, nlohmann::json>& seen,
                          const std::vector<std::string>& same) {
  int dups = 0;
  auto now = history(d, what, dups);
  INFO(what << ": " << now.size() << " items now, " << seen.size() << " seen before");
  CHECK(dups == 0);
  REQUIRE(!now.empty());
  CHECK(now.begin()->first == 1);
  CHECK(now.rbegin()->first == now.size()); // with first == 1 and unique keys: no gap
  uint64_t expect = 1;
  for (const auto& [seq, item] : now) {
    if (seq != expect) {
      FAIL_CHECK(what << ": gap, expected seq " << expect << " got " << seq);
      expect = seq;
    }
    ++expect;
  }
  for (const auto& [seq, item] : seen) {
    auto it = now.find(seq);
    if (it == now.end()) {
      FAIL_CHECK(what << " seq " << seq << " seen before the crash is gone: " << item.dump());
      continue;
    }
    for (const auto& f : same)
      if (it->second[f] != item[f])
        FAIL_CHECK(what << " seq " << seq << " changed " << f << ": " << item[f].dump() << " -> "
                        << it->second[f].dump());
  }
  for (auto& [seq, item] : now)
    seen[seq] = item;
}

/// Reads the decisions and events now into the ledger (before a crash).
inline void remember_history(const daemon& d, ledger& l) {
  int dups = 0;
  for (auto& [seq, item] : history(d, "decisions", dups))
    l.decisions[seq] = item;
  for (auto& [seq, item] : history(d, "events", dups))
    l.events[seq] = item;
}

/// Every acknowledged ConfigMap present once with its acknowledged data; the app present once;
/// decisions and events gap-free and a superset of what was read before.
inline void check_ledger(const daemon& d, ledger& l) {
  auto list = d.api("/api/apps/v1/namespaces/default/configmaps")["items"];
  std::map<std::string, int> listed;
  for (const auto& cm : list)
    ++listed[cm["name"].get<std::string>()];
  for (const auto& [name, data] : l.configmaps) {
    INFO("configmap " << name);
    CHECK(listed[name] == 1);
    auto r = d.http("GET", "/api/apps/v1/namespaces/default/configmaps/" + name);
    REQUIRE(r.status == 200);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["data"].get<std::map<std::string, std::string>>() == data);
  }
  CHECK(list.size() == l.configmaps.size()); // nothing unacknowledged, nothing twice
  auto apps = d.api("/api/apps/v1/apps")["items"];
  std::multiset<std::string> app_names;
  for (const auto& a : apps)
    app_names.insert(a["name"].get<std::string>());
  for (const auto& a : l.apps)
    CHECK(app_names.count(a) == 1);
  CHECK(app_names.size() == l.apps.size());
  check_history(d, "decisions", l.decisions, {"at", "reason", "policy"});
  check_history(d, "events", l.events, {"createdAt", "message", "from"});
}

/// A closed-loop load that waits 50 ms after a request that got no answer, so its threads do not
/// spin while everd is down.
inline const load_options paced{std::chrono::seconds(30), std::chrono::milliseconds(50)};

/// What a raw client saw of one request.
struct raw_answer {
  bool refused = false;  ///< connect failed
  bool sent = false;     ///< the whole request was written
  bool began = false;    ///< at least one byte of the answer arrived
  bool complete = false; ///< the answer ended as its framing says
  int status = 0;
  std::string error;
  std::string text;
  clock_type::time_point sent_at{};
  clock_type::time_point done_at{};
};

inline uint16_t port_of(const daemon& d) {
  auto ep = d.endpoint();
  return static_cast<uint16_t>(std::stoi(ep.substr(ep.rfind(':') + 1)));
}

inline bool iequals_prefix(const std::string& s, size_t pos, const std::string& p) {
  if (pos + p.size() > s.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != p[i])
      return false;
  return true;
}

/// Finds header `name` (lower case) in `head`; returns its value or "".
inline std::string header_value(const std::string& head, const std::string& name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    pos += 2;
    auto end = head.find("\r\n", pos);
    if (iequals_prefix(head, pos, name + ":")) {
      auto v = head.substr(pos + name.size() + 1, end - pos - name.size() - 1);
      while (!v.empty() && v.front() == ' ')
        v.erase(v.begin());
      return v;
    }
    pos = end;
  }
  return {};
}

/// One GET with `Connection: close` over a plain socket, bounded by `timeout`.
inline raw_answer raw_get(uint16_t port, const std::string& target, const std::string& token,
                          std::chrono::milliseconds timeout = 30s) {
  raw_answer a;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    a.error = "socket failed";
    return a;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    a.refused = true;
    a.error = std::strerror(errno);
    ::close(fd);
    return a;
  }
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + token + "\r\nConnection: close\r\n\r\n";
  size_t off = 0;
  while (off < req.size()) {
    auto n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      a.error = std::string{"send: "} + std::strerror(errno);
      ::close(fd);
      return a;
    }
    off += static_cast<size_t>(n);
  }
  a.sent = true;
  a.sent_at = clock_type::now();
  char buf[8192];
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      a.began = true;
      a.text.append(buf, static_cast<size_t>(n));
      if (clock_type::now() > deadline) {
        a.error = "timeout";
        break;
      }
      continue;
    }
    if (n < 0)
      a.error = std::string{"recv: "} + std::strerror(errno);
    break;
  }
  a.done_at = clock_type::now();
  ::close(fd);
  if (a.text.rfind("HTTP/1.1 ", 0) == 0 && a.text.size() >= 12)
    a.status = std::atoi(a.text.c_str() + 9);
  auto head_end = a.text.find("\r\n\r\n");
  if (head_end != std::string::npos && a.error.empty()) {
    auto head = a.text.substr(0, head_end);
    auto body_len = a.text.size() - head_end - 4;
    auto te = header_value(head, "transfer-encoding");
    auto cl = header_value(head, "content-length");
    if (te.find("chunked") != std::string::npos)
      a.complete = a.text.size() >= 5 && a.text.compare(a.text.size() - 5, 5, "0\r\n\r\n") == 0;
    else if (!cl.empty())
      a.complete = body_len == static_cast<size_t>(std::stoull(cl));
    else
      a.complete = true; // ends with the connection
  }
  return a;
}

/// Worker pids of the app listed by the API now (empty if everd does not answer).
inline void collect_pids(const daemon& d, std::set<long>& pids, std::set<std::string>* ids = nullptr) {
  try {
    for (const auto& w : d.workers("get-start")) {
      if (w["pid"].get<long>() > 0)
        pids.insert(w["pid"].get<long>());
      if (ids)
        ids->insert(w["id"].get<std::string>());
    }
  } catch (...) {
  }
}

/// True if `pid` is alive and its working directory is inside `dir` (workers run in
/// <data>/workers/<id>), so a pid reused by an unrelated process is never taken for a worker.
inline bool is_worker_in(long pid, const std::string& dir) {
  if (!process_alive(pid))
    return false;
  char link[4096];
  auto n = ::readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), link, sizeof link - 1);
  if (n <= 0)
    return false;
  link[n] = '\0';
  return std::string{link}.rfind(dir, 0) == 0;
}

/// Live processes whose working directory is inside `dir`.
inline std::vector<long> processes_under(const std::string& dir) {
  return find_processes([&](long pid) { return is_worker_in(pid, dir); });
}

/// Declared before the daemon, destroyed after it: if a test stops early (a failed REQUIRE while
/// everd is down), the harness cannot list the workers to stop; this kills what still runs in the
/// daemon's workers dir, so no test leaves a process behind.
struct worker_reaper {
  std::string dir; ///< <data dir>/workers/, set once the daemon exists
  ~worker_reaper() {
    if (dir.empty())
      return;
    for (auto p : processes_under(dir))
      ::kill(-static_cast<pid_t>(p), SIGKILL);
  }
};

/// RUNNING workers id -> pid.
inline std::map<std::string, long> running_pids(const std::vector<nlohmann::json>& ws) {
  std::map<std::string, long> out;
  for (const auto& w : ws)
    if (w["status"] == "RUNNING")
      out[w["id"].get<std::string>()] = w["pid"].get<long>();
  return out;
}

inline std::string dump_workers(const std::vector<nlohmann::json>& ws) {
  std::string out;
  for (const auto& w : ws)
    out += w["id"].get<std::string>() + " " + w["status"].get<std::string>() + " pid "
           + std::to_string(w["pid"].get<long>()) + " " + w["message"].get<std::string>() + "\n";
  return out;
}

} // namespace ever::it::dur
