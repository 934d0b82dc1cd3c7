// The builtin actor types. Adding a kind = a factory here + one line in types() below (and its
// tests and docs: docs/extending.md "Adding an actor type").

#include "actors/registry/registry.hpp"

#include "actors/admin/admin_actor.hpp"
#include "actors/app/app_actor.hpp"
#include "actors/common/context.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/node/node_agent.hpp"
#include "actors/node/sim_node_agent.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/queue/queue_actor.hpp"
#include "actors/registry/policy_actor.hpp"
#include "actors/scaler/scaler_actor.hpp"
#include "actors/worker/worker_actor.hpp"
#include "core/ids.hpp"

#include <caf/actor_system.hpp>

#include <algorithm>
#include <sstream>

namespace ever::registry {

namespace {

std::string str_arg(const spawn_args& args, const std::string& key, std::string fallback) {
  auto it = args.find(key);
  return it == args.end() ? std::move(fallback) : it->second;
}

/// Refuses arguments a factory does not know, naming them and the ones it does.
caf::error check_keys(const spawn_args& args, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : args)
    if (std::none_of(known.begin(), known.end(), [&](const char* n) { return k == n; })) {
      std::string list;
      for (auto n : known)
        list += (list.empty() ? "" : ", ") + std::string(n);
      return make_error(errc::invalid_argument, "unknown argument '" + k + "' (valid: "
                                                  + (list.empty() ? "none" : list) + ")");
    }
  return {};
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// An app spec from spawn arguments: manual scaling with `workers` workers (default 0), so a
/// spawned app starts nothing unless asked to.
expected<app_spec> spec_from(const spawn_args& args) {
  app_spec spec;
  spec.ns = str_arg(args, "ns", "default");
  spec.name = str_arg(args, "name", str_arg(args, "app", "spawned"));
  if (!is_dns_label(spec.name) || !is_dns_label(spec.ns))
    return make_error(errc::invalid_argument, "name/ns: '" + spec.ns + "/" + spec.name
                                                + "' is not a DNS-1123 label");
  spec.command = split_words(str_arg(args, "command", "true"));
  spec.route_path = spec.name;
  spec.autoscaler.kind = autoscaler_spec::kind_t::manual;
  auto n = int_arg(args, "workers", 0);
  if (!n)
    return n.error();
  spec.autoscaler.default_worker_num = *n;
  return spec;
}

expected<caf::actor> make_admin(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {}))
    return err;
  return admin::spawn_admin(*sc.sys, *sc.ctx, admin::admin_config{sc.directory, sc.node, {}});
}

expected<caf::actor> make_app(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {"name", "app", "ns", "command", "workers"}))
    return err;
  auto spec = spec_from(args);
  if (!spec)
    return spec.error();
  app::app_config cfg;
  cfg.record.spec = std::move(*spec);
  cfg.record.created_at = cfg.record.updated_at = sc.ctx->now();
  cfg.node = sc.node;
  return app::spawn_app(*sc.sys, *sc.ctx, std::move(cfg)).app;
}

expected<caf::actor> make_console(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {}))
    return err;
  return console::spawn_console(*sc.sys, *sc.ctx,
                                console::console_config{sc.directory, sc.admin, sc.node,
                                                        sc.membership});
}

expected<caf::actor> make_directory(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {}))
    return err;
  return directory::spawn_directory(*sc.sys, *sc.ctx, sc.node);
}

expected<caf::actor> make_node(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {}))
    return err;
  return node::spawn_node_agent(*sc.sys, *sc.ctx);
}

expected<caf::actor> make_sim_node(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {"start_delay_ms", "stop_delay_ms"}))
    return err;
  node::sim_node_options opts;
  auto start = int_arg(args, "start_delay_ms", opts.start_delay_ms);
  auto stop = int_arg(args, "stop_delay_ms", opts.stop_delay_ms);
  if (!start || !stop)
    return start ? stop.error() : start.error();
  opts.start_delay_ms = *start;
  opts.stop_delay_ms = *stop;
  return node::spawn_sim_node_agent(*sc.sys, *sc.ctx, std::move(opts));
}

expected<caf::actor> make_queue(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {"ns", "app", "max_length", "wait_timeout_ms"}))
    return err;
  queue::queue_config cfg;
  cfg.ns = str_arg(args, "ns", "default");
  cfg.app = str_arg(args, "app", "spawned");
  auto len = int_arg(args, "max_length", cfg.max_length);
  auto wait = int_arg(args, "wait_timeout_ms", cfg.wait_timeout_ms);
  if (!len || !wait)
    return len ? wait.error() : len.error();
  cfg.max_length = *len;
  cfg.wait_timeout_ms = *wait;
  return queue::spawn_queue(*sc.sys, *sc.ctx, std::move(cfg));
}

expected<caf::actor> make_scaler(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {"ns", "app", "policy", "paused"}))
    return err;
  scaler::scaler_config cfg;
  cfg.ns = str_arg(args, "ns", "default");
  cfg.app = str_arg(args, "app", "spawned");
  cfg.spec.name = str_arg(args, "policy", "simple");
  if (auto p = policy::policy_parameters(cfg.spec.name); !p)
    return p.error();
  // Without a queue and an app to order, a running scaler has nothing to decide on: paused
  // unless asked otherwise.
  cfg.paused = str_arg(args, "paused", "true") != "false";
  cfg.journal = std::make_shared<app_journal>(*sc.ctx->db, *sc.ctx->clock, sc.ctx->limits, cfg.ns,
                                              cfg.app);
  if (auto err = cfg.journal->load())
    return err;
  return scaler::spawn_scaler(*sc.sys, *sc.ctx, std::move(cfg));
}

expected<caf::actor> make_worker(const spawn_context& sc, const spawn_args& args) {
  if (auto err = check_keys(args, {"name", "app", "ns", "command"}))
    return err;
  auto spec = spec_from(args);
  if (!spec)
    return spec.error();
  if (!sc.node)
    return make_error(errc::unavailable, "ever.worker needs a node agent on this process");
  worker::worker_config cfg;
  cfg.record.id = make_worker_id();
  cfg.record.ns = spec->ns;
  cfg.record.app = spec->name;
  cfg.record.node = sc.ctx->node_name;
  cfg.record.created_at = sc.ctx->now();
  cfg.spec = std::make_shared<const app_spec>(std::move(*spec));
  cfg.node = sc.node;
  cfg.journal = std::make_shared<app_journal>(*sc.ctx->db, *sc.ctx->clock, sc.ctx->limits,
                                              cfg.record.ns, cfg.record.app);
  if (auto err = cfg.journal->load())
    return err;
  return worker::spawn_worker(*sc.sys, *sc.ctx, std::move(cfg));
}

std::vector<type_entry> make_types() {
  std::vector<type_entry> t = {
    {"ever.admin", "control", "the management API: turns API calls into actor requests", "",
     false, &make_admin},
    {"ever.app", "control", "one app: its record, queue, scaler and workers (manual scaling)",
     "name=NAME ns=default command='true' workers=0", false, &make_app},
    {"ever.console", "tool", "the admin console: answers `ever console` command lines", "", false,
     &make_console},
    {"ever.directory", "control", "names -> handles: apps, routes, ConfigMaps, Secrets", "", true,
     &make_directory},
    {"ever.node", "node", "runs worker processes on this machine", "", false, &make_node},
    {"ever.node.sim", "node", "a simulated node agent: no processes, simulated delays",
     "start_delay_ms=20 stop_delay_ms=1", false, &make_sim_node},
    {"ever.queue", "control", "one app's request queue: waiting requests, leases to workers",
     "ns=default app=NAME max_length=1000 wait_timeout_ms=120000", false, &make_queue},
    {"ever.scaler", "control", "decides one app's worker count (paused when spawned alone)",
     "ns=default app=NAME policy=simple paused=true", false, &make_scaler},
    {"ever.worker", "control", "one worker's lifecycle: starts its process on the node agent",
     "name=APP ns=default command=CMD", false, &make_worker},
  };
  for (const auto& p : policy::policy_names()) {
    std::string args;
    if (auto params = policy::policy_parameters(p))
      for (const auto& [k, v] : *params)
        args += (args.empty() ? "" : " ") + k + "=" + std::to_string(v);
    t.push_back({"ever.policy." + p, "policy", "builtin autoscaling policy '" + p
                                                 + "': decides on Factors JSON",
                 args, false, [p](const spawn_context& sc, const spawn_args& a) {
                   return spawn_policy_actor(*sc.sys, p, a);
                 }});
  }
  auto decorators = policy::factor_decorator_names();
  for (const auto& d : policy::argument_decorator_names())
    if (std::find(decorators.begin(), decorators.end(), d) == decorators.end())
      decorators.push_back(d);
  for (const auto& d : decorators)
    t.push_back({"ever.decorator." + d, "decorator", "builtin decorator '" + d
                                                       + "': rewrites factors or arguments",
                 "(its settings)", false, [d](const spawn_context& sc, const spawn_args& a) {
                   return spawn_decorator_actor(*sc.sys, d, a);
                 }});
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return t;
}

} // namespace

const std::vector<type_entry>& types() {
  static const std::vector<type_entry> all = make_types();
  return all;
}

} // namespace ever::registry
