#include "net/bridge/remote_control_port.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "actors/common/metrics.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/queue/queue_wire.hpp"
#include "net/bridge/caf_control_port.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>

namespace ever::net::remote_detail {

using lost_atom = caf::atom_constant<caf::atom("lost")>;
using kick_atom = caf::atom_constant<caf::atom("kick")>;
using halt_atom = caf::atom_constant<caf::atom("halt")>;

/// A lease for the bridge actor to ask of a remote queue.
struct lease_job {
  caf::actor queue;
  std::string app_key; ///< "ns/app"
  std::string session;
  int64_t timeout_ms = 0;
  lease_callback cb;
};

/// A management call for the bridge actor to pass to the control service.
struct manage_job {
  caf::actor control;
  admin::mgmt_request req;
  bool mutating = false; ///< not a GET: refresh the routes before answering
  reply_callback cb;
};

} // namespace ever::net::remote_detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::net::remote_detail::lease_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::net::remote_detail::manage_job)

namespace ever::net {

using namespace remote_detail;
using std::chrono::milliseconds;

remote_tables tables_of(const cluster::route_snapshot& s) {
  remote_tables t;
  for (const auto& r : s.routes) {
    t.routes[r.key] = route_entry{r.ns, r.app, r.is_public, r.queue, nullptr};
    t.waits[r.ns + "/" + r.app] = r.wait_timeout_ms;
  }
  return t;
}

int64_t lease_timeout_ms(int64_t wait_timeout_ms, const knobs& k) {
  auto wait = wait_timeout_ms > 0 ? wait_timeout_ms : k.queue_wait_timeout_ms;
  return wait + k.remote_lease_margin_ms;
}

caf::error remote_error(const caf::error& e, const std::string& what) {
  if (!e)
    return make_error(errc::unavailable, what + " did not answer");
  if (code_of(e) != errc::internal)
    return e; // one of Ever's: the queue or the admin said so
  return make_error(errc::unavailable, what + " did not answer (" + message_of(e) + ")");
}

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

http_reply unavailable_reply(const std::string& message) {
  nlohmann::json j{{"error", {{"code", "unavailable"}, {"message", message}}}};
  return http_reply{503, "application/json", j.dump(), {{"Retry-After", "1"}}};
}

} // namespace

/// Shared by the port, the link thread and the bridge actor (which may outlive the port briefly).
struct remote_state {
  remote_state(caf::actor_system& s, const knobs& kn, remote_target t)
    : sys(s), k(kn), target(std::move(t)) {
  }

  caf::actor_system& sys;
  const knobs k;
  const remote_target target;
  shared_view view;
  metrics_registry metrics;
  std::atomic<bool> connected{false};
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> last_kick_ms{0};

  mutable std::mutex mtx; // guards everything below
  std::condition_variable cv;
  std::map<std::string, int64_t> waits;
  caf::actor control;
  caf::actor link;   // the link thread's scoped actor: kicks and halt go there
  caf::actor bridge;
  std::map<std::pair<std::string, uint64_t>, caf::actor> leases; // -> the queue that granted it
  caf::error last_error;
  bool refused = false;
  bool ever_connected = false;
  uint64_t version = 0;

  std::string where() const { return target.host + ":" + std::to_string(target.port); }

  void apply(const cluster::route_snapshot& s) {
    {
      std::lock_guard<std::mutex> g{mtx};
      if (s.version == version)
        return;
      version = s.version;
    }
    auto t = tables_of(s);
    view.set_routes(std::make_shared<const shared_view::route_map>(std::move(t.routes)));
    view.set_token_hashes(std::make_shared<const std::vector<std::string>>(s.token_hashes));
    std::lock_guard<std::mutex> g{mtx};
    waits = std::move(t.waits);
  }

  void set_connected(const caf::actor& c) {
    {
      std::lock_guard<std::mutex> g{mtx};
      control = c;
      last_error = caf::error{};
      ever_connected = true;
    }
    if (!connected.exchange(true)) {
      metrics.set_gauge("ever_remote_connected", "", 1);
      metrics.add_counter("ever_remote_connects_total", "");
      std::cout << "everd: connected to the control node at " << where() << std::endl;
    }
    cv.notify_all();
  }

  void set_lost(caf::error why) {
    caf::actor b;
    bool first_failure = false;
    {
      std::lock_guard<std::mutex> g{mtx};
      control = nullptr;
      version = 0; // a restarted control node counts its versions from 1 again
      first_failure = !last_error && !ever_connected;
      if (code_of(why) == errc::unauthorized)
        refused = true;
      last_error = std::move(why);
      b = bridge;
    }
    bool was = connected.exchange(false);
    if (was || first_failure) {
      metrics.set_gauge("ever_remote_connected", "", 0);
      std::cerr << "everd: control node at " << where() << " unreachable: "
                << message_of(last_error_copy()) << "; retrying every "
                << k.remote_reconnect_ms << " ms" << std::endl;
    }
    if (was && b)
      caf::anon_send(b, lost_atom::value); // fail what is in flight now, not at its timeout
    cv.notify_all();
  }

  caf::error last_error_copy() const {
    std::lock_guard<std::mutex> g{mtx};
    return last_error;
  }

  /// Asks the link thread for a refresh now, at most 5 times per refresh interval.
  void kick() {
    auto now = steady_ms();
    auto last = last_kick_ms.load();
    if (now - last < k.remote_refresh_ms / 5 || !last_kick_ms.compare_exchange_strong(last, now))
      return;
    caf::actor l;
    {
      std::lock_guard<std::mutex> g{mtx};
      l = link;
    }
    if (l)
      caf::anon_send(l, kick_atom::value);
  }
};

namespace {

// ---------------------------------------------------------------------------------------------
// bridge actor: the requests of gateway threads, each with a finite timeout

struct bridge_state {
  std::shared_ptr<remote_state> st;
  uint64_t next_id = 1;
  std::map<uint64_t, std::function<void(caf::error)>> pending; // fail fast on a lost link
  static inline const char* name = "ever.remote_bridge";
};

using bridge_ptr = caf::stateful_actor<bridge_state>*;

caf::behavior bridge(bridge_ptr self, std::shared_ptr<remote_state> st) {
  self->state.st = std::move(st);
  return {
    [=](lease_job& j) {
      auto& bs = self->state;
      auto id = bs.next_id++;
      auto cb = std::make_shared<lease_callback>(std::move(j.cb));
      bs.pending.emplace(id, [cb](caf::error e) { (*cb)(std::move(e)); });
      auto queue = j.queue;
      auto key = j.app_key;
      self->request(queue, milliseconds(j.timeout_ms), queue::lease_atom::value,
                    std::move(j.session))
        .then(
          [=](queue::grant& g) {
            if (self->state.pending.erase(id) == 0) {
              // Already failed as unreachable: hand the worker back instead of leaking it.
              self->send(queue, queue::release_atom::value, g.lease_id, true);
              return;
            }
            {
              std::lock_guard<std::mutex> lk{self->state.st->mtx};
              self->state.st->leases[{key, g.lease_id}] = queue;
            }
            (*cb)(to_lease_grant(std::move(g)));
          },
          [=](caf::error& e) {
            if (self->state.pending.erase(id) == 0)
              return;
            (*cb)(remote_error(e, "the app's queue on the control node"));
          });
    },
    [=](manage_job& j) {
      auto& bs = self->state;
      auto id = bs.next_id++;
      auto cb = std::make_shared<reply_callback>(std::move(j.cb));
      bs.pending.emplace(id, [cb](caf::error e) { (*cb)(unavailable_reply(message_of(e))); });
      auto control = j.control;
      bool mutating = j.mutating;
      auto timeout = milliseconds(bs.st->k.remote_manage_timeout_ms);
      self->request(control, timeout, admin::mgmt_atom::value, std::move(j.req))
        .then(
          [=](admin::mgmt_reply& r) {
            if (self->state.pending.erase(id) == 0)
              return;
            http_reply reply{r.status, std::move(r.content_type), std::move(r.body),
                             std::move(r.headers)};
            if (!mutating) {
              (*cb)(std::move(reply));
              return;
            }
            // A change made through this gateway (e.g. a new app's route) is visible here by the
            // time its client gets the answer.
            auto shared = std::make_shared<http_reply>(std::move(reply));
            auto st = self->state.st;
            self
              ->request(control, milliseconds(st->k.remote_call_timeout_ms),
                        cluster::routes_atom::value)
              .then([=](cluster::route_snapshot& s) {
                      st->apply(s);
                      (*cb)(std::move(*shared));
                    },
                    [=](caf::error&) { (*cb)(std::move(*shared)); });
          },
          [=](caf::error& e) {
            if (self->state.pending.erase(id) == 0)
              return;
            auto err = remote_error(e, "the control node");
            if (code_of(err) == errc::unavailable) {
              (*cb)(unavailable_reply(message_of(err)));
              return;
            }
            nlohmann::json j{{"error", {{"code", to_string(code_of(err))}, {"message", message_of(err)}}}};
            (*cb)(http_reply{http_status(code_of(err)), "application/json", j.dump(), {}});
          });
    },
    [=](lost_atom) {
      auto pending = std::move(self->state.pending);
      self->state.pending.clear();
      for (auto& [id, fail] : pending)
        fail(make_error(errc::unavailable, "lost the connection to the control node"));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// link thread: connect, look up "control", poll, notice loss, reconnect

/// Waits up to `d` for a kick, a halt or the control service's down_msg. True if it went down.
bool wait_for(caf::scoped_actor& self, milliseconds d, const caf::actor& control) {
  bool down = false;
  self->receive([&](kick_atom) {}, [&](halt_atom) {},
                [&](caf::down_msg& m) { down = control && m.source == control.address(); },
                caf::after(d) >> [] {});
  return down;
}

void link_loop(std::shared_ptr<remote_state> st) {
  caf::scoped_actor self{st->sys};
  {
    std::lock_guard<std::mutex> g{st->mtx};
    st->link = caf::actor_cast<caf::actor>(self);
  }
  const auto call_timeout = milliseconds(st->k.remote_call_timeout_ms);
  const auto retry = milliseconds(st->k.remote_reconnect_ms);
  caf::actor control;
  auto lose = [&](caf::error why) {
    if (control)
      self->demonitor(control);
    control = nullptr;
    st->set_lost(std::move(why));
  };
  while (!st->stopping) {
    if (!control) {
      auto gate = cluster::connect_gate(st->sys, st->target.host, st->target.port,
                                        st->target.link);
      if (!gate) {
        lose(remote_error(gate.error(), "the control node at " + st->where()));
        wait_for(self, retry, nullptr);
        continue;
      }
      caf::error err;
      self->request(*gate, call_timeout, cluster::lookup_atom::value, std::string{"control"},
                    st->target.token)
        .receive([&](caf::actor& c) { control = std::move(c); },
                 [&](caf::error& e) { err = std::move(e); });
      if (!control) {
        lose(remote_error(err, "the gate at " + st->where()));
        wait_for(self, retry, nullptr);
        continue;
      }
      self->monitor(control);
    }
    caf::error err;
    bool ok = false;
    self->request(control, call_timeout, cluster::routes_atom::value)
      .receive(
        [&](cluster::route_snapshot& s) {
          st->apply(s);
          ok = true;
        },
        [&](caf::error& e) { err = std::move(e); });
    if (!ok) {
      lose(remote_error(err, "the control service at " + st->where()));
      continue;
    }
    st->set_connected(control);
    if (wait_for(self, milliseconds(st->k.remote_refresh_ms), control))
      lose(make_error(errc::unavailable, "the connection to " + st->where() + " was lost"));
  }
  std::lock_guard<std::mutex> g{st->mtx};
  st->link = nullptr;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// remote_control_port

remote_control_port::remote_control_port(caf::actor_system& sys, const knobs& k,
                                         remote_target target)
  : st_(std::make_shared<remote_state>(sys, k, std::move(target))) {
  st_->metrics.describe("ever_remote_connected", "gauge",
                        "1 while the control node's control service answers this gateway");
  st_->metrics.describe("ever_remote_connects_total", "counter",
                        "Connections made to the control node");
  st_->metrics.set_gauge("ever_remote_connected", "", 0);
}

remote_control_port::~remote_control_port() {
  stop();
}

void remote_control_port::start() {
  if (link_.joinable())
    return;
  auto b = st_->sys.spawn(bridge, st_);
  {
    std::lock_guard<std::mutex> g{st_->mtx};
    st_->bridge = b;
  }
  link_ = std::thread{link_loop, st_};
}

void remote_control_port::stop() {
  if (st_->stopping.exchange(true))
    return;
  caf::actor l, b;
  {
    std::lock_guard<std::mutex> g{st_->mtx};
    l = st_->link;
    b = st_->bridge;
    st_->bridge = nullptr;
  }
  if (l)
    caf::anon_send(l, halt_atom::value);
  if (link_.joinable())
    link_.join(); // bounded: every wait of the loop has a timeout
  st_->connected = false;
  if (b) {
    caf::anon_send(b, lost_atom::value);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }
}

bool remote_control_port::connected() const {
  return st_->connected;
}

bool remote_control_port::wait_connected(std::chrono::milliseconds limit, caf::error& why) {
  std::unique_lock<std::mutex> g{st_->mtx};
  st_->cv.wait_for(g, limit, [&] { return st_->connected.load() || st_->refused; });
  why = st_->last_error;
  return st_->connected.load();
}

std::optional<route_match> remote_control_port::resolve(std::string_view path) {
  auto m = match_route(*st_->view.routes(), path);
  if (m)
    return m;
  if (!st_->connected) {
    // The route may well exist: let the request reach lease(), which answers 503 at once,
    // rather than 404 or 401 for an app the gateway cannot see right now.
    auto first = path.substr(0, path.find_first_of("/?"));
    auto rest = path.substr(std::min(path.size(), first.size()));
    rest = rest.substr(0, rest.find('?'));
    return route_match{"", std::string{first}, true, rest.empty() ? "/" : std::string{rest}, nullptr};
  }
  st_->kick(); // maybe created a moment ago: the next request will know
  return std::nullopt;
}

bool remote_control_port::check_token(std::string_view token) {
  return st_->view.check_token(token);
}

void remote_control_port::lease(const route_match& route, std::string session,
                                lease_callback cb) {
  if (!st_->connected) {
    cb(make_error(errc::unavailable, "the control node at " + st_->where() + " is unreachable"));
    return;
  }
  auto key = route.ns + "/" + route.app;
  auto routes = st_->view.routes();
  auto it = routes->find(key);
  caf::actor b;
  int64_t wait = 0;
  {
    std::lock_guard<std::mutex> g{st_->mtx};
    b = st_->bridge;
    if (auto w = st_->waits.find(key); w != st_->waits.end())
      wait = w->second;
  }
  if (it == routes->end() || !it->second.queue) {
    cb(make_error(errc::not_found, "app " + key + " not found"));
    return;
  }
  if (!b) {
    cb(make_error(errc::unavailable, "the gateway is stopping"));
    return;
  }
  caf::anon_send(b, lease_job{it->second.queue, key, std::move(session),
                              lease_timeout_ms(wait, st_->k), std::move(cb)});
}

void remote_control_port::release(const route_match& route, const lease_grant& grant,
                                  lease_end how) {
  caf::actor queue;
  {
    std::lock_guard<std::mutex> g{st_->mtx};
    auto it = st_->leases.find({route.ns + "/" + route.app, grant.lease_id});
    if (it == st_->leases.end())
      return;
    queue = std::move(it->second);
    st_->leases.erase(it);
  }
  // The queue that granted it, even if a restarted control node has new queues by now. A
  // client that went away says nothing about the worker: only worker_failed counts as failure.
  caf::anon_send(queue, queue::release_atom::value, grant.lease_id,
                 how != lease_end::worker_failed);
}

void remote_control_port::manage(http_call call, reply_callback cb) {
  caf::actor control, b;
  {
    std::lock_guard<std::mutex> g{st_->mtx};
    control = st_->control;
    b = st_->bridge;
  }
  if (!st_->connected || !control || !b) {
    cb(unavailable_reply("the control node at " + st_->where() + " is unreachable"));
    return;
  }
  bool mutating = call.method != "GET" && call.method != "HEAD";
  admin::mgmt_request req{std::move(call.method), std::move(call.target), std::move(call.body)};
  caf::anon_send(b, manage_job{std::move(control), std::move(req), mutating, std::move(cb)});
}

std::string remote_control_port::metrics() {
  return st_->metrics.render();
}

} // namespace ever::net
