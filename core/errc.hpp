#pragma once
// Ever's error codes. One enum for the whole project: each code exists because some caller reacts
// to it differently (an HTTP status, a retry, a CLI exit code).

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <string>

namespace caf {
class actor_system_config;
}

namespace ever {

/// Error codes carried in caf::error under the category atom "ever".
enum class errc : uint8_t {
  ok = 0,
  not_found,          ///< 404: no such app, ConfigMap, worker, route
  already_exists,     ///< 409: create of an existing name
  invalid_argument,   ///< 400: bad request body, bad CLI argument
  invalid_manifest,   ///< 400: manifest failed validation; message names the field's path
  conflict,           ///< 409: e.g. a route path already taken, ConfigMap still referenced
  unauthorized,       ///< 401
  queue_full,         ///< 429: app queue at its length limit
  queue_timeout,      ///< 504: waited longer than the queue wait timeout
  worker_failed,      ///< 502: the worker died or broke the connection mid-request
  unavailable,        ///< 503: component not ready, storage write failed, shutting down
  storage_full,       ///< 507: disk full
  corrupt_record,     ///< bytes on disk that do not decode
  newer_format,       ///< a record written by a newer format version
  internal,           ///< a bug: should never reach a user
};

/// Human name of a code, e.g. "not_found".
const char* to_string(errc code);

/// Builds a caf::error in Ever's category with a context message.
caf::error make_error(errc code, std::string message = {});

/// The code of `err` if it is in Ever's category, otherwise errc::internal (errc::ok for none).
errc code_of(const caf::error& err);

/// The context message of an Ever error, or CAF's rendering of a foreign one.
std::string message_of(const caf::error& err);

/// HTTP status for a code (e.g. not_found -> 404).
int http_status(errc code);

/// Registers the "ever" error category so CAF renders our errors readably.
void register_error_category(caf::actor_system_config& cfg);

template <class T>
using expected = caf::expected<T>;

} // namespace ever
