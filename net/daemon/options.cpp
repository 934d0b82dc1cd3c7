#include "net/daemon/daemon.hpp"

#include <charconv>
#include <cstdlib>

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

Cluster (see docs/operations.md):
  --roles LIST              any of control,gateway,node (default all three)
  --join HOST:PORT          the control node's cluster port (required without the control role)
  --token-file FILE         admin token used to join (default: DIR/token of the joining node)
  --node-name NAME          this node's name (default "local" with the control role, else
                            the host name); a restarted node must keep its name
  --advertise HOST          address the gateway uses for this node's workers (default 127.0.0.1)
  --cpu N, --memory MB, --gpu N
                            capacity offered to workers (default: detected)
  --label KEY=VALUE         node label (repeatable)
  --tls-cert FILE, --tls-key FILE, --tls-ca FILE
                            TLS on the cluster link (required when it is not on loopback)
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

expected<role_set> parse_roles(const std::string& text) {
  role_set r{false, false, false};
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    auto name = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (name == "control")
      r.control = true;
    else if (name == "gateway")
      r.gateway = true;
    else if (name == "node")
      r.node = true;
    else
      return make_error(errc::invalid_argument,
                        "--roles: unknown role '" + name + "' (known: control, gateway, node)");
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return r;
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
    } else if (is("--roles")) {
      auto v = value("--roles");
      if (!v)
        return v.error();
      auto r = parse_roles(*v);
      if (!r)
        return r.error();
      o.roles = *r;
    } else if (is("--join") || is("--token-file") || is("--node-name") || is("--advertise")
               || is("--tls-cert") || is("--tls-key") || is("--tls-ca")) {
      auto flag = a.substr(0, a.find('='));
      auto v = value(flag.c_str());
      if (!v)
        return v.error();
      if (flag == "--join") {
        if (auto hp = split_host_port(*v); !hp)
          return make_error(errc::invalid_argument, "--join: " + message_of(hp.error()));
        o.join = *v;
      } else if (v->empty()) {
        return make_error(errc::invalid_argument, flag + " needs a non-empty value");
      } else {
        auto& field = flag == "--token-file" ? o.token_file
                      : flag == "--node-name" ? o.node_name
                      : flag == "--advertise" ? o.advertise
                      : flag == "--tls-cert"  ? o.tls_cert
                      : flag == "--tls-key"   ? o.tls_key
                                              : o.tls_ca;
        field = *v;
      }
    } else if (is("--cpu") || is("--memory") || is("--gpu")) {
      auto flag = a.substr(0, a.find('='));
      auto v = value(flag.c_str());
      if (!v)
        return v.error();
      char* end = nullptr;
      double n = std::strtod(v->c_str(), &end);
      if (v->empty() || *end != '\0' || n < 0 || (flag != "--cpu" && n != static_cast<int64_t>(n)))
        return make_error(errc::invalid_argument, flag + ": '" + *v + "' is not a "
                            + (flag == "--cpu" ? "non-negative number" : "non-negative integer"));
      if (flag == "--cpu")
        o.cpu = n;
      else if (flag == "--memory")
        o.memory_mb = static_cast<int64_t>(n);
      else
        o.gpu = static_cast<int64_t>(n);
    } else if (is("--label")) {
      auto v = value("--label");
      if (!v)
        return v.error();
      auto eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return make_error(errc::invalid_argument, "--label: '" + *v + "' is not KEY=VALUE");
      o.labels[v->substr(0, eq)] = v->substr(eq + 1);
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
  if (!o.roles.control && o.join.empty())
    return make_error(errc::invalid_argument,
                      "--roles without control needs --join HOST:PORT (the control node's "
                      "cluster port)");
  if (o.roles.control && !o.join.empty())
    return make_error(errc::invalid_argument,
                      "--join is for nodes and gateways; a control node does not join");
  return o;
}

} // namespace ever::daemon
