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

} // namespace ever::storage
