#pragma once
// One app's queue_logic behind a mutex, shared by the app's queue actor and the gateways in the
// same process. Why: a request that finds a worker with room, and its release when nobody waits,
// change nothing but in-flight counts, so a gateway does them here on its own thread. Going
// through the queue actor cost three thread hand-offs per request (lease, grant, release), which
// measured 2-3x nginx's CPU per proxied request (docs/benchmarks.md §1). Everything that can
// wait, serve a waiter, drain a worker or needs the scaler still goes through the actor.
//
// The scaler is not told about these fast-path changes (in-flight counts and usage only): its
// periodic tick (idle_check_interval_ms) reads them, as every other snapshot does. Changes that
// make a scale-up (requests waiting) always pass through the actor, which tells the scaler.
//
// No CAF here: the gateway side includes this through the bridge only.

#include "actors/queue/queue_logic.hpp"
#include "core/time.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

namespace ever::queue {

class shared_queue {
public:
  shared_queue(int64_t max_length, int64_t wait_timeout_ms, int64_t session_ttl_ms,
               const clock_source& clock);

  /// The logic with the lock held for as long as this handle lives (the queue actor's access).
  class locked {
  public:
    locked(std::mutex& mu, queue_logic& logic) : lk_(mu), logic_(&logic) {}
    queue_logic* operator->() const { return logic_; }
    queue_logic& operator*() const { return *logic_; }

  private:
    std::unique_lock<std::mutex> lk_;
    queue_logic* logic_;
  };
  locked lock() { return {mu_, logic_}; }

  /// Gateway fast path: a grant now, or nullopt when the request has to ask the queue actor (no
  /// worker with room, or the queue is closed).
  std::optional<grant> try_lease(const std::string& session);

  /// Gateway fast path: true if released here; false when the queue actor has to release it
  /// (someone waits, the worker drains, or the lease is not known here).
  bool try_release(uint64_t lease_id, bool success);

  /// The app is being deleted: the fast path grants nothing any more.
  void close() { open_.store(false, std::memory_order_release); }

private:
  std::mutex mu_;
  queue_logic logic_;
  const clock_source& clock_;
  std::atomic<bool> open_{true};
};

} // namespace ever::queue
