#include "net/daemon/admin_token.hpp"

#include "core/token.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ever::daemon {

namespace {

constexpr const char* token_prefix = "tokens/";
constexpr const char* admin_key = "tokens/admin";

caf::error write_token_file(const std::string& path, const std::string& token) {
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
  auto line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())
            && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::unavailable, "cannot write " + path + ": " + std::strerror(errno));
  return caf::none;
}

} // namespace

expected<std::vector<std::string>> ensure_admin_token(storage::store& db,
                                                      const std::string& data_dir) {
  std::vector<std::string> hashes;
  auto err = db.scan(storage::table::meta, token_prefix, [&](std::string_view, std::string_view v) {
    hashes.emplace_back(v);
    return true;
  });
  if (err)
    return err;
  if (!hashes.empty())
    return hashes;
  auto token = make_token();
  // The file first: if storing the hash failed after it, the next start simply makes a new one.
  if (auto werr = write_token_file(data_dir + "/token", token))
    return werr;
  storage::write_batch b;
  b.put(storage::table::meta, admin_key, sha256_hex(token));
  if (auto derr = db.write(b, storage::durability::sync))
    return derr;
  hashes.push_back(sha256_hex(token));
  return hashes;
}

} // namespace ever::daemon
