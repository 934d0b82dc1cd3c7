#include "actors/queue/shared_queue.hpp"

namespace ever::queue {

shared_queue::shared_queue(int64_t max_length, int64_t wait_timeout_ms, int64_t session_ttl_ms,
                           const clock_source& clock)
  : logic_(max_length, wait_timeout_ms, session_ttl_ms), clock_(clock) {
}

std::optional<grant> shared_queue::try_lease(const std::string& session) {
  if (!open_.load(std::memory_order_acquire))
    return std::nullopt;
  auto now = clock_.now();
  std::lock_guard<std::mutex> lk(mu_);
  return logic_.try_grant(session, now);
}

bool shared_queue::try_release(uint64_t lease_id, bool success) {
  auto now = clock_.now();
  std::lock_guard<std::mutex> lk(mu_);
  return logic_.quiet_release(lease_id, success, now);
}

} // namespace ever::queue
