#include "actors/policy/target_concurrency_policy.hpp"

#include "actors/policy/builtin_helper.hpp"

#include <algorithm>

namespace ever::policy {

namespace {

int64_t sum(const queue_counts& q) {
  int64_t n = 0;
  for (const auto& [cause, count] : q)
    n += count;
  return n;
}

// ceil(demand / target) without overflow for non-negative inputs.
int64_t workers_for(int64_t demand, int64_t target) {
  if (demand <= 0)
    return 0;
  return demand / target + (demand % target != 0 ? 1 : 0);
}

int64_t clamp_workers(int64_t want, const target_concurrency_arguments& a) {
  return std::max(a.min_workers, std::min(want, a.max_workers));
}

action scale_up(int64_t count) {
  action a;
  a.kind = action::kind_t::scale_up;
  a.count = count;
  return a;
}

} // namespace

int64_t current_demand(const factors& f) {
  int64_t in_flight = 0;
  if (f.in_flight)
    in_flight = *f.in_flight;
  else
    in_flight = std::count_if(f.workers.begin(), f.workers.end(), [](const worker_factor& w) {
      return w.status == worker_state::busy;
    });
  return in_flight + (f.queue ? sum(*f.queue) : 0);
}

policy_decision decide_target_concurrency(const target_concurrency_arguments& args,
                                          const std::optional<factors>& input, int64_t now_s) {
  policy_decision out;
  out.result.max_workers = args.max_workers;
  if (!input) {
    out.reason = "no action: no factors";
    return out;
  }
  const factors& f = *input;
  const auto n = static_cast<int64_t>(f.workers.size());
  if (n < args.min_workers) {
    out.result.actions.push_back(scale_up(args.min_workers - n));
    out.reason = "min floor: " + count_noun(n, "worker", "workers") + " < min_workers " +
                 std::to_string(args.min_workers) + ", scale up " +
                 std::to_string(args.min_workers - n);
    return out;
  }

  const int64_t target = std::max<int64_t>(args.target, 1);
  const int64_t demand = current_demand(f);
  const int64_t want = workers_for(demand, target);
  const int64_t desired = clamp_workers(want, args);
  const std::string demand_words = count_noun(demand, "request", "requests") + " / target " +
                                   std::to_string(target) + " = " +
                                   count_noun(want, "worker", "workers");
  // Scale up at once: starting workers are in `n`, so a decision made while they start does not
  // add them twice.
  if (desired > n) {
    out.result.actions.push_back(scale_up(desired - n));
    out.reason = demand_words + " > " + std::to_string(n) + " (max_workers " +
                 std::to_string(args.max_workers) + "): scale up " + std::to_string(desired - n);
    return out;
  }
  if (desired == n) {
    out.reason = "no action: " + demand_words + ", have " + std::to_string(n);
    return out;
  }

  // Scale down: the largest demand seen within the stable window decides how many stay.
  int64_t window_want = want;
  for (const auto& [ago, q] : f.queue_histories) {
    if (ago > args.stable_window)
      continue;
    int64_t busy = 0;
    if (auto it = f.worker_histories.find(ago); it != f.worker_histories.end())
      if (auto b = it->second.find(worker_state::busy); b != it->second.end())
        busy = b->second;
    window_want = std::max(window_want, workers_for(busy + sum(q), target));
  }
  const int64_t keep = clamp_workers(window_want, args);
  if (keep >= n) {
    out.reason = "no action: " + demand_words + " but the " +
                 std::to_string(args.stable_window) + "s window wants " + std::to_string(keep);
    return out;
  }
  // Newest first, like the builtins; only Free workers without sessions idle for the window.
  std::vector<const worker_factor*> order;
  for (const auto& w : f.workers)
    order.push_back(&w);
  std::stable_sort(order.begin(), order.end(), [](const worker_factor* a, const worker_factor* b) {
    return a->started_at > b->started_at;
  });
  int64_t excess = n - keep;
  for (const auto* w : order) {
    if (excess == 0)
      break;
    if (w->status == worker_state::free && w->number_of_sessions == 0 &&
        now_s - w->last_service_time >= args.stable_window) {
      action a;
      a.kind = action::kind_t::scale_down;
      a.worker_id = w->worker_id;
      out.result.actions.push_back(std::move(a));
      --excess;
    }
  }
  if (out.result.actions.empty()) {
    out.reason = "no action: window wants " + std::to_string(keep) + " of " + std::to_string(n) +
                 " but no Free worker idle >= stable_window " +
                 std::to_string(args.stable_window) + "s";
    return out;
  }
  out.reason = demand_words + ", window wants " + std::to_string(keep) + " of " +
               std::to_string(n) + ": scale down " + std::to_string(out.result.actions.size()) +
               " idle >= " + std::to_string(args.stable_window) + "s";
  return out;
}

policy_decision decide_target_concurrency_values(const argument_values& args,
                                                 const std::optional<factors>& input,
                                                 int64_t now_s) {
  target_concurrency_arguments a;
  a.min_workers = argument_or(args, "min_workers", a.min_workers);
  a.max_workers = argument_or(args, "max_workers", a.max_workers);
  a.target = argument_or(args, "target", a.target);
  a.stable_window = argument_or(args, "stable_window", a.stable_window);
  return decide_target_concurrency(a, input, now_s);
}

argument_values target_concurrency_defaults() {
  target_concurrency_arguments a;
  return {{"min_workers", a.min_workers},
          {"max_workers", a.max_workers},
          {"target", a.target},
          {"stable_window", a.stable_window}};
}

} // namespace ever::policy
