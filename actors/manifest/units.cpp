// Number grammars: Python-style integers, memory sizes, durations, base64.
//
// Sizes and durations are computed in 128-bit integers from the decimal digits, never in floating
// point, so "1.5 GiB" is exactly 1536 MiB and rounding up is exact.

#include "actors/manifest/detail.hpp"
#include "actors/manifest/manifest.hpp"

#include <cctype>

namespace ever::manifest {
namespace detail {

namespace {

using u128 = unsigned __int128;

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// A non-negative decimal read from the front of a text: value = mantissa / 10^scale.
struct decimal {
  u128 mantissa = 0;
  int scale = 0;
};

/// More digits than this could overflow the products below; nobody writes such sizes.
constexpr int max_digits = 24;

/// Reads digits with an optional fraction ("12", "1.5", ".5", "2.") from the front of `s`,
/// advancing it. nullopt if there is no digit or too many.
std::optional<decimal> read_decimal(std::string_view& s) {
  decimal d;
  int digits = 0;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i, ++digits)
    d.mantissa = d.mantissa * 10 + static_cast<unsigned>(s[i] - '0');
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i, ++digits, ++d.scale)
      d.mantissa = d.mantissa * 10 + static_cast<unsigned>(s[i] - '0');
  }
  if (digits == 0 || digits > max_digits)
    return std::nullopt;
  s.remove_prefix(i);
  return d;
}

u128 pow10(int n) {
  u128 r = 1;
  while (n-- > 0)
    r *= 10;
  return r;
}

/// ceil(d * factor / divisor).
u128 scale_up(const decimal& d, u128 factor, u128 divisor) {
  u128 num = d.mantissa * factor;
  u128 den = pow10(d.scale) * divisor;
  return (num + den - 1) / den;
}

} // namespace

std::optional<int64_t> parse_python_int(std::string_view text) {
  auto s = trim(text);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !is_digit(s.front()) || !is_digit(s.back()))
    return std::nullopt;
  u128 v = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (s[i - 1] == '_') // single underscores between digits only
        return std::nullopt;
      continue;
    }
    if (!is_digit(s[i]))
      return std::nullopt;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
    if (v > static_cast<u128>(INT64_MAX) + 1)
      return std::nullopt;
  }
  if (negative)
    return v == static_cast<u128>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  if (v > static_cast<u128>(INT64_MAX))
    return std::nullopt;
  return static_cast<int64_t>(v);
}

bool parse_memory(std::string_view text, int64_t& mb, std::string& why) {
  static constexpr u128 ki = 1024;
  struct unit {
    std::string_view name;
    u128 bytes;
  };
  static const unit units[] = {
    {"Ki", ki},         {"Mi", ki * ki},         {"Gi", ki * ki * ki},         {"Ti", ki * ki * ki * ki},
    {"KiB", ki},        {"MiB", ki * ki},        {"GiB", ki * ki * ki},        {"TiB", ki * ki * ki * ki},
    {"K", 1000},        {"M", 1000'000},         {"G", 1000'000'000},          {"T", 1000'000'000'000},
  };
  const std::string usage = "expected a number with an optional unit (Ki, Mi, Gi, Ti, KiB, MiB, "
                            "GiB, TiB, K, M, G, T; no unit means MiB), e.g. \"256 MiB\"";
  auto s = trim(text);
  auto d = read_decimal(s);
  if (!d) {
    why = "invalid memory size " + quote(text) + ": " + usage;
    return false;
  }
  s = trim(s);
  u128 bytes = ki * ki; // a plain number is MiB
  if (!s.empty()) {
    bool found = false;
    for (const auto& u : units)
      if (u.name == s) {
        bytes = u.bytes;
        found = true;
      }
    if (!found) {
      why = "invalid memory size " + quote(text) + ": " + usage;
      return false;
    }
  }
  u128 v = scale_up(*d, bytes, ki * ki);
  if (v == 0) {
    why = "invalid memory size " + quote(text) + ": must be more than 0";
    return false;
  }
  if (v > static_cast<u128>(INT64_MAX)) {
    why = "invalid memory size " + quote(text) + ": too large";
    return false;
  }
  mb = static_cast<int64_t>(v);
  return true;
}

bool parse_duration(std::string_view text, int64_t& ms, std::string& why) {
  const std::string usage =
    "expected e.g. \"500ms\", \"30s\", \"2m\", \"1h\", \"1m30s\" or a number of seconds";
  auto s = trim(text);
  if (s.empty()) {
    why = "invalid duration " + quote(text) + ": " + usage;
    return false;
  }
  u128 total = 0;
  bool first = true;
  while (!s.empty()) {
    auto d = read_decimal(s);
    if (!d) {
      why = "invalid duration " + quote(text) + ": " + usage;
      return false;
    }
    auto rest = trim(s);
    u128 unit_ms = 0;
    size_t unit_len = 0;
    if (rest.substr(0, 2) == "ms") {
      unit_ms = 1;
      unit_len = 2;
    } else if (!rest.empty() && rest.front() == 's') {
      unit_ms = 1000;
      unit_len = 1;
    } else if (!rest.empty() && rest.front() == 'm') {
      unit_ms = 60'000;
      unit_len = 1;
    } else if (!rest.empty() && rest.front() == 'h') {
      unit_ms = 3'600'000;
      unit_len = 1;
    } else if (rest.empty() && first) {
      unit_ms = 1000; // a plain number is seconds
    } else {
      why = "invalid duration " + quote(text) + ": " + usage;
      return false;
    }
    first = false;
    rest.remove_prefix(unit_len);
    s = trim(rest);
    total += scale_up(*d, unit_ms, 1);
    if (total > static_cast<u128>(INT64_MAX)) {
      why = "invalid duration " + quote(text) + ": too large";
      return false;
    }
  }
  ms = static_cast<int64_t>(total);
  return true;
}

bool base64_decode(std::string_view text, std::string& out) {
  std::string chars;
  chars.reserve(text.size());
  for (char c : text)
    if (!is_space(c))
      chars += c;
  size_t padding = 0;
  while (!chars.empty() && chars.back() == '=') {
    chars.pop_back();
    ++padding;
  }
  if (padding > 2 || (padding > 0 && (chars.size() + padding) % 4 != 0) || chars.size() % 4 == 1)
    return false;
  out.clear();
  out.reserve(chars.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : chars) {
    uint32_t v = 0;
    if (c >= 'A' && c <= 'Z')
      v = static_cast<uint32_t>(c - 'A');
    else if (c >= 'a' && c <= 'z')
      v = static_cast<uint32_t>(c - 'a' + 26);
    else if (c >= '0' && c <= '9')
      v = static_cast<uint32_t>(c - '0' + 52);
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      return false;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return true;
}

} // namespace detail

expected<int64_t> parse_memory_mb(const std::string& text) {
  int64_t mb = 0;
  std::string why;
  if (!detail::parse_memory(text, mb, why))
    return make_error(errc::invalid_argument, why);
  return mb;
}

expected<int64_t> parse_duration_ms(const std::string& text) {
  int64_t ms = 0;
  std::string why;
  if (!detail::parse_duration(text, ms, why))
    return make_error(errc::invalid_argument, why);
  return ms;
}

} // namespace ever::manifest
