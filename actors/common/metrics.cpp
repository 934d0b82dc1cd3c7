#include "actors/common/metrics.hpp"

#include <sstream>

namespace ever {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                          5,      10};
  return bounds;
}

std::string app_label(const std::string& ns, const std::string& app) {
  return "app=\"" + ns + "/" + app + "\"";
}

void metrics_registry::set_gauge(const std::string& name, const std::string& labels, double value) {
  std::lock_guard<std::mutex> guard{mtx_};
  values_[name][labels] = value;
}

void metrics_registry::add_counter(const std::string& name, const std::string& labels,
                                   double delta) {
  std::lock_guard<std::mutex> guard{mtx_};
  values_[name][labels] += delta;
}

void metrics_registry::observe(const std::string& name, const std::string& labels,
                               double seconds) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& h = histograms_[name][labels];
  const auto& bounds = latency_buckets();
  if (h.buckets.empty())
    h.buckets.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i])
      ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void metrics_registry::describe(const std::string& name, const std::string& type,
                                const std::string& help) {
  std::lock_guard<std::mutex> guard{mtx_};
  meta_[name] = {type, help};
}

void metrics_registry::forget(const std::string& labels) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, series] : values_)
    for (auto it = series.begin(); it != series.end();)
      it = it->first.rfind(labels, 0) == 0 ? series.erase(it) : std::next(it);
  for (auto& [name, series] : histograms_)
    series.erase(labels);
}

std::string metrics_registry::render() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::ostringstream out;
  auto header = [&](const std::string& name) {
    if (auto it = meta_.find(name); it != meta_.end())
      out << "# HELP " << name << ' ' << it->second.second << "\n# TYPE " << name << ' '
          << it->second.first << '\n';
  };
  auto braces = [](const std::string& labels) {
    return labels.empty() ? std::string{} : "{" + labels + "}";
  };
  for (const auto& [name, series] : values_) {
    header(name);
    for (const auto& [labels, value] : series)
      out << name << braces(labels) << ' ' << value << '\n';
  }
  const auto& bounds = latency_buckets();
  for (const auto& [name, series] : histograms_) {
    header(name);
    for (const auto& [labels, h] : series) {
      std::string sep = labels.empty() ? "" : labels + ",";
      for (size_t i = 0; i < bounds.size(); ++i)
        out << name << "_bucket{" << sep << "le=\"" << bounds[i] << "\"} " << h.buckets[i] << '\n';
      out << name << "_bucket{" << sep << "le=\"+Inf\"} " << h.count << '\n';
      out << name << "_sum" << braces(labels) << ' ' << h.sum << '\n';
      out << name << "_count" << braces(labels) << ' ' << h.count << '\n';
    }
  }
  return out.str();
}

} // namespace ever
