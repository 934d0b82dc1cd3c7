#pragma once
// Shared fixture of the actor tests: an actor system on CAF's test coordinator (no threads, no
// sleeps), a memory store, a manual clock, metrics and a shared view wired into one
// control_context, plus helpers to read the store and to move both clocks together.

#include "actors/common/context.hpp"
#include "actors/common/journal.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ever::test {

/// Switches `cfg` to CAF's deterministic test coordinator and returns it.
inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

/// An actor system driven by hand, with the context every control-plane actor is given.
struct actor_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::unique_ptr<storage::store> db = storage::make_memory_store();
  manual_clock_source clock;
  metrics_registry metrics;
  shared_view view;
  control_context ctx;
  std::string ns = "default";
  std::string app = "demo";
  std::vector<caf::actor> owned; ///< killed at teardown so ~actor_system does not wait

  actor_fixture()
    : sys(testing_config(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    ctx.db = db.get();
    ctx.clock = &clock;
    ctx.view = &view;
    ctx.metrics = &metrics;
  }

  ~actor_fixture() {
    // Periodic timers would make the coordinator's shutdown loop (run, trigger_timeouts) spin
    // forever, and ~actor_system waits for every actor: kill them all while we still can.
    for (auto& a : owned)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
  }

  /// Remembers `a` for teardown and returns it.
  caf::actor keep(caf::actor a) {
    owned.push_back(a);
    return a;
  }

  /// Moves the manual clock and CAF's clock forward together by `total`, in steps of at most
  /// `step`, and runs every job after each step (so a timer that re-arms itself fires again).
  void advance(std::chrono::milliseconds total,
               std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
    while (total.count() > 0) {
      auto d = std::min(total, step);
      clock.advance(d.count());
      sched.advance_time(d);
      sched.run();
      total -= d;
    }
  }

  /// Sequence numbers of this app's rows in `t`, ascending.
  std::vector<uint64_t> seqs_in(storage::table t) const {
    std::vector<uint64_t> out;
    auto err = db->scan(t, storage::app_prefix(ns, app), [&](std::string_view key,
                                                             std::string_view) {
      if (auto s = storage::seq_of(key))
        out.push_back(*s);
      return true;
    });
    REQUIRE(!err);
    return out;
  }

  /// Decodes this app's row `seq` of `t` as a T; fails the test if absent or undecodable.
  template <class T>
  T read_row(storage::table t, uint64_t seq) const {
    auto bytes = db->get(t, storage::seq_key(ns, app, seq));
    REQUIRE(bytes);
    REQUIRE(bytes->has_value());
    auto rec = storage::decode<T>(**bytes);
    REQUIRE(rec);
    return std::move(*rec);
  }

  /// True if the rendered metrics contain `line` as a whole line.
  bool metrics_have_line(const std::string& line) const {
    auto text = "\n" + metrics.render();
    return text.find("\n" + line + "\n") != std::string::npos;
  }
};

/// Records the exit of a monitored actor.
struct down_log {
  std::vector<caf::error> reasons;
};

/// Monitors `target` and records its down message; stays alive until killed.
inline caf::behavior watcher(caf::event_based_actor* self, caf::actor target,
                             std::shared_ptr<down_log> log) {
  self->monitor(target);
  self->set_down_handler([log](caf::down_msg& dm) { log->reasons.push_back(dm.reason); });
  return {
    [](caf::get_atom) {
      // nop: a behavior keeps the watcher alive
    },
  };
}

} // namespace ever::test
