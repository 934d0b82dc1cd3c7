#pragma once
// One autoscaler decision, end to end and pure: factors decorators, then arguments decorators,
// then the policy (everai-reference §4.3 intended wiring, §16.5). The live scaler, the dry-run
// tool (`ever policy decide`) and the simulator all call decide() below.

#include "actors/policy/factors.hpp"
#include "core/errc.hpp"
#include "core/time.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever::policy {

/// Arguments as text, after ConfigMap/Secret references were resolved.
using raw_arguments = std::map<std::string, std::string>;

/// A decorator by name with its (resolved) arguments.
struct decorator_call {
  std::string name;
  raw_arguments arguments;
};

/// Everything one decision needs.
struct decision_input {
  std::string policy = "simple";
  raw_arguments arguments;                  ///< missing ones take the policy defaults (§16.1)
  std::vector<decorator_call> factor_decorators;
  std::vector<decorator_call> argument_decorators;
  std::optional<factors> input;             ///< null factors is allowed (§2.2 step 2)
  time_ms now = 0;                          ///< wall clock; policies use now / 1000 (epoch s)
};

/// A decision and why.
struct decision_output {
  decide_result result;
  std::map<std::string, int64_t> arguments; ///< as the policy used them (defaults filled in)
  std::optional<factors> decorated;         ///< factors after factor decorators; null when
                                            ///< there were none (then they are the input)
  std::string reason;                       ///< one line in words, e.g. "queue WorkerBusy 3 > max_queue_size 2: scale up 1"
};

/// Runs one decision. Errors (errc::invalid_argument): unknown policy or decorator (message lists
/// the valid names), an argument that is not an integer in Python int() terms, a negative one.
expected<decision_output> decide(const decision_input& in);

/// Parameter names of a policy with their defaults (e.g. simple: min_workers=1 ...).
/// errc::invalid_argument for an unknown policy.
expected<std::map<std::string, int64_t>> policy_parameters(const std::string& policy);

/// Names of the registered builtin policies ("simple", "free-worker", ...).
std::vector<std::string> policy_names();
/// Names of the registered factors decorators ("noop", "average").
std::vector<std::string> factor_decorator_names();
/// Names of the registered arguments decorators ("noop", "time-match").
std::vector<std::string> argument_decorator_names();

/// Python int() on text: optional surrounding whitespace, optional sign, decimal digits.
/// "60" -> 60, " 7 " -> 7, "1.5" / "" / "abc" -> errc::invalid_argument naming `what`.
expected<int64_t> parse_int_argument(const std::string& what, const std::string& text);

} // namespace ever::policy
