// login and logout: the saved endpoint and token.

#include "cli/internal.hpp"

#include <istream>
#include <ostream>
#include <unistd.h>

namespace ever::cli {

int run_login(context& c) {
  auto token = c.args.last("token");
  if (!token || token->empty())
    return usage_error(c, "ever login needs --token TOKEN (or --token - to read it from stdin)");
  if (*token == "-") {
    std::string line;
    std::getline(c.in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    if (line.empty())
      return usage_error(c, "no token on stdin");
    *token = line;
  }
  auto path = config_path(c.env.getenv);
  if (path.empty())
    return fail(c, "no place for the config file: set HOME or EVER_HOME");
  // A broken file is replaced: logging in again is how a user fixes it.
  auto saved = load_config(path);
  saved_config cfg = saved ? *saved : saved_config{};
  cfg.token = *token;
  if (auto endpoint = c.args.last("endpoint")) {
    if (auto ok = net::parse_endpoint(*endpoint); !ok)
      return usage_error(c, message_of(ok.error()));
    cfg.endpoint = *endpoint;
  }
  if (auto ok = save_config(path, cfg); !ok)
    return fail(c, message_of(ok.error()));
  c.out << "Logged in: token saved to " << path << " (mode 0600)";
  if (cfg.endpoint)
    c.out << ", endpoint " << *cfg.endpoint;
  c.out << "\n";
  return exit_ok;
}

int run_logout(context& c) {
  auto path = config_path(c.env.getenv);
  auto saved = load_config(path);
  if (!saved)
    return fail(c, message_of(saved.error()));
  if (path.empty() || !saved->token) {
    c.out << "Not logged in: no saved token" << (path.empty() ? "" : " in " + path) << "\n";
    return exit_ok;
  }
  saved->token.reset();
  if (saved->endpoint) {
    if (auto ok = save_config(path, *saved); !ok)
      return fail(c, message_of(ok.error()));
  } else if (::unlink(path.c_str()) != 0) {
    return fail(c, "cannot remove " + path);
  }
  c.out << "Logged out: removed the saved token from " << path << "\n";
  return exit_ok;
}

} // namespace ever::cli

namespace ever::cli {

int run_down(context& c) {
  int code = exit_ok;
  bool keep = c.args.has("keep-workers");
  auto answer = call_api(c, "POST",
                         std::string{"/api/apps/v1/system:shutdown?stopWorkers="}
                           + (keep ? "false" : "true"),
                         "", code);
  if (!answer)
    return code;
  c.out << (keep ? "everd stopping; workers keep running\n" : "workers stopped; everd stopping\n");
  return exit_ok;
}

} // namespace ever::cli
