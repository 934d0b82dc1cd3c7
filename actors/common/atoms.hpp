#pragma once
// Atoms shared by several actor kinds (CAF 0.17: at most 10 characters). Kind-specific atoms live
// in that kind's <kind>_messages.hpp.

#include <caf/atom.hpp>

namespace ever {

using changed_atom = caf::atom_constant<caf::atom("changed")>;   ///< something a decision reads changed
using tick_atom = caf::atom_constant<caf::atom("tick")>;         ///< periodic timer
using start_atom = caf::atom_constant<caf::atom("start")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using exited_atom = caf::atom_constant<caf::atom("exited")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using view_atom = caf::atom_constant<caf::atom("view")>;         ///< read-only snapshot for admin
using update_atom = caf::atom_constant<caf::atom("update")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

} // namespace ever
