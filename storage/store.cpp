#include "storage/store.hpp"

namespace ever::storage {

const char* to_string(table t) {
  switch (t) {
    case table::apps: return "apps";
    case table::configmaps: return "configmaps";
    case table::secrets: return "secrets";
    case table::workers: return "workers";
    case table::queue: return "queue";
    case table::decisions: return "decisions";
    case table::events: return "events";
    case table::meta: return "meta";
  }
  return "unknown";
}

void store::write_async(write_batch batch, durability d, write_done done) {
  auto err = write(batch, d);
  if (done)
    done(std::move(err));
}

expected<std::optional<std::string>> store::last_key(table t, std::string_view prefix) {
  std::optional<std::string> last;
  auto err = scan(t, prefix, [&](std::string_view key, std::string_view) {
    last = std::string{key}; // keys ascend, so the final one wins
    return true;
  });
  if (err)
    return err;
  return last;
}

} // namespace ever::storage
