// Process-level durability: kill -9 of everd under load, a crash loop, idle timers across a
// crash, a worker that dies while everd is down, scale-down under a sawtooth load and a graceful
// stop with requests in flight (RELIABILITY.md G1, G2, G4, G6, G8; C1, C2, T1, T2).
#include "durability_support.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <random>

using namespace ever::it;
using everd = ever::it::daemon; // unistd.h declares ::daemon too
using namespace ever::it::dur;
using namespace std::chrono_literals;

namespace {

const std::string sse = "/api/routes/v1/get-start/sse";

size_t busy_count(const std::vector<nlohmann::json>& ws) {
  size_t n = 0;
  for (const auto& w : ws)
    if (w["status"] == "RUNNING" && w["detailStatus"] == "BUSY")
      ++n;
  return n;
}

const nlohmann::json* find_worker(const std::vector<nlohmann::json>& ws, const std::string& id) {
  for (const auto& w : ws)
    if (w["id"] == id)
      return &w;
  return nullptr;
}

std::string two(int i) { return (i < 10 ? "0" : "") + std::to_string(i); }

} // namespace

TEST_CASE("C1: kill -9 under load: same workers serve within 2 s, every acknowledged record once",
          "[integration][durability]") {
  worker_reaper reaper;
  everd d;
  reaper.dir = d.data_dir() + "/workers/";
  ledger l;
  for (int i = 0; i < 20; ++i)
    REQUIRE(create_configmap(d, l, "ledger-cm-" + two(i),
                             {{"index", std::to_string(i)}, {"value", "created-" + two(i)}})
            == 201);
  deploy(d, l, policy_data(2, 5, 2, 1, 60), 2);

  load clients{d, sse, 4, paced};
  REQUIRE(eventually([&] { return busy_count(d.workers("get-start")) == 2; }, 5s));
  // Acknowledged while requests are in flight; the last one right before the kill.
  for (int i = 0; i < 10; ++i)
    REQUIRE(update_configmap(d, l, "ledger-cm-" + two(i),
                             {{"index", std::to_string(i)}, {"value", "updated-" + two(i)}})
            == 200);
  remember_history(d, l);
  auto before = d.workers("get-start");
  auto before_running = running_pids(before);
  INFO("before the kill:\n" << dump_workers(before));
  REQUIRE(before_running.size() == 2);
  REQUIRE(l.decisions.size() >= 1);
  std::set<std::string> before_ids;
  for (const auto& w : before)
    before_ids.insert(w["id"].get<std::string>());
  REQUIRE(update_configmap(d, l, "ledger-cm-19", {{"index", "19"}, {"value", "last-before-kill"}})
          == 200);

  d.kill9();
  for (const auto& [id, pid] : before_running)
    CHECK(process_alive(pid)); // workers outlive everd
  auto restart_at = clock_type::now();
  d.start();
  auto up_at = clock_type::now();
  std::map<std::string, long> after_running;
  // RUNNING alone is the recorded status; BUSY means the queue dispatched to it again.
  bool same = eventually(
    [&] {
      auto ws = d.workers("get-start");
      after_running = running_pids(ws);
      return after_running == before_running && busy_count(ws) == 2;
    },
    10s);
  double took = seconds_since(up_at);
  INFO("everd up after " << std::chrono::duration<double>(up_at - restart_at).count()
                         << " s; same RUNNING pids after " << took << " s\n"
                         << log_tail(d));
  std::cout << "C1: everd up " << std::chrono::duration<double>(up_at - restart_at).count()
            << " s after the kill; the same 2 pids RUNNING and BUSY " << took << " s after start()"
            << std::endl;
  REQUIRE(same);
  CHECK(took <= 2.0);

  // Still under load a while later: no worker was started (same ids), both serve.
  std::map<std::string, uint64_t> served_at_restart;
  for (const auto& w : d.workers("get-start"))
    served_at_restart[w["id"].get<std::string>()] = w["successCount"].get<uint64_t>();
  bool both_serve = eventually(
    [&] {
      for (const auto& w : d.workers("get-start"))
        if (w["successCount"].get<uint64_t>() <= served_at_restart[w["id"].get<std::string>()])
          return false;
      return true;
    },
    6s);
  CHECK(both_serve);
  auto after = d.workers("get-start");
  std::set<std::string> after_ids;
  for (const auto& w : after)
    after_ids.insert(w["id"].get<std::string>());
  INFO("after the restart:\n" << dump_workers(after));
  CHECK(after_ids == before_ids);
  CHECK(running_pids(after) == before_running);

  auto list = d.ever({"worker", "list", "get-start"});
  CHECK(list.exit_code == 0);
  INFO(list.out);
  for (const auto& [id, pid] : before_running) {
    auto at = list.out.find(id);
    REQUIRE(at != std::string::npos);
    auto line = list.out.substr(at, list.out.find('\n', at) - at);
    CHECK(line.find("RUNNING") != std::string::npos);
  }

  check_ledger(d, l);
  auto events = d.api(app_path + "/events?limit=1000")["items"];
  for (const auto& [id, pid] : before_running) {
    bool readopted = false;
    for (const auto& e : events)
      if (e["message"].get<std::string>().find("Worker/" + id + " re-adopted (pid "
                                               + std::to_string(pid) + ")")
          != std::string::npos)
        readopted = true;
    CHECK(readopted);
  }
  auto statuses = clients.finish();
  std::string counts;
  for (auto [code, n] : statuses)
    counts += std::to_string(code) + " x" + std::to_string(n) + "; ";
  INFO("load statuses: " << counts);
  CHECK(statuses[200] > 0);
}

TEST_CASE("C2: crash loop, 20 x kill -9 at random 1-5 s: DB opens, ledger holds, no orphans",
          "[integration][durability]") {
  uint32_t seed = std::random_device{}();
  if (const char* s = std::getenv("EVER_DURABILITY_SEED"))
    seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  INFO("seed " << seed << " (EVER_DURABILITY_SEED=" << seed << " replays the kill schedule)");
  std::cout << "C2 crash loop seed " << seed << std::endl;
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> interval_ms(1000, 5000);
  std::uniform_int_distribution<int> client_count(1, 2);

  std::set<long> pids;
  std::set<std::string> ids;
  std::string workers_dir;
  worker_reaper reaper; // after the checks below, and on early exits
  {
    everd d;
    workers_dir = d.data_dir() + "/workers/";
    reaper.dir = workers_dir;
    ledger l;
    // Queue 0 and a 2 s idle time: 2 clients add a worker, 1 client lets it go again.
    deploy(d, l, policy_data(1, 3, 0, 1, 2), 1);
    auto loop_start = clock_type::now();
    for (int cycle = 0; cycle < 20; ++cycle) {
      int n = client_count(rng);
      int wait = interval_ms(rng);
      INFO("cycle " << cycle << ": " << n << " clients, kill after " << wait << " ms");
      {
        load clients{d, sse, n, paced};
        auto until = clock_type::now() + std::chrono::milliseconds(wait);
        while (clock_type::now() < until) {
          collect_pids(d, pids, &ids);
          std::this_thread::sleep_for(100ms);
        }
        REQUIRE(create_configmap(d, l, "crash-cm-" + two(cycle), {{"cycle", std::to_string(cycle)}})
                == 201);
        remember_history(d, l);
        collect_pids(d, pids, &ids);
        d.kill9();
      }
      REQUIRE_NOTHROW(d.start()); // the DB opens and everd serves
      collect_pids(d, pids, &ids);
      check_ledger(d, l);
      CHECK(running_count(d.workers("get-start")) <= 3);
    }
    std::cout << "C2 crash loop: 20 cycles in " << seconds_since(loop_start) << " s, "
              << l.decisions.size() << " decisions, " << ids.size() << " workers" << std::endl;
    // Let the last restart settle, then stop everd together with its workers.
    std::this_thread::sleep_for(1s);
    collect_pids(d, pids, &ids);
    INFO("workers at the end:\n" << dump_workers(d.workers("get-start")));
    auto r = d.http("POST", "/api/apps/v1/system:shutdown?stopWorkers=true", "", nullptr, {}, 60s);
    CHECK(r.status == 200);
    // everd stops itself after answering; a second SIGTERM now would hit the bug shown by the
    // T1 two-SIGTERM test, so wait for the exit and only then collect its status.
    CHECK(eventually([&] { return !process_alive(d.pid()); }, 30s));
    CHECK(d.stop() == 0);
  }
  INFO(ids.size() << " worker ids, " << pids.size() << " pids listed during the run");
  CHECK(pids.size() >= 1);
  std::vector<long> alive;
  eventually(
    [&] {
      alive.clear();
      for (auto p : pids)
        if (is_worker_in(p, workers_dir)) // alive, and still one of ours (not a reused pid)
          alive.push_back(p);
      return alive.empty();
    },
    5s);
  for (auto p : alive) {
    FAIL_CHECK("orphan worker pid " << p << " is still alive after stop with its workers");
    ::kill(-static_cast<pid_t>(p), SIGKILL);
  }
  // Processes the API never listed (e.g. spawned but not recorded before a kill).
  auto left = processes_under(workers_dir);
  for (auto p : left) {
    FAIL_CHECK("unrecorded worker process " << p << " still runs in " << workers_dir);
    ::kill(-static_cast<pid_t>(p), SIGKILL);
  }
}

TEST_CASE("G6: an idle timer continues across kill -9 (idle 3 s of 8 -> scale-down ~5 s later)",
          "[integration][durability]") {
  worker_reaper reaper;
  everd d;
  reaper.dir = d.data_dir() + "/workers/";
  ledger l;
  deploy(d, l, policy_data(1, 5, 2, 1, 8), 1);
  {
    load clients{d, sse, 4};
    REQUIRE(eventually([&] { return running_count(d.workers("get-start")) == 2; }, 15s));
    REQUIRE(eventually([&] { return busy_count(d.workers("get-start")) == 2; }, 5s));
    std::this_thread::sleep_for(1s);
    for (auto [code, n] : clients.finish())
      CHECK(code == 200);
  }
  auto idle_from = clock_type::now();
  auto ws = d.workers("get-start");
  INFO(dump_workers(ws));
  REQUIRE(running_count(ws) == 2);
  auto before = running_pids(ws);
  std::this_thread::sleep_for(3s - (clock_type::now() - idle_from));
  REQUIRE(live_count(d.workers("get-start")) == 2); // 3 s < 8 s: nobody went yet

  d.kill9();
  auto restart_at = clock_type::now();
  d.start();
  double up = seconds_since(restart_at);
  std::vector<nlohmann::json> after;
  // Which of the two goes is the policy's business (the first whose idle time reaches 8 s).
  bool gone = eventually(
    [&] {
      after = d.workers("get-start");
      return live_count(after) == 1;
    },
    15s);
  double took = seconds_since(restart_at);
  std::cout << "G6: everd up after " << up << " s; second worker gone " << took
            << " s after the restart (" << seconds_since(idle_from) << " s after the load stopped)"
            << std::endl;
  INFO("everd up after " << up << " s; second worker gone " << took << " s after the restart ("
                         << seconds_since(idle_from) << " s after the load stopped)\n"
                         << dump_workers(after) << log_tail(d));
  REQUIRE(gone);
  CHECK(took >= 3.0);
  CHECK(took <= 7.0);
  REQUIRE(eventually(
    [&] {
      after = d.workers("get-start");
      return after.size() == 2 && running_count(after) == 1 && live_count(after) == 1;
    },
    5s));
  for (const auto& w : after) {
    auto id = w["id"].get<std::string>();
    REQUIRE(before.count(id) == 1); // no new worker
    if (w["status"] == "RUNNING") {
      CHECK(w["pid"].get<long>() == before[id]); // the one kept was re-adopted
    } else {
      CHECK(w["status"] == "TERMINATED");
      CHECK(w["message"].get<std::string>().find("scale down") != std::string::npos);
    }
  }
}

TEST_CASE("a worker killed while everd is down becomes ERROR and is replaced",
          "[integration][durability]") {
  worker_reaper reaper;
  everd d;
  reaper.dir = d.data_dir() + "/workers/";
  ledger l;
  deploy(d, l, policy_data(2, 5, 2, 1, 60), 2);
  auto before = running_pids(d.workers("get-start"));
  REQUIRE(before.size() == 2);
  auto victim = *before.begin();
  auto survivor = *before.rbegin();

  d.kill9();
  REQUIRE(::kill(-static_cast<pid_t>(victim.second), SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(victim.second); }, 3s));
  d.start();
  auto up_at = clock_type::now();

  std::vector<nlohmann::json> ws;
  bool error = eventually(
    [&] {
      ws = d.workers("get-start");
      auto* w = find_worker(ws, victim.first);
      return w && (*w)["status"] == "ERROR";
    },
    5s);
  INFO(dump_workers(ws) << log_tail(d));
  REQUIRE(error);
  auto msg = (*find_worker(ws, victim.first))["message"].get<std::string>();
  CHECK(msg.find("gone") != std::string::npos);
  CHECK(msg.find(std::to_string(victim.second)) != std::string::npos);

  std::string replacement;
  bool replaced = eventually(
    [&] {
      ws = d.workers("get-start");
      for (const auto& [id, pid] : running_pids(ws))
        if (!before.count(id))
          replacement = id;
      return !replacement.empty() && running_count(ws) == 2;
    },
    15s);
  double took = seconds_since(up_at);
  std::cout << "worker killed while down: replacement RUNNING " << took
            << " s after start()" << std::endl;
  INFO("replacement " << replacement << " RUNNING " << took << " s after the restart\n"
                      << dump_workers(ws));
  REQUIRE(replaced);
  CHECK(took <= 5.0);
  auto* s = find_worker(ws, survivor.first);
  REQUIRE(s);
  CHECK((*s)["status"] == "RUNNING");
  CHECK((*s)["pid"].get<long>() == survivor.second);
  CHECK(d.workers("get-start").size() == 3); // exactly one replacement

  auto list = d.ever({"worker", "list", "-a", "get-start"});
  auto at = list.out.find(victim.first);
  REQUIRE(at != std::string::npos);
  CHECK(list.out.substr(at, list.out.find('\n', at) - at).find("ERROR") != std::string::npos);
  bool warned = false;
  std::string event_lines;
  auto events = d.api(app_path + "/events?limit=1000");
  for (const auto& e : events["items"]) {
    event_lines += e.dump() + "\n";
    if (e["type"] == "WARNING"
        && e["message"].get<std::string>().find(victim.first) != std::string::npos)
      warned = true;
  }
  INFO("events:\n" << event_lines);
  CHECK(warned);
  check_ledger(d, l);
}

TEST_CASE("T2: scale-down under a sawtooth load kills no request", "[integration][durability]") {
  worker_reaper reaper;
  everd d;
  reaper.dir = d.data_dir() + "/workers/";
  ledger l;
  deploy(d, l, policy_data(1, 5, 0, 1, 1), 1);
  std::map<int, int> total;
  size_t max_running = 0;
  auto watch = [&](std::chrono::milliseconds span) {
    auto until = clock_type::now() + span;
    while (clock_type::now() < until) {
      max_running = std::max(max_running, running_count(d.workers("get-start")));
      std::this_thread::sleep_for(100ms);
    }
  };
  for (int round = 0; round < 5; ++round) {
    {
      load clients{d, sse, 6};
      watch(3s);
      for (auto [code, n] : clients.finish())
        total[code] += n;
    }
    watch(3s);
  }
  int all = 0;
  for (auto [code, n] : total) {
    INFO("status " << code << " x" << n);
    CHECK(code >= 200);
    CHECK(code < 300);
    all += n;
  }
  CHECK(all >= 30);
  std::cout << "T2: " << all << " requests, ";
  for (auto [code, n] : total)
    std::cout << code << " x" << n << " ";
  auto ws = d.workers("get-start");
  INFO(dump_workers(ws));
  size_t terminated = 0, errors = 0;
  for (const auto& w : ws) {
    terminated += w["status"] == "TERMINATED";
    errors += w["status"] == "ERROR";
  }
  std::cout << "; max " << max_running << " RUNNING, " << terminated << " TERMINATED, " << errors
            << " ERROR" << std::endl;
  CHECK(max_running >= 2);
  CHECK(terminated >= 1);
  CHECK(errors == 0);
}

namespace {

/// 4 clients on /sse (1 s each, 2 workers: 2 answering, 2 queued), then SIGTERM; with
/// `second_sigterm`, another SIGTERM 150 ms later, while the gateway drains. everd must exit 0
/// and every request it had read must complete with 200.
void graceful_stop_with_requests_in_flight(bool second_sigterm) {
  worker_reaper reaper;
  everd d;
  reaper.dir = d.data_dir() + "/workers/";
  ledger l;
  deploy(d, l, policy_data(2, 5, 2, 1, 60), 2);
  auto port = port_of(d);
  auto token = d.token();
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::vector<raw_answer> answers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      while (!stop) {
        auto a = raw_get(port, sse, token);
        bool refused = a.refused;
        {
          std::lock_guard<std::mutex> g{mtx};
          answers.push_back(std::move(a));
        }
        if (refused)
          std::this_thread::sleep_for(20ms);
      }
    });
  auto count_done = [&] {
    std::lock_guard<std::mutex> g{mtx};
    return std::count_if(answers.begin(), answers.end(),
                         [](const raw_answer& a) { return a.complete && a.status == 200; });
  };
  REQUIRE(eventually([&] { return count_done() >= 4 && busy_count(d.workers("get-start")) == 2; },
                     10s));
  std::this_thread::sleep_for(300ms); // mid-way through the current 1 s answers
  auto term_at = clock_type::now();
  if (second_sigterm) {
    ::kill(static_cast<pid_t>(d.pid()), SIGTERM);
    std::this_thread::sleep_for(150ms);
  }
  int rc = d.stop(); // SIGTERM, then waits for the exit
  double stop_took = seconds_since(term_at);
  std::this_thread::sleep_for(200ms); // the clients now see the port closed
  stop = true;
  for (auto& t : threads)
    t.join();

  INFO("everd exited " << rc << " after " << stop_took << " s\n" << log_tail(d));
  CHECK(rc == 0);
  int began = 0, in_flight = 0, refused = 0, dropped = 0;
  for (const auto& a : answers) {
    refused += a.refused;
    bool ok = a.status == 200 && a.complete && a.text.find("\"index\": 4") != std::string::npos;
    if (a.began) {
      ++began;
      INFO("answer: " << a.error << "\n" << a.text.substr(0, 300));
      CHECK(ok);
    }
    // Sent well before SIGTERM (the gateway has read it), not yet answered then: must finish.
    if (a.sent && a.sent_at + 100ms < term_at && a.done_at >= term_at) {
      ++in_flight;
      INFO("in flight at SIGTERM: " << a.error << "\n" << a.text.substr(0, 300));
      CHECK(ok);
    }
    if (a.sent && !a.began)
      ++dropped;
  }
  INFO(answers.size() << " requests: " << began << " answered, " << in_flight
                      << " in flight at SIGTERM, " << refused << " refused, " << dropped
                      << " sent without an answer");
  std::cout << (second_sigterm ? "T1 (two SIGTERMs)" : "T1") << ": exit " << rc << " after " << stop_took << " s; " << answers.size()
            << " requests: " << began << " answered, " << in_flight << " in flight at SIGTERM, "
            << refused << " refused, " << dropped << " sent without an answer" << std::endl;
  CHECK(in_flight >= 2);
  CHECK(refused >= 1);
  // Nothing acknowledged is lost by a graceful stop; start again so the workers are stopped too.
  d.start();
  check_ledger(d, l);
}

} // namespace

TEST_CASE("T1: SIGTERM with requests in flight: exit 0, every started request completes 200",
          "[integration][durability]") {
  graceful_stop_with_requests_in_flight(false);
}

// A second SIGTERM during the drain must not kill everd: every thread (RocksDB's included) blocks
// the stop signals, so only the main thread's sigwait sees them.
TEST_CASE("T1: a second SIGTERM during the drain does not cut in-flight requests",
          "[integration][durability]") {
  graceful_stop_with_requests_in_flight(true);
}
