#pragma once
// The app's request queue as pure logic (no CAF): which worker serves the next request, who waits
// and why, per-worker in-flight counts, sessions, idle times. The queue actor wraps it and turns
// its results into replies; tests drive it directly with explicit `now` values.

#include "core/errc.hpp"
#include "core/model.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever::queue {

/// Lifecycle phase of a worker, as the queue needs it.
enum class slot_phase : uint8_t {
  starting, ///< CREATED/INITIALIZED/PENDING: counts for the scaler as Inflight, takes no requests
  running,  ///< takes requests up to its capacity
  draining, ///< TERMINATING: finishes what it has, takes nothing new
};

/// One worker as the queue sees it.
struct slot {
  std::string worker_id;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  slot_phase phase = slot_phase::starting;
  int64_t capacity = 1; ///< spec.concurrency
  int64_t in_flight = 0;
  time_ms created_at = 0;
  time_ms started_at = 0;      ///< became running (0 while starting)
  time_ms last_service_at = 0; ///< end of the last request, or started_at
  uint64_t success_count = 0;
  uint64_t failure_count = 0;
  int64_t sessions = 0;        ///< live sessions pinned to it
  bool usage_dirty = false;    ///< last_service_at/counts changed since the last flush
};

/// A request waiting for a worker.
struct waiter {
  uint64_t seq = 0;
  time_ms created_at = 0;
  time_ms deadline = 0;
  std::string session;
  queue_reason reason = queue_reason::worker_busy;
};

/// A worker granted to a request.
struct grant {
  uint64_t lease_id = 0;
  uint64_t waiter_seq = 0; ///< the waiter served, 0 if granted without waiting
  std::string worker_id;
  std::string host;
  uint16_t port = 0;
};

/// Result of a lease attempt: exactly one of granted, queued, rejected.
struct lease_result {
  std::optional<grant> granted;
  std::optional<waiter> queued;
  errc rejected = errc::ok;
};

/// What a release set in motion.
struct release_result {
  std::vector<grant> grants;       ///< waiters now served
  std::optional<std::string> idle; ///< a draining worker that just became idle
};

/// Counts by reason, the way Factors.queue needs them.
struct queue_counts {
  int64_t worker_busy = 0;
  int64_t session = 0;
  int64_t not_dispatch = 0;
};

class queue_logic {
public:
  queue_logic(int64_t max_length, int64_t wait_timeout_ms, int64_t session_ttl_ms);

  /// Continues waiter sequence numbers after `last` (restart: keys stay unique and ordered).
  void resume_after(uint64_t last) { next_seq_ = last + 1; }

  /// Changes limits (app update); waiting requests keep their deadlines.
  void set_limits(int64_t max_length, int64_t wait_timeout_ms);

  /// A request arrives. Granted at once if a running worker has capacity (the session's worker
  /// if it has one), else queued, or rejected with errc::queue_full.
  lease_result lease(const std::string& session, time_ms now);

  /// The granting half of lease(): a grant if a worker has room now, else nothing changes.
  std::optional<grant> try_grant(const std::string& session, time_ms now);

  /// A request finished on its worker. Serves waiters if capacity opened.
  release_result release(uint64_t lease_id, bool success, time_ms now);

  /// release(), but only when nothing follows from it: no waiter to serve and no draining worker
  /// that could go idle. True if released; false leaves everything unchanged (then release()).
  bool quiet_release(uint64_t lease_id, bool success, time_ms now);

  /// Adds or updates a worker. A worker turning running may serve waiters at once.
  std::vector<grant> upsert(slot s, time_ms now);

  /// What draining a worker set in motion.
  struct drain_result {
    bool idle = true;           ///< no request in flight on it any more
    std::vector<grant> grants;  ///< waiters of its sessions now served by other workers
  };

  /// Stops giving `worker_id` new requests; its sessions move to other workers.
  drain_result drain(const std::string& worker_id, time_ms now);

  /// Forgets a worker (exited, terminated). Its sessions are unpinned; its open leases stay
  /// valid until released (the gateway sees the failure). Waiters may now be served elsewhere.
  std::vector<grant> remove(const std::string& worker_id, time_ms now);

  /// Removes waiters whose deadline passed (they get 504) and sessions unused for the TTL.
  std::vector<waiter> expire(time_ms now);

  /// Removes every waiter (app paused or deleted; they get an error).
  std::vector<waiter> take_all_waiters();

  /// Current queue counts by reason.
  queue_counts counts() const;

  /// Waiting requests, oldest first, with current reasons.
  std::vector<waiter> waiting() const;

  /// Every known worker.
  const std::map<std::string, slot>& slots() const { return slots_; }

  /// Workers whose usage changed since the last call; clears the flags.
  std::vector<slot> take_dirty_usage();

  /// True if the worker has no request in flight.
  bool is_idle(const std::string& worker_id) const;

  /// Earliest waiter deadline, 0 if nobody waits.
  time_ms next_deadline() const;

  /// Number of leases not yet released.
  size_t open_leases() const { return leases_.size(); }

private:
  struct lease_info {
    std::string worker_id;
    std::string session;
  };
  struct session_info {
    std::string worker_id;
    time_ms last_used = 0;
  };

  /// Picks a worker for a request: the session's worker if pinned (nullptr if it is full), else
  /// the running worker with spare capacity that started first (so the newest stay idle and are
  /// the ones scaled down).
  slot* pick(const std::string& session);
  grant take(slot& s, const std::string& session, uint64_t waiter_seq, time_ms now);
  std::vector<grant> serve_waiters(time_ms now);
  /// Why a request of `session` waits. `any_running`: whether some worker is running (computed
  /// once by callers that classify many waiters).
  queue_reason reason_for(const std::string& session, bool any_running) const;
  bool any_running() const;
  void unpin_sessions_of(const std::string& worker_id);

  int64_t max_length_;
  int64_t wait_timeout_ms_;
  int64_t session_ttl_ms_;
  uint64_t next_seq_ = 1;
  uint64_t next_lease_ = 1;
  std::map<std::string, slot> slots_;
  std::deque<waiter> waiters_;
  std::map<uint64_t, lease_info> leases_;
  std::map<std::string, session_info> sessions_;
};

} // namespace ever::queue
