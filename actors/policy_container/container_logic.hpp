#pragma once
// The container autoscaler's pure logic (everai-reference §1.1-1.3): checking what the user's
// policy process answered, turning a DecideResult into a decision against the Factors it was
// asked about, restart backoff for a policy process that keeps dying, rate limiting of repeated
// failure events, and the policy process's launch spec. No CAF, no I/O.

#include "actors/policy/pipeline.hpp"
#include "actors/runtime/loopback_post.hpp"
#include "actors/runtime/process.hpp"
#include "core/model.hpp"
#include "core/time.hpp"

#include <map>
#include <optional>
#include <string>

namespace ever::policy_container {

/// Checks the policy's HTTP reply: a 2xx status and a DecideResult JSON body (§1.3).
/// errc::invalid_argument says what is wrong: "HTTP 500 (body: ...)", "not a DecideResult: ...".
expected<policy::decide_result> check_reply(const runtime::http_reply& reply);

/// Turns a checked DecideResult into the scaler's decision for the Factors the policy was given.
/// ScaleUp is capped so the app does not exceed the result's max_workers (the reason says so);
/// duplicate ScaleDown ids count once. errc::invalid_argument (no action taken) for a result
/// that mixes ScaleUp and ScaleDown, a ScaleUp count < 1, a negative max_workers, or a ScaleDown
/// of a worker that is not in the Factors.
expected<policy::decision_output> to_decision(const policy::factors& f,
                                              const policy::decide_result& r);

/// Restart delays for a policy process that keeps exiting: first_ms, doubling up to max_ms;
/// back to first_ms once a run lasted at least stable_ms.
class restart_backoff {
public:
  restart_backoff(int64_t first_ms, int64_t max_ms, int64_t stable_ms)
    : first_(first_ms), max_(max_ms), stable_(stable_ms) {}
  /// The process exited after running `ran_ms`: how long to wait before starting it again.
  int64_t next(int64_t ran_ms);
  /// Exits in a row that came before a stable run.
  int64_t failures() const { return failures_; }

private:
  int64_t first_, max_, stable_;
  int64_t failures_ = 0;
};

/// Rate limit for the scaler's fallback events: a failure different from the last one is
/// reported at once; the same one again at most once per interval_ms, with the number of
/// repeats left out since. A success resets (the next failure is news again).
class failure_events {
public:
  explicit failure_events(int64_t interval_ms) : interval_(interval_ms) {}
  /// The text to record for failure `what` at `now`, or nothing if it is to be left out.
  std::optional<std::string> failed(const std::string& what, time_ms now);
  /// A decision succeeded.
  void succeeded();
  /// Changes the interval (knobs are read at spawn; tests shrink them).
  void set_interval(int64_t interval_ms) { interval_ = interval_ms; }

private:
  int64_t interval_;
  std::string last_;
  time_ms last_at_ = 0;
  int64_t left_out_ = 0;
};

/// The policy process: the manifest's command, run in <data_dir>/policies/<ns>/<app> with its
/// log in policy.log there; environment = the inherited names present in `parent_env`, PATH =
/// `base_path`, PORT, EVER_APP, EVER_NAMESPACE, EVER_AUTOSCALER_PATH (the entry path),
/// EVER_VOLUMES_DIR (<work dir>/volumes: the app's volumes, as workers get them) and EVER_OWNER
/// (so a restart of everd finds and stops a leftover policy process: it names no worker).
runtime::process_spec policy_process(const autoscaler_spec& spec, const std::string& ns,
                                     const std::string& app, const std::string& data_dir,
                                     uint16_t port,
                                     const std::map<std::string, std::string>& parent_env,
                                     const std::string& base_path);

} // namespace ever::policy_container
