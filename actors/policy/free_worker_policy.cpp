#include "actors/policy/free_worker_policy.hpp"

#include "actors/policy/builtin_helper.hpp"

namespace ever::policy {

policy_decision decide_free_worker(const free_worker_arguments& args,
                                   const std::optional<factors>& input, int64_t now_s) {
  builtin_limits limits{args.min_workers, args.max_workers, args.max_idle_time,
                        args.scale_up_step};
  return run_builtin(limits, input, now_s, [&](const factors& f) {
    scale_up_demand d;
    // The test reads the status summary map, not the workers list (§3); the list only feeds
    // the in-flight guard, the floor and the cap.
    if (!f.worker) {
      d.condition = "no worker summary in factors";
      return d;
    }
    auto it = f.worker->find(worker_state::free);
    int64_t free = it == f.worker->end() ? 0 : it->second;
    d.wanted = free < args.min_free_workers;
    d.condition = "Free workers " + std::to_string(free) + (d.wanted ? " < " : " >= ") +
                  "min_free_workers " + std::to_string(args.min_free_workers);
    return d;
  });
}

policy_decision decide_free_worker_values(const argument_values& args,
                                          const std::optional<factors>& input, int64_t now_s) {
  free_worker_arguments a;
  a.min_workers = argument_or(args, "min_workers", a.min_workers);
  a.max_workers = argument_or(args, "max_workers", a.max_workers);
  a.min_free_workers = argument_or(args, "min_free_workers", a.min_free_workers);
  a.max_idle_time = argument_or(args, "max_idle_time", a.max_idle_time);
  a.scale_up_step = argument_or(args, "scale_up_step", a.scale_up_step);
  return decide_free_worker(a, input, now_s);
}

argument_values free_worker_defaults() {
  free_worker_arguments a;
  return {{"min_workers", a.min_workers},
          {"max_workers", a.max_workers},
          {"min_free_workers", a.min_free_workers},
          {"max_idle_time", a.max_idle_time},
          {"scale_up_step", a.scale_up_step}};
}

} // namespace ever::policy
