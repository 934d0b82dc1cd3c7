// Benchmark 3 (issue 6): control-plane scale. One control node (the real directory, app, queue,
// scaler and worker actors and policies, a real RocksDB store) on a simulated node agent
// (actors/node/sim_node_agent.hpp: workers without processes). Loads N apps x M workers, drives
// lease/release traffic straight at the queue actors with exponential service times, and
// reports resident memory, decisions per second, event-to-decision latency under load, and
// restart-to-resumed time with that state in RocksDB.
//
//   control_plane_bench --apps 1000 --workers 100 [--load-seconds 20] [--rate 4000] ...
//   control_plane_bench --smoke          (a few apps, seconds; exits 1 if anything is off)

#include "bench_stats.hpp"

#include "actors/app/app_messages.hpp"
#include "actors/common/context.hpp"
#include "actors/common/scheduler_tuning.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/node/sim_node_agent.hpp"
#include "actors/queue/queue_actor.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/queue/shared_queue.hpp"
#include "storage/codec.hpp"
#include "storage/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace ever;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using steady = std::chrono::steady_clock;

struct options {
  int apps = 10;
  int workers = 100;
  int probes = 20;            ///< apps used once each to time a scale-up under load
  double load_seconds = 20;
  double rate = 0;            ///< requests/s over all apps; 0 = 20 per app, at most 4000
  double service_ms = 50;     ///< mean of the exponential service time
  int64_t start_delay_ms = 20;
  int64_t start_jitter_ms = 20;
  int threads = 0;            ///< CAF scheduler threads; 0 = hardware threads (as everd)
  std::string policy = "stealing"; ///< CAF scheduler policy: stealing (as everd) or sharing
  int steal_interval = 0;     ///< >0: every work-stealing steal interval set to this
  int aggressive_polls = -1;  ///< >=0: work-stealing.aggressive-poll-attempts (CAF and everd: 100)
  double timeout_s = 900;     ///< bound on every wait
  bool restart = true;
  bool restart_only = false;  ///< no setup and load: restart on the state left in --data-dir
  bool crash = false;         ///< restart on a crash image (unflushed WAL) instead of a clean stop
  bool smoke = false;
  std::string data_dir;       ///< default: a fresh dir under /tmp, removed at the end
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "control_plane_bench: " << why << "\n"
            << "usage: control_plane_bench [--apps N] [--workers M] [--probes P]\n"
               "         [--load-seconds S] [--rate R] [--service-ms MS] [--start-delay-ms MS]\n"
               "         [--threads T] [--scheduler stealing|sharing] [--steal-interval N]\n"
               "         [--aggressive-polls N]\n"
               "         [--timeout S] [--no-restart] [--restart-only] [--crash]\n"
               "         [--data-dir DIR] [--smoke]\n";
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(a + " needs a value");
      return argv[++i];
    };
    auto num = [&]() {
      auto v = next();
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || d < 0)
        usage("bad value for " + a + ": '" + v + "'");
      return d;
    };
    if (a == "--apps")
      o.apps = static_cast<int>(num());
    else if (a == "--workers")
      o.workers = static_cast<int>(num());
    else if (a == "--probes")
      o.probes = static_cast<int>(num());
    else if (a == "--load-seconds")
      o.load_seconds = num();
    else if (a == "--rate")
      o.rate = num();
    else if (a == "--service-ms")
      o.service_ms = num();
    else if (a == "--start-delay-ms")
      o.start_delay_ms = static_cast<int64_t>(num());
    else if (a == "--threads")
      o.threads = static_cast<int>(num());
    else if (a == "--scheduler") {
      o.policy = next();
      if (o.policy != "stealing" && o.policy != "sharing")
        usage("--scheduler is stealing or sharing, not '" + o.policy + "'");
    } else if (a == "--steal-interval")
      o.steal_interval = static_cast<int>(num());
    else if (a == "--aggressive-polls")
      o.aggressive_polls = static_cast<int>(num());
    else if (a == "--timeout")
      o.timeout_s = num();
    else if (a == "--no-restart")
      o.restart = false;
    else if (a == "--restart-only")
      o.restart_only = true;
    else if (a == "--crash")
      o.crash = true;
    else if (a == "--data-dir")
      o.data_dir = next();
    else if (a == "--smoke")
      o.smoke = true;
    else
      usage("unknown argument '" + a + "'");
  }
  if (o.smoke) {
    o.apps = 5;
    o.workers = 4;
    o.probes = 3;
    o.load_seconds = 2;
    o.timeout_s = 45;
  }
  if (o.restart_only && o.data_dir.empty())
    usage("--restart-only needs the --data-dir of an earlier run (with the same --apps and "
          "--workers)");
  if (o.rate == 0)
    o.rate = std::min(4000.0, 20.0 * o.apps);
  return o;
}

double since_ms(steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(steady::now() - t0).count();
}

std::string load_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "load-%04d", i);
  return buf;
}

std::string probe_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "probe-%03d", i);
  return buf;
}

app_spec make_spec(const std::string& name, int min_w, int max_w) {
  app_spec s;
  s.name = name;
  s.command = {"simulated"};
  auto& args = s.autoscaler.arguments;
  args["min_workers"].value = std::to_string(min_w);
  args["max_workers"].value = std::to_string(max_w);
  args["max_queue_size"].value = "2";
  args["scale_up_step"].value = "1";
  args["max_idle_time"].value = "3600"; // no scale-down during the run
  s.queue.max_length = 100000;
  return s;
}

// -- probes: when did the scaler's order reach the node agent? -------------------------------

/// Probe apps are each burst once during the load; the sim agent's start hook stamps the first
/// start of that app after its burst.
struct probe_table {
  std::mutex mtx;
  std::map<std::string, size_t> index; // app name -> probe
  std::vector<steady::time_point> armed_at;
  std::vector<steady::time_point> hit_at;
  std::vector<bool> armed, hit;

  void on_start(const std::string& app) {
    std::lock_guard<std::mutex> g{mtx};
    auto it = index.find(app);
    if (it == index.end() || !armed[it->second] || hit[it->second])
      return;
    hit[it->second] = true;
    hit_at[it->second] = steady::now();
  }
};

// -- the load driver ------------------------------------------------------------------------

using drive_atom = caf::atom_constant<caf::atom("drive")>;
using granted_atom = caf::atom_constant<caf::atom("granted")>;
using refused_atom = caf::atom_constant<caf::atom("refused")>;
using release_atom = caf::atom_constant<caf::atom("drelease")>;
using probe_atom = caf::atom_constant<caf::atom("dprobe")>;

struct driver_counts {
  std::atomic<uint64_t> leases{0}, granted{0}, refused{0}, released{0};
};

struct driver_state {
  std::vector<caf::actor> queues; // load apps
  std::vector<caf::actor> probe_queues;
  std::shared_ptr<probe_table> probes;
  std::shared_ptr<driver_counts> counts;
  double rate = 0;
  double service_ms = 0;
  double carry = 0;
  size_t next_probe = 0;
  std::mt19937_64 rng{42};
  static inline const char* name = "bench.driver";
};

constexpr auto drive_interval = 10ms;

queue::lease_callback callback_to(caf::actor driver, int64_t app) {
  return queue::lease_callback{[driver, app](expected<queue::grant> g) {
    if (g)
      caf::anon_send(driver, granted_atom::value, app, g->lease_id);
    else
      caf::anon_send(driver, refused_atom::value);
  }};
}

caf::behavior driver(caf::stateful_actor<driver_state>* self, driver_state init,
                     int64_t probe_every_ms) {
  self->state.queues = std::move(init.queues);
  self->state.probe_queues = std::move(init.probe_queues);
  self->state.probes = init.probes;
  self->state.counts = init.counts;
  self->state.rate = init.rate;
  self->state.service_ms = init.service_ms;
  self->send(self, drive_atom::value);
  if (!self->state.probe_queues.empty())
    self->delayed_send(self, std::chrono::milliseconds(probe_every_ms / 2), probe_atom::value);
  auto me = caf::actor_cast<caf::actor>(self);
  return {
    [=](drive_atom) {
      auto& st = self->state;
      st.carry += st.rate * std::chrono::duration<double>(drive_interval).count();
      std::uniform_int_distribution<size_t> pick{0, st.queues.size() - 1};
      while (st.carry >= 1 && !st.queues.empty()) {
        st.carry -= 1;
        auto i = pick(st.rng);
        self->send(st.queues[i], queue::lease_atom::value, std::string{},
                   callback_to(me, static_cast<int64_t>(i)));
        ++st.counts->leases;
      }
      self->delayed_send(self, drive_interval, drive_atom::value);
    },
    [=](granted_atom, int64_t app, uint64_t lease_id) {
      auto& st = self->state;
      ++st.counts->granted;
      if (app < 0)
        return; // a probe's lease: held until the end
      std::exponential_distribution<double> service{1.0 / st.service_ms};
      auto ms = static_cast<int64_t>(service(st.rng));
      self->delayed_send(self, std::chrono::milliseconds(ms), release_atom::value, app, lease_id);
    },
    [=](release_atom, int64_t app, uint64_t lease_id) {
      auto& st = self->state;
      self->send(st.queues[static_cast<size_t>(app)], queue::release_atom::value, lease_id, true);
      ++st.counts->released;
    },
    [=](refused_atom) { ++self->state.counts->refused; },
    [=](probe_atom) {
      auto& st = self->state;
      if (st.next_probe >= st.probe_queues.size())
        return;
      auto p = st.next_probe++;
      {
        std::lock_guard<std::mutex> g{st.probes->mtx};
        st.probes->armed[p] = true;
        st.probes->armed_at[p] = steady::now();
      }
      // One worker (concurrency 1) takes the first; three wait: WorkerBusy 3 > max_queue_size 2.
      for (int k = 0; k < 4; ++k)
        self->send(st.probe_queues[p], queue::lease_atom::value, std::string{},
                   callback_to(me, -1));
      self->delayed_send(self, std::chrono::milliseconds(probe_every_ms), probe_atom::value);
    },
  };
}

// -- one control node -----------------------------------------------------------------------

/// An actor system with the directory on the simulated node, over a RocksDB store.
struct control_node {
  std::unique_ptr<storage::store> db;
  metrics_registry metrics;
  shared_view view;
  control_context ctx;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor node, directory;

  control_node(const std::string& dir, const options& o, std::shared_ptr<probe_table> probes) {
    auto opened = storage::open_rocksdb_store(dir + "/db");
    if (!opened) {
      std::cerr << "control_plane_bench: cannot open " << dir << "/db: "
                << message_of(opened.error()) << '\n';
      std::exit(1);
    }
    db = std::move(*opened);
    metrics.describe("ever_decision_latency_seconds", "histogram",
                     "Time from a change to the scaler's decision on it");
    ctx.db = db.get();
    ctx.view = &view;
    ctx.metrics = &metrics;
    ctx.data_dir = dir;
    tune_scheduler(cfg, o.threads); // as everd
    if (o.steal_interval > 0) {
      // CAF 0.17's steal (double_ended_queue::take_tail) walks the victim's whole run queue
      // while holding both its locks: with the 100,000 jobs a restart enqueues at once, each
      // steal is O(queue) and blocks every enqueue to that worker (spawns, the clock's timers).
      cfg.set("work-stealing.aggressive-steal-interval", o.steal_interval);
      cfg.set("work-stealing.moderate-steal-interval", o.steal_interval);
      cfg.set("work-stealing.relaxed-steal-interval", o.steal_interval);
    }
    // Each aggressive round starts with a steal (i = 0): 0 rounds leaves only the relaxed
    // polling, which sleeps on the worker's condition variable between steals. everd keeps
    // CAF's 100: 0 measured p99 8.5 ms instead of 2.1 ms in the scale-reaction benchmark.
    if (o.aggressive_polls >= 0)
      cfg.set("work-stealing.aggressive-poll-attempts", o.aggressive_polls);
    if (o.policy == "sharing")
      cfg.set("scheduler.policy", caf::atom("sharing"));
    register_error_category(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    node::sim_node_options so;
    so.start_delay_ms = o.start_delay_ms;
    so.start_jitter_ms = o.start_jitter_ms;
    so.on_start = [probes](const worker::launch_plan& p) { probes->on_start(p.app); };
    node = node::spawn_sim_node_agent(*sys, ctx, so);
    directory = directory::spawn_directory(*sys, ctx, node);
  }

  /// Stops every actor (processes "keep running": the sim agent forgets them) and closes the DB.
  void stop() {
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
    directory = caf::actor{};
    node = caf::actor{};
    sys.reset();
    db.reset();
  }

  ~control_node() {
    if (sys)
      stop();
  }

  /// Workers per app name that take requests again: slots in phase `running` in the app's queue
  /// (read through the gateway lane, so no actor has to answer). A worker tells its queue only
  /// after it recorded RUNNING (worker_actor.cpp), so this implies the record too. After a
  /// restart the records on disk still say RUNNING before anything was re-adopted, so counting
  /// records (recorded()) would time only the DB open; this counts what is actually resumed.
  /// Apps named in `skip` are not looked at (already complete: keeps polling cheap at 1,000
  /// apps, and the lanes' locks free for the queue actors). `slots` gets the slots seen.
  std::map<std::string, int64_t> ready(const std::map<std::string, int64_t>& skip = {},
                                       size_t* slots = nullptr) {
    std::map<std::string, int64_t> out;
    auto routes = view.routes();
    if (!routes)
      return out;
    for (const auto& [key, r] : *routes) {
      if (key.find('/') == std::string::npos || !r.lane || skip.count(r.app))
        continue; // route paths repeat the "ns/app" entries
      int64_t n = 0;
      {
        auto q = r.lane->lock();
        for (const auto& [id, s] : q->slots())
          n += s.phase == queue::slot_phase::running;
        if (slots)
          *slots += q->slots().size();
      }
      out[r.app] = n;
    }
    return out;
  }

  /// RUNNING workers per app name, as recorded in the workers table. Read from the store.
  std::map<std::string, int64_t> recorded() {
    std::map<std::string, int64_t> out;
    auto err = db->scan(storage::table::workers, "", [&](std::string_view, std::string_view v) {
      if (auto w = storage::decode<worker_record>(v); w && w->status == worker_status::running)
        ++out[w->app];
      return true;
    });
    if (err)
      std::cerr << "control_plane_bench: workers scan: " << message_of(err) << '\n';
    return out;
  }
};

std::string fmt(double v, int prec = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

/// Polls until every load app has `workers` RUNNING and every probe app at least one; returns
/// the time it took in ms, or a negative number at the timeout.
double wait_all_ready(control_node& cn, const options& o, steady::time_point t0) {
  auto deadline = t0 + std::chrono::duration<double>(o.timeout_s);
  auto last_report = steady::now();
  auto want = [&](const std::string& name) {
    return name.rfind("load-", 0) == 0 ? int64_t{o.workers} : int64_t{1};
  };
  std::map<std::string, int64_t> done; // apps seen complete: not polled again
  while (steady::now() < deadline) {
    auto scan_start = steady::now();
    size_t slots = 0;
    auto r = cn.ready(done, &slots);
    for (const auto& [name, n] : r)
      if (n >= want(name))
        done[name] = n;
    if (done.size() == static_cast<size_t>(o.apps + o.probes))
      return since_ms(t0);
    if (steady::now() - last_report > 10s) { // progress, and what is missing, on long runs
      last_report = steady::now();
      int64_t running = 0;
      std::string short_of;
      for (const auto& [name, n] : done)
        running += n;
      for (const auto& [name, n] : r) {
        if (done.count(name))
          continue;
        running += n;
        if (short_of.size() < 200)
          short_of += " " + name + "=" + std::to_string(n);
      }
      std::cout << "  ... " << fmt(since_ms(t0) / 1000) << " s: " << running
                << " workers RUNNING, " << done.size() << " of " << o.apps + o.probes
                << " apps complete; " << slots << " slots in the others; short:" << short_of
                << std::endl;
    }
    // Polls at most a fifth of the time, at least every 20 ms: the poll runs on a core the
    // control plane needs (at 1,000 apps a scan walks ~100,000 slots: tens of ms).
    std::this_thread::sleep_for(std::max<steady::duration>(20ms, 4 * (steady::now() - scan_start)));
  }
  return -1;
}


} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  bool own_dir = o.data_dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/ever-cpbench-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      std::perror("mkdtemp");
      return 1;
    }
    o.data_dir = tmpl;
  }
  fs::create_directories(o.data_dir);
  const std::string root_dir = o.data_dir; // removed at the end if ours (--crash moves o.data_dir)
  bool ok = true;
  bool loaded = false; // every worker RUNNING: a restart can be measured even if the load failed
  auto fail = [&](const std::string& what) {
    std::cerr << "control_plane_bench: FAILED: " << what << '\n';
    ok = false;
  };
  auto probes = std::make_shared<probe_table>();
  for (int i = 0; i < o.probes; ++i)
    probes->index[probe_name(i)] = static_cast<size_t>(i);
  probes->armed_at.resize(o.probes);
  probes->hit_at.resize(o.probes);
  probes->armed.assign(o.probes, false);
  probes->hit.assign(o.probes, false);

  std::cout << "control_plane_bench: " << o.apps << " apps x " << o.workers << " workers (+"
            << o.probes << " probe apps), load " << o.rate << " req/s for " << o.load_seconds
            << " s, service ~exp(" << o.service_ms << " ms), data dir " << o.data_dir
            << std::endl;
  double rss_base = bench::rss_mib();
  double setup_ms = 0, rss_loaded = 0, decisions_per_s = 0;
  double p99_bound = 0, p50_bound = 0, restart_ms = -1;
  std::vector<double> probe_ms;
  uint64_t workers_total = 0;
  struct {
    uint64_t leases = 0, granted = 0, refused = 0, released = 0;
  } totals;
  if (o.restart_only) {
    // The state of an earlier `--data-dir DIR` run: only the restart is measured (the simulated
    // agent adopts any recorded process), so the restart can be studied without the setup.
    loaded = true;
    workers_total = static_cast<uint64_t>(o.apps) * o.workers + o.probes;
  } else {
    control_node cn{o.data_dir, o, probes};
    { // the scoped actor must be gone before the system stops
      caf::scoped_actor me{*cn.sys};
      auto t0 = steady::now();
      auto create = [&](app_spec spec) {
        bool created = false;
        me->request(cn.directory, 60s, directory::app_create_atom::value, std::move(spec),
                    std::string{"(benchmark)"}, false)
          .receive([&](const app::app_view&) { created = true; },
                   [&](caf::error& err) { fail("app create: " + cn.sys->render(err)); });
        return created;
      };
      for (int i = 0; i < o.apps && ok; ++i)
        create(make_spec(load_name(i), o.workers, o.workers));
      for (int i = 0; i < o.probes && ok; ++i)
        create(make_spec(probe_name(i), 1, 2));
      double created_ms = since_ms(t0);
      setup_ms = ok ? wait_all_ready(cn, o, t0) : -1;
      loaded = setup_ms >= 0;
      if (setup_ms < 0)
        fail("not every worker RUNNING within " + fmt(o.timeout_s, 0) + " s");
      workers_total = static_cast<uint64_t>(o.apps) * o.workers + o.probes;
      rss_loaded = bench::rss_mib();
      std::cout << "setup: " << o.apps + o.probes << " apps created in " << fmt(created_ms)
                << " ms, " << workers_total << " workers RUNNING after " << fmt(setup_ms)
                << " ms; VmRSS " << fmt(rss_loaded) << " MiB (baseline " << fmt(rss_base)
                << " MiB)" << std::endl;

      if (ok) {
        // Queue handles from the routes the directory published ("ns/app" keys).
        auto routes = cn.view.routes();
        driver_state init;
        init.probes = probes;
        auto counts = std::make_shared<driver_counts>();
        init.counts = counts;
        init.rate = o.rate;
        init.service_ms = o.service_ms;
        for (int i = 0; i < o.apps; ++i)
          init.queues.push_back(routes->at("default/" + load_name(i)).queue);
        for (int i = 0; i < o.probes; ++i)
          init.probe_queues.push_back(routes->at("default/" + probe_name(i)).queue);
        auto probe_every = static_cast<int64_t>(o.load_seconds * 1000 / std::max(1, o.probes + 1));
        auto before = bench::prom_histogram::parse(cn.metrics.render(),
                                                   "ever_decision_latency_seconds");
        auto tl = steady::now();
        auto drv = cn.sys->spawn(driver, std::move(init), probe_every);
        std::this_thread::sleep_for(std::chrono::duration<double>(o.load_seconds));
        caf::anon_send_exit(drv, caf::exit_reason::user_shutdown);
        double load_s = since_ms(tl) / 1000.0;
        // The last probe fires shortly before the end: give its order (and any other late one)
        // up to 10 s more to reach the node agent, so a busy machine reads as latency, not as
        // a probe that never scaled up.
        for (auto until = steady::now() + 10s; steady::now() < until;) {
          {
            std::lock_guard<std::mutex> g{probes->mtx};
            bool pending = false;
            for (int i = 0; i < o.probes; ++i)
              pending = pending || (probes->armed[i] && !probes->hit[i]);
            if (!pending)
              break;
          }
          std::this_thread::sleep_for(10ms);
        }
        auto after = bench::prom_histogram::parse(cn.metrics.render(),
                                                  "ever_decision_latency_seconds");
        auto d = after.minus(before);
        decisions_per_s = d.count / load_s;
        p99_bound = d.quantile_bound(0.99);
        p50_bound = d.quantile_bound(0.50);
        totals.leases = counts->leases.load();
        totals.granted = counts->granted.load();
        totals.refused = counts->refused.load();
        totals.released = counts->released.load();
        {
          std::lock_guard<std::mutex> g{probes->mtx};
          for (int i = 0; i < o.probes; ++i)
            if (probes->armed[i] && probes->hit[i])
              probe_ms.push_back(std::chrono::duration<double, std::milli>(probes->hit_at[i]
                                                                           - probes->armed_at[i])
                                   .count());
        }
        std::cout << "load: " << totals.leases << " leases (" << fmt(totals.leases / load_s)
                  << "/s), " << totals.granted << " granted, " << totals.refused << " refused, "
                  << totals.released << " released; " << d.count << " decisions ("
                  << fmt(decisions_per_s) << "/s); decision latency p50 <= " << p50_bound * 1000
                  << " ms, p99 <= " << p99_bound * 1000 << " ms (histogram bucket bounds)"
                  << std::endl;
        std::cout << "probes: " << probe_ms.size() << "/" << o.probes
                  << " scale-ups reached the node agent; burst -> start order p50 "
                  << fmt(bench::percentile(probe_ms, 0.5), 2) << " ms, p99 "
                  << fmt(bench::percentile(probe_ms, 0.99), 2) << " ms, max "
                  << fmt(bench::percentile(probe_ms, 1.0), 2) << " ms" << std::endl;
        if (d.count <= 0)
          fail("no decision during the load");
        if (probe_ms.size() != static_cast<size_t>(o.probes))
          fail("a probe burst did not lead to a scale-up");
      }
    }
    if (loaded && o.crash) {
      // What a kill -9 now would leave on disk: the files and the unflushed WAL. The restart
      // (or a later --restart-only) runs on it; the clean stop below flushes the original.
      fs::create_directories(o.data_dir + "/crash");
      if (auto err = storage::write_crash_image(*cn.db, o.data_dir + "/crash/db"))
        fail("crash image: " + message_of(err));
      o.data_dir += "/crash";
    }
    if (loaded && o.restart) {
      // Restart: everything stops (the simulated processes live on), the DB is closed.
      cn.stop();
    }
  }
  if (loaded && o.restart) {
    auto t0 = steady::now();
    control_node cn{o.data_dir, o, probes};
    double opened_ms = since_ms(t0); // the DB open (WAL replay) and the actor system's start
    restart_ms = wait_all_ready(cn, o, t0);
    if (restart_ms < 0)
      fail("workers not re-adopted within " + fmt(o.timeout_s, 0) + " s after the restart");
    auto decided = bench::prom_histogram::parse(cn.metrics.render(), "ever_decision_latency_seconds");
    int64_t on_disk = 0;
    for (const auto& [name, n] : cn.recorded())
      on_disk += n;
    std::cout << "restart: DB reopened and " << workers_total << " workers re-adopted and serving"
              << " (queue slot running) in " << fmt(restart_ms) << " ms (DB open "
              << fmt(opened_ms) << " ms, " << decided.count << " decisions); " << on_disk
              << " recorded RUNNING; VmRSS " << fmt(bench::rss_mib()) << " MiB" << std::endl;
  }
  // One markdown row for docs/benchmarks.md.
  std::cout << "| " << o.apps << " x " << o.workers << " | " << fmt(rss_loaded, 0) << " MiB | "
            << fmt(decisions_per_s, 0) << "/s | " << p99_bound * 1000 << " ms | "
            << fmt(bench::percentile(probe_ms, 0.99), 1) << " ms | " << fmt(restart_ms, 0)
            << " ms | " << fmt(setup_ms / 1000, 1) << " s |" << std::endl;
  if (own_dir) {
    std::error_code ec;
    fs::remove_all(root_dir, ec);
  }
  std::cout << (ok ? "control_plane_bench: ok" : "control_plane_bench: FAILED") << std::endl;
  return ok ? 0 : 1;
}
