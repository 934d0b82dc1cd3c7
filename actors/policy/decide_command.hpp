#pragma once
// `ever policy decide --policy NAME [--arg k=v]... [--now EPOCH_S] --factors FILE|-`:
// reads Factors JSON, prints DecideResult JSON. The same pipeline::decide the scaler runs.

#include <iosfwd>
#include <string>
#include <vector>

namespace ever::policy {

/// Runs the command with `args` (everything after "policy decide"). Returns the exit code:
/// 0 ok, 1 decision error, 2 usage error (message on `err`). `in` is stdin for `--factors -`.
int run_decide_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                       std::ostream& err);

} // namespace ever::policy
