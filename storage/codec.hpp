#pragma once
// Record codec: msgpack inside a version envelope. Every decode sets explicit msgpack limits
// (depth, string, array and map sizes) and refuses records written by a newer format version.
//
// Envelope: a msgpack array [magic "ever", format_version, record_kind, payload-map].

#include "core/errc.hpp"
#include "core/model.hpp"

#include <string>
#include <string_view>

namespace ever::storage {

/// Current on-disk format version. Records with a higher version are refused (errc::newer_format).
inline constexpr uint32_t format_version = 1;

std::string encode(const app_record& r);
std::string encode(const config_record& r);
std::string encode(const worker_record& r);
std::string encode(const queue_entry_record& r);
std::string encode(const decision_record& r);
std::string encode(const event_record& r);

/// Decodes bytes from disk or network. Errors: errc::corrupt_record (names what is wrong),
/// errc::newer_format. Never throws, never asserts.
template <class T>
expected<T> decode(std::string_view bytes);

} // namespace ever::storage
