#pragma once
// The console's command language, pure (no CAF): the command table, splitting a line into
// words, parsing flags, and completion candidates. Shared by the console actor (which runs the
// commands) and `ever console` (which completes and prints help).

#include "core/errc.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever::console {

/// What a command's words complete to.
enum class operand : uint8_t { none, app, worker, actor, type, node };

/// One console command.
struct command_info {
  const char* name;
  const char* usage;   ///< e.g. "workers APP"
  const char* summary; ///< one line
  operand first = operand::none;
  std::vector<const char*> flags; ///< flags taking a value, e.g. "--last"
};

/// Every command, in help order.
const std::vector<command_info>& commands();

/// The command named `name`, or nullptr.
const command_info* find_command(const std::string& name);

/// A parsed line: the command, positional words and flag values.
struct command_line {
  std::string name;
  std::vector<std::string> operands;
  std::map<std::string, std::string> flags; ///< "--last" -> "5"
};

/// Splits a line into words: blanks separate, '...' and "..." group, backslash escapes.
/// errc::invalid_argument for an unterminated quote.
expected<std::vector<std::string>> split_line(const std::string& line);

/// Parses a line. An empty line gives an empty name. errc::invalid_argument for an unknown
/// command (suggesting `help`), an unknown flag or a flag without its value.
expected<command_line> parse_line(const std::string& line);

/// The `help` text: every command with its usage and summary.
std::string help_text();

/// Names the console completes from, as the console actor reports them (`complete` command).
struct completion_data {
  std::vector<std::string> apps;
  std::vector<std::string> workers;
  std::vector<std::string> actors; ///< actor ids
  std::vector<std::string> types;
  std::vector<std::string> nodes;
};

/// Candidates for the word being typed at the end of `line_before_cursor` (the whole word, not
/// just the missing suffix), sorted. The first word completes to commands; later words to what
/// the command takes (apps, workers, ...), or to its flags after "-".
std::vector<std::string> complete(const std::string& line_before_cursor,
                                  const completion_data& data);

/// The longest common prefix of `words` ("" for none).
std::string common_prefix(const std::vector<std::string>& words);

} // namespace ever::console
