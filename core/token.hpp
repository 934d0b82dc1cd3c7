#pragma once
// Bearer tokens: only their SHA-256 is stored; comparisons run in constant time.

#include <string>
#include <string_view>

namespace ever {

/// Returns a new random token (`ever_` + 40 hex characters, 160 bits from /dev/urandom).
std::string make_token();

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace ever
