#include "core/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/message.hpp>

namespace ever {

namespace {
constexpr caf::atom_value ever_category = caf::atom("ever");
}

const char* to_string(errc code) {
  switch (code) {
    case errc::ok: return "ok";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::invalid_argument: return "invalid_argument";
    case errc::invalid_manifest: return "invalid_manifest";
    case errc::conflict: return "conflict";
    case errc::unauthorized: return "unauthorized";
    case errc::queue_full: return "queue_full";
    case errc::queue_timeout: return "queue_timeout";
    case errc::worker_failed: return "worker_failed";
    case errc::unavailable: return "unavailable";
    case errc::storage_full: return "storage_full";
    case errc::corrupt_record: return "corrupt_record";
    case errc::newer_format: return "newer_format";
    case errc::internal: return "internal";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), ever_category,
                    caf::make_message(std::move(message))};
}

errc code_of(const caf::error& err) {
  if (!err)
    return errc::ok;
  if (err.category() != ever_category)
    return errc::internal;
  return static_cast<errc>(err.code());
}

std::string message_of(const caf::error& err) {
  if (err.category() == ever_category) {
    const auto& ctx = err.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      return ctx.get_as<std::string>(0);
    return to_string(static_cast<errc>(err.code()));
  }
  return caf::to_string(err);
}

int http_status(errc code) {
  switch (code) {
    case errc::ok: return 200;
    case errc::not_found: return 404;
    case errc::already_exists: return 409;
    case errc::invalid_argument: return 400;
    case errc::invalid_manifest: return 400;
    case errc::conflict: return 409;
    case errc::unauthorized: return 401;
    case errc::queue_full: return 429;
    case errc::queue_timeout: return 504;
    case errc::worker_failed: return 502;
    case errc::unavailable: return 503;
    case errc::storage_full: return 507;
    case errc::corrupt_record: return 500;
    case errc::newer_format: return 500;
    case errc::internal: return 500;
  }
  return 500;
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(ever_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    return std::string{"ever::"} + to_string(static_cast<errc>(code)) + " "
           + caf::deep_to_string(ctx);
  });
}

} // namespace ever
