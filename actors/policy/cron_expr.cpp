#include "actors/policy/cron_expr.hpp"

#include <algorithm>
#include <vector>

namespace ever::policy {

namespace {

struct field_spec {
  const char* name;
  int low;
  int high;  ///< highest value `*` expands to
  int limit; ///< highest value accepted in the text (day-of-week accepts 7 for Sunday)
};

constexpr field_spec minute_spec{"minute", 0, 59, 59};
constexpr field_spec hour_spec{"hour", 0, 23, 23};
constexpr field_spec day_spec{"day of month", 1, 31, 31};
constexpr field_spec month_spec{"month", 1, 12, 12};
constexpr field_spec weekday_spec{"day of week", 0, 6, 7};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos)
      return parts;
    start = at + 1;
  }
}

// Decimal digits only (Python's int(s, 10) on this charset); the value saturates at 1000, which
// is out of range for every field.
bool parse_digits(const std::string& s, int& value) {
  if (s.empty())
    return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    value = std::min(value * 10 + (c - '0'), 1000);
  }
  return true;
}

// Expands one comma-separated item into `out` (indexed by value); false on an invalid item.
// Mirrors the crontab library: a bare number with a step runs to the field's end, and the first
// stepped value must stay within range.
bool expand_item(const std::string& item, const field_spec& f, std::vector<bool>& out) {
  std::string body = item;
  int step = 0;
  if (auto slash = item.find('/'); slash != std::string::npos) {
    auto parts = split(item, '/');
    if (parts.size() != 2 || !parse_digits(parts[1], step))
      return false;
    if (step <= 0 || step > f.limit)
      return false;
    body = parts[0];
  }
  auto number = [&](const std::string& s, int& v) {
    if (!parse_digits(s, v))
      return false;
    return v >= f.low && v <= f.limit;
  };
  int start = 0, end = 0;
  if (body == "*") {
    start = f.low;
    end = f.high;
  } else if (body.find('-') != std::string::npos) {
    auto parts = split(body, '-');
    if (parts.size() != 2 || !number(parts[0], start) || !number(parts[1], end))
      return false;
    if (&f == &weekday_spec && end == 0) // "6-0" means Saturday to Sunday
      end = 7;
  } else {
    if (!number(body, start))
      return false;
    if (step == 0) {
      out[static_cast<size_t>(start)] = true;
      return true;
    }
    end = f.high;
  }
  if (start > end || (step > 0 && start + step > f.limit))
    return false;
  for (int v = start; v <= end; v += step > 0 ? step : 1)
    out[static_cast<size_t>(v)] = true;
  return true;
}

template <size_t N>
expected<void> parse_field(const std::string& text, const field_spec& f, std::bitset<N>& bits) {
  std::vector<bool> values(static_cast<size_t>(f.limit) + 1, false);
  bool any = false;
  for (const auto& item : split(text, ',')) {
    if (item == "*")
      any = true;
    if (!expand_item(item, f, values))
      return make_error(errc::invalid_argument,
                        std::string("bad ") + f.name + " field '" + text + "'");
  }
  for (int v = f.low; v <= f.limit; ++v) {
    // Day-of-week 7 is Sunday, stored as 0.
    size_t at = (&f == &weekday_spec && v == 7) ? 0 : static_cast<size_t>(v);
    if (any || values[static_cast<size_t>(v)])
      bits.set(at);
  }
  return {};
}

} // namespace

expected<cron_expr> cron_expr::parse(const std::string& text) {
  auto fields = split(text, ' ');
  if (fields.size() != 5)
    return make_error(errc::invalid_argument,
                      "cron expression '" + text + "' must have 5 fields separated by one space");
  for (const auto& f : fields)
    for (char c : f)
      if (!((c >= '0' && c <= '9') || c == ',' || c == '*' || c == '/' || c == '-'))
        return make_error(errc::invalid_argument,
                          "cron expression '" + text + "' may only use 0-9 , * / -");
  auto wrap = [&](const caf::error& err) {
    return make_error(errc::invalid_argument, "cron expression '" + text + "': " + message_of(err));
  };
  cron_expr e;
  if (auto ok = parse_field(fields[0], minute_spec, e.minute_); !ok)
    return wrap(ok.error());
  if (auto ok = parse_field(fields[1], hour_spec, e.hour_); !ok)
    return wrap(ok.error());
  if (auto ok = parse_field(fields[2], day_spec, e.day_); !ok)
    return wrap(ok.error());
  if (auto ok = parse_field(fields[3], month_spec, e.month_); !ok)
    return wrap(ok.error());
  if (auto ok = parse_field(fields[4], weekday_spec, e.weekday_); !ok)
    return wrap(ok.error());
  return e;
}

bool cron_expr::matches(const civil_time& t) const {
  return minute_.test(static_cast<size_t>(t.minute)) && hour_.test(static_cast<size_t>(t.hour)) &&
         day_.test(static_cast<size_t>(t.day)) && month_.test(static_cast<size_t>(t.month)) &&
         weekday_.test(static_cast<size_t>(t.weekday));
}

} // namespace ever::policy
