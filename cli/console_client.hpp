#pragma once
// `ever console`: connects to the control node's gate over the cluster link (admin token),
// asks it for the "console" service, and runs lines through it: interactively (libedit: line
// editing, history in ~/.ever_console_history, Tab completion of commands, apps, workers,
// actor ids, types and nodes) or once with -c.

#include "cli/cli.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace ever::cli {

/// Runs `ever console` with `args` (after "console"). Exit codes: 0 ok, 1 the console or the
/// control node said no or could not be reached, 2 usage error.
int run_console(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, const cli_env& env);

} // namespace ever::cli
