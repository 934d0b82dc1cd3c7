// Benchmark 2 (issue 6): scale reaction. A real everd and the sample app (concurrency 1,
// `max_queue_size` 2, 1..2 workers, `max_idle_time` 1 s). Each step goes from 1 to 8 concurrent
// clients and measures, from the request that makes the queue exceed the threshold (the third
// request of the burst to wait: WorkerBusy 3 > 2; sent on a connection each client opened before,
// as keep-alive clients do, see keepalive_client.hpp):
//   - to the scale-up decision: the decision record's `at` (epoch ms, from the management API),
//     so the number is good to the millisecond; and, inside everd, the scaler's
//     ever_decision_latency_seconds histogram (change noticed -> decision) from /metrics;
//   - to the new worker serving its first request: the first response from a worker that was not
//     RUNNING before the step (the sample app's /work names its worker), minus the service time.
// Between steps the load stops and the app scales back to one worker (max_idle_time).
//
//   scale_reaction_bench [--steps 30] [--service-ms 200]
//   scale_reaction_bench --smoke      (2 steps; exits 1 if a step shows no scale-up)

#include "control_plane/bench_stats.hpp"
#include "integration/harness.hpp"
#include "integration/load.hpp"
#include "keepalive_client.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

using namespace ever;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// One request as a client saw it.
struct sample {
  int64_t sent_us = 0;
  int64_t done_us = 0;
  std::string worker;
  bool step = false; ///< sent by one of the seven step clients
};

/// Closed-loop clients that record every request; stop() joins them.
class clients {
public:
  clients(const it::daemon& d, std::string target) : d_(d), target_(std::move(target)) {}
  ~clients() { stop(); }

  void add(int n, bool step) {
    auto where = net::parse_endpoint(d_.endpoint());
    if (!where)
      throw std::runtime_error("bad endpoint " + d_.endpoint());
    for (int i = 0; i < n; ++i) {
      // Connected here, before the clock of any request starts.
      auto conn = std::make_shared<bench::keepalive_client>(
        where->host, static_cast<uint16_t>(std::stoi(where->port)));
      threads_.emplace_back([this, step, conn] {
        while (!stop_) {
          sample s;
          s.step = step;
          try {
            conn->ensure_connected(); // only after a broken exchange
          } catch (const std::exception&) {
            std::this_thread::sleep_for(10ms);
            continue;
          }
          s.sent_us = now_us();
          auto r = conn->get(target_, d_.token());
          s.done_us = now_us();
          if (r.status == 200) {
            auto body = json::parse(r.body, nullptr, false);
            if (body.is_object() && body.contains("worker"))
              s.worker = body["worker"].get<std::string>();
          }
          std::lock_guard<std::mutex> g{mtx_};
          samples_.push_back(std::move(s));
        }
      });
    }
  }

  std::vector<sample> samples() {
    std::lock_guard<std::mutex> g{mtx_};
    return samples_;
  }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    threads_.clear();
  }

private:
  const it::daemon& d_;
  std::string target_;
  std::atomic<bool> stop_{false};
  std::mutex mtx_;
  std::vector<sample> samples_;
  std::vector<std::thread> threads_;
};

std::set<std::string> running_ids(const it::daemon& d, const std::string& app) {
  std::set<std::string> out;
  for (const auto& w : d.workers(app, false))
    if (w["status"] == "RUNNING")
      out.insert(w["id"].get<std::string>());
  return out;
}

std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  int steps = 30;
  int service_ms = 200;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke")
      smoke = true;
    else if (a == "--steps" && i + 1 < argc)
      steps = std::atoi(argv[++i]);
    else if (a == "--service-ms" && i + 1 < argc)
      service_ms = std::atoi(argv[++i]);
    else {
      std::cerr << "usage: scale_reaction_bench [--steps N] [--service-ms MS] [--smoke]\n";
      return 2;
    }
  }
  if (smoke)
    steps = 2;
  const std::string app = "bench-scale";
  bool ok = true;
  auto fail = [&](const std::string& what) {
    std::cerr << "scale_reaction_bench: FAILED: " << what << '\n';
    ok = false;
  };
  try {
    // The idle check runs every 100 ms so that scale-down between steps takes ~max_idle_time.
    it::daemon d(std::map<std::string, std::string>{{"idle_check_interval_ms", "100"}});
    auto r = d.ever({"configmap", "create", app + "-cm", "--from-literal", "min_workers=1",
                     "--from-literal", "max_workers=2", "--from-literal", "max_queue_size=2",
                     "--from-literal", "scale_up_step=1", "--from-literal", "max_idle_time=1"});
    if (r.exit_code != 0)
      throw std::runtime_error("configmap create: " + r.err);
    it::temp_dir tmp;
    auto manifest = tmp.path + "/app.yaml";
    {
      std::ofstream m{manifest};
      m << "version: everai/v1alpha1\nkind: App\nmetadata:\n  name: " << app
        << "\nspec:\n  command: [ever-sample-app, --service-ms, \"" << service_ms << "\"]\n"
        << "  autoscaler:\n    scheduler: queue\n    builtin:\n      name: simple\n"
        << "      arguments:\n";
      for (auto k : {"min_workers", "max_workers", "max_queue_size", "scale_up_step",
                     "max_idle_time"})
        m << "        " << k << ":\n          valueFrom:\n            configMapKeyRef: {name: "
          << app << "-cm, key: " << k << "}\n";
    }
    r = d.ever({"app", "create", "-f", manifest});
    if (r.exit_code != 0)
      throw std::runtime_error("app create: " + r.err + r.out);
    if (!it::eventually([&] { return running_ids(d, app).size() == 1; }, 30s))
      throw std::runtime_error("the first worker never became RUNNING");
    std::string target = "/api/routes/v1/" + app + "/work?ms=" + std::to_string(service_ms);

    std::vector<double> to_decision_ms, to_decision_upper_ms, to_serving_ms;
    std::cout << "step | decision - exceed (ms, +-0.5) | new worker first served - exceed (ms)\n";
    for (int step = 1; step <= steps && ok; ++step) {
      auto before = running_ids(d, app);
      clients load{d, target};
      load.add(1, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(service_ms + 100));
      int64_t step_us = now_us();
      load.add(7, true);
      std::string fresh;
      int64_t fresh_done_us = 0;
      bool served = it::eventually(
        [&] {
          for (const auto& s : load.samples())
            if (!s.worker.empty() && !before.count(s.worker)
                && (fresh.empty() || s.done_us < fresh_done_us)) {
              fresh = s.worker;
              fresh_done_us = s.done_us;
            }
          return !fresh.empty();
        },
        20s);
      load.stop();
      if (!served) {
        fail("step " + std::to_string(step) + ": no new worker served within 20 s");
        break;
      }
      // The third step request to be sent is the one that makes WorkerBusy 3 > max_queue_size 2
      // (the steady client's request occupies the one worker).
      std::vector<int64_t> sends;
      for (const auto& s : load.samples())
        if (s.step)
          sends.push_back(s.sent_us);
      std::sort(sends.begin(), sends.end());
      int64_t exceed_us = sends.size() >= 3 ? sends[2] : step_us;
      // The scale-up decision taken after the step began.
      auto decisions = d.api("/api/apps/v1/namespaces/default/apps/" + app + "/decisions?last=20");
      int64_t at_ms = 0;
      for (const auto& dj : decisions["items"]) {
        auto at = dj["at"].get<int64_t>();
        auto reason = dj.value("reason", std::string{});
        if (at * 1000 + 999 < step_us || reason.find("> max_queue_size") == std::string::npos)
          continue;
        if (at_ms == 0 || at < at_ms)
          at_ms = at;
      }
      if (at_ms == 0) {
        fail("step " + std::to_string(step) + ": no scale-up decision recorded");
        break;
      }
      // `at` is a whole millisecond: the decision happened in [at, at+1) ms.
      double dec_ms = (static_cast<double>(at_ms) * 1000 + 500 - static_cast<double>(exceed_us)) / 1000;
      double serve_ms = (static_cast<double>(fresh_done_us - exceed_us)) / 1000 - service_ms;
      to_decision_ms.push_back(dec_ms);
      to_decision_upper_ms.push_back(dec_ms + 0.5);
      to_serving_ms.push_back(serve_ms);
      std::cout << step << " | " << fmt(dec_ms) << " | " << fmt(serve_ms) << std::endl;
      // Back to one worker before the next step.
      if (!it::eventually(
            [&] { return it::live_count(d.workers(app, false)) == 1 && running_ids(d, app).size() == 1; },
            20s))
        fail("step " + std::to_string(step) + ": did not scale back down to 1 worker in 20 s");
    }
    auto metrics = net::http_request(d.endpoint(), "GET", "/metrics", "", {}, 5s);
    bench::prom_histogram h;
    if (metrics && metrics->status == 200)
      h = bench::prom_histogram::parse(metrics->body, "ever_decision_latency_seconds");
    std::cout << "\nscale reaction over " << to_decision_ms.size() << " steps (service "
              << service_ms << " ms, readiness poll 50 ms):\n"
              << "  request exceeding max_queue_size -> scale-up decision: p50 "
              << fmt(bench::percentile(to_decision_ms, 0.5)) << " ms, p99 "
              << fmt(bench::percentile(to_decision_ms, 0.99)) << " ms (upper bound "
              << fmt(bench::percentile(to_decision_upper_ms, 0.99)) << " ms), max "
              << fmt(bench::percentile(to_decision_ms, 1.0)) << " ms\n"
              << "  -> new worker serving its first request: p50 "
              << fmt(bench::percentile(to_serving_ms, 0.5)) << " ms, p99 "
              << fmt(bench::percentile(to_serving_ms, 0.99)) << " ms, max "
              << fmt(bench::percentile(to_serving_ms, 1.0)) << " ms\n"
              << "  everd ever_decision_latency_seconds (every decision, change -> decision): "
              << h.count << " observations, p50 <= " << h.quantile_bound(0.5) * 1000
              << " ms, p99 <= " << h.quantile_bound(0.99) * 1000 << " ms, mean "
              << fmt(h.count > 0 ? h.sum / h.count * 1000 : 0, 3) << " ms\n";
    if (to_decision_ms.size() != static_cast<size_t>(steps))
      ok = false;
  } catch (const std::exception& e) {
    fail(e.what());
  }
  std::cout << (ok ? "scale_reaction_bench: ok" : "scale_reaction_bench: FAILED") << std::endl;
  return ok ? 0 : 1;
}
