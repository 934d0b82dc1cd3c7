#pragma once
// Role: the admin console on the control node: runs one `ever console` command line and
//       answers with what to print. Reads through the management API (admin actor), the
//       directory, the membership and the census; spawns through the type registry.
//       Event-based: `spawn ... on HOST:PORT` connects and spawns remotely through the
//       middleman actor asynchronously.
// Handles:
//   (console_atom, std::string line) -> std::string
//        output JSON: {"blocks": [{"text": "..."} | {"headers": [...], "rows": [[...]]}]}
//        plus, for the internal lines, "__complete" -> completion names
//        ({"apps","workers","actors","types","nodes"}) and "__watch APP EVENT_SEQ DECISION_SEQ"
//        -> {"blocks": ..., "event": N, "decision": M} (what happened after the given seqs)
//   (view_atom) -> std::string                                  the console's own state (JSON)
//   Errors: errc with a one-line message (unknown command, no such app, ...).
// Persists: nothing itself; scale and drain go through the app actor like the scaler's orders.
// On failure: every line gets exactly one answer; a service that is not wired (membership on a
//             single node) is shown from local knowledge instead.

#include "actors/common/context.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace ever::console {

using console_atom = caf::atom_constant<caf::atom("console")>;

/// The handles the console reads from; any may be null (then that part says so).
struct console_config {
  caf::actor directory;
  caf::actor admin;
  caf::actor node;
  caf::actor membership;
  bool detached = false; ///< own thread (never needed: nothing in the console blocks)
};

/// Spawns the console actor and enrolls it in the census.
caf::actor spawn_console(caf::actor_system& sys, const control_context& ctx, console_config cfg);

} // namespace ever::console
