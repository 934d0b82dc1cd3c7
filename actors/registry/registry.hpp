#pragma once
// The actor type registry (ARCHITECTURE.md "Extensibility"): names -> factories, filled by ONE
// explicit call, register_builtin_types(), which also hands every factory to CAF's
// add_actor_factory so a type can be spawned on another node by name:
//   sys.middleman().remote_spawn<caf::actor>(node_id, "ever.queue",
//                                            caf::make_message(spawn_args{{"app", "demo"}}), 5s);
// The console lists (`types`) and spawns (`spawn TYPE [on NODE] [k=v...]`) from here.
//
// Why a process-wide context: CAF calls a factory with only (actor_config&, message&), and a
// remote spawn arrives with nothing but the name and the message. The store, the clock, the
// knobs and the daemon's own handles (directory, node agent) cannot travel in the message, so
// everd sets them once at start (set_spawn_context) and every factory reads them from there.
// Before that call, factories refuse (errc::unavailable).
//
// Adding a kind: one factory function and one line in builtin_types.cpp (docs/extending.md).

#include "core/errc.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ever {

struct control_context;

namespace registry {

/// Spawn arguments: "k=v" pairs (`spawn ever.queue app=demo max_length=5`). On the wire a
/// std::map<std::string, std::string> (a CAF builtin type, nothing to register).
using spawn_args = std::map<std::string, std::string>;

/// What a factory may use besides its arguments: the daemon's context and handles.
struct spawn_context {
  caf::actor_system* sys = nullptr;
  const control_context* ctx = nullptr;
  caf::actor directory; ///< the control node's directory (null on a node without control)
  caf::actor node;      ///< this process's node agent
  caf::actor admin;     ///< the management API actor
  caf::actor membership;
};

/// A factory: spawns one actor of its type. Errors are errc (invalid_argument for a bad
/// argument, naming it).
using factory_fn = std::function<expected<caf::actor>(const spawn_context&, const spawn_args&)>;

/// One registered type.
struct type_entry {
  std::string name;        ///< "ever.queue", "ever.policy.simple", ...
  std::string kind;        ///< "control", "node", "policy", "decorator", "tool"
  std::string description; ///< one line
  std::string args_help;   ///< e.g. "ns=default app=NAME max_length=1000"
  bool singleton = false;  ///< at most one live per process (refused otherwise)
  factory_fn make;
};

/// Every registered type, sorted by name (builtin_types.cpp).
const std::vector<type_entry>& types();

/// The entry named `name`, or errc::not_found listing the known names.
expected<const type_entry*> find_type(const std::string& name);

/// Adds every registered type to CAF (add_actor_factory), so `remote_spawn` by name works on
/// this process. Call once per actor_system_config, before the actor system is created, in
/// every everd (any role).
void register_builtin_types(caf::actor_system_config& cfg);

/// Sets the process-wide spawn context; everd calls it once the actor system and its own actors
/// exist. Later calls replace it (tests); `ctx` and `sys` must outlive every spawn.
void set_spawn_context(spawn_context sc);
/// The current spawn context (sys == nullptr before set_spawn_context).
spawn_context current_spawn_context();
/// Forgets the spawn context (a test fixture tearing down).
void clear_spawn_context();

/// Spawns `name` here, with `args`, and enrolls it in the census. errc::not_found for an
/// unknown name (listing the known ones), errc::conflict for a second singleton,
/// errc::unavailable before set_spawn_context.
expected<caf::actor> spawn_type(const std::string& name, const spawn_args& args);

/// A spawn error as one line: CAF's sec::unknown_type becomes "no actor type 'X' is registered
/// on node N (see `types`)", cannot_spawn_actor_from_arguments names the arguments.
std::string explain_spawn_error(caf::actor_system& sys, const caf::error& err,
                                const std::string& name, const std::string& where);

/// Parses "k=v" words into spawn_args; errc::invalid_argument naming a word without '='.
expected<spawn_args> parse_spawn_args(const std::vector<std::string>& words);

/// Reads an integer argument (default `fallback`); errc::invalid_argument naming it.
expected<int64_t> int_arg(const spawn_args& args, const std::string& key, int64_t fallback);

} // namespace registry
} // namespace ever
