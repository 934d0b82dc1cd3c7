#pragma once
// Identifiers users see: worker IDs in the seed's style (22 characters, base57).

#include <string>
#include <string_view>

namespace ever {

/// The base57 alphabet (no 0, 1, I, O, l): the same digits shortuuid uses.
inline constexpr std::string_view base57_alphabet =
  "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Length of every worker ID.
inline constexpr size_t worker_id_length = 22;

/// Returns a fresh random 22-character base57 worker ID (128 random bits).
std::string make_worker_id();

/// True if `id` has the shape of a worker ID.
bool is_worker_id(std::string_view id);

/// True if `name` is a valid DNS-1123 label (app, namespace, ConfigMap and Secret names):
/// 1-63 characters of [a-z0-9-], starting and ending with an alphanumeric.
bool is_dns_label(std::string_view name);

} // namespace ever
