#include "net/gateway/gateway_context.hpp"

#include "net/gateway/session.hpp"

namespace ever::net::gateway_detail {

gateway_context::gateway_context(control_port& p, const knobs& kn) : port(p), k(kn) {}

void gateway_context::request_finished() {
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // Taking the lock orders this notify after a waiter's predicate check.
    std::lock_guard<std::mutex> lk(idle_mu_);
    idle_cv_.notify_all();
  }
}

bool gateway_context::wait_idle(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lk(idle_mu_);
  return idle_cv_.wait_for(lk, grace, [this] { return in_flight() <= 0; });
}

void gateway_context::add(std::shared_ptr<session> s) {
  std::lock_guard<std::mutex> lk(sessions_mu_);
  auto* key = s.get();
  sessions_.emplace(key, std::move(s));
}

void gateway_context::forget(session* s) {
  std::shared_ptr<session> keep; // destroyed after the lock is released
  std::lock_guard<std::mutex> lk(sessions_mu_);
  auto it = sessions_.find(s);
  if (it != sessions_.end()) {
    keep = std::move(it->second);
    sessions_.erase(it);
  }
}

std::vector<std::shared_ptr<session>> gateway_context::sessions_snapshot() {
  std::lock_guard<std::mutex> lk(sessions_mu_);
  std::vector<std::shared_ptr<session>> out;
  out.reserve(sessions_.size());
  for (const auto& [k, s] : sessions_)
    out.push_back(s);
  return out;
}

size_t gateway_context::session_count() {
  std::lock_guard<std::mutex> lk(sessions_mu_);
  return sessions_.size();
}

void gateway_context::clear_sessions() {
  std::unordered_map<session*, std::shared_ptr<session>> gone;
  {
    std::lock_guard<std::mutex> lk(sessions_mu_);
    gone.swap(sessions_);
  }
}

} // namespace ever::net::gateway_detail
