#pragma once
// Reconciliation at start, as pure logic: which running Ever processes no live record accounts
// for (orphans, to stop) and which live records have no process (missing; their app actors mark
// them ERROR when re-adoption fails). Level-triggered: it compares two snapshots and keeps no
// history, so planning again after the plan was carried out finds nothing to do.

#include "actors/runtime/process.hpp"
#include "core/model.hpp"

#include <vector>

namespace ever::directory {

/// What reconciliation found.
struct reconcile_plan {
  /// Processes of ours that no live record names with the same worker id, pid and start time:
  /// an app deleted while everd was down, a worker whose pid was never recorded, a record whose
  /// pid now belongs to another process. They are to be stopped.
  std::vector<runtime::owned_process> orphans;
  /// Live records with no matching process. For reporting only: the app actors already handle
  /// them (re-adoption fails, the worker becomes ERROR, the policy replaces it).
  std::vector<worker_record> missing;

  /// True if there is nothing to stop and nothing missing.
  bool empty() const { return orphans.empty() && missing.empty(); }
};

/// Compares the workers table with the processes found on this node. Records in a final state
/// (TERMINATED, ERROR) are ignored: such a worker must not be running, so a process that only
/// they name is an orphan. A process matches a record only if worker id, pid and start time all
/// match, so a reused pid is never mistaken for the recorded worker.
reconcile_plan plan_reconcile(const std::vector<worker_record>& live_records,
                              const std::vector<runtime::owned_process>& running);

} // namespace ever::directory
