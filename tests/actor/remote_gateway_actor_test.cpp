// What a remote gateway asks of the control node, under CAF's test coordinator: the queue's
// request-style lease (same queue, same order as local leases), and the control service's route
// snapshot and management forwarding.

#include "actor/actor_fixture.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/cluster/control_service.hpp"
#include "actors/queue/queue_actor.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/queue/queue_wire.hpp"

#include <optional>

using namespace ever;
using namespace ever::test;

namespace {

struct remote_outcome {
  std::optional<queue::grant> grant;
  errc code = errc::ok;
};

/// Asks `q` for a lease as a remote gateway does (a request) and records the answer.
caf::behavior remote_leaser(caf::event_based_actor* self, caf::actor q, std::string session,
                            std::shared_ptr<std::vector<remote_outcome>> out) {
  self->request(q, caf::infinite, queue::lease_atom::value, std::move(session))
    .then([=](queue::grant& g) { out->push_back({g, errc::ok}); },
          [=](caf::error& e) { out->push_back({std::nullopt, code_of(e)}); });
  return {[](caf::get_atom) {}};
}

struct remote_fixture : actor_fixture {
  caf::actor q;
  std::shared_ptr<std::vector<remote_outcome>> got =
    std::make_shared<std::vector<remote_outcome>>();

  void start_queue(int64_t max_length) {
    queue::queue_config c;
    c.ns = ns;
    c.app = app;
    c.max_length = max_length;
    q = keep(queue::spawn_queue(sys, ctx, c));
    sched.run();
  }

  void remote_lease(const std::string& session = {}) {
    keep(sys.spawn(remote_leaser, q, session, got));
    sched.run();
  }

  void add_worker(const std::string& id) {
    queue::slot s;
    s.worker_id = id;
    s.port = 20001;
    s.phase = queue::slot_phase::running;
    s.capacity = 1;
    s.created_at = s.started_at = s.last_service_at = clock.now();
    caf::anon_send(q, queue::upsert_atom::value, s, caf::actor{});
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(remote_fixture, "remote lease: a request-style lease is granted, waits in the "
                                 "same queue, and is refused when the queue is full",
                 "[actor][queue][cluster]") {
  start_queue(1);
  add_worker("w1");
  remote_lease();
  REQUIRE(got->size() == 1);
  REQUIRE((*got)[0].grant);
  CHECK((*got)[0].grant->worker_id == "w1");
  auto first = (*got)[0].grant->lease_id;

  remote_lease(); // worker busy: waits
  CHECK(got->size() == 1);
  remote_lease(); // one waiting is the limit: refused
  REQUIRE(got->size() == 2);
  CHECK(!(*got)[1].grant);
  CHECK((*got)[1].code == errc::queue_full);

  caf::anon_send(q, queue::release_atom::value, first, true);
  sched.run();
  REQUIRE(got->size() == 3);
  REQUIRE((*got)[2].grant);
  CHECK((*got)[2].grant->worker_id == "w1");
  CHECK((*got)[2].grant->lease_id != first);
}

TEST_CASE_METHOD(remote_fixture, "remote lease: a waiter is failed with the queue's error when "
                                 "the app is deleted",
                 "[actor][queue][cluster]") {
  start_queue(10);
  remote_lease(); // no worker: waits
  CHECK(got->empty());
  caf::anon_send(q, delete_atom::value);
  sched.run();
  REQUIRE(got->size() == 1);
  CHECK(!(*got)[0].grant);
  CHECK((*got)[0].code != errc::ok);
}

TEST_CASE_METHOD(remote_fixture, "control service: the route snapshot carries queues, wait "
                                 "timeouts and token hashes, and changes version only on change",
                 "[actor][cluster]") {
  start_queue(10);
  app_record rec;
  rec.spec.ns = ns;
  rec.spec.name = app;
  rec.spec.queue.wait_timeout_ms = 7000;
  storage::write_batch b;
  b.put(storage::table::apps, storage::object_key(ns, app), storage::encode(rec));
  REQUIRE(!db->write(b, storage::durability::sync));
  auto routes = std::make_shared<shared_view::route_map>();
  (*routes)["demo"] = route_entry{ns, app, true, q, nullptr};
  (*routes)[ns + "/" + app] = route_entry{ns, app, true, q, nullptr};
  view.set_routes(routes);
  view.set_token_hashes(std::make_shared<std::vector<std::string>>(std::vector<std::string>{"h1"}));
  auto svc = keep(cluster::spawn_control_service(sys, ctx, caf::actor{}));
  sched.run();

  auto ask = [&] {
    caf::scoped_actor self{sys};
    cluster::route_snapshot out;
    auto h = self->request(svc, caf::infinite, cluster::routes_atom::value);
    sched.run();
    h.receive([&](cluster::route_snapshot& s) { out = std::move(s); },
              [&](caf::error& e) { FAIL("routes failed: " << sys.render(e)); });
    return out;
  };
  auto s1 = ask();
  REQUIRE(s1.routes.size() == 2);
  for (const auto& r : s1.routes) {
    CHECK(r.queue == q);
    CHECK(r.wait_timeout_ms == 7000);
    CHECK(r.is_public);
  }
  CHECK(s1.token_hashes == std::vector<std::string>{"h1"});
  auto s2 = ask();
  CHECK(s2.version == s1.version);
  view.set_routes(std::make_shared<shared_view::route_map>());
  auto s3 = ask();
  CHECK(s3.version == s1.version + 1);
  CHECK(s3.routes.empty());
}

TEST_CASE_METHOD(remote_fixture, "control service: a management call is answered by the admin "
                                 "actor",
                 "[actor][cluster]") {
  auto admin = keep(sys.spawn([]() -> caf::behavior {
    return {[](admin::mgmt_atom, admin::mgmt_request& req, admin::mgmt_callback& cb) {
      cb.fn(admin::mgmt_reply{201, "application/json", req.method + " " + req.target, {}});
    }};
  }));
  auto svc = keep(cluster::spawn_control_service(sys, ctx, admin));
  sched.run();
  caf::scoped_actor self{sys};
  auto h = self->request(svc, caf::infinite, admin::mgmt_atom::value,
                         admin::mgmt_request{"POST", "/api/apps/v1/x", "{}"});
  sched.run();
  std::optional<admin::mgmt_reply> reply;
  h.receive([&](admin::mgmt_reply& r) { reply = std::move(r); },
            [&](caf::error& e) { FAIL("mgmt failed: " << sys.render(e)); });
  REQUIRE(reply);
  CHECK(reply->status == 201);
  CHECK(reply->body == "POST /api/apps/v1/x");
}

TEST_CASE_METHOD(remote_fixture, "remote lease: the leases of a gateway that goes away are "
                                 "returned to the queue",
                 "[actor][queue][cluster]") {
  start_queue(10);
  add_worker("w1");
  auto holder = sys.spawn(remote_leaser, q, std::string{}, got); // stands in for a gateway
  sched.run();
  REQUIRE(got->size() == 1);
  REQUIRE((*got)[0].grant);
  remote_lease(); // the only worker is held: waits
  CHECK(got->size() == 1);
  caf::anon_send_exit(holder, caf::exit_reason::kill); // the gateway process dies
  sched.run();
  REQUIRE(got->size() == 2);
  REQUIRE((*got)[1].grant);
  CHECK((*got)[1].grant->worker_id == "w1");
}
