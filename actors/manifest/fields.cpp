// Strict YAML field readers: every failure names the field's path.

#include "actors/manifest/detail.hpp"
#include "actors/manifest/manifest.hpp"

#include "core/ids.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

namespace ever::manifest::detail {

void fail(std::string path, std::string what) {
  throw field_error{std::move(path), std::move(what)};
}

std::string child(const std::string& path, std::string_view key) {
  if (path.empty())
    return std::string{key};
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

std::string index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string quote(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return quote(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "null";
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty())
      out += ", ";
    out += item;
  }
  return out;
}

YAML::Node load_document(std::string_view text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string{text});
  } catch (const YAML::Exception& e) {
    std::string where;
    if (!e.mark.is_null())
      where = " at line " + std::to_string(e.mark.line + 1) + ", column "
              + std::to_string(e.mark.column + 1);
    fail({}, "malformed YAML" + where + ": " + e.msg);
  }
  // A trailing "---" yields an extra null document; only real content counts.
  std::vector<YAML::Node> real;
  for (auto& doc : docs)
    if (!doc.IsNull())
      real.push_back(doc);
  if (real.size() > 1)
    fail({}, "expected one YAML document, got " + std::to_string(real.size()));
  return real.empty() ? YAML::Node{} : real.front();
}

// -- fields ---------------------------------------------------------------------------------------

namespace {

/// Checks a mapping's keys for shape and repeats; yaml-cpp keeps repeated keys silently, and a
/// repeated key would let one value shadow another unseen.
std::vector<std::pair<std::string, YAML::Node>> entries_of(const YAML::Node& node,
                                                           const std::string& path) {
  if (!node.IsMap())
    fail(path, std::string{path.empty() ? "the document " : ""} + "must be a mapping, got "
                 + describe(node));
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar())
      fail(path, "keys must be strings, got " + describe(it->first));
    std::string key = it->first.Scalar();
    if (key.empty())
      fail(path, "empty key");
    if (!seen.insert(key).second)
      fail(child(path, key), "repeated field");
    out.emplace_back(std::move(key), it->second);
  }
  return out;
}

} // namespace

fields::fields(const YAML::Node& node, std::string path,
               std::initializer_list<std::string_view> allowed)
  : path_(std::move(path)), entries_(entries_of(node, path_)) {
  for (const auto& [key, value] : entries_) {
    bool known = false;
    for (auto name : allowed)
      known = known || name == key;
    if (!known) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      fail(child(path_, key), "unknown field (expected one of: " + join(names) + ")");
    }
  }
}

std::optional<YAML::Node> fields::get(std::string_view key) const {
  for (const auto& [name, value] : entries_)
    if (name == key)
      return value.IsNull() ? std::nullopt : std::optional<YAML::Node>{value};
  return std::nullopt;
}

YAML::Node fields::require(std::string_view key) const {
  auto value = get(key);
  if (!value)
    fail(path(key), "required");
  return *value;
}

void for_each_entry(
  const YAML::Node& node, const std::string& path,
  const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& fn) {
  for (const auto& [key, value] : entries_of(node, path))
    fn(key, value, child(path, key));
}

// -- typed values ---------------------------------------------------------------------------------

void require_sequence(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence())
    fail(path, "must be a list, got " + describe(node));
}

std::string string_value(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar())
    fail(path, "must be a string, got " + describe(node));
  return node.Scalar();
}

int64_t int_value(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  std::string want = max == INT64_MAX
                       ? "an integer >= " + std::to_string(min)
                       : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!node.IsScalar())
    fail(path, "must be " + want + ", got " + describe(node));
  auto v = parse_python_int(node.Scalar());
  if (!v || *v < min || *v > max)
    fail(path, "must be " + want + ", got " + describe(node));
  return *v;
}

bool bool_value(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const auto& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE")
      return true;
    if (s == "false" || s == "False" || s == "FALSE")
      return false;
  }
  fail(path, "must be true or false, got " + describe(node));
}

double positive_number_value(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    std::string_view s = node.Scalar();
    if (!s.empty() && s.front() == '+')
      s.remove_prefix(1);
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc{} && end == s.data() + s.size() && !s.empty() && std::isfinite(v) && v > 0)
      return v;
  }
  fail(path, "must be a number > 0, got " + describe(node));
}

std::string dns_label_value(const YAML::Node& node, const std::string& path) {
  auto s = string_value(node, path);
  if (!is_dns_label(s))
    fail(path, "must be a DNS label (1-63 characters of a-z, 0-9 and '-', starting and ending "
               "with a letter or digit), got " + quote(s));
  return s;
}

std::string config_key_value(const YAML::Node& node, const std::string& path) {
  auto s = string_value(node, path);
  if (!is_config_key(s))
    fail(path, "must be a key of 1-253 characters of a-z, A-Z, 0-9, '-', '_' and '.', got "
                 + quote(s));
  return s;
}

std::string http_path_value(const YAML::Node& node, const std::string& path) {
  auto s = string_value(node, path);
  if (s.empty() || s.front() != '/')
    fail(path, "must be a path starting with '/', got " + quote(s));
  return s;
}

std::vector<std::string> command_value(const YAML::Node& node, const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    // A single string is split on whitespace, without shell quoting: what you see is argv.
    const auto& s = node.Scalar();
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
      size_t start = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
      if (i > start)
        out.emplace_back(s.substr(start, i - start));
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      out.push_back(string_value(node[i], index(path, i)));
  } else {
    fail(path, "must be a list of strings or a string, got " + describe(node));
  }
  if (out.empty())
    fail(path, "must not be empty");
  if (out.front().empty())
    fail(index(path, 0), "the program must not be empty");
  return out;
}

} // namespace ever::manifest::detail
