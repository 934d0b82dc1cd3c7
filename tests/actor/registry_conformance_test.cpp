// The actor type registry's conformance suite: EVERY registered type goes through the same
// lifecycle: spawned by name, alive (answers CAF's "info" probe with its state name), answers
// its kind's basic message, enrolled in the census, and stops on an exit message (census entry
// gone). Plus: unknown names refused clearly (ours and CAF's by-name spawn), a second singleton
// refused, and spawning by name through CAF's add_actor_factory (what remote_spawn uses).

#include "actor/actor_fixture.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/app/app_messages.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/node/node_messages.hpp"
#include "actors/node/sim_node_agent.hpp"
#include "actors/queue/queue_messages.hpp"
#include "actors/registry/census.hpp"
#include "actors/registry/policy_actor.hpp"
#include "actors/registry/registry.hpp"
#include "actors/worker/worker_messages.hpp"
#include "core/ids.hpp"

#include <caf/all.hpp>

#include <optional>
#include <thread>
#include <tuple>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;

namespace {

/// A fixture whose spawn context points at its own system, with a simulated node agent and,
/// unless told otherwise, a directory (so admin and console have something to ask).
struct registry_fixture : actor_fixture {
  caf::actor node;
  caf::actor directory;

  explicit registry_fixture(bool with_directory = true) {
    node = keep(node::spawn_sim_node_agent(sys, ctx, {}));
    if (with_directory)
      directory = keep(directory::spawn_directory(sys, ctx, caf::actor{}));
    sched.run();
    registry::set_spawn_context({&sys, &ctx, directory, node, {}, {}});
  }

  ~registry_fixture() { registry::clear_spawn_context(); }

  bool enrolled(const caf::actor& a, const std::string& type) {
    for (const auto& r : registry::census_rows())
      if (r.id == a.id() && r.type == type)
        return true;
    return false;
  }
};

/// A reply of types Ts..., an error, or nothing within the bound.
template <class... Ts>
struct reply {
  std::optional<std::tuple<Ts...>> value;
  caf::error error;

  template <size_t I>
  auto& get() { return std::get<I>(*value); }
};

/// Sends `msg` to `a` from a scoped actor, runs the coordinator, and waits (bounded: detached
/// actors answer from their own thread) for a reply of types Ts... or an error.
template <class... Ts>
reply<Ts...> ask(registry_fixture& f, const caf::actor& a, caf::message msg) {
  caf::scoped_actor self{f.sys};
  self->send(a, std::move(msg));
  f.sched.run();
  reply<Ts...> out;
  self->receive([&](Ts&... xs) { out.value = std::make_tuple(std::move(xs)...); },
                [&](caf::error& e) { out.error = std::move(e); },
                caf::after(std::chrono::seconds(5)) >> [] {});
  return out;
}

/// The basic message of a kind and a check of its answer.
void check_basic(registry_fixture& f, const std::string& type, const caf::actor& a) {
  INFO("basic message of " << type);
  if (type == "ever.queue") {
    auto m = ask<std::vector<queue::waiter>>(f, a, caf::make_message(view_atom::value));
    REQUIRE(m.value);
    CHECK(m.get<0>().empty());
  } else if (type == "ever.app") {
    auto m = ask<app::app_view>(f, a, caf::make_message(view_atom::value));
    REQUIRE(m.value);
    CHECK(m.get<0>().record.spec.name == "spawned");
  } else if (type == "ever.worker") {
    auto m = ask<worker_record>(f, a, caf::make_message(view_atom::value));
    REQUIRE(m.value);
    CHECK(is_worker_id(m.get<0>().id));
  } else if (type == "ever.directory") {
    auto m = ask<std::vector<caf::actor>>(f, a, caf::make_message(directory::app_list_atom::value,
                                                                   std::string{}));
    REQUIRE(m.value);
  } else if (type == "ever.node" || type == "ever.node.sim") {
    auto m = ask<std::vector<runtime::owned_process>>(f, a, caf::make_message(node::scan_atom::value));
    REQUIRE(m.value);
  } else if (type == "ever.console") {
    auto m = ask<std::string>(f, a, caf::make_message(console::console_atom::value,
                                                       std::string{"types"}));
    REQUIRE(m.value);
    CHECK(m.get<0>().find("ever.queue") != std::string::npos);
  } else if (type == "ever.admin") {
    auto status = std::make_shared<int>(0);
    caf::anon_send(a, admin::mgmt_atom::value,
                   admin::mgmt_request{"GET", "/api/apps/v1/apps", ""},
                   admin::mgmt_callback{[status](admin::mgmt_reply r) { *status = r.status; }});
    f.sched.run();
    CHECK(*status == 200);
  } else if (type.rfind("ever.policy.", 0) == 0 || type.rfind("ever.decorator.", 0) == 0) {
    auto m = ask<std::string>(f, a, caf::make_message(registry::decide_atom::value,
                                                       std::string{R"({"queue": {"QueueDueBusy": 3}})"}));
    REQUIRE(m.value);
    CHECK(m.get<0>().find("\"result\"") != std::string::npos);
    auto v = ask<std::string>(f, a, caf::make_message(view_atom::value));
    REQUIRE(v.value);
  } else if (type == "ever.scaler") {
    // The scaler has no request of its own (it only acts): a change while paused is taken
    // without a decision; the info probe below proves it is still there.
    caf::anon_send(a, changed_atom::value);
    f.sched.run();
  } else {
    FAIL("no basic message known for " << type << ": add it to this test");
  }
}

} // namespace

TEST_CASE("every registered actor type spawns by name, answers, and stops on exit",
          "[registry]") {
  REQUIRE(registry::types().size() >= 12);
  for (const auto& t : registry::types()) {
    DYNAMIC_SECTION(t.name) {
      registry_fixture f{t.name != "ever.directory"};
      auto a = registry::spawn_type(t.name, {});
      REQUIRE(a);
      REQUIRE(*a);
      f.sched.run();
      CHECK(f.enrolled(*a, t.name));
      // Alive: every CAF actor answers ("sys", "get", "info") with its state's name.
      auto info = ask<caf::ok_atom, std::string, caf::strong_actor_ptr, std::string>(
        f, *a, caf::make_message(caf::sys_atom::value, caf::get_atom::value, std::string{"info"}));
      REQUIRE(info.value);
      CHECK(info.get<3>().rfind("ever.", 0) == 0);
      check_basic(f, t.name, *a);
      // Stops on exit, and leaves the census.
      caf::scoped_actor self{f.sys};
      self->monitor(*a);
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
      f.sched.run();
      bool down = false;
      self->receive([&](caf::down_msg&) { down = true; },
                    caf::after(std::chrono::seconds(5)) >> [] {});
      CHECK(down);
      // A detached actor (node agent, console) runs its exit functors on its own thread, maybe
      // just after its down message: allow it a bounded moment.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (f.enrolled(*a, t.name) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
      CHECK_FALSE(f.enrolled(*a, t.name));
    }
  }
}

TEST_CASE("an unknown actor type is refused naming the known ones", "[registry]") {
  registry_fixture f;
  auto a = registry::spawn_type("ever.nope", {});
  REQUIRE_FALSE(a);
  CHECK(code_of(a.error()) == errc::not_found);
  CHECK(message_of(a.error()).find("no actor type 'ever.nope'") != std::string::npos);
  CHECK(message_of(a.error()).find("ever.queue") != std::string::npos);
}

TEST_CASE("a bad spawn argument is refused naming it", "[registry]") {
  registry_fixture f;
  auto a = registry::spawn_type("ever.queue", {{"colour", "blue"}});
  REQUIRE_FALSE(a);
  CHECK(message_of(a.error()).find("unknown argument 'colour'") != std::string::npos);
  auto b = registry::spawn_type("ever.queue", {{"max_length", "ten"}});
  REQUIRE_FALSE(b);
  CHECK(message_of(b.error()).find("max_length=ten") != std::string::npos);
  auto p = registry::spawn_type("ever.policy.simple", {{"max_workers", "x"}});
  REQUIRE_FALSE(p);
}

TEST_CASE("a second directory in one process is refused", "[registry]") {
  registry_fixture f; // has a directory already
  auto a = registry::spawn_type("ever.directory", {});
  REQUIRE_FALSE(a);
  CHECK(code_of(a.error()) == errc::conflict);
}

TEST_CASE("spawning without a spawn context is refused", "[registry]") {
  registry::clear_spawn_context();
  auto a = registry::spawn_type("ever.queue", {});
  REQUIRE_FALSE(a);
  CHECK(code_of(a.error()) == errc::unavailable);
}

TEST_CASE("spawn arguments parse as KEY=VALUE", "[registry]") {
  auto ok = registry::parse_spawn_args({"app=demo", "max_length=5", "x="});
  REQUIRE(ok);
  CHECK(ok->at("app") == "demo");
  CHECK(ok->at("x").empty());
  CHECK_FALSE(registry::parse_spawn_args({"novalue"}));
  CHECK_FALSE(registry::parse_spawn_args({"=v"}));
}

TEST_CASE("CAF spawns a registered type by name and refuses an unknown one clearly",
          "[registry]") {
  // What a remote spawn runs on the target node: CAF's factory lookup by name.
  caf::actor_system_config cfg;
  registry::register_builtin_types(cfg);
  caf::actor_system sys{testing_config(cfg)};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  auto db = storage::make_memory_store();
  control_context ctx;
  ctx.db = db.get();
  registry::set_spawn_context({&sys, &ctx, {}, {}, {}, {}});
  auto q = sys.spawn<caf::actor>("ever.queue",
                                 caf::make_message(registry::spawn_args{{"app", "by-name"}}));
  REQUIRE(q);
  sched.run();
  bool labelled = false;
  for (const auto& r : registry::census_rows())
    labelled |= r.id == q->id() && r.label.find("by-name") != std::string::npos;
  CHECK(labelled);
  auto p = sys.spawn<caf::actor>("ever.policy.simple", caf::make_message());
  REQUIRE(p);
  auto unknown = sys.spawn<caf::actor>("ever.nope", caf::make_message());
  REQUIRE_FALSE(unknown);
  CHECK(registry::explain_spawn_error(sys, unknown.error(), "ever.nope", "node n2")
        == "no actor type 'ever.nope' is registered on node n2 (see `types`)");
  auto bad = sys.spawn<caf::actor>("ever.queue", caf::make_message(42));
  REQUIRE_FALSE(bad);
  CHECK(registry::explain_spawn_error(sys, bad.error(), "ever.queue", "node n2").find("could not spawn")
        != std::string::npos);
  for (const auto& a : {*q, *p})
    caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run();
  registry::clear_spawn_context();
}

TEST_CASE("a policy actor decides with the pipeline and names the rule", "[registry]") {
  registry_fixture f;
  auto a = registry::spawn_type("ever.policy.simple", {{"max_queue_size", "2"}});
  REQUIRE(a);
  auto m = ask<std::string>(f, *a, caf::make_message(registry::decide_atom::value,
                                                     std::string{R"({"queue": {"QueueDueBusy": 3}})"},
                                                     registry::spawn_args{{"max_workers", "5"}}));
  REQUIRE(m.value);
  auto out = m.get<0>();
  CHECK(out.find("\"max_workers\":5") != std::string::npos);
  CHECK(out.find("\"reason\"") != std::string::npos);
  auto bad = ask<std::string>(f, *a, caf::make_message(registry::decide_atom::value,
                                                       std::string{"{not json"}));
  CHECK_FALSE(bad.value);
  CHECK(bad.error);
  f.keep(*a);
}
