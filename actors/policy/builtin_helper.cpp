#include "actors/policy/builtin_helper.hpp"

#include <algorithm>
#include <limits>

namespace ever::policy {

namespace {

// Python ints never overflow; doing the few subtractions in 128 bits keeps them exact for any
// int64 input (the pure functions are also called by the simulator with arbitrary values).
using wide = __int128;

int64_t narrow(wide v) {
  if (v > std::numeric_limits<int64_t>::max())
    return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min())
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

action scale_up(int64_t count) {
  action a;
  a.kind = action::kind_t::scale_up;
  a.count = count;
  return a;
}

action scale_down(const std::string& worker_id) {
  action a;
  a.kind = action::kind_t::scale_down;
  a.worker_id = worker_id;
  return a;
}

} // namespace

std::string count_noun(int64_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

idle_scale_down plan_idle_scale_down(const std::vector<worker_factor>& workers,
                                     int64_t min_workers, int64_t max_idle_time, int64_t now_s) {
  // Newest first; stable like Python's sort(reverse=True), so equal started_at keep input order.
  std::vector<const worker_factor*> order;
  order.reserve(workers.size());
  for (const auto& w : workers)
    order.push_back(&w);
  std::stable_sort(order.begin(), order.end(), [](const worker_factor* a, const worker_factor* b) {
    return a->started_at > b->started_at;
  });

  idle_scale_down out;
  std::vector<const worker_factor*> candidates;
  for (const auto* w : order) {
    if (w->status != worker_state::free)
      continue;
    ++out.free;
    if (w->number_of_sessions == 0 &&
        wide{now_s} - wide{w->last_service_time} >= wide{max_idle_time})
      candidates.push_back(w);
  }
  out.candidates = static_cast<int64_t>(candidates.size());
  // §16.2: clamp at 0. Upstream slices candidates[:allowed], which for a negative allowance
  // drops only the last |allowed| candidates and removes the rest, going below min_workers.
  wide allowed = std::max<wide>(wide{out.free} - wide{min_workers}, 0);
  out.allowed = narrow(allowed);
  auto take = static_cast<size_t>(std::min<wide>(allowed, wide{out.candidates}));
  for (size_t i = 0; i < take; ++i)
    out.worker_ids.push_back(candidates[i]->worker_id);
  return out;
}

policy_decision run_builtin(const builtin_limits& limits, const std::optional<factors>& input,
                            int64_t now_s,
                            const std::function<scale_up_demand(const factors&)>& demand) {
  policy_decision out;
  out.result.max_workers = limits.max_workers; // builtins always echo it (§1.3)
  if (!input) {
    out.reason = "no action: no factors";
    return out;
  }
  const factors& f = *input;
  const auto n = static_cast<int64_t>(f.workers.size());

  // Min floor: counts every listed worker, ignores max_workers, step and in-flight workers.
  if (n < limits.min_workers) {
    int64_t k = limits.min_workers - n;
    out.result.actions.push_back(scale_up(k));
    out.reason = "min floor: " + count_noun(n, "worker", "workers") + " < min_workers " +
                 std::to_string(limits.min_workers) + ", scale up " + std::to_string(k);
    return out;
  }

  scale_up_demand d = demand(f);
  int64_t inflight = std::count_if(f.workers.begin(), f.workers.end(), [](const worker_factor& w) {
    return w.status == worker_state::inflight;
  });
  std::string no_scale_up = d.condition;
  if (d.wanted && inflight == 0) {
    wide room = wide{limits.max_workers} - wide{n};
    int64_t k = narrow(std::min<wide>(room, wide{limits.scale_up_step}));
    if (k > 0) {
      out.result.actions.push_back(scale_up(k));
      out.reason = d.condition + " and no worker starting: scale up " + std::to_string(k) +
                   " (step " + std::to_string(limits.scale_up_step) + ", max_workers " +
                   std::to_string(limits.max_workers) + ")";
      return out;
    }
    if (room <= 0)
      no_scale_up += " but " + count_noun(n, "worker", "workers") + " >= max_workers " +
                     std::to_string(limits.max_workers);
    else
      no_scale_up += " but scale_up_step is " + std::to_string(limits.scale_up_step);
  } else if (d.wanted) {
    // The in-flight guard: wait until started workers serve before adding more.
    no_scale_up += " but " + count_noun(inflight, "worker", "workers") + " starting (Inflight)";
  }

  idle_scale_down sd = plan_idle_scale_down(f.workers, limits.min_workers, limits.max_idle_time,
                                            now_s);
  std::string idle = count_noun(sd.candidates, "worker", "workers") + " idle >= max_idle_time " +
                     std::to_string(limits.max_idle_time) + "s";
  if (!sd.worker_ids.empty()) {
    for (const auto& id : sd.worker_ids)
      out.result.actions.push_back(scale_down(id));
    out.reason = idle + ": scale down " + std::to_string(sd.worker_ids.size()) + " (Free " +
                 std::to_string(sd.free) + ", min_workers " + std::to_string(limits.min_workers) +
                 ")";
    return out;
  }
  out.reason = "no action: " + no_scale_up;
  if (sd.candidates > 0)
    out.reason += "; " + idle + " but Free " + std::to_string(sd.free) + " <= min_workers " +
                  std::to_string(limits.min_workers);
  return out;
}

} // namespace ever::policy
