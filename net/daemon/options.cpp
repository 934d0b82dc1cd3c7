#include "net/daemon/daemon.hpp"

#include <charconv>

namespace ever::daemon {

std::string usage() {
  return R"(everd - the Ever control plane daemon (control, node and gateway roles in one process)

Usage: everd [options]

Options:
  --data-dir DIR            where RocksDB, worker dirs/logs and the admin token live
                            (default ./.ever; the token is written to DIR/token, mode 0600)
  --listen HOST:PORT        HTTP gateway and management API (default 127.0.0.1:8080)
  --cluster-listen HOST:PORT
                            CAF cluster port for other nodes (default 127.0.0.1:7420;
                            port 0 disables it)
  --threads N               actor scheduler threads (default: number of cores)
  --knob NAME=VALUE         override a timeout or limit (repeatable), e.g.
                            --knob idle_check_interval_ms=200; see docs/operations.md
  -h, --help                show this help

Signals: SIGTERM/SIGINT stop accepting, let in-flight requests finish (shutdown_grace_ms), and
exit 0; workers keep running and are re-adopted at the next start. `ever down` stops everd and
all its workers.
)";
}

expected<std::pair<std::string, uint16_t>> split_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return make_error(errc::invalid_argument, "'" + text + "' is not HOST:PORT");
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535)
    return make_error(errc::invalid_argument, "'" + text + "': port must be 0-65535");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

expected<daemon_options> parse_args(const std::vector<std::string>& args) {
  daemon_options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](const char* flag) -> expected<std::string> {
      auto eq = a.find('=');
      if (eq != std::string::npos)
        return a.substr(eq + 1);
      if (i + 1 >= args.size())
        return make_error(errc::invalid_argument, std::string{flag} + " needs a value");
      return args[++i];
    };
    auto is = [&](const char* flag) {
      return a == flag || a.rfind(std::string{flag} + "=", 0) == 0;
    };
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (is("--data-dir")) {
      auto v = value("--data-dir");
      if (!v)
        return v.error();
      o.data_dir = *v;
    } else if (is("--listen") || is("--cluster-listen")) {
      bool cluster = is("--cluster-listen");
      auto v = value(cluster ? "--cluster-listen" : "--listen");
      if (!v)
        return v.error();
      if (auto hp = split_host_port(*v); !hp)
        return make_error(errc::invalid_argument, std::string{cluster ? "--cluster-listen" : "--listen"}
                                                    + ": " + message_of(hp.error()));
      (cluster ? o.cluster_listen : o.listen) = *v;
    } else if (is("--threads")) {
      auto v = value("--threads");
      if (!v)
        return v.error();
      int n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc{} || ptr != v->data() + v->size() || n < 1 || n > 256)
        return make_error(errc::invalid_argument, "--threads: must be 1-256, got '" + *v + "'");
      o.threads = n;
    } else if (is("--knob")) {
      auto v = value("--knob");
      if (!v)
        return v.error();
      auto eq = v->find('=');
      if (eq == std::string::npos || !o.limits.set(v->substr(0, eq), v->substr(eq + 1)))
        return make_error(errc::invalid_argument,
                          "--knob: '" + *v + "' is not NAME=VALUE with a known knob and a number");
    } else {
      return make_error(errc::invalid_argument, "unknown option '" + a + "' (see everd --help)");
    }
  }
  return o;
}

} // namespace ever::daemon
