#pragma once
// Parses management API targets (docs/http-api.md) into what to do. Pure.

#include "core/errc.hpp"

#include <map>
#include <string>

namespace ever::admin {

enum class resource : uint8_t {
  configmaps, secrets, apps, all_apps, queue, events, decisions, app_workers, all_workers,
  worker_logs, shutdown, nodes,
};

struct mgmt_route {
  resource what = resource::apps;
  std::string method;
  std::string ns;
  std::string name;   ///< object name, app name or worker id; empty for collections
  std::string action; ///< "pause" / "resume" after ':' in the path, else empty
  std::map<std::string, std::string> query;

  /// Query parameter or `fallback`.
  std::string param(const std::string& key, const std::string& fallback = {}) const;
};

/// errc::not_found for an unknown path, errc::invalid_argument for a bad method on a known one.
expected<mgmt_route> parse_mgmt_route(const std::string& method, const std::string& target);

/// Decodes %XX and '+' in a query component.
std::string url_decode(const std::string& s);

} // namespace ever::admin
