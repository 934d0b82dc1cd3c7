#include "actors/policy/time_match_decorator.hpp"

#include "actors/policy/cron_expr.hpp"
#include "actors/policy/time_zone.hpp"

#include <vector>

namespace ever::policy {

namespace {

constexpr const char* match_open = "match(";

struct matcher {
  cron_expr cron;
  std::string prefix;
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

int64_t floor_seconds(time_ms t) {
  return t / 1000 - (t % 1000 < 0 ? 1 : 0);
}

} // namespace

expected<raw_arguments> apply_time_match(const raw_arguments& settings,
                                         const raw_arguments& arguments, time_ms now) {
  std::string zone_name = "UTC";
  if (auto it = settings.find("timezone"); it != settings.end())
    zone_name = it->second;
  // Upstream means to fall back to UTC here but crashes instead; an error is the honest middle.
  auto zone = load_time_zone(zone_name);
  if (!zone)
    return make_error(errc::invalid_argument, "time-match: " + message_of(zone.error()));

  std::vector<matcher> matchers;
  std::vector<std::pair<std::string, std::string>> data; // prefixed settings
  for (const auto& [key, value] : settings) {
    if (key == "timezone")
      continue;
    if (!starts_with(key, match_open)) {
      data.emplace_back(key, value);
      continue;
    }
    // Upstream silently treats a malformed match key as a plain setting; Ever rejects it so a
    // typo in a schedule is seen instead of never matching.
    if (key.size() < 7 || key.back() != ')')
      return make_error(errc::invalid_argument,
                        "time-match: key '" + key + "' is not match(<5 cron fields>)");
    auto cron = cron_expr::parse(key.substr(6, key.size() - 7));
    if (!cron)
      return make_error(errc::invalid_argument,
                        "time-match: key '" + key + "': " + message_of(cron.error()));
    matchers.push_back({*cron, value});
  }

  civil_time local = (*zone)->local_time(floor_seconds(now));
  raw_arguments out = arguments;
  for (const auto& m : matchers) {
    if (!m.cron.matches(local))
      continue;
    for (const auto& [key, value] : data)
      if (starts_with(key, m.prefix))
        out[key.substr(m.prefix.size())] = value;
  }
  return out;
}

} // namespace ever::policy
