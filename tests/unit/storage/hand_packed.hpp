#pragma once
// Builds msgpack bytes by hand for decode tests: envelopes with chosen magic, version, kind and
// payload, the way a corrupt disk, an older build or a newer build might have written them.

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST // as the storage library: no Boost adaptors, same msgpack configuration
#endif
#include <msgpack.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace ever::test {

using packer = msgpack::packer<msgpack::sbuffer>;

/// Bytes of whatever `fill` packs.
inline std::string packed(const std::function<void(packer&)>& fill) {
  msgpack::sbuffer buf;
  packer pk{buf};
  fill(pk);
  return {buf.data(), buf.size()};
}

/// An envelope [magic, version, kind, payload] with the payload packed by `payload`.
inline std::string envelope(const std::string& magic, uint64_t version, uint64_t kind,
                            const std::function<void(packer&)>& payload) {
  return packed([&](packer& pk) {
    pk.pack_array(4);
    pk.pack(magic);
    pk.pack(version);
    pk.pack(kind);
    payload(pk);
  });
}

/// Record kinds as written by the codec (on-disk values).
namespace kind {
inline constexpr uint64_t app = 1;
inline constexpr uint64_t config = 2;
inline constexpr uint64_t worker = 3;
inline constexpr uint64_t queue_entry = 4;
inline constexpr uint64_t decision = 5;
inline constexpr uint64_t event = 6;
} // namespace kind

} // namespace ever::test
