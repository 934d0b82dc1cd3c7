#pragma once
// Keys of the durable tables. Names are DNS labels (no '/'), so '/' separates parts safely.
// Sequence numbers are 8 bytes big-endian so keys sort numerically.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ever::storage {

/// "ns/name": apps, configmaps, secrets.
std::string object_key(std::string_view ns, std::string_view name);

/// "ns/app/": prefix of an app's rows in workers, queue, decisions, events.
std::string app_prefix(std::string_view ns, std::string_view app);

/// "ns/app/worker_id": workers.
std::string worker_key(std::string_view ns, std::string_view app, std::string_view worker_id);

/// "ns/app/" + 8-byte big-endian seq: queue, decisions, events.
std::string seq_key(std::string_view ns, std::string_view app, uint64_t seq);

/// The sequence number at the end of a seq_key; empty if the key is not one.
std::optional<uint64_t> seq_of(std::string_view key);

/// Big-endian encoding of `v` (8 bytes).
std::string be64(uint64_t v);

} // namespace ever::storage
