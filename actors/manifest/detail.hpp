#pragma once
// Internal to ever_manifest: strict YAML field readers and the number grammars shared by the
// manifest, config-file, size and duration parsers. Only this library's .cpp files include it:
// it pulls in yaml-cpp, which ever_manifest links privately.
//
// The readers throw field_error; each public function catches it (and YAML::Exception) at one
// boundary and turns it into an ever error, so nothing throws out of the library.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ever::manifest::detail {

/// A validation failure at `path` ("spec.env[2].name"); thrown inside the parsers only.
struct field_error {
  std::string path;
  std::string what;

  /// "<path>: <what>", or just `what` when the failure concerns the whole document.
  std::string message() const { return path.empty() ? what : path + ": " + what; }
};

/// Throws field_error{path, what}.
[[noreturn]] void fail(std::string path, std::string what);

/// "a.b" from ("a", "b"); just "b" at the root.
std::string child(const std::string& path, std::string_view key);

/// "a[3]".
std::string index(const std::string& path, size_t i);

/// `text` in double quotes, with quotes, backslashes and control bytes escaped.
std::string quote(std::string_view text);

/// How a value reads in an error: "\"abc\"", "a list", "a mapping" or "null".
std::string describe(const YAML::Node& node);

/// "a, b, c".
std::string join(const std::vector<std::string>& items);

/// Parses `text` as one YAML document. Returns a null node for an empty input (or one holding
/// only comments); throws field_error for malformed YAML (with yaml-cpp's line and column) and
/// for more than one document.
YAML::Node load_document(std::string_view text);

/// A mapping whose keys must all be among `allowed` (in the order error messages list them).
/// A key mapped to null counts as absent, as Kubernetes does, so `env:` with nothing is no env.
class fields {
public:
  /// Throws field_error if `node` is not a mapping, has a non-scalar or repeated key, or a key
  /// not in `allowed`.
  fields(const YAML::Node& node, std::string path, std::initializer_list<std::string_view> allowed);

  /// The value of `key`, if present and not null.
  std::optional<YAML::Node> get(std::string_view key) const;

  /// The value of `key`; throws "<path>.<key>: required" if absent or null.
  YAML::Node require(std::string_view key) const;

  /// The path of `key` inside this mapping.
  std::string path(std::string_view key) const { return child(path_, key); }

  /// The path of the mapping itself.
  const std::string& path() const { return path_; }

private:
  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

/// Calls `fn(key, value, path_of_key)` for each entry of a free-form mapping (labels, data,
/// arguments), refusing non-mappings, non-scalar keys, empty keys and repeated keys.
void for_each_entry(
  const YAML::Node& node, const std::string& path,
  const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& fn);

/// Throws unless `node` is a sequence.
void require_sequence(const YAML::Node& node, const std::string& path);

/// A scalar's text; throws "must be a string" for lists, mappings and null.
std::string string_value(const YAML::Node& node, const std::string& path);

/// An integer in [min, max] (quoted or not); throws "must be an integer >= min, got ...".
int64_t int_value(const YAML::Node& node, const std::string& path, int64_t min,
                  int64_t max = INT64_MAX);

/// true/false (also True/TRUE/False/FALSE, YAML 1.2's spellings).
bool bool_value(const YAML::Node& node, const std::string& path);

/// A finite number > 0.
double positive_number_value(const YAML::Node& node, const std::string& path);

/// A DNS-1123 label (names of apps, namespaces, volumes, ConfigMaps, Secrets, routes).
std::string dns_label_value(const YAML::Node& node, const std::string& path);

/// A ConfigMap/Secret key (see is_config_key).
std::string config_key_value(const YAML::Node& node, const std::string& path);

/// An HTTP path: a string starting with '/'.
std::string http_path_value(const YAML::Node& node, const std::string& path);

/// A command: a non-empty list of strings, or one string split on whitespace.
std::vector<std::string> command_value(const YAML::Node& node, const std::string& path);

// -- number grammars ------------------------------------------------------------------------------

/// Python's int(str) for base 10: surrounding whitespace, an optional sign, digits with single
/// underscores between them. nullopt if not an integer or outside int64.
std::optional<int64_t> parse_python_int(std::string_view text);

/// Memory size -> MiB, rounded up. On failure returns false and sets `why` (naming the text).
bool parse_memory(std::string_view text, int64_t& mb, std::string& why);

/// Duration -> milliseconds, rounded up; 0 allowed. On failure returns false and sets `why`.
bool parse_duration(std::string_view text, int64_t& ms, std::string& why);

/// Standard base64 (RFC 4648 alphabet); whitespace ignored, padding optional but, if present,
/// correct. Returns false on anything else.
bool base64_decode(std::string_view text, std::string& out);

} // namespace ever::manifest::detail
