#include "actors/queue/queue_logic.hpp"

#include <algorithm>

namespace ever::queue {

queue_logic::queue_logic(int64_t max_length, int64_t wait_timeout_ms, int64_t session_ttl_ms)
  : max_length_(max_length), wait_timeout_ms_(wait_timeout_ms), session_ttl_ms_(session_ttl_ms) {
}

void queue_logic::set_limits(int64_t max_length, int64_t wait_timeout_ms) {
  max_length_ = max_length;
  wait_timeout_ms_ = wait_timeout_ms;
}

slot* queue_logic::pick(const std::string& session) {
  if (!session.empty()) {
    if (auto it = sessions_.find(session); it != sessions_.end()) {
      auto s = slots_.find(it->second.worker_id);
      if (s != slots_.end() && s->second.phase == slot_phase::running)
        return s->second.in_flight < s->second.capacity ? &s->second : nullptr;
      // The pinned worker is gone or draining: the session moves to another worker.
    }
  }
  slot* best = nullptr;
  for (auto& [id, s] : slots_) {
    if (s.phase != slot_phase::running || s.in_flight >= s.capacity)
      continue;
    if (!best || s.started_at < best->started_at
        || (s.started_at == best->started_at && s.worker_id < best->worker_id))
      best = &s;
  }
  return best;
}

grant queue_logic::take(slot& s, const std::string& session, uint64_t waiter_seq, time_ms now) {
  ++s.in_flight;
  uint64_t id = next_lease_++;
  leases_[id] = lease_info{s.worker_id, session};
  if (!session.empty()) {
    auto& info = sessions_[session];
    if (info.worker_id != s.worker_id) {
      if (auto old = slots_.find(info.worker_id); old != slots_.end() && old->second.sessions > 0)
        --old->second.sessions;
      info.worker_id = s.worker_id;
      ++s.sessions;
    }
    info.last_used = now;
  }
  return grant{id, waiter_seq, s.worker_id, s.host, s.port};
}

bool queue_logic::any_running() const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const auto& kv) { return kv.second.phase == slot_phase::running; });
}

queue_reason queue_logic::reason_for(const std::string& session, bool any_running) const {
  if (!any_running)
    return queue_reason::not_dispatch;
  if (!session.empty()) {
    auto it = sessions_.find(session);
    if (it != sessions_.end()) {
      auto s = slots_.find(it->second.worker_id);
      if (s != slots_.end() && s->second.phase == slot_phase::running)
        return queue_reason::session;
    }
  }
  return queue_reason::worker_busy;
}

std::optional<grant> queue_logic::try_grant(const std::string& session, time_ms now) {
  // FIFO holds without checking the waiters: after every event the queue serves whoever can be
  // served, so a worker with room means nobody waiting could use it (only Session waiters
  // pinned to other, busy workers can still be waiting).
  if (slot* s = pick(session))
    return take(*s, session, 0, now);
  return std::nullopt;
}

lease_result queue_logic::lease(const std::string& session, time_ms now) {
  lease_result out;
  if ((out.granted = try_grant(session, now)))
    return out;
  if (static_cast<int64_t>(waiters_.size()) >= max_length_) {
    out.rejected = errc::queue_full;
    return out;
  }
  waiter w;
  w.seq = next_seq_++;
  w.created_at = now;
  w.deadline = now + wait_timeout_ms_;
  w.session = session;
  w.reason = reason_for(session, any_running());
  waiters_.push_back(w);
  out.queued = w;
  return out;
}

std::vector<grant> queue_logic::serve_waiters(time_ms now) {
  std::vector<grant> out;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    slot* s = pick(it->session);
    if (!s) {
      // Without a session, nobody behind this waiter can be served either (same pool).
      if (it->session.empty())
        break;
      ++it;
      continue;
    }
    out.push_back(take(*s, it->session, it->seq, now));
    it = waiters_.erase(it);
  }
  return out;
}

release_result queue_logic::release(uint64_t lease_id, bool success, time_ms now) {
  release_result out;
  auto it = leases_.find(lease_id);
  if (it == leases_.end())
    return out; // unknown or already released: releasing twice must not free capacity twice
  auto worker_id = std::move(it->second.worker_id);
  leases_.erase(it);
  if (auto s = slots_.find(worker_id); s != slots_.end()) {
    auto& sl = s->second;
    if (sl.in_flight > 0)
      --sl.in_flight;
    sl.last_service_at = now;
    (success ? sl.success_count : sl.failure_count) += 1;
    sl.usage_dirty = true;
    if (sl.phase == slot_phase::draining && sl.in_flight == 0)
      out.idle = worker_id;
  }
  out.grants = serve_waiters(now);
  return out;
}

bool queue_logic::quiet_release(uint64_t lease_id, bool success, time_ms now) {
  if (!waiters_.empty())
    return false;
  auto it = leases_.find(lease_id);
  if (it == leases_.end())
    return false;
  if (auto s = slots_.find(it->second.worker_id);
      s != slots_.end() && s->second.phase == slot_phase::draining)
    return false;
  release(lease_id, success, now); // serves nobody (no waiters) and idles no draining worker
  return true;
}

std::vector<grant> queue_logic::upsert(slot s, time_ms now) {
  auto it = slots_.find(s.worker_id);
  if (it == slots_.end()) {
    slots_.emplace(s.worker_id, std::move(s));
  } else {
    // Keep what the queue itself tracks; take the lifecycle facts from the caller.
    auto& cur = it->second;
    // Announcements come from the app and the worker; a late "starting" never undoes "running".
    if (s.phase == slot_phase::starting && cur.phase != slot_phase::starting)
      return serve_waiters(now);
    cur.host = s.host;
    cur.port = s.port;
    cur.phase = s.phase;
    cur.capacity = s.capacity;
    cur.created_at = s.created_at;
    cur.started_at = s.started_at;
    cur.last_service_at = std::max(cur.last_service_at, s.last_service_at);
  }
  return serve_waiters(now);
}

queue_logic::drain_result queue_logic::drain(const std::string& worker_id, time_ms now) {
  drain_result out;
  auto it = slots_.find(worker_id);
  if (it == slots_.end())
    return out;
  it->second.phase = slot_phase::draining;
  unpin_sessions_of(worker_id);
  out.idle = it->second.in_flight == 0;
  out.grants = serve_waiters(now);
  return out;
}

void queue_logic::unpin_sessions_of(const std::string& worker_id) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.worker_id == worker_id ? sessions_.erase(it) : std::next(it);
  if (auto s = slots_.find(worker_id); s != slots_.end())
    s->second.sessions = 0;
}

std::vector<grant> queue_logic::remove(const std::string& worker_id, time_ms now) {
  unpin_sessions_of(worker_id);
  slots_.erase(worker_id);
  return serve_waiters(now);
}

std::vector<waiter> queue_logic::expire(time_ms now) {
  std::vector<waiter> out;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->deadline <= now) {
      out.push_back(*it);
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_used >= session_ttl_ms_) {
      if (auto s = slots_.find(it->second.worker_id); s != slots_.end() && s->second.sessions > 0)
        --s->second.sessions;
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<waiter> queue_logic::take_all_waiters() {
  std::vector<waiter> out(waiters_.begin(), waiters_.end());
  waiters_.clear();
  return out;
}

queue_counts queue_logic::counts() const {
  queue_counts c;
  bool running = any_running();
  for (const auto& w : waiters_) {
    switch (reason_for(w.session, running)) {
      case queue_reason::worker_busy: ++c.worker_busy; break;
      case queue_reason::session: ++c.session; break;
      case queue_reason::not_dispatch: ++c.not_dispatch; break;
      case queue_reason::insufficient_resources: break; // a view-only reason, never computed here
    }
  }
  return c;
}

std::vector<waiter> queue_logic::waiting() const {
  std::vector<waiter> out(waiters_.begin(), waiters_.end());
  bool running = any_running();
  for (auto& w : out)
    w.reason = reason_for(w.session, running);
  return out;
}

std::vector<slot> queue_logic::take_dirty_usage() {
  std::vector<slot> out;
  for (auto& [id, s] : slots_) {
    if (s.usage_dirty) {
      out.push_back(s);
      s.usage_dirty = false;
    }
  }
  return out;
}

bool queue_logic::is_idle(const std::string& worker_id) const {
  auto it = slots_.find(worker_id);
  return it == slots_.end() || it->second.in_flight == 0;
}

time_ms queue_logic::next_deadline() const {
  time_ms best = 0;
  for (const auto& w : waiters_)
    if (best == 0 || w.deadline < best)
      best = w.deadline;
  return best;
}

} // namespace ever::queue
