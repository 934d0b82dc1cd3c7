#pragma once
// Small text helpers shared by the gateway's request and proxy paths. No Beast here so tests can
// exercise them directly.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ever::net::gateway_detail {

/// Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

/// `{"error":{"code":"<code>","message":"<message>"}}`, the shape of every gateway error body.
std::string json_error(std::string_view code, std::string_view message);

/// The token of an `Authorization: Bearer <token>` value; nullopt if the scheme is not Bearer
/// (case-insensitive) or the token is empty or contains whitespace.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// Standard reason phrase for `status` ("OK", "Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status);

/// True if `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

/// True if `s` may go into a header line as is: no CR, LF or NUL.
bool header_safe(std::string_view s);

/// Appends the decimal form of `v`.
void append_number(std::string& out, uint64_t v);

/// Appends the lowercase hex form of `v` (chunk sizes).
void append_hex(std::string& out, uint64_t v);

} // namespace ever::net::gateway_detail
