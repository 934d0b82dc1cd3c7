#include "actors/directory/directory_actor.hpp"

#include "actors/app/app_actor.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "actors/common/journal.hpp"
#include "actors/directory/directory_logic.hpp"
#include "actors/directory/reconcile.hpp"
#include "actors/node/node_messages.hpp"
#include "actors/registry/census.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <iostream>

namespace ever::directory {

namespace {

struct app_entry {
  caf::actor app;
  caf::actor queue;
  std::shared_ptr<queue::shared_queue> lane; // the queue's logic, for local gateways
  app_spec spec;
};

struct directory_state {
  const control_context* ctx = nullptr;
  caf::actor node;
  config_snapshot configs;
  std::map<std::string, app_entry> apps; // "ns/name"
  static inline const char* name = "ever.directory";
};

using self_ptr = caf::stateful_actor<directory_state>*;

void publish_configs(self_ptr self) {
  self->state.ctx->view->set_configs(std::make_shared<config_snapshot>(self->state.configs));
}

void publish_routes(self_ptr self) {
  auto routes = std::make_shared<shared_view::route_map>();
  for (const auto& [key, e] : self->state.apps) {
    route_entry r{e.spec.ns, e.spec.name, e.spec.is_public, e.queue, e.lane};
    (*routes)[route_of(e.spec)] = r;
    (*routes)[key] = r; // "ns/app" cannot clash with a route: routes have no '/'
  }
  self->state.ctx->view->set_routes(std::move(routes));
}

std::map<std::string, std::string> route_owners(self_ptr self, const std::string& except = {}) {
  std::map<std::string, std::string> out;
  for (const auto& [key, e] : self->state.apps)
    if (key != except)
      out[route_of(e.spec)] = key;
  return out;
}

void add_app(self_ptr self, const app_record& r, bool recovering,
             std::optional<std::vector<worker_record>> recorded = std::nullopt) {
  auto& st = self->state;
  app::app_config cfg;
  cfg.record = r;
  cfg.node = st.node;
  cfg.recovering = recovering;
  cfg.recorded = std::move(recorded);
  auto handles = app::spawn_app(self->system(), *st.ctx, std::move(cfg));
  self->monitor(handles.app); // to drop it once deleted
  self->link_to(handles.app); // everd shutting down takes every app along
  st.apps[qualified_name(r.spec.ns, r.spec.name)] = app_entry{handles.app, handles.queue, handles.lane,
                                                               r.spec};
}

template <class T>
void load_table(self_ptr self, storage::table t, const char* what,
                const std::function<void(T&&)>& take) {
  auto err = self->state.ctx->db->scan(t, "", [&](std::string_view key, std::string_view value) {
    auto rec = storage::decode<T>(value);
    if (!rec)
      std::cerr << "everd: skipping " << what << " " << key << ": " << message_of(rec.error())
                << '\n';
    else
      take(std::move(*rec));
    return true;
  });
  if (err)
    std::cerr << "everd: cannot read " << what << ": " << message_of(err) << '\n';
}

/// How long reconciliation waits for the node agent's /proc scan and for it to send SIGTERMs.
/// Both take milliseconds; the bound only keeps a wedged node agent from holding the apps back.
constexpr auto reconcile_timeout = std::chrono::seconds(10);

/// Every worker record, read once at start: for reconciliation, then handed to the apps (at
/// 100,000 workers each app scanning and decoding its own again, and the await handlers below
/// copying them, was a third of a restart's first second).
using all_records = std::shared_ptr<std::vector<worker_record>>;

/// Starts the recovered apps. With `records` (all worker records), each app gets its live ones
/// instead of reading them again.
void start_apps(self_ptr self, const std::vector<app_record>& apps, all_records records = {}) {
  std::map<std::string, std::vector<worker_record>> live; // by "ns/app"
  if (records)
    for (auto& w : *records)
      if (!is_final(w.status))
        live[qualified_name(w.ns, w.app)].push_back(std::move(w));
  for (const auto& r : apps) {
    std::optional<std::vector<worker_record>> mine;
    if (records)
      mine = std::move(live[qualified_name(r.spec.ns, r.spec.name)]);
    add_app(self, r, true, std::move(mine));
  }
  publish_routes(self);
}

/// Records the stop of each orphan: a WARNING event in its app's events if the app still exists
/// (the app's actors do not run yet, so a journal of our own appends without racing theirs), and
/// a line on stderr in any case, for the operator and for apps that are gone.
void report_orphans(self_ptr self, const std::vector<runtime::owned_process>& stopped,
                    const std::vector<worker_record>& records,
                    const std::vector<app_record>& apps) {
  auto& st = self->state;
  std::map<std::string, std::unique_ptr<app_journal>> journals; // "ns/name" of existing apps
  for (const auto& r : apps)
    journals[qualified_name(r.spec.ns, r.spec.name)] = nullptr;
  for (const auto& p : stopped) {
    auto id = p.worker_id.empty() ? std::string{"(no worker id)"} : p.worker_id;
    auto line = "stopped orphan worker " + id + " (pid " + std::to_string(p.pid)
                + "): no live record";
    std::cerr << "everd: " << line << '\n';
    // Its record, even a final one, names the app more reliably than the process's environment.
    std::string ns = p.ns, app = p.app;
    for (const auto& r : records)
      if (!p.worker_id.empty() && r.id == p.worker_id) {
        ns = r.ns;
        app = r.app;
        break;
      }
    auto it = journals.find(qualified_name(ns, app));
    if (app.empty() || it == journals.end())
      continue;
    if (!it->second) {
      it->second = std::make_unique<app_journal>(*st.ctx->db, *st.ctx->clock, st.ctx->limits, ns,
                                                 app);
      if (auto err = it->second->load()) {
        std::cerr << "everd: cannot record the orphan in app " << it->first << ": "
                  << message_of(err) << '\n';
        continue; // the journal stays unloaded; later orphans of this app retry
      }
    }
    if (auto seq = it->second->event(event_type::warning, "Node", line); !seq)
      std::cerr << "everd: cannot record the orphan in app " << it->first << ": "
                << message_of(seq.error()) << '\n';
  }
}

/// Reconciliation at start: stops the processes of ours that no live worker record accounts for,
/// then starts the apps. It runs before any app actor exists, and the directory answers nothing
/// meanwhile (await): a worker launched meanwhile would be running before its pid was recorded
/// and would look like an orphan. Level-triggered: it compares what is on disk with what runs,
/// so it runs at every start and a second pass over the same state finds nothing to stop.
void reconcile_then_start(self_ptr self, std::vector<app_record> apps) {
  auto& st = self->state;
  if (!st.node) {
    start_apps(self, apps);
    return;
  }
  // Every record, final ones included: report_orphans names an orphan's app from its record.
  auto records = std::make_shared<std::vector<worker_record>>();
  load_table<worker_record>(self, storage::table::workers, "worker",
                            [&](worker_record&& r) { records->push_back(std::move(r)); });
  auto give_up = [=](const char* step, const caf::error& err) {
    std::cerr << "everd: reconciliation skipped, cannot " << step << ": " << message_of(err)
              << '\n';
    start_apps(self, apps, records);
  };
  self->request(st.node, reconcile_timeout, node::scan_atom::value)
    .await(
      [=](std::vector<runtime::owned_process>& running) {
        auto plan = plan_reconcile(*records, running);
        if (plan.orphans.empty()) {
          start_apps(self, apps, records);
          return;
        }
        self->request(self->state.node, reconcile_timeout, node::reap_atom::value,
                      std::move(plan.orphans))
          .await(
            [=](std::vector<runtime::owned_process>& stopped) {
              report_orphans(self, stopped, *records, apps);
              start_apps(self, apps, records);
            },
            [=](caf::error& err) { give_up("stop orphans", err); });
      },
      [=](caf::error& err) { give_up("list processes", err); });
}

void load(self_ptr self) {
  auto& st = self->state;
  load_table<config_record>(self, storage::table::configmaps, "configmap", [&](config_record&& r) {
    st.configs.config_maps[qualified_name(r.ns, r.name)] = std::move(r);
  });
  load_table<config_record>(self, storage::table::secrets, "secret", [&](config_record&& r) {
    st.configs.secrets[qualified_name(r.ns, r.name)] = std::move(r);
  });
  publish_configs(self);
  std::vector<app_record> apps;
  load_table<app_record>(self, storage::table::apps, "app",
                         [&](app_record&& r) { apps.push_back(std::move(r)); });
  reconcile_then_start(self, std::move(apps));
}

std::map<std::string, config_record>& table_of(self_ptr self, bool secret) {
  return secret ? self->state.configs.secrets : self->state.configs.config_maps;
}

const char* kind_of(bool secret) { return secret ? "secret" : "configmap"; }

caf::result<config_record> put_config(self_ptr self, bool secret, bool create, config_record r) {
  auto& st = self->state;
  if (auto err = check_config(r))
    return err;
  auto key = qualified_name(r.ns, r.name);
  auto& table = table_of(self, secret);
  auto it = table.find(key);
  if (create && it != table.end())
    return make_error(errc::already_exists,
                      std::string{kind_of(secret)} + " '" + r.name + "' already exists");
  if (!create && it == table.end())
    return make_error(errc::not_found, std::string{kind_of(secret)} + " '" + r.name + "' not found");
  auto now = st.ctx->now();
  r.created_at = create ? now : it->second.created_at;
  r.revision = create ? 1 : it->second.revision + 1;
  r.updated_at = now;
  storage::write_batch b;
  b.put(secret ? storage::table::secrets : storage::table::configmaps,
        storage::object_key(r.ns, r.name), storage::encode(r));
  if (auto err = st.ctx->db->write(b, storage::durability::sync))
    return err;
  table[key] = r;
  publish_configs(self);
  // Arguments are re-resolved at every decision: tell the apps that use it to decide now.
  std::map<std::string, app_spec> specs;
  for (const auto& [k, e] : st.apps)
    specs[k] = e.spec;
  for (const auto& user : apps_using(specs, r.ns, r.name, secret))
    self->send(st.apps[user].app, changed_atom::value);
  return r;
}

caf::error validate_app(self_ptr self, const app_spec& spec) {
  if (auto err = check_references(spec, self->state.configs))
    return err;
  return check_route(spec, route_owners(self, qualified_name(spec.ns, spec.name)));
}

caf::behavior directory_actor(self_ptr self, const control_context* ctx, caf::actor node) {
  self->state.ctx = ctx;
  self->state.node = std::move(node);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.apps.begin(); it != st.apps.end(); ++it)
      if (it->second.app.address() == dm.source) {
        st.apps.erase(it);
        publish_routes(self);
        return;
      }
  });
  load(self);
  return {
    // Membership changes concern the apps with workers on that node; each app picks its own.
    [=](cluster::node_lost_atom a, const std::string& node, const std::vector<std::string>& ids,
        const std::string& why) {
      for (const auto& [key, e] : self->state.apps)
        self->send(e.app, a, node, ids, why);
    },
    [=](cluster::node_back_atom a, const std::string& node) {
      for (const auto& [key, e] : self->state.apps)
        self->send(e.app, a, node);
    },
    [=](cfg_put_atom, bool secret, bool create, config_record& r) {
      return put_config(self, secret, create, std::move(r));
    },
    [=](cfg_get_atom, bool secret, const std::string& ns,
        const std::string& name) -> caf::result<config_record> {
      auto& table = table_of(self, secret);
      auto it = table.find(qualified_name(ns, name));
      if (it == table.end())
        return make_error(errc::not_found, std::string{kind_of(secret)} + " '" + name + "' not found");
      return it->second;
    },
    [=](cfg_list_atom, bool secret, const std::string& ns) {
      std::vector<config_record> out;
      for (const auto& [key, r] : table_of(self, secret))
        if (ns.empty() || r.ns == ns)
          out.push_back(r);
      return out;
    },
    [=](cfg_del_atom, bool secret, const std::string& ns,
        const std::string& name) -> caf::result<bool> {
      auto& st = self->state;
      auto key = qualified_name(ns, name);
      auto& table = table_of(self, secret);
      if (table.count(key) == 0)
        return make_error(errc::not_found, std::string{kind_of(secret)} + " '" + name + "' not found");
      std::map<std::string, app_spec> specs;
      for (const auto& [k, e] : st.apps)
        specs[k] = e.spec;
      auto users = apps_using(specs, ns, name, secret);
      if (!users.empty())
        return make_error(errc::conflict, std::string{kind_of(secret)} + " '" + name
                                            + "' is used by app " + users.front()
                                            + "; update or delete the app first");
      storage::write_batch b;
      b.del(secret ? storage::table::secrets : storage::table::configmaps,
            storage::object_key(ns, name));
      if (auto err = st.ctx->db->write(b, storage::durability::sync))
        return err;
      table.erase(key);
      publish_configs(self);
      return true;
    },
    [=](app_create_atom, app_spec& spec, std::string& manifest,
        bool dry_run) -> caf::result<app::app_view> {
      auto& st = self->state;
      auto key = qualified_name(spec.ns, spec.name);
      if (st.apps.count(key))
        return make_error(errc::already_exists, "app '" + spec.name + "' already exists in namespace "
                                                  + spec.ns + " (use `ever app update`)");
      if (auto err = validate_app(self, spec))
        return err;
      app_record r;
      r.spec = std::move(spec);
      r.manifest = std::move(manifest);
      r.created_at = r.updated_at = st.ctx->now();
      if (dry_run)
        return app::app_view{r, 0, 0};
      storage::write_batch b;
      b.put(storage::table::apps, storage::object_key(r.spec.ns, r.spec.name), storage::encode(r));
      if (auto err = st.ctx->db->write(b, storage::durability::sync))
        return err;
      add_app(self, r, false);
      publish_routes(self);
      return app::app_view{r, 0, 0};
    },
    [=](update_atom, app_spec& spec, std::string& manifest,
        bool dry_run) -> caf::result<app::app_view> {
      auto& st = self->state;
      auto it = st.apps.find(qualified_name(spec.ns, spec.name));
      if (it == st.apps.end())
        return make_error(errc::not_found, "app '" + spec.name + "' not found in namespace "
                                             + spec.ns + " (use `ever app create`)");
      if (auto err = validate_app(self, spec))
        return err;
      if (dry_run) {
        app_record r;
        r.spec = std::move(spec);
        return app::app_view{r, 0, 0};
      }
      // The app persists the update; only once it succeeded do routes and books follow, so a
      // failed write leaves the gateway and route reservations as they are on disk.
      auto key = it->first;
      auto rp = self->make_response_promise<app::app_view>();
      self->request(it->second.app, std::chrono::seconds(30), update_atom::value, spec,
                    std::move(manifest))
        .then(
          [=](app::app_view& v) mutable {
            if (auto e = self->state.apps.find(key); e != self->state.apps.end()) {
              e->second.spec = v.record.spec;
              publish_routes(self);
            }
            rp.deliver(std::move(v));
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](delete_atom, const std::string& ns, const std::string& name) -> caf::result<bool> {
      auto& st = self->state;
      auto it = st.apps.find(qualified_name(ns, name));
      if (it == st.apps.end())
        return make_error(errc::not_found, "app '" + name + "' not found in namespace " + ns);
      self->delegate(it->second.app, delete_atom::value);
      return caf::delegated<bool>{};
    },
    [=](app_find_atom, const std::string& ns, const std::string& name) -> caf::result<caf::actor> {
      auto it = self->state.apps.find(qualified_name(ns, name));
      if (it == self->state.apps.end())
        return make_error(errc::not_found, "app '" + name + "' not found in namespace " + ns);
      return it->second.app;
    },
    [=](app_list_atom, const std::string& ns) {
      std::vector<caf::actor> out;
      for (const auto& [key, e] : self->state.apps)
        if (ns.empty() || e.spec.ns == ns)
          out.push_back(e.app);
      return out;
    },
    [=](shutdown_atom, bool stop_workers) {
      auto rp = self->make_response_promise();
      auto& st = self->state;
      if (st.apps.empty()) {
        rp.deliver(true);
        return rp;
      }
      auto pending = std::make_shared<size_t>(st.apps.size());
      for (const auto& [key, e] : st.apps)
        self->request(e.app, std::chrono::milliseconds(st.ctx->limits.terminate_grace_ms
                                                       + st.ctx->limits.shutdown_grace_ms),
                      shutdown_atom::value, stop_workers)
          .then([=](bool) mutable { if (--*pending == 0) rp.deliver(true); },
                [=](caf::error&) mutable { if (--*pending == 0) rp.deliver(true); });
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, const control_context& ctx, caf::actor node) {
  return registry::enroll(sys.spawn(directory_actor, &ctx, std::move(node)), "ever.directory", ctx);
}

} // namespace ever::directory
