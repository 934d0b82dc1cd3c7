#pragma once
// Where the CLI finds its endpoint and token, and the file `ever login` saves them in.

#include "core/errc.hpp"

#include <functional>
#include <optional>
#include <string>

namespace ever::cli {

/// The default endpoint: the local all-in-one everd.
inline constexpr const char* default_endpoint = "http://127.0.0.1:8080";

/// What `ever login` saved.
struct saved_config {
  std::optional<std::string> endpoint;
  std::optional<std::string> token;
};

/// Environment lookup, as in cli_env.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// $EVER_HOME/config.json, else $HOME/.config/ever/config.json; empty if neither is set.
std::string config_path(const env_lookup& getenv);

/// Reads the saved config; a missing file is an empty config. errc::invalid_argument (naming the
/// file) if it is not a JSON object of strings.
expected<saved_config> load_config(const std::string& path);

/// Writes `cfg` to `path` (parents created 0700) with mode 0600, replacing the file atomically.
/// Fields that are nullopt are left out. errc::unavailable naming the file on I/O errors.
expected<void> save_config(const std::string& path, const saved_config& cfg);

/// The settings a command runs with, and where each came from (for `-v`).
struct resolved_settings {
  std::string endpoint;
  std::string endpoint_source; ///< "--endpoint", "EVER_ENDPOINT", the config path, "default"
  std::string token;           ///< empty = none found
  std::string token_source;
};

/// endpoint = flag > EVER_ENDPOINT > saved > default_endpoint;
/// token = flag > EVER_TOKEN > saved > $EVER_DATA_DIR/token if EVER_DATA_DIR is set, else
/// <cwd>/.ever/token (the local everd's data dir). A broken config file is an error.
expected<resolved_settings> resolve_settings(const std::optional<std::string>& endpoint_flag,
                                             const std::optional<std::string>& token_flag,
                                             const env_lookup& getenv, const std::string& cwd);

/// `path` if absolute, else `cwd`/`path`.
std::string join_path(const std::string& cwd, const std::string& path);

/// Reads a whole file; errc::not_found / errc::unavailable with a message naming it.
expected<std::string> read_file(const std::string& path);

} // namespace ever::cli
