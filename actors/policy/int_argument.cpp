// parse_int_argument: Python int() on text, the conversion upstream applies to every argument.

#include "actors/policy/pipeline.hpp"

#include <limits>

namespace ever::policy {

namespace {

// The ASCII characters Python's str.isspace() accepts (int() strips these).
bool is_py_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

expected<int64_t> parse_int_argument(const std::string& what, const std::string& text) {
  auto fail = [&](const char* why) -> expected<int64_t> {
    return make_error(errc::invalid_argument, what + ": '" + text + "' " + why);
  };
  size_t b = 0, e = text.size();
  while (b < e && is_py_space(text[b]))
    ++b;
  while (e > b && is_py_space(text[e - 1]))
    --e;
  bool negative = false;
  if (b < e && (text[b] == '+' || text[b] == '-'))
    negative = text[b++] == '-';
  if (b == e || !is_digit(text[b]))
    return fail("is not an integer");
  // Accumulate as a negative number so INT64_MIN parses too.
  int64_t value = 0;
  constexpr int64_t lowest = std::numeric_limits<int64_t>::min();
  for (size_t i = b; i < e; ++i) {
    char c = text[i];
    if (c == '_') {
      // Python allows single underscores between digits ("1_000").
      if (i + 1 >= e || !is_digit(text[i + 1]))
        return fail("is not an integer");
      continue;
    }
    if (!is_digit(c))
      return fail("is not an integer");
    int d = c - '0';
    if (value < (lowest + d) / 10)
      return fail("is out of range");
    value = value * 10 - d;
  }
  if (!negative) {
    if (value == lowest)
      return fail("is out of range");
    value = -value;
  }
  return value;
}

} // namespace ever::policy
