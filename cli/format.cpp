#include "cli/format.hpp"

#include "cli/internal.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace ever::cli {

namespace {

/// True if YAML 1.1/1.2 would resolve the plain scalar `s` to something other than a string.
bool needs_quotes(const std::string& s) {
  if (s.empty())
    return true;
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const special[] = {"true", "false", "yes", "no",   "on",   "off",   "y",
                                        "n",    "null",  "~",   ".nan", ".inf", "-.inf", "+.inf"};
  for (const char* word : special)
    if (lower == word)
      return true;
  static const std::regex number{
      R"([-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+)"};
  bool has_digit = std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  return has_digit && std::regex_match(s, number);
}

void emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        if (needs_quotes(key))
          out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value)
        emit(out, item);
      out << YAML::EndSeq;
      return;
    case json::value_t::string: {
      auto s = value.get<std::string>();
      if (s.find('\n') != std::string::npos) {
        // A literal block keeps a manifest readable; its final newline is implied by the block.
        while (!s.empty() && s.back() == '\n')
          s.pop_back();
        out << YAML::Literal << s;
      } else {
        if (needs_quotes(s))
          out << YAML::DoubleQuoted;
        out << s;
      }
      return;
    }
    case json::value_t::boolean: out << value.get<bool>(); return;
    case json::value_t::number_integer: out << value.get<int64_t>(); return;
    case json::value_t::number_unsigned: out << value.get<uint64_t>(); return;
    case json::value_t::number_float: out << value.get<double>(); return;
    default: out << YAML::Null; return;
  }
}

} // namespace

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n')
    text += '\n';
  return text;
}

std::string pretty_json(std::string_view json_text) {
  auto value = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (value.is_discarded())
    return std::string(json_text);
  return value.dump(2) + "\n";
}

std::string json_to_yaml(std::string_view json_text) {
  auto value = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (value.is_discarded())
    return std::string(json_text);
  return to_yaml(value);
}

} // namespace ever::cli
