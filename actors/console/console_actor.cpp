#include "actors/console/console_actor.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/app/app_messages.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "actors/cluster/cluster_state.hpp"
#include "actors/console/console_parse.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "actors/registry/policy_actor.hpp"
#include "actors/registry/registry.hpp"
#include "actors/scaler/scaler_messages.hpp"
#include "actors/worker/worker_messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>

namespace ever::console {

namespace {

using nlohmann::json;
using caf::response_promise;

constexpr auto ask_timeout = std::chrono::seconds(10);
constexpr auto spawn_timeout = std::chrono::seconds(10);

/// An actor this console spawned on another node (the census there lists it too).
struct remote_row {
  std::string type;
  uint64_t id = 0;
  std::string node;
  time_ms started = 0;
};

struct console_state {
  const control_context* ctx = nullptr;
  console_config cfg;
  uint64_t next_call = 1;
  std::map<uint64_t, std::function<void(int, json)>> pending; ///< management calls in flight
  std::vector<remote_row> remote;
  static inline const char* name = "ever.console";
};

using self_ptr = caf::stateful_actor<console_state>*;

/// What a command prints: text and tables, in order.
struct output {
  json blocks = json::array();
  output& text(std::string t) {
    if (!t.empty() && t.back() != '\n')
      t += '\n';
    blocks.push_back({{"text", std::move(t)}});
    return *this;
  }
  output& table(std::vector<std::string> headers, std::vector<std::vector<std::string>> rows) {
    blocks.push_back({{"headers", std::move(headers)}, {"rows", std::move(rows)}});
    return *this;
  }
  std::string str(json extra = json::object()) const {
    extra["blocks"] = blocks;
    return extra.dump();
  }
};

std::string stamp(time_ms ms) {
  if (ms <= 0)
    return "";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string duration_text(time_ms ms) {
  auto s = std::max<int64_t>(0, ms / 1000);
  if (s < 120)
    return std::to_string(s) + "s";
  if (s < 7200)
    return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

std::string str_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t int_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

/// "NS/NAME" or "NAME" (namespace default).
std::pair<std::string, std::string> app_ref(const std::string& word) {
  auto slash = word.find('/');
  if (slash == std::string::npos)
    return {"default", word};
  return {word.substr(0, slash), word.substr(slash + 1)};
}

std::string app_path(const std::string& word) {
  auto [ns, name] = app_ref(word);
  return "/api/apps/v1/namespaces/" + ns + "/apps/" + name;
}

caf::error status_error(int status, const json& body) {
  std::string msg = body.is_object() && body.contains("error")
                      ? str_of(body["error"], "message")
                      : "management API answered " + std::to_string(status);
  errc code = status == 404   ? errc::not_found
              : status == 401 ? errc::unauthorized
              : status == 409 ? errc::conflict
              : status < 500  ? errc::invalid_argument
                              : errc::unavailable;
  return make_error(code, msg);
}

/// Calls the management API; `k` runs on this actor with the status and the parsed body.
void mgmt(self_ptr self, const std::string& method, const std::string& target,
          std::function<void(int, json)> k) {
  auto& st = self->state;
  if (!st.cfg.admin) {
    k(503, json{{"error", {{"message", "the console has no admin actor on this node"}}}});
    return;
  }
  auto id = st.next_call++;
  st.pending[id] = std::move(k);
  auto me = caf::actor_cast<caf::actor>(self);
  admin::mgmt_callback cb{[me, id](admin::mgmt_reply r) {
    caf::anon_send(me, admin::mgmt_atom::value, id, r.status, std::move(r.body));
  }};
  self->send(st.cfg.admin, admin::mgmt_atom::value, admin::mgmt_request{method, target, ""},
             std::move(cb));
}

/// mgmt() for a GET whose non-2xx answer fails the command.
void get(self_ptr self, response_promise rp, const std::string& target,
         std::function<void(json)> k) {
  mgmt(self, "GET", target, [rp, k](int status, json body) mutable {
    if (status / 100 != 2)
      rp.deliver(status_error(status, body));
    else
      k(std::move(body));
  });
}

// -- commands -------------------------------------------------------------------------------------

void cmd_types(response_promise rp) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : registry::types())
    rows.push_back({t.name, t.kind, t.args_help, t.description});
  rp.deliver(output{}.table({"NAME", "KIND", "ARGUMENTS", "DESCRIPTION"}, rows).str());
}

void local_nodes(self_ptr self, response_promise rp) {
  auto& ctx = *self->state.ctx;
  rp.deliver(output{}
               .table({"NAME", "STATUS", "ACTORS", "NOTE"},
                      {{ctx.node_name, "Ready", std::to_string(registry::census_rows().size()),
                        "this node (no membership service)"}})
               .str());
}

void cmd_nodes(self_ptr self, response_promise rp) {
  auto& st = self->state;
  if (!st.cfg.membership)
    return local_nodes(self, rp);
  self->request(st.cfg.membership, ask_timeout, cluster::nodes_atom::value)
    .then(
      [=](const std::vector<cluster::node_row>& nodes) mutable {
        std::vector<std::vector<std::string>> rows;
        auto now = self->state.ctx->now();
        for (const auto& n : nodes)
          rows.push_back({n.info.name, to_string(n.status), n.info.address,
                          std::to_string(n.workers), std::to_string(n.generation),
                          n.last_heartbeat ? duration_text(now - n.last_heartbeat) + " ago" : ""});
        rp.deliver(output{}
                     .table({"NAME", "STATUS", "ADDRESS", "WORKERS", "GENERATION", "LAST-BEAT"},
                            rows)
                     .str());
      },
      [=](caf::error&) mutable { local_nodes(self, rp); });
}

void cmd_actors(self_ptr self, const command_line& cl, response_promise rp) {
  auto& st = self->state;
  auto node = cl.flags.count("--node") ? cl.flags.at("--node") : "";
  auto type = cl.flags.count("--type") ? cl.flags.at("--type") : "";
  auto now = st.ctx->now();
  auto keep = [&](const std::string& n, const std::string& t) {
    return (node.empty() || n == node) && (type.empty() || t == type || t.rfind(type + ".", 0) == 0);
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : registry::census_rows())
    if (keep(r.node, r.type))
      rows.push_back({r.type, std::to_string(r.id), r.node, r.mailbox,
                      duration_text(now - r.started), r.label});
  for (const auto& r : st.remote)
    if (keep(r.node, r.type))
      rows.push_back({r.type, std::to_string(r.id), r.node, "-", duration_text(now - r.started),
                      "spawned remotely from this console"});
  rp.deliver(output{}.table({"TYPE", "ID", "NODE", "MAILBOX", "UPTIME", "ABOUT"}, rows).str());
}

void cmd_inspect(self_ptr self, const command_line& cl, response_promise rp) {
  if (cl.operands.size() != 1)
    return rp.deliver(make_error(errc::invalid_argument, "usage: inspect ACTOR (an id from `actors`)"));
  const auto& word = cl.operands[0];
  char* end = nullptr;
  auto id = std::strtoull(word.c_str(), &end, 10);
  if (word.empty() || *end != '\0')
    return rp.deliver(make_error(errc::invalid_argument,
                                 "ACTOR must be an actor id from `actors`, not '" + word + "'"));
  registry::census_row row;
  bool found = false;
  for (const auto& r : registry::census_rows())
    if (r.id == id) {
      row = r;
      found = true;
    }
  auto target = registry::census_find(id);
  if (!found || !target)
    return rp.deliver(make_error(errc::not_found, "no live actor with id " + word
                                                    + " on this node (see `actors`)"));
  auto head = row.type + " " + word + " on " + row.node + (row.label.empty() ? "" : " (" + row.label + ")")
              + ", up " + duration_text(self->state.ctx->now() - row.started) + ", mailbox "
              + row.mailbox;
  auto fail = [=](caf::error& err) mutable {
    rp.deliver(make_error(errc::unavailable, head + ": did not answer: " + message_of(err)));
  };
  if (row.type == "ever.queue") {
    self->request(target, ask_timeout, view_atom::value)
      .then(
        [=](const std::vector<queue::waiter>& ws) mutable {
          std::vector<std::vector<std::string>> rows;
          auto now = self->state.ctx->now();
          for (size_t i = 0; i < ws.size(); ++i)
            rows.push_back({std::to_string(i), std::to_string(ws[i].seq), to_string(ws[i].reason),
                            duration_text(now - ws[i].created_at), ws[i].session});
          rp.deliver(output{}
                       .text(head + "\nqueue length: " + std::to_string(ws.size()))
                       .table({"INDEX", "SEQ", "REASON", "WAITING", "SESSION"}, rows)
                       .str());
        },
        fail);
  } else if (row.type == "ever.app") {
    self->request(target, ask_timeout, view_atom::value)
      .then(
        [=](const app::app_view& v) mutable {
          const auto& s = v.record.spec;
          rp.deliver(output{}
                       .text(head + "\napp " + s.ns + "/" + s.name + ": "
                             + to_string(v.record.status) + ", revision "
                             + std::to_string(v.record.revision) + ", workers ready "
                             + std::to_string(v.ready) + " / desired " + std::to_string(v.desired)
                             + ", autoscaler " + s.autoscaler.name)
                       .str());
        },
        fail);
  } else if (row.type == "ever.worker") {
    self->request(target, ask_timeout, view_atom::value)
      .then(
        [=](const worker_record& w) mutable {
          rp.deliver(output{}
                       .text(head + "\nworker " + w.id + " of " + w.ns + "/" + w.app + ": "
                             + to_string(w.status) + " " + to_string(w.detail) + ", pid "
                             + std::to_string(w.pid) + ", port " + std::to_string(w.port)
                             + ", served " + std::to_string(w.success_count) + " ok / "
                             + std::to_string(w.failure_count) + " failed")
                       .str());
        },
        fail);
  } else if (row.type.rfind("ever.policy.", 0) == 0 || row.type.rfind("ever.decorator.", 0) == 0) {
    self->request(target, ask_timeout, view_atom::value)
      .then([=](const std::string& v) mutable { rp.deliver(output{}.text(head + "\n" + v).str()); },
            fail);
  } else {
    // Every CAF actor answers the system "info" request: proof of life and its name.
    self->request(target, ask_timeout, caf::sys_atom::value, caf::get_atom::value,
                  std::string{"info"})
      .then(
        [=](caf::ok_atom, const std::string&, const caf::strong_actor_ptr&,
            const std::string& name) mutable {
          rp.deliver(output{}.text(head + "\nalive, answers as '" + name
                                   + "' (it has no view message: its protocol is in its "
                                     "<kind>_messages.hpp)")
                       .str());
        },
        fail);
  }
}

void cmd_apps(self_ptr self, response_promise rp) {
  get(self, rp, "/api/apps/v1/apps", [rp](json body) mutable {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : body.value("items", json::array())) {
      auto w = a.value("workers", json::object());
      rows.push_back({str_of(a, "name"), str_of(a, "namespace"), str_of(a, "status"),
                      std::to_string(int_of(w, "ready")), std::to_string(int_of(w, "desired")),
                      str_of(a, "autoscaler")});
    }
    rp.deliver(output{}.table({"NAME", "NAMESPACE", "STATUS", "READY", "DESIRED", "AUTOSCALER"}, rows).str());
  });
}

void cmd_workers(self_ptr self, const std::string& app, response_promise rp) {
  get(self, rp, app_path(app) + "/workers", [rp](json body) mutable {
    std::vector<std::vector<std::string>> rows;
    for (const auto& w : body.value("workers", json::array()))
      rows.push_back({str_of(w, "id"), str_of(w, "status"), str_of(w, "detailStatus"),
                      str_of(w, "node"), str_of(w, "pid"), str_of(w, "port"),
                      str_of(w, "successCount"), str_of(w, "failedCount")});
    rp.deliver(output{}
                 .table({"ID", "STATUS", "DETAIL", "NODE", "PID", "PORT", "OK", "FAILED"}, rows)
                 .text("queue: " + str_of(body, "queueSize"))
                 .str());
  });
}

void cmd_queue(self_ptr self, const std::string& app, response_promise rp) {
  auto now = self->state.ctx->now();
  get(self, rp, app_path(app) + "/queue", [rp, app, now](json body) mutable {
    std::vector<std::vector<std::string>> rows;
    auto items = body.value("items", json::array());
    for (const auto& q : items)
      rows.push_back({str_of(q, "index"), str_of(q, "reason"),
                      duration_text(now - int_of(q, "createdAt"))});
    rp.deliver(output{}
                 .text(app + ": queue length " + std::to_string(items.size()))
                 .table({"INDEX", "REASON", "WAITING"}, rows)
                 .str());
  });
}

std::string actions_text(const json& result) {
  // An action is {"action": "ScaleUp", "count": 1} or {"action": "ScaleDown", "worker_ids": [...]}.
  std::string out;
  for (const auto& a : result.value("actions", json::array())) {
    if (!a.is_object())
      continue;
    std::string detail;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (it.key() == "action")
        continue;
      auto v = it->is_array() ? std::to_string(it->size())
                              : it->is_string() ? it->get<std::string>() : it->dump();
      detail += (detail.empty() ? "" : " ") + it.key() + "=" + v;
    }
    out += (out.empty() ? "" : ", ") + str_of(a, "action") + (detail.empty() ? "" : "(" + detail + ")");
  }
  return out.empty() ? "no action" : out;
}

void cmd_decisions(self_ptr self, const command_line& cl, response_promise rp) {
  auto last = cl.flags.count("--last") ? cl.flags.at("--last") : "10";
  get(self, rp, app_path(cl.operands[0]) + "/decisions?last=" + last, [rp](json body) mutable {
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : body.value("items", json::array()))
      rows.push_back({str_of(d, "seq"), stamp(int_of(d, "at")), str_of(d, "policy"),
                      actions_text(d.value("result", json::object())), str_of(d, "reason")});
    rp.deliver(output{}.table({"SEQ", "AT", "POLICY", "ACTIONS", "REASON"}, rows).str());
  });
}

std::string factors_words(const json& f) {
  if (!f.is_object())
    return "no factors";
  std::string out;
  if (f.contains("queue") && f["queue"].is_object())
    for (auto it = f["queue"].begin(); it != f["queue"].end(); ++it)
      if (*it != 0)
        out += (out.empty() ? "" : ", ") + std::string("queue ") + it.key() + "=" + it->dump();
  if (f.contains("worker") && f["worker"].is_object()) {
    for (auto it = f["worker"].begin(); it != f["worker"].end(); ++it)
      if (*it != 0)
        out += (out.empty() ? "" : ", ") + std::string("workers ") + it.key() + "=" + it->dump();
  } else if (f.contains("workers") && f["workers"].is_array()) {
    std::map<std::string, int> by_status;
    for (const auto& w : f["workers"])
      ++by_status[str_of(w, "status")];
    std::string ws;
    for (const auto& [k, n] : by_status)
      ws += (ws.empty() ? "" : " ") + std::to_string(n) + "x" + k;
    out += (out.empty() ? "" : ", ") + std::string("workers ") + (ws.empty() ? "none" : ws);
  }
  return out.empty() ? "empty queue, no workers" : out;
}

std::string why_text(const json& d) {
  std::string args;
  auto arguments = d.value("arguments", json::object());
  for (auto it = arguments.begin(); it != arguments.end(); ++it)
    args += (args.empty() ? "" : " ") + it.key() + "=" + it->dump();
  auto reason = str_of(d, "reason");
  return "#" + str_of(d, "seq") + " at " + stamp(int_of(d, "at")) + ": policy '" + str_of(d, "policy")
         + "' decided " + actions_text(d.value("result", json::object())) + "\n  rule: "
         + (reason.empty() ? "(no reason recorded)" : reason) + "\n  factors: "
         + factors_words(d.value("factors", json())) + "\n  arguments: " + args + "\n";
}

void cmd_why(self_ptr self, const std::string& app, response_promise rp) {
  get(self, rp, app_path(app) + "/decisions?last=3", [rp, app](json body) mutable {
    auto items = body.value("items", json::array());
    if (items.empty())
      return rp.deliver(output{}.text(app + ": the scaler has made no decision that acted yet").str());
    std::string text = app + ": the latest decisions, newest first\n";
    for (const auto& d : items)
      text += why_text(d);
    rp.deliver(output{}.text(text).str());
  });
}

/// Finds the app actor of "NS/NAME".
void with_app(self_ptr self, response_promise rp, const std::string& word,
              std::function<void(caf::actor)> k) {
  auto& st = self->state;
  if (!st.cfg.directory)
    return rp.deliver(make_error(errc::unavailable, "the console has no directory on this node"));
  auto [ns, name] = app_ref(word);
  self->request(st.cfg.directory, ask_timeout, directory::app_find_atom::value, ns, name)
    .then([k](caf::actor& a) { k(std::move(a)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// The app's max_workers: the last decision's resolved arguments, else a literal argument of
/// the spec, else the policy's default. Manual autoscalers have no maximum (-1).
int64_t max_workers_of(const app::app_view& v, const json& last_decision) {
  const auto& a = v.record.spec.autoscaler;
  if (a.kind == autoscaler_spec::kind_t::manual)
    return -1;
  if (last_decision.is_object() && last_decision.contains("arguments")
      && last_decision["arguments"].contains("max_workers"))
    return last_decision["arguments"]["max_workers"].get<int64_t>();
  auto it = a.arguments.find("max_workers");
  if (it != a.arguments.end() && !it->second.ref)
    if (auto n = policy::parse_int_argument("max_workers", it->second.value))
      return *n;
  if (auto params = policy::policy_parameters(a.name))
    if (auto p = params->find("max_workers"); p != params->end())
      return p->second;
  return -1;
}

void cmd_scale(self_ptr self, const command_line& cl, response_promise rp) {
  if (cl.operands.size() != 2)
    return rp.deliver(make_error(errc::invalid_argument, "usage: scale APP N"));
  auto word = cl.operands[0];
  char* end = nullptr;
  auto n = std::strtoll(cl.operands[1].c_str(), &end, 10);
  if (cl.operands[1].empty() || *end != '\0' || n < 0)
    return rp.deliver(make_error(errc::invalid_argument,
                                 "N must be a worker count (0 or more), not '" + cl.operands[1] + "'"));
  with_app(self, rp, word, [=](caf::actor app) {
    self->request(app, ask_timeout, view_atom::value)
      .then(
        [=](const app::app_view& v) mutable {
          get(self, rp, app_path(word) + "/decisions?last=1", [=](json body) mutable {
            auto items = body.value("items", json::array());
            auto max = max_workers_of(v, items.empty() ? json() : items[0]);
            auto target = max >= 0 ? std::min<int64_t>(n, max) : n;
            std::string capped = target < n ? " (capped by max_workers " + std::to_string(max) + ")" : "";
            auto reason = "console: scale to " + std::to_string(target) + capped;
            if (target == v.desired)
              return rp.deliver(output{}.text(word + ": already " + std::to_string(target) + " workers" + capped).str());
            if (target > v.desired) {
              self->request(app, ask_timeout, scaler::scale_up_atom::value, target - v.desired, reason)
                .then(
                  [=](int64_t started) mutable {
                    rp.deliver(output{}.text(word + ": starting " + std::to_string(started)
                                             + " worker(s), " + std::to_string(v.desired) + " -> "
                                             + std::to_string(target) + capped)
                                 .str());
                  },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
              return;
            }
            get(self, rp, app_path(word) + "/workers", [=](json wbody) mutable {
              std::vector<std::pair<int64_t, std::string>> live; // newest first
              for (const auto& w : wbody.value("workers", json::array())) {
                auto s = str_of(w, "status");
                if (s == "TERMINATING" || s == "TERMINATED" || s == "ERROR")
                  continue;
                live.emplace_back(int_of(w, "createdAt"), str_of(w, "id"));
              }
              std::sort(live.rbegin(), live.rend());
              std::vector<std::string> ids;
              for (size_t i = 0; i < live.size() && static_cast<int64_t>(ids.size()) < v.desired - target; ++i)
                ids.push_back(live[i].second);
              self->request(app, ask_timeout, scaler::scale_down_atom::value, ids, reason)
                .then(
                  [=](int64_t stopping) mutable {
                    rp.deliver(output{}.text(word + ": stopping " + std::to_string(stopping)
                                             + " worker(s), " + std::to_string(v.desired) + " -> "
                                             + std::to_string(target))
                                 .str());
                  },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
            });
          });
        },
        [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  });
}

void cmd_drain(self_ptr self, const std::string& id, response_promise rp) {
  get(self, rp, "/api/apps/v1/workers", [=](json body) mutable {
    for (const auto& w : body.value("workers", json::array())) {
      if (str_of(w, "id") != id)
        continue;
      auto word = str_of(w, "namespace") + "/" + str_of(w, "app");
      return with_app(self, rp, word, [=](caf::actor app) {
        self->request(app, ask_timeout, scaler::scale_down_atom::value, std::vector<std::string>{id},
                      std::string{"console: drain " + id})
          .then(
            [=](int64_t stopping) mutable {
              rp.deliver(output{}.text(stopping > 0 ? "draining worker " + id + " of " + word
                                                    : "worker " + id + " is already stopping")
                           .str());
            },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      });
    }
    rp.deliver(make_error(errc::not_found, "no live worker '" + id + "' (see `workers APP`)"));
  });
}

/// Spawns `type` on the everd of `nid` through the middleman actor (what the blocking
/// mm.remote_spawn does inside), so the console needs no thread of its own. `where` names the
/// node in replies and in the census of remote spawns.
void spawn_on_node(self_ptr self, response_promise rp, const caf::node_id& nid,
                   const std::string& type, const caf::message& args, const std::string& where) {
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, spawn_timeout, caf::spawn_atom::value, nid, type, args, std::set<std::string>{})
    .then(
      [=](caf::strong_actor_ptr& p) mutable {
        if (!p)
          return rp.deliver(make_error(errc::unavailable, "node " + where + " spawned nothing"));
        auto id = p->id();
        self->state.remote.push_back({type, id, where, self->state.ctx->now()});
        rp.deliver(output{}.text("spawned " + type + " id " + std::to_string(id) + " on " + where).str());
      },
      [=](caf::error& err) mutable {
        auto code = code_of(err) == errc::internal ? errc::invalid_argument : code_of(err);
        rp.deliver(make_error(code, registry::explain_spawn_error(self->system(), err, type,
                                                                  "node " + where)));
      });
}

/// The CAF node of a member that joined this control node, if `name` is one and it is ready:
/// its node agent's connection is how nodes that only dial out (`--join`, no listening cluster
/// port of their own) are reached.
std::optional<caf::node_id> member_node(const control_context& ctx, const std::string& name) {
  if (!ctx.cluster)
    return std::nullopt;
  auto at = ctx.cluster->locate(name);
  if (!at || !at->agent)
    return std::nullopt;
  return at->agent.node();
}

void cmd_spawn(self_ptr self, const command_line& cl, response_promise rp) {
  auto& st = self->state;
  if (cl.operands.empty())
    return rp.deliver(make_error(errc::invalid_argument, "usage: spawn TYPE [on NODE] [KEY=VALUE...]"));
  auto type = cl.operands[0];
  std::vector<std::string> rest(cl.operands.begin() + 1, cl.operands.end());
  std::string where;
  if (rest.size() >= 2 && rest[0] == "on") {
    where = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  auto args = registry::parse_spawn_args(rest);
  if (!args)
    return rp.deliver(args.error());
  if (where.empty() || where == st.ctx->node_name) {
    auto a = registry::spawn_type(type, *args);
    if (!a)
      return rp.deliver(a.error());
    return rp.deliver(output{}.text("spawned " + type + " id " + std::to_string(a->id()) + " on "
                                    + st.ctx->node_name)
                        .str());
  }
  auto spawn_msg = caf::make_message(*args);
  if (auto nid = member_node(*st.ctx, where))
    return spawn_on_node(self, rp, *nid, type, spawn_msg, where);
  auto colon = where.rfind(':');
  char* end = nullptr;
  auto port = colon == std::string::npos ? 0 : std::strtoul(where.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || port == 0 || port > 65535 || *end != '\0')
    return rp.deliver(make_error(errc::invalid_argument,
                                 "NODE must be this node (" + st.ctx->node_name
                                   + "), a ready node of this cluster (see `nodes`) or HOST:PORT "
                                     "of another everd's cluster port, not '" + where + "'"));
  auto mm = self->system().middleman().actor_handle();
  auto host = where.substr(0, colon);
  self->request(mm, spawn_timeout, caf::connect_atom::value, host, static_cast<uint16_t>(port))
    .then(
      [=](const caf::node_id& nid, caf::strong_actor_ptr&, std::set<std::string>&) mutable {
        spawn_on_node(self, rp, nid, type, spawn_msg, where);
      },
      [=](caf::error& err) mutable {
        rp.deliver(make_error(errc::unavailable, "cannot reach node " + where + ": "
                                                   + self->system().render(err)));
      });
}

/// New events and decisions of an app after the given sequence numbers (watch polls this).
void cmd_watch_poll(self_ptr self, const std::vector<std::string>& words, response_promise rp) {
  if (words.size() != 4)
    return rp.deliver(make_error(errc::invalid_argument, "usage: __watch APP EVENT_SEQ DECISION_SEQ"));
  auto app = words[1];
  auto after_event = std::strtoll(words[2].c_str(), nullptr, 10);
  auto after_decision = std::strtoll(words[3].c_str(), nullptr, 10);
  get(self, rp, app_path(app) + "/events?limit=50", [=](json events) mutable {
    get(self, rp, app_path(app) + "/decisions?last=20", [=](json decisions) mutable {
      // Both lists come newest first; a first poll (seq -1) shows the last few as context.
      std::vector<std::pair<int64_t, std::string>> lines;
      int64_t ev = std::max<int64_t>(after_event, 0), de = std::max<int64_t>(after_decision, 0);
      auto eitems = events.value("items", json::array());
      auto ditems = decisions.value("items", json::array());
      size_t shown = 0;
      for (const auto& e : eitems) {
        auto seq = int_of(e, "seq");
        ev = std::max(ev, seq);
        if (after_event >= 0 ? seq > after_event : shown++ < 3)
          lines.emplace_back(int_of(e, "createdAt"), stamp(int_of(e, "createdAt")) + " event "
                                                       + str_of(e, "type") + " " + str_of(e, "from")
                                                       + ": " + str_of(e, "message"));
      }
      shown = 0;
      for (const auto& d : ditems) {
        auto seq = int_of(d, "seq");
        de = std::max(de, seq);
        if (after_decision >= 0 ? seq > after_decision : shown++ < 3)
          lines.emplace_back(int_of(d, "at"), stamp(int_of(d, "at")) + " decision #" + str_of(d, "seq")
                                                + " " + actions_text(d.value("result", json::object()))
                                                + ": " + str_of(d, "reason"));
      }
      std::stable_sort(lines.begin(), lines.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      output out;
      std::string text;
      for (const auto& [_, l] : lines)
        text += l + "\n";
      if (!text.empty())
        out.text(text);
      rp.deliver(out.str(json{{"event", ev}, {"decision", de}}));
    });
  });
}

void cmd_complete(self_ptr self, response_promise rp) {
  json names{{"types", json::array()}, {"actors", json::array()}, {"nodes", json::array()}};
  for (const auto& t : registry::types())
    names["types"].push_back(t.name);
  for (const auto& r : registry::census_rows())
    names["actors"].push_back(std::to_string(r.id));
  names["nodes"].push_back(self->state.ctx->node_name);
  mgmt(self, "GET", "/api/apps/v1/apps", [=](int, json apps) mutable {
    json n = names;
    n["apps"] = json::array();
    for (const auto& a : apps.value("items", json::array()))
      n["apps"].push_back(str_of(a, "namespace") == "default"
                            ? str_of(a, "name")
                            : str_of(a, "namespace") + "/" + str_of(a, "name"));
    mgmt(self, "GET", "/api/apps/v1/workers", [=](int, json workers) mutable {
      json m = n;
      m["workers"] = json::array();
      for (const auto& w : workers.value("workers", json::array()))
        m["workers"].push_back(str_of(w, "id"));
      rp.deliver(m.dump());
    });
  });
}

void run_line(self_ptr self, const std::string& line, response_promise rp) {
  auto words = split_line(line);
  if (!words)
    return rp.deliver(words.error());
  if (!words->empty() && (*words)[0] == "__complete")
    return cmd_complete(self, rp);
  if (!words->empty() && (*words)[0] == "__watch")
    return cmd_watch_poll(self, *words, rp);
  auto cl = parse_line(line);
  if (!cl)
    return rp.deliver(cl.error());
  const auto& c = *cl;
  if (c.name.empty())
    return rp.deliver(output{}.str());
  auto need = [&](size_t n) {
    if (c.operands.size() == n)
      return true;
    rp.deliver(make_error(errc::invalid_argument, "usage: " + std::string(find_command(c.name)->usage)));
    return false;
  };
  if (c.name == "help")
    return rp.deliver(output{}.text(help_text()).str());
  if (c.name == "types")
    return need(0) ? cmd_types(rp) : void();
  if (c.name == "nodes")
    return need(0) ? cmd_nodes(self, rp) : void();
  if (c.name == "actors")
    return need(0) ? cmd_actors(self, c, rp) : void();
  if (c.name == "inspect")
    return cmd_inspect(self, c, rp);
  if (c.name == "apps")
    return need(0) ? cmd_apps(self, rp) : void();
  if (c.name == "workers")
    return need(1) ? cmd_workers(self, c.operands[0], rp) : void();
  if (c.name == "queue")
    return need(1) ? cmd_queue(self, c.operands[0], rp) : void();
  if (c.name == "decisions")
    return need(1) ? cmd_decisions(self, c, rp) : void();
  if (c.name == "why")
    return need(1) ? cmd_why(self, c.operands[0], rp) : void();
  if (c.name == "scale")
    return cmd_scale(self, c, rp);
  if (c.name == "drain")
    return need(1) ? cmd_drain(self, c.operands[0], rp) : void();
  if (c.name == "spawn")
    return cmd_spawn(self, c, rp);
  if (c.name == "watch")
    // The client streams: it polls `__watch` until Ctrl-C (ever console does this).
    return rp.deliver(make_error(errc::invalid_argument,
                                 "watch streams from `ever console`, which polls the console"));
  rp.deliver(make_error(errc::internal, "command '" + c.name + "' has no implementation"));
}

caf::behavior console_actor(self_ptr self, const control_context* ctx, console_config cfg) {
  self->state.ctx = ctx;
  self->state.cfg = std::move(cfg);
  return {
    [=](console_atom, const std::string& line) -> caf::result<std::string> {
      auto rp = self->make_response_promise();
      try {
        run_line(self, line, rp);
      } catch (const std::exception& e) {
        rp.deliver(make_error(errc::internal, e.what()));
      }
      return caf::delegated<std::string>{};
    },
    [=](admin::mgmt_atom, uint64_t id, int status, const std::string& body) {
      auto& st = self->state;
      auto it = st.pending.find(id);
      if (it == st.pending.end())
        return;
      auto k = std::move(it->second);
      st.pending.erase(it);
      try {
        k(status, json::parse(body.empty() ? "null" : body, nullptr, false));
      } catch (const std::exception& e) {
        // a continuation that throws would kill the console: log and drop this command
        std::fprintf(stderr, "ever.console: %s\n", e.what());
      }
    },
    [=](view_atom) -> std::string {
      auto& st = self->state;
      return json{{"pending_calls", st.pending.size()},
                  {"remote_spawned", st.remote.size()},
                  {"directory", static_cast<bool>(st.cfg.directory)},
                  {"admin", static_cast<bool>(st.cfg.admin)},
                  {"membership", static_cast<bool>(st.cfg.membership)}}
        .dump();
    },
  };
}

} // namespace

caf::actor spawn_console(caf::actor_system& sys, const control_context& ctx, console_config cfg) {
  auto a = cfg.detached ? sys.spawn<caf::detached>(console_actor, &ctx, std::move(cfg))
                        : sys.spawn(console_actor, &ctx, std::move(cfg));
  return registry::enroll(std::move(a), "ever.console", ctx);
}

} // namespace ever::console
