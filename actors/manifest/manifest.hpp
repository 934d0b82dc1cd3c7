#pragma once
// App manifests (`everai/v1alpha1`, YAML) -> app_spec, strictly: unknown or invalid fields are
// refused with the field's path (e.g. "spec.autoscaler.builtin.arguments.max_workers: must be a
// non-negative integer, got \"-1\""). Pure: no I/O, no actors.

#include "core/errc.hpp"
#include "core/model.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ever::manifest {

/// What the policy registry knows, so the parser can check names without depending on it.
struct policy_catalog {
  /// policy name -> its parameter names (e.g. "simple" -> min_workers, max_workers, ...)
  std::map<std::string, std::set<std::string>> policies;
  std::set<std::string> factor_decorators;   ///< e.g. noop, average
  std::set<std::string> argument_decorators; ///< e.g. noop, time-match
};

/// Parses and validates a manifest. `ns_override`, if not empty, wins over metadata.namespace
/// (CLI `-n`). Errors: errc::invalid_manifest with "<path>: <what is wrong>".
expected<app_spec> parse_manifest(std::string_view yaml, const policy_catalog& catalog,
                                  const std::string& ns_override = {});

/// A ConfigMap/Secret reference in a spec, with the path it was found at (for error messages).
struct located_ref {
  std::string path; ///< e.g. "spec.autoscaler.builtin.arguments.min_workers"
  key_ref ref;
};

/// Every ConfigMap/Secret reference in `spec` (env, autoscaler and decorator arguments, volumes;
/// a volume refers to a whole object, its `key` is empty).
std::vector<located_ref> collect_references(const app_spec& spec);

/// Parses a ConfigMap/Secret file (`name: n`, `data: {k: v}`); secret values are base64 and are
/// decoded. errc::invalid_argument with the field's path.
expected<config_record> parse_config_file(std::string_view yaml, bool is_secret);

/// Splits "k=v" at the first '='; errc::invalid_argument if there is none or the key is empty.
expected<std::pair<std::string, std::string>> parse_literal(const std::string& text);

/// True if `key` can be a ConfigMap/Secret key: 1-253 characters of [-._a-zA-Z0-9], and not "."
/// or "..". Keys become file names when a volume lists no items, so nothing else is allowed.
bool is_config_key(std::string_view key);

/// Parses a memory size: "256 MiB", "1 GiB", "512Mi", "1024" (MiB). Errors name the text.
expected<int64_t> parse_memory_mb(const std::string& text);

/// Parses a duration: "120s", "2m", "500ms", or a plain number of seconds.
expected<int64_t> parse_duration_ms(const std::string& text);

} // namespace ever::manifest
