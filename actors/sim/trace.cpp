#include "actors/sim/trace.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace ever::sim {

namespace {

caf::error bad(const std::string& message) {
  return make_error(errc::invalid_argument, message);
}

bool parse_count(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 9)
    return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  out = std::stoll(text);
  return true;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return std::string(s.substr(b, e - b));
}

// Adds the steps of one segment to `steps`.
expected<bool> add_segment(const std::string& seg, std::vector<client_step>& steps) {
  const std::string shapes = " (shapes: const:N, step:N@T, ramp:A-B@T+D, ramp:A-B@D)";
  auto colon = seg.find(':');
  if (colon == std::string::npos)
    return bad("load segment '" + seg + "' has no ':'" + shapes);
  std::string kind = seg.substr(0, colon);
  std::string body = seg.substr(colon + 1);
  if (kind == "const") {
    int64_t n = 0;
    if (!parse_count(body, n))
      return bad("load segment '" + seg + "': client count '" + body +
                 "' is not a whole number");
    steps.push_back({0, n});
    return true;
  }
  auto at = body.find('@');
  if (kind != "step" && kind != "ramp")
    return bad("load segment '" + seg + "': unknown shape '" + kind + "'" + shapes);
  if (at == std::string::npos)
    return bad("load segment '" + seg + "' needs '@TIME', e.g. " + kind +
               (kind == "step" ? ":4@30s" : ":1-8@60s"));
  std::string count = body.substr(0, at);
  std::string when = body.substr(at + 1);
  if (kind == "step") {
    int64_t n = 0;
    if (!parse_count(count, n))
      return bad("load segment '" + seg + "': client count '" + count +
                 "' is not a whole number");
    auto t = parse_duration("load segment '" + seg + "' time", when);
    if (!t)
      return t.error();
    steps.push_back({*t, n});
    return true;
  }
  auto dash = count.find('-');
  int64_t a = 0, b = 0;
  if (dash == std::string::npos || !parse_count(count.substr(0, dash), a) ||
      !parse_count(count.substr(dash + 1), b))
    return bad("load segment '" + seg + "': '" + count + "' is not A-B client counts");
  time_ms start = 0;
  std::string length = when;
  if (auto plus = when.find('+'); plus != std::string::npos) {
    auto s = parse_duration("load segment '" + seg + "' start", when.substr(0, plus));
    if (!s)
      return s.error();
    start = *s;
    length = when.substr(plus + 1);
  }
  auto d = parse_duration("load segment '" + seg + "' length", length);
  if (!d)
    return d.error();
  if (*d <= 0)
    return bad("load segment '" + seg + "': ramp length must be > 0");
  int64_t span = std::llabs(b - a);
  steps.push_back({start, a});
  for (int64_t k = 1; k <= span; ++k)
    steps.push_back({start + *d * k / span, a + (b > a ? k : -k)});
  return true;
}

} // namespace

time_ms trace::last_change() const {
  time_ms t = 0;
  if (!clients.empty())
    t = std::max(t, clients.back().at);
  if (!requests.empty())
    t = std::max(t, requests.back().arrival);
  return t;
}

expected<time_ms> parse_duration(const std::string& what, const std::string& text) {
  std::string s = trim(text);
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'))
    ++i;
  std::string number = s.substr(0, i);
  std::string unit = s.substr(i);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  if (number.empty() || scale == 0 || std::count(number.begin(), number.end(), '.') > 1)
    return bad(what + ": '" + text + "' is not a duration (e.g. 30s, 500ms, 2m)");
  double v = std::strtod(number.c_str(), nullptr) * scale;
  if (v > 1e13)
    return bad(what + ": '" + text + "' is too long");
  return static_cast<time_ms>(std::llround(v));
}

expected<trace> parse_load_shape(const std::string& spec) {
  trace out;
  std::string text = trim(spec);
  if (text.empty())
    return bad("load shape is empty (e.g. step:4@30s)");
  std::stringstream ss(text);
  std::string seg;
  std::vector<client_step> steps;
  while (std::getline(ss, seg, ',')) {
    seg = trim(seg);
    if (seg.empty())
      return bad("load shape '" + spec + "' has an empty segment");
    auto ok = add_segment(seg, steps);
    if (!ok)
      return ok.error();
  }
  // Later segments win at equal times: stable sort keeps their order.
  std::stable_sort(steps.begin(), steps.end(),
                   [](const client_step& a, const client_step& b) { return a.at < b.at; });
  if (steps.front().at > 0)
    steps.insert(steps.begin(), client_step{0, 0});
  out.clients = std::move(steps);
  return out;
}

expected<trace> parse_request_log(std::string_view csv) {
  trace out;
  size_t line_no = 0;
  size_t pos = 0;
  bool first_data = true;
  while (pos <= csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos)
      end = csv.size();
    std::string line = trim(csv.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#')
      continue;
    auto comma = line.find(',');
    std::string a = comma == std::string::npos ? line : trim(line.substr(0, comma));
    std::string b = comma == std::string::npos ? "" : trim(line.substr(comma + 1));
    int64_t arrival = 0, service = 0;
    bool numeric = parse_count(a, arrival) && parse_count(b, service);
    if (!numeric && first_data && !a.empty() && std::isalpha(static_cast<unsigned char>(a[0]))) {
      first_data = false; // a header such as "arrival_ms,service_ms"
      continue;
    }
    first_data = false;
    if (!numeric)
      return bad("request log line " + std::to_string(line_no) + ": '" + line +
                 "' is not arrival_ms,service_ms (two whole numbers)");
    out.requests.push_back({arrival, service});
  }
  if (out.requests.empty())
    return bad("request log has no requests (lines of arrival_ms,service_ms)");
  std::stable_sort(out.requests.begin(), out.requests.end(),
                   [](const logged_request& x, const logged_request& y) {
                     return x.arrival < y.arrival;
                   });
  return out;
}

} // namespace ever::sim
