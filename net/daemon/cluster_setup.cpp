#include "net/daemon/cluster_setup.hpp"

#include "actors/runtime/host_capacity.hpp"

#include <fstream>
#include <unistd.h>

namespace ever::daemon {

cluster::link_options link_of(const daemon_options& opts) {
  cluster::link_options link;
  auto where = split_host_port(opts.roles.control ? opts.cluster_listen : opts.join);
  if (where) {
    link.host = where->first;
    link.port = where->second;
  }
  link.tls_cert = opts.tls_cert;
  link.tls_key = opts.tls_key;
  link.tls_ca = opts.tls_ca;
  link.heartbeat_ms = opts.limits.node_heartbeat_ms;
  // The middleman closes a connection silent for this long, so a hung (SIGSTOPped) peer is
  // noticed; it must be shorter than node_timeout for a death to be seen in time.
  link.connection_timeout_ms = std::max<int64_t>(opts.limits.node_heartbeat_ms * 3,
                                                 opts.limits.node_timeout_ms / 2);
  return link;
}

std::string node_name_of(const daemon_options& opts) {
  if (!opts.node_name.empty())
    return opts.node_name;
  if (opts.roles.control)
    return "local";
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    return "node";
  return host;
}

cluster::node_info node_info_of(const daemon_options& opts) {
  auto detected = runtime::detect_host_capacity();
  cluster::node_info info;
  info.name = node_name_of(opts);
  info.address = opts.advertise;
  info.total.cpu = opts.cpu > 0 ? opts.cpu
                                : detected.cpu * opts.limits.cpu_overcommit_percent / 100.0;
  info.total.memory_mb = opts.memory_mb > 0 ? opts.memory_mb : detected.memory_mb;
  info.total.gpu = opts.gpu >= 0 ? opts.gpu : detected.gpu;
  info.labels = opts.labels;
  return info;
}

expected<std::string> read_token_file(const std::string& path) {
  std::ifstream in{path};
  std::string token;
  if (!in || !std::getline(in, token))
    return make_error(errc::invalid_argument, "cannot read the admin token from '" + path
                                                + "' (give --token-file; it is DIR/token of "
                                                  "the control node)");
  while (!token.empty() && (token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  if (token.empty())
    return make_error(errc::invalid_argument, "the token file '" + path + "' is empty");
  return token;
}

} // namespace ever::daemon
