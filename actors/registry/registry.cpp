#include "actors/registry/registry.hpp"

#include "actors/common/context.hpp"
#include "actors/registry/census.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_factory.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <iostream>
#include <mutex>

namespace ever::registry {

namespace {

std::mutex& context_mutex() {
  static std::mutex m;
  return m;
}

spawn_context& context_slot() {
  static spawn_context sc; // set once by everd (see the header for why it is process-wide)
  return sc;
}

std::string known_names() {
  std::string out;
  for (const auto& t : types())
    out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

// What CAF calls for a spawn by name (local `sys.spawn<caf::actor>(name, msg)` or a remote
// spawn arriving over the middleman). The message is empty or one spawn_args. CAF can only say
// "could not spawn" (cannot_spawn_actor_from_arguments) when a factory returns nothing.
caf::actor_factory_result caf_factory(const std::string& name, caf::actor_config&,
                                      caf::message& msg) {
  spawn_args args;
  if (msg.match_elements<spawn_args>())
    args = msg.get_as<spawn_args>(0);
  else if (!msg.empty())
    return {};
  auto a = spawn_type(name, args);
  if (!a) { // CAF carries no reason back to the spawner: say it here, on the node that refused
    std::cerr << "ever: spawn of '" << name << "' by name refused: " << message_of(a.error())
              << '\n';
    return {};
  }
  return {caf::actor_cast<caf::strong_actor_ptr>(*a), {}};
}

} // namespace

expected<const type_entry*> find_type(const std::string& name) {
  for (const auto& t : types())
    if (t.name == name)
      return &t;
  return make_error(errc::not_found,
                    "no actor type '" + name + "' is registered (known: " + known_names() + ")");
}

void register_builtin_types(caf::actor_system_config& cfg) {
  for (const auto& t : types()) {
    auto name = t.name;
    cfg.add_actor_factory(name, [name](caf::actor_config& ac, caf::message& msg) {
      return caf_factory(name, ac, msg);
    });
  }
}

void set_spawn_context(spawn_context sc) {
  std::lock_guard<std::mutex> guard{context_mutex()};
  context_slot() = std::move(sc);
}

spawn_context current_spawn_context() {
  std::lock_guard<std::mutex> guard{context_mutex()};
  return context_slot();
}

void clear_spawn_context() {
  set_spawn_context({});
}

expected<caf::actor> spawn_type(const std::string& name, const spawn_args& args) {
  auto entry = find_type(name);
  if (!entry)
    return entry.error();
  auto sc = current_spawn_context();
  if (!sc.sys || !sc.ctx)
    return make_error(errc::unavailable,
                      "cannot spawn '" + name + "': this process has no spawn context yet");
  if ((*entry)->singleton && census_count(name) > 0)
    return make_error(errc::conflict, name + " already runs on node " + sc.ctx->node_name
                                        + " (one per process)");
  auto a = (*entry)->make(sc, args);
  if (!a)
    return a.error();
  // Nothing else references an actor spawned by name, and ~actor_system waits for every actor:
  // it stops when the daemon's own long-lived actor does (one attachable per spawn).
  caf::actor anchor = sc.directory ? sc.directory : sc.node ? sc.node : sc.admin;
  if (anchor && anchor != *a) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(*a);
    anchor->attach_functor([weak] {
      if (auto strong = weak.lock())
        caf::anon_send_exit(caf::actor_cast<caf::actor>(strong), caf::exit_reason::user_shutdown);
    });
  }
  std::string label;
  for (const auto& [k, v] : args)
    label += (label.empty() ? "" : " ") + k + "=" + v;
  // Kinds whose spawn function enrolls already (queue, app, ...) are enrolled again with the
  // same id: the second entry replaces the first, so the label of the spawn wins.
  return enroll(*a, name, *sc.ctx, std::move(label));
}

std::string explain_spawn_error(caf::actor_system& sys, const caf::error& err,
                                const std::string& name, const std::string& where) {
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::unknown_type:
        return "no actor type '" + name + "' is registered on " + where + " (see `types`)";
      case caf::sec::cannot_spawn_actor_from_arguments:
        return where + " could not spawn '" + name
               + "' from these arguments (see `types`; that node's log says why)";
      case caf::sec::request_timeout:
        return where + " did not answer the spawn of '" + name + "' in time";
      default:
        break;
    }
  }
  if (code_of(err) != errc::internal)
    return message_of(err);
  return "spawning '" + name + "' on " + where + " failed: " + sys.render(err);
}

expected<spawn_args> parse_spawn_args(const std::vector<std::string>& words) {
  spawn_args out;
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(errc::invalid_argument,
                        "spawn argument '" + w + "' is not KEY=VALUE");
    out[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return out;
}

expected<int64_t> int_arg(const spawn_args& args, const std::string& key, int64_t fallback) {
  auto it = args.find(key);
  if (it == args.end())
    return fallback;
  const auto& v = it->second;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0)
    return make_error(errc::invalid_argument, key + "=" + v + ": must be an integer");
  return static_cast<int64_t>(n);
}

} // namespace ever::registry
