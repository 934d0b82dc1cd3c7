#pragma once
// `ever console`'s pure parts: its command line, how the console actor's answers are printed
// (text blocks as they are, tables through render_table), and the completion names it reports.

#include "actors/console/console_parse.hpp"
#include "core/errc.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ever::cli {

/// `ever console [--cluster HOST:PORT] [--token-file F] [-c CMD] [--polls N]`.
struct console_options {
  std::string host = "127.0.0.1";
  uint16_t port = 7420;
  std::optional<std::string> token_file; ///< default: the token the other verbs use
  std::optional<std::string> command;    ///< -c: run one line and exit
  int64_t polls = -1;                    ///< watch: stop after N polls (tests); -1 = until Ctrl-C
  int64_t poll_ms = 1000;                ///< watch: between polls
  bool help = false;
};

/// Parses the arguments after "console". errc::invalid_argument names the bad one.
expected<console_options> parse_console_args(const std::vector<std::string>& args);

/// The `ever console --help` text.
std::string console_usage();

/// Prints a console answer ({"blocks": [...]}); text as is, tables through render_table.
/// errc::internal if `json_text` is not such an answer.
expected<std::string> render_console_output(const std::string& json_text);

/// The names an answer to "__complete" carries (missing lists are empty).
console::completion_data parse_completion_data(const std::string& json_text);

/// The cursors of a "__watch" answer: {"event": N, "decision": M}.
struct watch_cursor {
  int64_t event = -1;
  int64_t decision = -1;
};
watch_cursor parse_watch_cursor(const std::string& json_text, watch_cursor fallback);

/// True if `line` is `watch APP` (the client streams it by polling `__watch`); sets `app`.
bool is_watch_line(const std::string& line, std::string& app);

} // namespace ever::cli
