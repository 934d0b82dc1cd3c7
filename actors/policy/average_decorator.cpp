#include "actors/policy/average_decorator.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>

namespace ever::policy {

namespace {

using wide = __int128; // Python sums do not overflow

// Python's int(total / divisor): true division to a double, then truncation toward zero. Exact
// like Python for every |total| < 2^53.
int64_t python_truncated_mean(wide total, wide divisor) {
  double q = std::trunc(static_cast<double>(total) / static_cast<double>(divisor));
  if (q >= 9.2e18)
    return std::numeric_limits<int64_t>::max();
  if (q <= -9.2e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

// Current counts plus the first `used` histories by ascending key ("seconds ago"), divided by
// used + 1. Quirk kept: the loop breaks only after adding, so used 0 still adds one history.
template <class Key>
std::optional<std::map<Key, int64_t>>
average_counts(const std::map<int64_t, std::map<Key, int64_t>>& histories,
               const std::optional<std::map<Key, int64_t>>& current, int64_t used,
               std::initializer_list<Key> keys) {
  if (static_cast<wide>(histories.size()) < used)
    return std::nullopt;
  std::map<Key, wide> sum;
  for (Key k : keys)
    sum[k] = 0;
  if (current)
    for (const auto& [k, v] : *current)
      sum[k] += v;
  int64_t added = 0;
  for (const auto& [seconds_ago, counts] : histories) { // std::map: ascending keys
    for (const auto& [k, v] : counts)
      sum[k] += v;
    if (++added >= used)
      break;
  }
  std::map<Key, int64_t> out;
  for (const auto& [k, total] : sum)
    out[k] = python_truncated_mean(total, wide{used} + 1);
  return out;
}

} // namespace

expected<std::optional<factors>> apply_average(const raw_arguments& settings,
                                               const std::optional<factors>& input) {
  int64_t used = 5;
  if (auto it = settings.find("used_histories"); it != settings.end()) {
    auto v = parse_int_argument("average decorator argument used_histories", it->second);
    if (!v)
      return v.error();
    if (*v < 0)
      return make_error(errc::invalid_argument,
                        "average decorator argument used_histories must be >= 0, got " +
                          std::to_string(*v));
    used = *v;
  }
  if (!input)
    return std::optional<factors>{};

  factors out = *input;
  out.queue = average_counts(input->queue_histories, input->queue, used,
                             {queue_cause::not_dispatch, queue_cause::queue_due_busy,
                              queue_cause::queue_due_session});
  out.worker = average_counts(input->worker_histories, input->worker, used,
                              {worker_state::inflight, worker_state::free, worker_state::busy});
  // A worker that is starting must not average away: the in-flight guard depends on it.
  bool inflight_now = false;
  if (input->worker)
    if (auto it = input->worker->find(worker_state::inflight);
        it != input->worker->end() && it->second > 0)
      inflight_now = true;
  if (out.worker && inflight_now && (*out.worker)[worker_state::inflight] == 0)
    (*out.worker)[worker_state::inflight] = 1;
  return std::optional<factors>{std::move(out)};
}

} // namespace ever::policy
