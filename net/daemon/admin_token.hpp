#pragma once
// The admin token: created at first start, only its SHA-256 stored (meta table), the token itself
// written to <data-dir>/token with mode 0600.

#include "core/errc.hpp"
#include "storage/store.hpp"

#include <string>
#include <vector>

namespace ever::daemon {

/// Loads the stored token hashes, creating the admin token on first start. Returns every hash.
expected<std::vector<std::string>> ensure_admin_token(storage::store& db,
                                                      const std::string& data_dir);

} // namespace ever::daemon
