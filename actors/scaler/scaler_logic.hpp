#pragma once
// The scaler's pure logic: Factors from the queue's view of the app, histories for decorators,
// argument resolution against the current ConfigMaps/Secrets, Ever's scale-from-zero rule (§16.6)
// and the manual autoscaler. No CAF: the scaler actor gathers inputs, calls this, persists, acts.

#include "actors/common/shared_view.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/queue/queue_logic.hpp"
#include "core/model.hpp"

#include <deque>
#include <vector>

namespace ever::scaler {

/// What the queue reports for a decision.
struct app_snapshot {
  queue::queue_counts queue;
  std::vector<queue::slot> workers; ///< starting, running and draining workers
  bool paused = false;
};

/// Queue and worker summaries sampled every history interval (for the `average` decorator).
class history_ring {
public:
  explicit history_ring(size_t capacity = 6) : capacity_(capacity) {}
  /// Records a sample taken at `at`.
  void push(time_ms at, const policy::queue_counts& q, const policy::worker_counts& w);
  /// Writes queue_histories / worker_histories keyed by whole seconds ago.
  void fill(policy::factors& f, time_ms now) const;
  /// Time of the newest sample (0 if none).
  time_ms last_sample_at() const { return samples_.empty() ? 0 : samples_.back().at; }

  /// The samples as JSON text, to persist them across restarts.
  std::string to_json() const;
  /// Restores samples saved by to_json(); errc::corrupt_record if the text is not such JSON.
  static expected<history_ring> from_json(std::string_view text, size_t capacity = 6);

private:
  struct sample {
    time_ms at;
    policy::queue_counts q;
    policy::worker_counts w;
  };
  size_t capacity_;
  std::deque<sample> samples_;
};

/// meta-table key of an app's persisted histories.
std::string history_key(const std::string& ns, const std::string& app);

/// Factors as everai-reference §1.2 with Ever's mapping (§16.4): starting workers are Inflight,
/// running ones Busy if a request is in flight else Free, draining ones are left out; `in_flight`
/// (an Ever extension) is the number of requests the listed workers are serving.
policy::factors build_factors(const app_snapshot& snap, const history_ring& histories,
                              time_ms now);

/// Resolves the autoscaler's arguments and decorators against `configs` into a decision input.
/// errc::not_found / errc::invalid_argument name the argument whose reference failed.
expected<policy::decision_input> resolve_input(const autoscaler_spec& spec, const std::string& ns,
                                               const config_snapshot& configs);

/// A decision ready to persist and act on.
struct scaler_decision {
  policy::decision_output output;
  policy::factors factors; ///< as given to the policy (before factor decorators)
  std::string policy;
};

/// Runs one decision for the app: the builtin pipeline (or the manual rule) plus scale-from-zero.
expected<scaler_decision> decide(const autoscaler_spec& spec, const std::string& ns,
                                 const config_snapshot& configs, const app_snapshot& snap,
                                 const history_ring& histories, time_ms now);

/// Ever's scale-from-zero rule (§16.6), applied after the policy: no action, no worker listed,
/// not paused, max_workers >= 1 and a request waits -> ScaleUp 1.
void scale_from_zero(policy::decision_output& out, const policy::factors& f, bool paused);

/// Re-runs a recorded decision (`ever app decisions --replay`): its policy (or the manual rule)
/// with the recorded arguments — already resolved, after argument decorators — on the recorded
/// factors at the recorded time, then scale-from-zero. Factors decorators are not in the record,
/// so they are not applied (an app using `average` can differ). errc::invalid_argument for
/// unparsable factors or an unknown policy.
expected<policy::decision_output> replay(const decision_record& r);

/// The decision as a record for the decisions table (seq filled by the journal).
decision_record to_record(const scaler_decision& d, time_ms now);

} // namespace ever::scaler
