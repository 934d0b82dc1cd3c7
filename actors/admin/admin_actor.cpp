#include "actors/admin/admin_actor.hpp"

#include "actors/admin/json_views.hpp"
#include "actors/admin/mgmt_route.hpp"
#include "actors/app/app_messages.hpp"
#include "actors/cluster/cluster_state.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/manifest/manifest.hpp"
#include "actors/node/node_messages.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>

namespace ever::admin {

namespace {

using nlohmann::json;
using reply_fn = std::function<void(mgmt_reply)>;

/// Timeout for asking another actor on the control node.
constexpr auto ask_timeout = std::chrono::seconds(30);

struct admin_state {
  const control_context* ctx = nullptr;
  admin_config cfg;
  manifest::policy_catalog catalog;
  static inline const char* name = "ever.admin";
};

using self_ptr = caf::stateful_actor<admin_state>*;

manifest::policy_catalog make_catalog() {
  manifest::policy_catalog c;
  for (const auto& name : policy::policy_names()) {
    auto params = policy::policy_parameters(name);
    if (!params)
      continue;
    for (const auto& [p, _] : *params)
      c.policies[name].insert(p);
  }
  for (const auto& n : policy::factor_decorator_names())
    c.factor_decorators.insert(n);
  for (const auto& n : policy::argument_decorator_names())
    c.argument_decorators.insert(n);
  return c;
}

void send_json(const reply_fn& reply, int status, const json& body) {
  reply(mgmt_reply{status, "application/json", body.dump(), {}});
}

void send_error(const reply_fn& reply, const caf::error& err) {
  send_json(reply, http_status(code_of(err)), error_json(err));
}

/// Parses a JSON request body into an object; sends 400 and returns nullopt if it is not one.
std::optional<json> body_object(const mgmt_request& req, const reply_fn& reply) {
  auto j = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    send_error(reply, make_error(errc::invalid_argument, "request body must be a JSON object"));
    return std::nullopt;
  }
  return j;
}

/// Reads every record of one app (or all apps with an empty ns) from a history table.
template <class T>
std::vector<T> read_rows(self_ptr self, storage::table t, const std::string& prefix) {
  std::vector<T> out;
  self->state.ctx->db->scan(t, prefix, [&](std::string_view, std::string_view v) {
    if (auto r = storage::decode<T>(v))
      out.push_back(std::move(*r));
    return true;
  });
  return out;
}

size_t limit_param(const mgmt_route& r, const char* key, size_t fallback) {
  auto v = r.param(key);
  if (v.empty())
    return fallback;
  auto n = std::strtoll(v.c_str(), nullptr, 10);
  return n > 0 ? static_cast<size_t>(n) : fallback;
}

// -- ConfigMaps and Secrets ---------------------------------------------------------------------

void handle_config(self_ptr self, const mgmt_route& r, const mgmt_request& req,
                   const reply_fn& reply) {
  auto& st = self->state;
  bool secret = r.what == resource::secrets;
  bool reveal = r.param("reveal") == "true";
  auto on_err = [reply](caf::error& err) { send_error(reply, err); };
  if (r.method == "GET" && r.name.empty()) {
    self->request(st.cfg.directory, ask_timeout, directory::cfg_list_atom::value, secret, r.ns)
      .then(
        [=](const std::vector<config_record>& items) {
          json out = json::array();
          for (const auto& c : items)
            out.push_back(config_json(c, secret, reveal));
          send_json(reply, 200, {{"items", out}});
        },
        on_err);
    return;
  }
  if (r.method == "GET") {
    self->request(st.cfg.directory, ask_timeout, directory::cfg_get_atom::value, secret, r.ns, r.name)
      .then([=](const config_record& c) { send_json(reply, 200, config_json(c, secret, reveal)); },
            on_err);
    return;
  }
  if (r.method == "DELETE") {
    self->request(st.cfg.directory, ask_timeout, directory::cfg_del_atom::value, secret, r.ns, r.name)
      .then([=](bool) { send_json(reply, 200, json::object()); }, on_err);
    return;
  }
  auto body = body_object(req, reply);
  if (!body)
    return;
  config_record rec;
  rec.ns = r.ns;
  rec.name = r.method == "POST" ? body->value("name", std::string{}) : r.name;
  auto data = body->find("data");
  if (data != body->end() && !data->is_object()) {
    send_error(reply, make_error(errc::invalid_argument, "data: must be an object of strings"));
    return;
  }
  if (data != body->end())
    for (auto it = data->begin(); it != data->end(); ++it) {
      if (!it->is_string()) {
        send_error(reply, make_error(errc::invalid_argument,
                                     "data." + it.key() + ": must be a string"));
        return;
      }
      rec.data[it.key()] = it->get<std::string>();
    }
  bool create = r.method == "POST";
  self->request(st.cfg.directory, ask_timeout, directory::cfg_put_atom::value, secret, create,
                std::move(rec))
    .then([=](const config_record& c) { send_json(reply, create ? 201 : 200, config_json(c, secret, reveal)); },
          on_err);
}

// -- Apps -----------------------------------------------------------------------------------------

/// Finds the app actor, then runs `then` with it.
void with_app(self_ptr self, const mgmt_route& r, const reply_fn& reply,
              std::function<void(caf::actor)> then) {
  self->request(self->state.cfg.directory, ask_timeout, directory::app_find_atom::value, r.ns, r.name)
    .then([then](caf::actor& a) { then(std::move(a)); },
          [reply](caf::error& err) { send_error(reply, err); });
}

void list_apps(self_ptr self, const std::string& ns, const reply_fn& reply) {
  self->request(self->state.cfg.directory, ask_timeout, directory::app_list_atom::value, ns)
    .then(
      [=](const std::vector<caf::actor>& apps) {
        auto views = std::make_shared<std::vector<app::app_view>>();
        auto pending = std::make_shared<size_t>(apps.size());
        auto done = [=] {
          std::sort(views->begin(), views->end(), [](const auto& a, const auto& b) {
            return std::tie(a.record.spec.ns, a.record.spec.name)
                   < std::tie(b.record.spec.ns, b.record.spec.name);
          });
          json out = json::array();
          for (const auto& v : *views)
            out.push_back(app_json(v));
          send_json(reply, 200, {{"items", out}});
        };
        if (apps.empty())
          return done();
        for (const auto& a : apps)
          self->request(a, ask_timeout, view_atom::value)
            .then(
              [=](const app::app_view& v) {
                views->push_back(v);
                if (--*pending == 0)
                  done();
              },
              [=](caf::error&) {
                if (--*pending == 0) // an app deleted meanwhile is simply not listed
                  done();
              });
      },
      [reply](caf::error& err) { send_error(reply, err); });
}

void put_app(self_ptr self, const mgmt_route& r, const mgmt_request& req, const reply_fn& reply) {
  auto& st = self->state;
  auto body = body_object(req, reply);
  if (!body)
    return;
  auto manifest_text = body->value("manifest", std::string{});
  auto spec = manifest::parse_manifest(manifest_text, st.catalog, r.ns);
  if (!spec)
    return send_error(reply, spec.error());
  bool create = r.method == "POST";
  if (!create && spec->name != r.name)
    return send_error(reply, make_error(errc::invalid_manifest,
                                        "metadata.name: '" + spec->name
                                          + "' does not match the app being updated ('" + r.name
                                          + "')"));
  bool dry_run = r.param("dryRun") == "true";
  auto on_ok = [=](const app::app_view& v) { send_json(reply, create ? 201 : 200, app_json(v)); };
  auto on_err = [reply](caf::error& err) { send_error(reply, err); };
  if (create)
    self->request(st.cfg.directory, ask_timeout, directory::app_create_atom::value, std::move(*spec),
                  std::move(manifest_text), dry_run)
      .then(on_ok, on_err);
  else
    self->request(st.cfg.directory, ask_timeout, update_atom::value, std::move(*spec),
                  std::move(manifest_text), dry_run)
      .then(on_ok, on_err);
}

void handle_app(self_ptr self, const mgmt_route& r, const mgmt_request& req, const reply_fn& reply) {
  auto& st = self->state;
  auto on_err = [reply](caf::error& err) { send_error(reply, err); };
  auto on_view = [reply](const app::app_view& v) { send_json(reply, 200, app_json(v)); };
  if (r.name.empty() && r.method == "GET")
    return list_apps(self, r.ns, reply);
  if (r.method == "POST" && r.action.empty())
    return put_app(self, r, req, reply);
  if (r.method == "PUT")
    return put_app(self, r, req, reply);
  if (r.method == "DELETE") {
    self->request(st.cfg.directory, ask_timeout, delete_atom::value, r.ns, r.name)
      .then([=](bool) { send_json(reply, 200, json::object()); }, on_err);
    return;
  }
  with_app(self, r, reply, [=](caf::actor app) {
    if (r.action == "pause")
      self->request(app, ask_timeout, pause_atom::value).then(on_view, on_err);
    else if (r.action == "resume")
      self->request(app, ask_timeout, resume_atom::value).then(on_view, on_err);
    else
      self->request(app, ask_timeout, view_atom::value).then(on_view, on_err);
  });
}

void handle_queue(self_ptr self, const mgmt_route& r, const reply_fn& reply) {
  auto on_err = [reply](caf::error& err) { send_error(reply, err); };
  with_app(self, r, reply, [=](caf::actor app) {
    self->request(app, ask_timeout, app::queue_atom::value)
      .then(
        [=](caf::actor& queue) {
          self->request(queue, ask_timeout, view_atom::value)
            .then(
              [=](const std::vector<queue::waiter>& ws) {
                json out = json::array();
                for (size_t i = 0; i < ws.size(); ++i)
                  out.push_back(queue_entry_json(ws[i], i));
                send_json(reply, 200, {{"items", out}});
              },
              on_err);
        },
        on_err);
  });
}

template <class T>
void send_history(self_ptr self, const mgmt_route& r, storage::table t, const char* limit_key,
                  size_t fallback, json (*to_json)(const T&), const reply_fn& reply) {
  with_app(self, r, reply, [=](caf::actor) {
    auto rows = read_rows<T>(self, t, storage::app_prefix(r.ns, r.name));
    auto limit = limit_param(r, limit_key, fallback);
    json out = json::array();
    for (auto it = rows.rbegin(); it != rows.rend() && out.size() < limit; ++it)
      out.push_back(to_json(*it)); // newest first
    send_json(reply, 200, {{"items", out}});
  });
}

void send_workers(self_ptr self, const mgmt_route& r, std::vector<worker_record> rows,
                  const std::map<std::string, live_worker_info>& live, int64_t max_workers,
                  int64_t queue_size, const reply_fn& reply) {
  bool show_all = r.param("showAll") == "true";
  auto days = std::strtoll(r.param("recentDays", "2").c_str(), nullptr, 10);
  auto now = self->state.ctx->now();
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
  json out = json::array();
  for (const auto& w : rows) {
    if (!worker_listed(w, show_all, days, now))
      continue;
    auto it = live.find(w.id);
    out.push_back(worker_json(w, it == live.end() ? nullptr : &it->second));
  }
  send_json(reply, 200, {{"workers", out}, {"queueSize", queue_size}, {"maxWorkers", max_workers}});
}

void handle_app_workers(self_ptr self, const mgmt_route& r, const reply_fn& reply) {
  auto on_err = [reply](caf::error& err) { send_error(reply, err); };
  with_app(self, r, reply, [=](caf::actor app) {
    auto rows = read_rows<worker_record>(self, storage::table::workers,
                                         storage::app_prefix(r.ns, r.name));
    self->request(app, ask_timeout, app::queue_atom::value)
      .then(
        [=](caf::actor& queue) {
          self->request(queue, ask_timeout, queue::snapshot_atom::value)
            .then(
              [=](const scaler::app_snapshot& snap) {
                std::map<std::string, live_worker_info> live;
                for (const auto& s : snap.workers)
                  live[s.worker_id] = live_worker_info{s.in_flight, s.sessions};
                auto queued = snap.queue.worker_busy + snap.queue.session + snap.queue.not_dispatch;
                send_workers(self, r, rows, live, 0, queued, reply);
              },
              on_err);
        },
        on_err);
  });
}

void handle(self_ptr self, const mgmt_request& req, const reply_fn& reply) {
  auto& st = self->state;
  auto route = parse_mgmt_route(req.method, req.target);
  if (!route)
    return send_error(reply, route.error());
  const auto& r = *route;
  switch (r.what) {
    case resource::configmaps:
    case resource::secrets:
      return handle_config(self, r, req, reply);
    case resource::apps:
      return handle_app(self, r, req, reply);
    case resource::all_apps:
      return list_apps(self, "", reply);
    case resource::queue:
      return handle_queue(self, r, reply);
    case resource::events:
      return send_history<event_record>(self, r, storage::table::events, "limit", 100, &event_json,
                                        reply);
    case resource::decisions:
      return send_history<decision_record>(self, r, storage::table::decisions, "last", 20,
                                           &decision_json, reply);
    case resource::app_workers:
      return handle_app_workers(self, r, reply);
    case resource::all_workers:
      return send_workers(self, r, read_rows<worker_record>(self, storage::table::workers, ""), {},
                          0, 0, reply);
    case resource::worker_logs: {
      auto tail = limit_param(r, "tail", 0);
      uint64_t max_bytes = tail > 0 ? tail * 200 : 1 << 20; // ~200 bytes a line
      // The log is on the worker's node: ask that node's agent.
      auto agent = st.cfg.node;
      if (st.ctx->cluster)
        for (const auto& w : read_rows<worker_record>(self, storage::table::workers, ""))
          if (w.id == r.name) {
            if (auto where = st.ctx->cluster->locate(w.node))
              agent = where->agent;
            break;
          }
      if (!agent)
        return send_error(reply, make_error(errc::unavailable,
                                            "the worker's node is not connected"));
      self->request(agent, ask_timeout, node::logs_atom::value, r.name, max_bytes)
        .then(
          [=](std::string& text) {
            if (tail > 0) { // keep the last `tail` lines
              size_t pos = text.size(), lines = 0;
              while (pos > 0 && lines <= tail)
                if (text[--pos] == '\n' && pos + 1 < text.size())
                  ++lines;
              if (lines > tail)
                text = text.substr(pos + 1);
            }
            reply(mgmt_reply{200, "text/plain; charset=utf-8", std::move(text), {}});
          },
          [reply](caf::error& err) { send_error(reply, err); });
      return;
    }
    case resource::nodes: {
      auto rows = st.ctx->cluster ? st.ctx->cluster->rows() : std::vector<cluster::node_row>{};
      auto items = nlohmann::json::array();
      for (const auto& n : rows)
        items.push_back(node_json(n));
      return send_json(reply, 200, {{"nodes", std::move(items)}});
    }
    case resource::shutdown: {
      bool stop_workers = r.param("stopWorkers") == "true";
      auto exit_fn = st.cfg.request_exit;
      self->request(st.cfg.directory, std::chrono::minutes(5), shutdown_atom::value, stop_workers)
        .then(
          [=](bool) {
            send_json(reply, 200, {{"stopping", true}, {"workersStopped", stop_workers}});
            if (exit_fn)
              exit_fn();
          },
          [reply](caf::error& err) { send_error(reply, err); });
      return;
    }
  }
}

caf::behavior admin_actor(self_ptr self, const control_context* ctx, admin_config cfg) {
  self->state.ctx = ctx;
  self->state.cfg = std::move(cfg);
  self->state.catalog = make_catalog();
  return {
    [=](mgmt_atom, const mgmt_request& req, mgmt_callback& cb) {
      // The callback must run exactly once, even if a handler forgets an error path.
      auto once = std::make_shared<std::function<void(mgmt_reply)>>(std::move(cb.fn));
      reply_fn reply = [once](mgmt_reply r) {
        if (*once) {
          auto fn = std::move(*once);
          *once = nullptr;
          fn(std::move(r));
        }
      };
      try {
        handle(self, req, reply);
      } catch (const std::exception& e) {
        send_error(reply, make_error(errc::internal, e.what()));
      }
    },
  };
}

} // namespace

caf::actor spawn_admin(caf::actor_system& sys, const control_context& ctx, admin_config cfg) {
  return registry::enroll(sys.spawn(admin_actor, &ctx, std::move(cfg)), "ever.admin", ctx);
}

} // namespace ever::admin
