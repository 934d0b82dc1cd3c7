#include "actors/common/shared_view.hpp"

#include "core/token.hpp"

namespace ever {

std::shared_ptr<const shared_view::route_map> shared_view::routes() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return routes_;
}

void shared_view::set_routes(std::shared_ptr<const route_map> r) {
  std::lock_guard<std::mutex> guard{mtx_};
  routes_ = std::move(r);
}

std::shared_ptr<const config_snapshot> shared_view::configs() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return configs_;
}

void shared_view::set_configs(std::shared_ptr<const config_snapshot> c) {
  std::lock_guard<std::mutex> guard{mtx_};
  configs_ = std::move(c);
}

std::shared_ptr<const std::vector<std::string>> shared_view::token_hashes() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return tokens_;
}

void shared_view::set_token_hashes(std::shared_ptr<const std::vector<std::string>> t) {
  std::lock_guard<std::mutex> guard{mtx_};
  tokens_ = std::move(t);
}

bool shared_view::check_token(std::string_view token) const {
  if (token.empty())
    return false;
  auto hashes = token_hashes();
  // Keep-alive clients send the same token with every request, and SHA-256 was ~4% of the
  // gateway's CPU: each thread remembers the last token it found valid, together with the hash
  // snapshot it was valid in (held, so a new snapshot, e.g. a revoked token, never matches).
  // A hit compares in constant time and only ever answers "valid".
  struct last_valid {
    std::shared_ptr<const std::vector<std::string>> hashes;
    std::string token;
  };
  thread_local last_valid last;
  if (last.hashes == hashes && constant_time_equal(token, last.token))
    return true;
  auto digest = sha256_hex(token);
  bool ok = false;
  // Compare against every hash without stopping early, so timing says nothing about which matched.
  for (const auto& h : *hashes)
    ok |= constant_time_equal(digest, h);
  if (ok)
    last = last_valid{std::move(hashes), std::string(token)};
  return ok;
}

expected<std::string> resolve_value(const value_source& v, const std::string& ns,
                                    const config_snapshot& configs) {
  if (!v.ref)
    return v.value;
  const auto& ref = *v.ref;
  bool secret = ref.kind == key_ref::source::secret;
  const auto& table = secret ? configs.secrets : configs.config_maps;
  const char* what = secret ? "secret" : "configmap";
  auto it = table.find(qualified_name(ns, ref.name));
  if (it == table.end())
    return make_error(errc::not_found, std::string{what} + " '" + ref.name + "' not found");
  auto kv = it->second.data.find(ref.key);
  if (kv == it->second.data.end())
    return make_error(errc::not_found,
                      std::string{what} + " '" + ref.name + "' has no key '" + ref.key + "'");
  return kv->second;
}

} // namespace ever
