#pragma once
// Small helpers shared by the scale benchmarks: a Prometheus histogram summed over every series
// of one metric (parsed from /metrics text), percentiles of raw samples, and VmRSS.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ever::bench {

/// One histogram metric summed over all its label sets: cumulative count per `le` bound.
struct prom_histogram {
  std::map<double, double> buckets; ///< le -> cumulative count (+Inf as a huge number)
  double count = 0;
  double sum = 0;

  /// Parses every `<name>_bucket{...le="x"} n`, `<name>_count` and `<name>_sum` line of `text`.
  static prom_histogram parse(const std::string& text, const std::string& name) {
    prom_histogram h;
    std::istringstream in{text};
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(name + "_", 0) != 0)
        continue;
      auto space = line.rfind(' ');
      if (space == std::string::npos)
        continue;
      double value = std::stod(line.substr(space + 1));
      auto rest = line.substr(name.size() + 1);
      if (rest.rfind("bucket", 0) == 0) {
        auto le = line.find("le=\"");
        if (le == std::string::npos)
          continue;
        auto end = line.find('"', le + 4);
        auto bound = line.substr(le + 4, end - le - 4);
        double b = bound == "+Inf" ? 1e300 : std::stod(bound);
        h.buckets[b] += value;
      } else if (rest.rfind("count", 0) == 0) {
        h.count += value;
      } else if (rest.rfind("sum", 0) == 0) {
        h.sum += value;
      }
    }
    return h;
  }

  /// This histogram minus an earlier reading of the same metric (observations in between).
  prom_histogram minus(const prom_histogram& before) const {
    prom_histogram d = *this;
    for (auto& [b, n] : d.buckets)
      if (auto it = before.buckets.find(b); it != before.buckets.end())
        n -= it->second;
    d.count -= before.count;
    d.sum -= before.sum;
    return d;
  }

  /// Upper bound (seconds) of the bucket holding quantile `q`; 0 with no observations.
  double quantile_bound(double q) const {
    if (count <= 0)
      return 0;
    for (const auto& [b, n] : buckets)
      if (n >= q * count)
        return b;
    return 1e300;
  }
};

/// The `q` quantile (0..1) of `xs` by nearest rank; 0 if empty.
inline double percentile(std::vector<double> xs, double q) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto rank = static_cast<size_t>(q * static_cast<double>(xs.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, xs.size());
  return xs[rank - 1];
}

/// Resident set size of this process in MiB (VmRSS), 0 if unreadable.
inline double rss_mib() {
  std::ifstream in{"/proc/self/status"};
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}

} // namespace ever::bench
