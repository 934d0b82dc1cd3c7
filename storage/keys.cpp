#include "storage/keys.hpp"

namespace ever::storage {

std::string object_key(std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append(1, '/').append(name);
  return key;
}

std::string app_prefix(std::string_view ns, std::string_view app) {
  std::string key;
  key.reserve(ns.size() + app.size() + 2 + 8); // room for a seq suffix
  key.append(ns).append(1, '/').append(app).append(1, '/');
  return key;
}

std::string worker_key(std::string_view ns, std::string_view app, std::string_view worker_id) {
  return app_prefix(ns, app).append(worker_id);
}

std::string seq_key(std::string_view ns, std::string_view app, uint64_t seq) {
  return app_prefix(ns, app).append(be64(seq));
}

std::optional<uint64_t> seq_of(std::string_view key) {
  // ns and app never contain '/', so the first two slashes are the separators; the suffix may
  // contain 0x2f bytes, which is why we search from the front, not the back.
  auto first = key.find('/');
  if (first == std::string_view::npos || first == 0)
    return std::nullopt;
  auto second = key.find('/', first + 1);
  if (second == std::string_view::npos || second == first + 1)
    return std::nullopt;
  auto suffix = key.substr(second + 1);
  if (suffix.size() != 8)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : suffix)
    v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

} // namespace ever::storage
