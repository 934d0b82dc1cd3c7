#include "net/gateway/http_text.hpp"

#include <ostream> // Beast 1.74 status.hpp needs it but does not include it

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace ever::net::gateway_detail {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string json_error(std::string_view code, std::string_view message) {
  std::string out;
  out.reserve(32 + code.size() + message.size());
  out += R"({"error":{"code":)";
  append_json_string(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z')
      x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = static_cast<unsigned char>(y + 32);
    if (x != y)
      return false;
  }
  return true;
}

std::optional<std::string_view> bearer_token(std::string_view v) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!v.empty() && is_space(v.front()))
    v.remove_prefix(1);
  while (!v.empty() && is_space(v.back()))
    v.remove_suffix(1);
  constexpr std::string_view scheme = "bearer";
  if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) ||
      !is_space(v[scheme.size()]))
    return std::nullopt;
  v.remove_prefix(scheme.size());
  while (!v.empty() && is_space(v.front()))
    v.remove_prefix(1);
  if (v.empty())
    return std::nullopt;
  for (char c : v)
    if (is_space(c))
      return std::nullopt;
  return v;
}

std::string_view reason_phrase(int status) {
  if (status < 100 || status > 999)
    return "Unknown";
  auto sv = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(
      static_cast<unsigned>(status)));
  if (sv.empty() || sv.front() == '<') // Beast says "<unknown-status>"
    return "Unknown";
  return {sv.data(), sv.size()};
}

bool header_safe(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  return true;
}

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_hex(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append(buf, r.ptr);
}

} // namespace ever::net::gateway_detail
