#pragma once
// Read-mostly state that threads outside the actor system must read without asking an actor:
// the gateway's route table and token hashes, and the ConfigMap/Secret snapshot the scaler
// resolves arguments against at every decision. Only the directory actor writes it; readers get
// immutable snapshots (copy-on-write), so a read never blocks behind a write for long.

#include "core/errc.hpp"
#include "core/model.hpp"

#include <caf/actor.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ever {

namespace queue {
class shared_queue;
}

/// Where a gateway route leads.
struct route_entry {
  std::string ns;
  std::string app;
  bool is_public = false;
  caf::actor queue; ///< the app's queue actor
  /// The queue's logic when the queue lives in this process (gateway fast path), else empty.
  std::shared_ptr<queue::shared_queue> lane;
};

/// ConfigMaps and Secrets by "ns/name".
struct config_snapshot {
  std::map<std::string, config_record> config_maps;
  std::map<std::string, config_record> secrets;
};

class shared_view {
public:
  using route_map = std::map<std::string, route_entry>; ///< route path or "ns/app" -> entry

  std::shared_ptr<const route_map> routes() const;
  void set_routes(std::shared_ptr<const route_map> r);

  std::shared_ptr<const config_snapshot> configs() const;
  void set_configs(std::shared_ptr<const config_snapshot> c);

  /// SHA-256 hex digests of the valid bearer tokens.
  std::shared_ptr<const std::vector<std::string>> token_hashes() const;
  void set_token_hashes(std::shared_ptr<const std::vector<std::string>> t);

  /// True if sha256(token) is one of the valid hashes (constant-time per comparison).
  bool check_token(std::string_view token) const;

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const route_map> routes_ = std::make_shared<route_map>();
  std::shared_ptr<const config_snapshot> configs_ = std::make_shared<config_snapshot>();
  std::shared_ptr<const std::vector<std::string>> tokens_ =
    std::make_shared<std::vector<std::string>>();
};

/// Resolves a literal or ConfigMap/Secret reference in namespace `ns`. errc::not_found names the
/// missing object or key.
ever::expected<std::string> resolve_value(const value_source& v, const std::string& ns,
                                    const config_snapshot& configs);

} // namespace ever
