#pragma once
// Interface of the directory actor (one per control node). Protocol:
//   (cfg_put_atom, bool secret, bool create, config_record) -> config_record
//   (cfg_get_atom, bool secret, std::string ns, std::string name) -> config_record
//   (cfg_list_atom, bool secret, std::string ns) -> std::vector<config_record>
//   (cfg_del_atom, bool secret, std::string ns, std::string name) -> bool
//   (app_create_atom, app_spec, std::string manifest, bool dry_run) -> app::app_view
//   (update_atom, app_spec, std::string manifest, bool dry_run) -> app::app_view
//   (delete_atom, std::string ns, std::string name) -> bool
//   (app_find_atom, std::string ns, std::string name) -> caf::actor      the app actor
//   (app_list_atom, std::string ns) -> std::vector<caf::actor>           "" = every namespace
//   (shutdown_atom, bool stop_workers) -> bool                          everd is stopping
// Errors: errc::not_found, already_exists, conflict, invalid_manifest, unavailable (storage).
// At start, requests wait until reconciliation has stopped orphans and the apps are loaded.

#include "actors/app/app_messages.hpp"
#include "actors/common/atoms.hpp"
#include "actors/common/unsafe_types.hpp"

namespace ever::directory {

using cfg_put_atom = caf::atom_constant<caf::atom("cfgput")>;
using cfg_get_atom = caf::atom_constant<caf::atom("cfgget")>;
using cfg_list_atom = caf::atom_constant<caf::atom("cfglist")>;
using cfg_del_atom = caf::atom_constant<caf::atom("cfgdel")>;
using app_create_atom = caf::atom_constant<caf::atom("appcreate")>;
using app_find_atom = caf::atom_constant<caf::atom("appfind")>;
using app_list_atom = caf::atom_constant<caf::atom("applist")>;

} // namespace ever::directory

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<caf::actor>)
