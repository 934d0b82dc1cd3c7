// A second everd with only the gateway role (--roles gateway --join): its requests go through
// the control node's queue (one queue per app in the cluster), its tokens and management API are
// the control node's, and it answers 503 while the control node is away, then resumes.
#include "harness.hpp"
#include "load.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <future>
#include <sys/wait.h>
#include <thread>

using namespace ever::it;
using namespace std::chrono_literals;

namespace {

/// `everd --roles gateway --join <control's cluster port>` with its own data dir and HTTP port.
/// Killed (only this pid) by the destructor.
class gateway_process {
public:
  gateway_process(const ever::it::daemon& control, std::map<std::string, std::string> knobs = {})
    : token_(control.token()) {
    http_port_ = free_port();
    std::vector<std::string> argv{bin("everd"),   "--roles",       "gateway",
                                  "--join",       "127.0.0.1:" + std::to_string(control.cluster_port()),
                                  "--token-file", control.data_dir() + "/token",
                                  "--listen",     "127.0.0.1:" + std::to_string(http_port_),
                                  "--data-dir",   dir_.path + "/data",
                                  "--threads",    "2"};
    for (const auto& [k, v] : knobs) {
      argv.push_back("--knob");
      argv.push_back(k + "=" + v);
    }
    log_ = dir_.path + "/everd.log";
    pid_ = start_background(argv, log_, dir_.path);
    bool up = eventually(
      [&] {
        auto r = ever::net::http_request(endpoint(), "GET", "/healthz", "", {}, 500ms);
        return r && r->status == 200;
      },
      20s);
    if (!up)
      throw std::runtime_error("gateway everd did not come up; log: " + log_);
  }

  ~gateway_process() {
    if (pid_ <= 0)
      return;
    ::kill(static_cast<pid_t>(pid_), SIGTERM);
    for (int i = 0; i < 200; ++i) { // 10 s
      if (::waitpid(static_cast<pid_t>(pid_), nullptr, WNOHANG) == pid_)
        return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(static_cast<pid_t>(pid_), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid_), nullptr, 0);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(http_port_); }

  ever::net::http_response http(const std::string& method, const std::string& target,
                                const std::string& token,
                                std::chrono::milliseconds timeout = 30s) const {
    ever::net::header_list h;
    if (!token.empty())
      h.emplace_back("Authorization", "Bearer " + token);
    auto r = ever::net::http_request(endpoint(), method, target, "", h, timeout);
    return r ? *r : ever::net::http_response{0, ever::message_of(r.error()), ""};
  }

  /// `ever ARGS...` against this gateway.
  run_result ever(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{bin("ever")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {{"EVER_ENDPOINT", endpoint()}, {"EVER_TOKEN", token_},
                      {"EVER_HOME", dir_.path}},
               dir_.path);
  }

  const std::string& log() const { return log_; }

private:
  temp_dir dir_;
  std::string token_;
  std::string log_;
  uint16_t http_port_ = 0;
  long pid_ = 0;
};

using clock_type = std::chrono::steady_clock;

struct timed {
  int status = 0;
  clock_type::time_point done;
};

} // namespace

TEST_CASE("remote gateway: requests through two gateways wait in one queue, with the control "
          "node's tokens and management API",
          "[integration][cluster][gateway]") {
  ever::it::daemon control; // qualified: <unistd.h> declares ::daemon()
  gateway_process g2{control};
  INFO("gateway log: " << g2.log());

  // Management API through gateway 2: deploy the sample app (one worker, concurrency 1).
  auto cm = g2.ever({"configmap", "create", "get-start-configmap", "-l", "min_workers=1", "-l",
                     "max_workers=1", "-l", "max_queue_size=10", "-l", "scale_up_step=1", "-l",
                     "max_idle_time=600"});
  INFO(cm.out << cm.err);
  REQUIRE(cm.exit_code == 0);
  auto app = g2.ever({"app", "create", "-f", source("docs/examples/getting-started/app.yaml")});
  INFO(app.out << app.err);
  REQUIRE(app.exit_code == 0);
  REQUIRE(eventually([&] { return running_count(control.workers("get-start")) == 1; }, 20s));

  // A slow request through gateway 1 holds the only worker...
  auto slow = std::async(std::launch::async, [&] {
    auto r = control.http("GET", "/api/routes/v1/get-start/work?ms=6000");
    return timed{r.status, clock_type::now()};
  });
  REQUIRE(eventually([&] { return control.ever({"worker", "list"}).out.find("BUSY")
                                    != std::string::npos; }, 5s));
  // ...so a request through gateway 2 waits in the same queue,
  auto quick = std::async(std::launch::async, [&] {
    auto r = g2.http("GET", "/api/routes/v1/get-start/work?ms=10", control.token());
    return timed{r.status, clock_type::now()};
  });
  bool queued = eventually(
    [&] {
      auto q = control.ever({"app", "queue", "get-start"});
      return q.exit_code == 0 && q.out.find("WorkerBusy") != std::string::npos;
    },
    2s);
  CHECK(queued);
  // (seen through gateway 2's management API as well, while the slow request still runs)
  auto q2 = g2.ever({"app", "queue", "get-start"});
  CHECK(q2.exit_code == 0);
  CHECK(q2.out.find("WorkerBusy") != std::string::npos);
  // ...and both complete, gateway 2's after gateway 1's released the worker.
  auto first = slow.get();
  auto second = quick.get();
  CHECK(first.status == 200);
  CHECK(second.status == 200);
  CHECK(second.done >= first.done);

  // Tokens are the control node's.
  CHECK(g2.http("GET", "/api/apps/v1/apps", "not-the-token").status == 401);
  CHECK(g2.http("GET", "/api/routes/v1/get-start/work?ms=1", "not-the-token").status == 401);
  CHECK(g2.http("GET", "/api/routes/v1/get-start/work?ms=1", "").status == 401);
  auto listed = g2.http("GET", "/api/apps/v1/apps", control.token());
  CHECK(listed.status == 200);
  CHECK(listed.body.find("get-start") != std::string::npos);
  auto metrics = g2.http("GET", "/metrics", "");
  CHECK(metrics.body.find("ever_remote_connected 1") != std::string::npos);
}

TEST_CASE("remote gateway: 503 at once while the control node is down, then it reconnects",
          "[integration][cluster][gateway]") {
  ever::it::daemon control;
  gateway_process g2{control, {{"remote_reconnect_ms", "200"}}};
  INFO("gateway log: " << g2.log());
  REQUIRE(g2.http("GET", "/api/apps/v1/apps", control.token()).status == 200);

  control.kill9();
  auto t0 = clock_type::now();
  auto down = g2.http("GET", "/api/apps/v1/apps", control.token(), 5s);
  // The first call may be the one that notices: still bounded by the remote call timeout.
  CHECK((down.status == 503 || down.status == 200));
  REQUIRE(eventually([&] {
    return g2.http("GET", "/api/apps/v1/apps", control.token(), 5s).status == 503;
  }, 10s));
  auto t1 = clock_type::now();
  auto route = g2.http("GET", "/api/routes/v1/get-start/work", control.token(), 5s);
  CHECK(route.status == 503);
  CHECK(clock_type::now() - t1 < 1s); // at once, not after a timeout
  CHECK(clock_type::now() - t0 < 15s);

  control.start(); // same data dir and cluster port
  CHECK(eventually([&] {
    return g2.http("GET", "/api/apps/v1/apps", control.token(), 5s).status == 200;
  }, 15s));
}
