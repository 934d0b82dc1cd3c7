#include "actors/policy/simple_policy.hpp"

#include "actors/policy/builtin_helper.hpp"

namespace ever::policy {

policy_decision decide_simple(const simple_arguments& args, const std::optional<factors>& input,
                              int64_t now_s) {
  builtin_limits limits{args.min_workers, args.max_workers, args.max_idle_time,
                        args.scale_up_step};
  return run_builtin(limits, input, now_s, [&](const factors& f) {
    scale_up_demand d;
    if (!f.queue) {
      d.condition = "no queue in factors";
      return d;
    }
    // Only QueueDueBusy counts; NotDispatch and QueueDueSession are ignored (§2.2 step 4).
    auto it = f.queue->find(queue_cause::queue_due_busy);
    int64_t busy = it == f.queue->end() ? 0 : it->second;
    d.wanted = busy > args.max_queue_size;
    d.condition = "queue WorkerBusy " + std::to_string(busy) + (d.wanted ? " > " : " <= ") +
                  "max_queue_size " + std::to_string(args.max_queue_size);
    return d;
  });
}

policy_decision decide_simple_values(const argument_values& args,
                                     const std::optional<factors>& input, int64_t now_s) {
  simple_arguments a;
  a.min_workers = argument_or(args, "min_workers", a.min_workers);
  a.max_workers = argument_or(args, "max_workers", a.max_workers);
  a.max_queue_size = argument_or(args, "max_queue_size", a.max_queue_size);
  a.max_idle_time = argument_or(args, "max_idle_time", a.max_idle_time);
  a.scale_up_step = argument_or(args, "scale_up_step", a.scale_up_step);
  return decide_simple(a, input, now_s);
}

argument_values simple_defaults() {
  simple_arguments a;
  return {{"min_workers", a.min_workers},
          {"max_workers", a.max_workers},
          {"max_queue_size", a.max_queue_size},
          {"max_idle_time", a.max_idle_time},
          {"scale_up_step", a.scale_up_step}};
}

} // namespace ever::policy
