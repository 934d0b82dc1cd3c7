#pragma once
// The pieces of everd's cluster setup shared by its roles: the link options from the command
// line, this node's introduction (name, address, capacity, labels) and the join token.

#include "actors/cluster/cluster_link.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "net/daemon/daemon.hpp"

namespace ever::daemon {

/// The cluster link as configured: --cluster-listen (or --join's address for joining roles),
/// TLS files, heartbeat from the knobs.
cluster::link_options link_of(const daemon_options& opts);

/// This node's name: --node-name, else "local" with the control role, else the host name.
std::string node_name_of(const daemon_options& opts);

/// This node as it joins: name, --advertise address, detected capacity with the --cpu/--memory/
/// --gpu overrides (detected CPU cores are offered as cpu_overcommit_percent of CPU requests),
/// labels.
cluster::node_info node_info_of(const daemon_options& opts);

/// The admin token from `path` (first line, trimmed). errc::invalid_argument names the file.
expected<std::string> read_token_file(const std::string& path);

} // namespace ever::daemon
