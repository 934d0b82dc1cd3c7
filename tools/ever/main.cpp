// `ever` (also `everai`): the CLI. All logic lives in ever_cli (cli/), so tests run it without a
// terminal; this only wires in the real environment.

#include "cli/cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return ever::cli::run_cli(args, std::cin, std::cout, std::cerr,
                            ever::cli::cli_env::from_process());
}
