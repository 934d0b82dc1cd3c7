#include "actors/directory/reconcile.hpp"

#include <set>
#include <tuple>

namespace ever::directory {

namespace {

using identity = std::tuple<std::string, int64_t, uint64_t>; // worker id, pid, start time

identity identity_of(const worker_record& r) {
  return {r.id, r.pid, r.proc_start_time};
}

identity identity_of(const runtime::owned_process& p) {
  return {p.worker_id, static_cast<int64_t>(p.pid), p.start_time};
}

} // namespace

reconcile_plan plan_reconcile(const std::vector<worker_record>& live_records,
                              const std::vector<runtime::owned_process>& running) {
  std::set<identity> recorded;
  for (const auto& r : live_records)
    // pid 0 means "never started": it names no process, and must not match a process whose
    // start time could not be read either.
    if (!is_final(r.status) && r.pid != 0)
      recorded.insert(identity_of(r));
  std::set<identity> present;
  for (const auto& p : running)
    present.insert(identity_of(p));
  reconcile_plan plan;
  for (const auto& p : running)
    if (recorded.count(identity_of(p)) == 0)
      plan.orphans.push_back(p);
  for (const auto& r : live_records)
    if (!is_final(r.status) && (r.pid == 0 || present.count(identity_of(r)) == 0))
      plan.missing.push_back(r);
  return plan;
}

} // namespace ever::directory
