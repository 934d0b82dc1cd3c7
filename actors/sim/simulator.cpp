#include "actors/sim/simulator.hpp"

#include "actors/common/shared_view.hpp"
#include "actors/queue/queue_logic.hpp"
#include "actors/scaler/scaler_logic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

namespace ever::sim {

namespace {

/// splitmix64: tiny, and the same sequence on every platform (std distributions are not).
class rng {
public:
  explicit rng(uint64_t seed) : state_(seed) {}
  double uniform() { // [0, 1)
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
  }

private:
  uint64_t state_;
};

enum class ev_kind : uint8_t { clients, arrival, done, ready, wake };

struct event {
  ev_kind kind;
  int64_t a = 0;   ///< clients: step index; arrival: log index; done: lease id; wake: client
  std::string worker_id; ///< ready
};

struct pending {
  time_ms sent = 0; ///< virtual ms
  int64_t client = -1;
  time_ms service = 0;
};

struct worker_life {
  time_ms created = 0;
  std::optional<time_ms> removed;
};

class run {
public:
  explicit run(const sim_config& cfg)
      : cfg_(cfg), q_(cfg.queue_max_length, cfg.queue_wait_timeout_ms, 600'000), rng_(cfg.seed) {}

  expected<sim_result> go() {
    if (cfg_.autoscaler.kind == autoscaler_spec::kind_t::container)
      return make_error(errc::invalid_argument,
                        "simulate runs builtin and manual autoscalers, not a container one");
    if (cfg_.concurrency < 1)
      return make_error(errc::invalid_argument, "concurrency must be >= 1");
    if (cfg_.tick_ms < 1)
      return make_error(errc::invalid_argument, "tick must be >= 1ms");
    duration_ = cfg_.duration_ms > 0 ? cfg_.duration_ms : cfg_.load.last_change() + 120'000;
    for (size_t i = 0; i < cfg_.load.clients.size(); ++i)
      push(cfg_.load.clients[i].at, {ev_kind::clients, static_cast<int64_t>(i), {}});
    for (size_t i = 0; i < cfg_.load.requests.size(); ++i)
      push(cfg_.load.requests[i].arrival, {ev_kind::arrival, static_cast<int64_t>(i), {}});

    time_ms next_tick = 0;
    for (;;) {
      time_ms t = next_tick;
      if (!events_.empty())
        t = std::min(t, events_.begin()->first.first);
      if (t > duration_)
        break;
      now_ = t;
      while (!events_.empty() && events_.begin()->first.first == t) {
        event e = std::move(events_.begin()->second);
        events_.erase(events_.begin());
        handle(e);
      }
      for (const auto& w : q_.expire(wall())) {
        auto it = waiting_.find(w.seq);
        if (it == waiting_.end())
          continue;
        ++result_.summary.timed_out;
        int64_t client = it->second.client;
        waiting_.erase(it);
        client_free(client);
      }
      bool tick = t == next_tick;
      if (tick)
        next_tick += cfg_.tick_ms;
      if (auto ok = maybe_decide(tick); !ok)
        return ok.error();
      if (tick)
        note_row();
    }
    return finish();
  }

private:
  time_ms wall() const { return cfg_.epoch_ms + now_; }

  void push(time_ms at, event e) { events_.emplace(std::make_pair(at, next_event_++), std::move(e)); }

  time_ms service_time(time_ms base) {
    if (cfg_.jitter_pct <= 0)
      return base;
    double f = 1.0 + (rng_.uniform() * 2.0 - 1.0) * static_cast<double>(cfg_.jitter_pct) / 100.0;
    return std::max<time_ms>(1, static_cast<time_ms>(std::llround(static_cast<double>(base) * f)));
  }

  void handle(const event& e) {
    switch (e.kind) {
      case ev_kind::clients: {
        int64_t before = active_;
        active_ = cfg_.load.clients[static_cast<size_t>(e.a)].clients;
        if (static_cast<int64_t>(client_busy_.size()) < active_)
          client_busy_.resize(static_cast<size_t>(active_), false);
        for (int64_t i = 0; i < active_; ++i)
          if (!client_busy_[static_cast<size_t>(i)])
            send(i, service_time(cfg_.service_ms));
        (void)before;
        break;
      }
      case ev_kind::arrival:
        send(-1, cfg_.load.requests[static_cast<size_t>(e.a)].service);
        break;
      case ev_kind::wake:
        client_free(e.a);
        break;
      case ev_kind::done: {
        auto it = leases_.find(static_cast<uint64_t>(e.a));
        int64_t client = it == leases_.end() ? -1 : it->second;
        if (it != leases_.end())
          leases_.erase(it);
        auto r = q_.release(static_cast<uint64_t>(e.a), true, wall());
        granted(r.grants);
        if (r.idle)
          remove_worker(*r.idle);
        client_free(client);
        break;
      }
      case ev_kind::ready: {
        auto it = q_.slots().find(e.worker_id);
        if (it == q_.slots().end() || it->second.phase != queue::slot_phase::starting)
          break;
        queue::slot s = it->second;
        s.phase = queue::slot_phase::running;
        s.started_at = wall();
        s.last_service_at = wall();
        granted(q_.upsert(s, wall()));
        break;
      }
    }
  }

  // A client is free: if it is still one of the active ones it sends its next request now.
  void client_free(int64_t client) {
    if (client < 0)
      return;
    client_busy_[static_cast<size_t>(client)] = false;
    if (client < active_)
      send(client, service_time(cfg_.service_ms));
  }

  void send(int64_t client, time_ms service) {
    ++result_.summary.requests;
    if (client >= 0)
      client_busy_[static_cast<size_t>(client)] = true;
    auto r = q_.lease("", wall());
    if (r.granted) {
      waits_.push_back(0);
      start_service(r.granted->lease_id, client, service);
    } else if (r.queued) {
      waiting_[r.queued->seq] = {now_, client, service};
    } else {
      ++result_.summary.rejected;
      if (client >= 0) // a rejected client tries again a tick later, not in a tight loop
        push(now_ + cfg_.tick_ms, {ev_kind::wake, client, {}});
    }
  }

  void start_service(uint64_t lease_id, int64_t client, time_ms service) {
    ++result_.summary.served;
    leases_[lease_id] = client;
    push(now_ + service, {ev_kind::done, static_cast<int64_t>(lease_id), {}});
  }

  void granted(const std::vector<queue::grant>& grants) {
    for (const auto& g : grants) {
      auto it = waiting_.find(g.waiter_seq);
      if (it == waiting_.end())
        continue;
      waits_.push_back(now_ - it->second.sent);
      auto p = it->second;
      waiting_.erase(it);
      start_service(g.lease_id, p.client, p.service);
    }
  }

  void remove_worker(const std::string& id) {
    granted(q_.remove(id, wall()));
    life_[id].removed = now_;
  }

  struct state {
    int64_t workers = 0, starting = 0, busy = 0, queue = 0;
    bool operator==(const state& o) const {
      return std::tie(workers, starting, busy, queue) ==
             std::tie(o.workers, o.starting, o.busy, o.queue);
    }
  };

  state current() const {
    state s;
    for (const auto& [id, slot] : q_.slots()) {
      if (slot.phase == queue::slot_phase::starting)
        ++s.starting;
      else if (slot.phase == queue::slot_phase::running) {
        ++s.workers;
        if (slot.in_flight > 0)
          ++s.busy;
      }
    }
    auto c = q_.counts();
    s.queue = c.worker_busy + c.session + c.not_dispatch;
    return s;
  }

  // What the live scaler hears about: queue counts and worker phases/busy flags changing.
  std::string signature() const {
    auto c = q_.counts();
    std::string s = std::to_string(c.worker_busy) + "/" + std::to_string(c.session) + "/" +
                    std::to_string(c.not_dispatch);
    for (const auto& [id, slot] : q_.slots())
      s += ";" + id + ":" + std::to_string(static_cast<int>(slot.phase)) +
           (slot.in_flight > 0 ? "b" : "f");
    return s;
  }

  void note_row() {
    state s = current();
    if (have_row_ && s == last_row_)
      return;
    timeline_row r;
    r.t = now_;
    r.workers = s.workers;
    r.starting = s.starting;
    r.busy = s.busy;
    r.queue = s.queue;
    result_.timeline.push_back(std::move(r));
    last_row_ = s;
    have_row_ = true;
  }

  // Like the scaler actor: decide on every tick and after every change; an acting decision is a
  // change itself, so decide again until nothing more happens (bounded).
  expected<bool> maybe_decide(bool tick) {
    for (int round = 0; round < 8; ++round) {
      std::string sig = signature();
      if (!tick && sig == last_signature_)
        return true;
      tick = false;
      last_signature_ = sig;
      scaler::app_snapshot snap;
      snap.queue = q_.counts();
      for (const auto& [id, slot] : q_.slots())
        snap.workers.push_back(slot);
      if (wall() - histories_.last_sample_at() >= cfg_.history_interval_ms) {
        auto f = scaler::build_factors(snap, scaler::history_ring{0}, wall());
        histories_.push(wall(), *f.queue, *f.worker);
      }
      auto d = scaler::decide(cfg_.autoscaler, "default", configs_, snap, histories_, wall());
      if (!d)
        return make_error(errc::invalid_argument,
                          "decision at " + std::to_string(now_) + "ms: " + message_of(d.error()));
      if (d->output.result.actions.empty())
        return true;
      act(*d);
    }
    return true;
  }

  void act(const scaler::scaler_decision& d) {
    state before = current();
    timeline_row row;
    row.t = now_;
    row.workers = before.workers;
    row.starting = before.starting;
    row.busy = before.busy;
    row.queue = before.queue;
    row.reason = d.output.reason;
    ++result_.summary.decisions;
    int64_t up = 0;
    std::vector<std::string> down;
    for (const auto& a : d.output.result.actions) {
      if (a.kind == policy::action::kind_t::scale_up)
        up += a.count;
      else
        down.push_back(a.worker_id);
    }
    // The app actor does either: scale-ups when there are any, else the scale-downs.
    if (up > 0) {
      ++result_.summary.scale_ups;
      row.actions.push_back("ScaleUp +" + std::to_string(up));
      for (int64_t i = 0; i < up; ++i) {
        queue::slot s;
        s.worker_id = "w" + std::to_string(++next_worker_);
        s.phase = queue::slot_phase::starting;
        s.capacity = cfg_.concurrency;
        s.created_at = wall();
        granted(q_.upsert(s, wall()));
        life_[s.worker_id].created = now_;
        push(now_ + cfg_.start_delay_ms, {ev_kind::ready, 0, s.worker_id});
      }
    } else {
      for (const auto& id : down) {
        auto it = q_.slots().find(id);
        if (it == q_.slots().end() || it->second.phase != queue::slot_phase::running)
          continue; // the app actor only stops running workers
        ++result_.summary.scale_downs;
        row.actions.push_back("ScaleDown " + id);
        auto dr = q_.drain(id, wall());
        granted(dr.grants);
        if (dr.idle)
          remove_worker(id);
      }
    }
    state after = current();
    result_.summary.max_workers =
      std::max(result_.summary.max_workers, after.workers + after.starting);
    result_.timeline.push_back(std::move(row));
  }

  expected<sim_result> finish() {
    auto& s = result_.summary;
    s.duration_ms = duration_;
    double ms = 0;
    for (const auto& [id, life] : life_)
      ms += static_cast<double>(life.removed.value_or(duration_) - life.created);
    s.worker_seconds = ms / 1000.0;
    std::sort(waits_.begin(), waits_.end());
    auto rank = [&](double q) -> time_ms {
      if (waits_.empty())
        return 0;
      auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(waits_.size())));
      return waits_[std::max<size_t>(k, 1) - 1];
    };
    s.wait_p50_ms = rank(0.50);
    s.wait_p99_ms = rank(0.99);
    s.wait_max_ms = waits_.empty() ? 0 : waits_.back();
    return std::move(result_);
  }

  const sim_config& cfg_;
  queue::queue_logic q_;
  scaler::history_ring histories_;
  config_snapshot configs_;
  rng rng_;
  time_ms duration_ = 0;
  time_ms now_ = 0;
  uint64_t next_event_ = 0;
  std::map<std::pair<time_ms, uint64_t>, event> events_;
  int64_t active_ = 0;
  std::vector<bool> client_busy_;
  std::map<uint64_t, pending> waiting_; ///< waiter seq -> request
  std::map<uint64_t, int64_t> leases_;  ///< lease id -> client (-1: from the log)
  std::map<std::string, worker_life> life_;
  int64_t next_worker_ = 0;
  std::vector<time_ms> waits_;
  std::string last_signature_;
  state last_row_;
  bool have_row_ = false;
  sim_result result_;
};

} // namespace

expected<sim_result> simulate(const sim_config& cfg) {
  run r(cfg);
  return r.go();
}

} // namespace ever::sim
