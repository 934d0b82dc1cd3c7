#pragma once
// A bounded closed-loop load: N client threads send requests one after another until stopped.

#include "harness.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace ever::it {

/// How the clients of a load behave.
struct load_options {
  std::chrono::seconds request_timeout{60};
  /// Wait after a request that got no answer (status 0), so clients do not spin while everd is
  /// down; 0 = ask again at once.
  std::chrono::milliseconds pause_on_no_answer{0};
};

class load {
public:
  load(const daemon& d, std::string target, int clients, load_options o = {}) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this, &d, target, o] {
        while (!stop_) {
          auto r = d.http("GET", target, "", nullptr, {}, o.request_timeout);
          {
            std::lock_guard<std::mutex> g{mtx_};
            ++statuses_[r.status];
          }
          if (r.status == 0 && o.pause_on_no_answer.count() > 0)
            std::this_thread::sleep_for(o.pause_on_no_answer);
        }
      });
  }
  ~load() { finish(); }

  /// Stops the clients after their current request; returns count per HTTP status (0 = no answer).
  std::map<int, int> finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    std::lock_guard<std::mutex> g{mtx_};
    return statuses_;
  }

private:
  std::atomic<bool> stop_{false};
  std::mutex mtx_;
  std::map<int, int> statuses_;
  std::vector<std::thread> threads_;
};

/// Number of workers in `ws` whose status is not TERMINATED/ERROR.
inline size_t live_count(const std::vector<nlohmann::json>& ws) {
  size_t n = 0;
  for (const auto& w : ws)
    if (w["status"] != "TERMINATED" && w["status"] != "ERROR")
      ++n;
  return n;
}

/// Number of RUNNING workers in `ws`.
inline size_t running_count(const std::vector<nlohmann::json>& ws) {
  size_t n = 0;
  for (const auto& w : ws)
    if (w["status"] == "RUNNING")
      ++n;
  return n;
}

} // namespace ever::it
