#pragma once
// Internal to ever_cli: what the command files share. Not part of the library's interface (it
// includes nlohmann/json, a private dependency of ever_cli).

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "cli/settings.hpp"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ever::cli {

/// JSON that keeps keys in the order received, so `-o json` shows the server's answer as sent.
using json = nlohmann::ordered_json;

/// Exit codes.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1; ///< the server said no, or could not be reached
inline constexpr int exit_usage = 2;  ///< the command line is wrong

/// Block-style YAML of `value` (see json_to_yaml).
std::string to_yaml(const json& value);

struct command_def;

/// One run of a command: streams, environment and the parsed command line.
struct context {
  context(std::istream& in_, std::ostream& out_, std::ostream& err_, cli_env env_,
          parsed_args args_)
      : in(in_), out(out_), err(err_), env(std::move(env_)), args(std::move(args_)) {}

  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  cli_env env;
  parsed_args args;                  ///< all flags (global ones included)
  std::vector<std::string> operands; ///< positionals after the command words
  const command_def* cmd = nullptr;
  std::string ns = "default";
  bool ns_explicit = false; ///< -n given: it beats metadata.namespace of a manifest
  bool verbose = false;
  std::optional<resolved_settings> settings; ///< resolved on the first API call
};

/// A successful (2xx) API answer.
struct api_answer {
  int status = 0;
  std::string body;
  std::string content_type;
  json doc; ///< the parsed body; null if it is not JSON
};

/// Calls the API. On a non-2xx status or a transport error prints the error to `err` and returns
/// nullopt with `exit_code` set (1); `body` is sent as application/json when not empty.
std::optional<api_answer> call_api(context& c, const std::string& method, const std::string& target,
                                   const std::string& body, int& exit_code);

/// Prints "error: <message>" and a pointer to the command's help; returns exit_usage.
int usage_error(context& c, const std::string& message);

/// Prints "error: <message>"; returns exit_failed.
int fail(context& c, const std::string& message);

/// Percent-encodes one path segment or query value.
std::string encode(const std::string& text);

/// "/api/apps/v1/namespaces/<ns>".
std::string ns_path(const std::string& ns);

/// "?k=v&k2=v2", or "" for no pairs.
std::string query(const std::vector<std::pair<std::string, std::string>>& pairs);

/// The validated -o value (default "table"); usage error (returned through exit_code) if it is
/// not one of `allowed`.
std::optional<std::string> output_format(context& c, std::initializer_list<const char*> allowed,
                                         int& exit_code);

/// For "json"/"yaml" prints the answer and returns true; for table formats returns false.
bool print_structured(context& c, const std::string& format, const api_answer& answer);

/// Reads a non-negative integer flag; usage error through exit_code if it is not one.
std::optional<long long> count_flag(context& c, const char* name, int& exit_code);

/// A string field ("" if absent or null; numbers are printed).
std::string field(const json& obj, const char* key);
/// An integer field (0 if absent or not a number).
long long int_field(const json& obj, const char* key);
/// A time field (epoch ms) as "2024-05-11 19:00:52+0800", "" for 0.
std::string time_field(const json& obj, const char* key);
/// obj["items"] if it is an array, else an empty array.
const json& items_of(const json& doc, const char* key = "items");

/// metadata.name / metadata.namespace of a manifest; empty strings if absent or not YAML.
struct manifest_meta {
  std::string name;
  std::string ns;
};
manifest_meta read_manifest_meta(const std::string& yaml_text);

/// Reads `-f` input: "-" is stdin, relative paths are under the cwd.
expected<std::string> read_input(context& c, const std::string& path);

/// Finds the app a command is about: the operand, else metadata.name of ./app.yaml (whose
/// namespace also applies unless -n was given), else the only app in the namespace. Several or no
/// apps is a usage error. Returns nullopt with exit_code set on failure.
std::optional<std::string> resolve_app(context& c, int& exit_code);

/// A flag as shown in help, with what it does.
struct flag_help {
  const char* name; ///< long name, looked up in all_flags()
  const char* help;
};

/// One command ("app create"); top-level commands ("login") have an empty group.
struct command_def {
  const char* group;
  const char* verb;
  std::vector<const char*> aliases; ///< other spellings of verb
  const char* args_usage;           ///< e.g. "[-f FILE] [--dry-run]"
  const char* summary;              ///< one line for the list in the group's help
  const char* description;          ///< paragraphs for the command's own help
  std::vector<flag_help> flags;     ///< the command's own flags (globals are always allowed)
  const char* examples;
  size_t max_operands;
  int (*run)(context&);
};

/// A command group ("app") and its other spellings.
struct group_def {
  const char* name;
  std::vector<const char*> aliases;
  const char* summary;
};

/// Every command, in help order (commands.cpp).
const std::vector<command_def>& commands();
/// Every group, in help order.
const std::vector<group_def>& groups();

// Command implementations (cmd_*.cpp).
int run_config_create(context& c);
int run_config_update(context& c);
int run_config_get(context& c);
int run_config_list(context& c);
int run_config_delete(context& c);
int run_app_create(context& c);
int run_app_update(context& c);
int run_app_get(context& c);
int run_app_list(context& c);
int run_app_pause(context& c);
int run_app_resume(context& c);
int run_app_delete(context& c);
int run_app_queue(context& c);
int run_app_events(context& c);
int run_app_decisions(context& c);
int run_worker_list(context& c);
int run_worker_logs(context& c);
int run_node_list(context& c);
int run_login(context& c);
int run_logout(context& c);
int run_down(context& c);
int run_policy_simulate(context& c);  // cmd_policy.cpp
int run_decisions_replay(context& c); // cmd_policy.cpp, `app decisions --replay`

} // namespace ever::cli
