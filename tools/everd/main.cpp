// everd: see net/daemon/daemon.hpp.
#include "net/daemon/daemon.hpp"

#include <iostream>

int main(int argc, char** argv) {
  auto opts = ever::daemon::parse_args({argv + 1, argv + argc});
  if (!opts) {
    std::cerr << "everd: " << ever::message_of(opts.error()) << '\n';
    return 2;
  }
  if (opts->help) {
    std::cout << ever::daemon::usage();
    return 0;
  }
  return ever::daemon::run(*opts);
}
