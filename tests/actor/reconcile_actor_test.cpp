// Reconciliation at start, under CAF's test coordinator: the directory asks a fake node agent for
// this daemon's processes, has it stop the orphans before any app actor runs, records a WARNING
// event in the app of each (if the app exists), and starts the apps. A second start over the
// state the first left finds nothing to stop (R1). A node that cannot scan does not keep the
// apps from starting.

#include "actor/actor_fixture.hpp"

#include "actors/directory/directory_actor.hpp"
#include "actors/directory/directory_messages.hpp"
#include "actors/node/node_messages.hpp"

#include <caf/response_promise.hpp>

using namespace ever;
using namespace ever::test;
using namespace std::chrono_literals;
using runtime::owned_process;
using storage::table;

namespace {

/// The fake node's process table and what it was asked, in order.
struct fake_machine {
  std::vector<owned_process> table;    ///< what (scan) reports
  std::vector<std::string> log;        ///< "scan", "reap <pids>", "adopt <worker id>"
  std::vector<owned_process> reaped;   ///< every orphan it was told to stop
  bool scan_fails = false;
  bool hold_scan = false;              ///< keep the scan's answer back until (ok_atom)
  std::vector<caf::response_promise> held;
};

/// Answers scan from the table; reap removes the processes (as SIGTERM would) and answers with
/// them; adopt answers whether the pid and start time are in the table.
caf::behavior fake_node(caf::event_based_actor* self, std::shared_ptr<fake_machine> m) {
  // Worker actors of the loaded app may send one-way stops; they do not matter here.
  self->set_default_handler(caf::drop);
  return {
    [=](node::scan_atom) -> caf::result<std::vector<owned_process>> {
      m->log.push_back("scan");
      if (m->scan_fails)
        return make_error(errc::unavailable, "no /proc");
      if (m->hold_scan) {
        auto rp = self->make_response_promise();
        m->held.push_back(rp);
        return rp;
      }
      return m->table;
    },
    [=](caf::ok_atom) {
      for (auto& rp : m->held)
        rp.deliver(m->table);
      m->held.clear();
    },
    [=](node::reap_atom, const std::vector<owned_process>& orphans) {
      std::string entry = "reap";
      for (const auto& o : orphans) {
        entry += " " + std::to_string(o.pid);
        m->reaped.push_back(o);
        m->table.erase(std::remove_if(m->table.begin(), m->table.end(),
                                      [&](const owned_process& p) {
                                        return p.pid == o.pid && p.start_time == o.start_time;
                                      }),
                       m->table.end());
      }
      m->log.push_back(entry);
      return orphans;
    },
    [=](node::adopt_many_atom, const std::vector<node::adoption>& items,
        const std::vector<caf::actor>&) {
      std::vector<std::string> gone;
      for (const auto& a : items) {
        m->log.push_back("adopt " + a.worker_id);
        if (std::none_of(m->table.begin(), m->table.end(), [&](const owned_process& p) {
              return p.pid == a.id.pid && p.start_time == a.id.start_time;
            }))
          gone.push_back(a.worker_id);
      }
      return gone;
    },
  };
}

/// Records the answer to one (app_find) request.
struct find_result {
  bool answered = false;
  bool found = false;
};

caf::behavior find_client(caf::event_based_actor* self, caf::actor directory,
                          std::shared_ptr<find_result> out) {
  self->request(directory, caf::infinite, directory::app_find_atom::value, std::string{"default"},
                std::string{"demo"})
    .then([=](const caf::actor&) { *out = find_result{true, true}; },
          [=](caf::error&) { *out = find_result{true, false}; });
  return {[](caf::get_atom) {}};
}

owned_process proc(const std::string& worker, pid_t pid, uint64_t start,
                   const std::string& app = "demo") {
  owned_process p;
  p.pid = pid;
  p.start_time = start;
  p.worker_id = worker;
  p.ns = "default";
  p.app = app;
  return p;
}

struct reconcile_fixture : actor_fixture {
  std::shared_ptr<fake_machine> machine = std::make_shared<fake_machine>();
  caf::actor agent; ///< the fake node agent

  reconcile_fixture() {
    // The app is paused so its scaler starts no workers: only recorded ones are in play.
    app_record a;
    a.spec.name = app;
    a.spec.command = {"ever-sample-app"};
    a.status = app_status::paused;
    put(table::apps, storage::object_key(ns, app), storage::encode(a));
    agent = keep(sys.spawn(fake_node, machine));
  }

  void put(table t, const std::string& key, std::string bytes) {
    storage::write_batch b;
    b.put(t, key, std::move(bytes));
    REQUIRE(!db->write(b, storage::durability::sync));
  }

  void record(const std::string& id, int64_t pid, uint64_t start,
              worker_status status = worker_status::running) {
    worker_record r;
    r.id = id;
    r.app = app;
    r.pid = pid;
    r.proc_start_time = start;
    r.port = 9000;
    r.status = status;
    put(table::workers, storage::worker_key(ns, app, r.id), storage::encode(r));
  }

  caf::actor start_directory() {
    auto d = keep(directory::spawn_directory(sys, ctx, agent));
    sched.run();
    return d;
  }

  /// Messages of this app's WARNING events that tell of a stopped orphan.
  std::vector<std::string> orphan_events() const {
    std::vector<std::string> out;
    for (auto seq : seqs_in(table::events)) {
      auto e = read_row<event_record>(table::events, seq);
      if (e.type == event_type::warning && e.message.find("orphan") != std::string::npos)
        out.push_back(e.message);
    }
    return out;
  }

  bool app_routed() const { return view.routes()->count(ns + "/" + app) == 1; }
};

std::vector<pid_t> pids_of(const std::vector<owned_process>& ps) {
  std::vector<pid_t> out;
  for (const auto& p : ps)
    out.push_back(p.pid);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE_METHOD(reconcile_fixture, "reconcile: orphans are stopped before any app actor runs, "
                                    "recorded workers are left to be re-adopted",
                 "[actor][reconcile]") {
  record("Kept", 100, 1000);
  record("Reused", 200, 2000);                        // pid 200 now names another process
  record("Old", 300, 3000, worker_status::terminated); // final: protects nothing
  machine->table = {proc("Kept", 100, 1000), proc("Reused", 200, 2999), proc("Old", 300, 3000),
                    proc("Gone", 400, 4000, "deleted-app")};
  start_directory();

  CHECK(pids_of(machine->reaped) == std::vector<pid_t>{200, 300, 400});
  REQUIRE(machine->log.size() >= 3);
  CHECK(machine->log[0] == "scan");
  CHECK(machine->log[1] == "reap 200 300 400");
  // Only after the reap do the app's worker actors ask to re-adopt.
  CHECK(std::count(machine->log.begin(), machine->log.end(), "adopt Kept") == 1);
  CHECK(std::count(machine->log.begin(), machine->log.end(), "adopt Reused") == 1);
  CHECK(app_routed());

  // One WARNING per orphan of this app; the one of the deleted app has no app to go to.
  auto events = orphan_events();
  REQUIRE(events.size() == 2);
  CHECK(events[0] == "stopped orphan worker Reused (pid 200): no live record");
  CHECK(events[1] == "stopped orphan worker Old (pid 300): no live record");
}

TEST_CASE_METHOD(reconcile_fixture, "reconcile: R1, a second start over the same state stops "
                                    "nothing and records nothing",
                 "[actor][reconcile]") {
  record("Kept", 100, 1000);
  record("Unstarted", 0, 0, worker_status::created); // crash before its pid was written
  machine->table = {proc("Kept", 100, 1000), proc("Unstarted", 500, 5000)};
  auto first = start_directory();
  CHECK(pids_of(machine->reaped) == std::vector<pid_t>{500});
  CHECK(orphan_events().size() == 1);

  // Restart the control plane (the node and its processes stay): the directory takes its apps
  // down with it.
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  machine->log.clear();
  start_directory();
  CHECK(machine->log.front() == "scan");
  CHECK(std::none_of(machine->log.begin(), machine->log.end(),
                     [](const std::string& e) { return e.rfind("reap", 0) == 0; }));
  CHECK(pids_of(machine->reaped) == std::vector<pid_t>{500});
  CHECK(orphan_events().size() == 1);
  CHECK(std::count(machine->log.begin(), machine->log.end(), "adopt Kept") == 1);
  CHECK(app_routed());
}

TEST_CASE_METHOD(reconcile_fixture, "reconcile: the directory answers only once it is done",
                 "[actor][reconcile]") {
  machine->hold_scan = true;
  machine->table = {proc("Gone", 400, 4000, "deleted-app")};
  auto d = start_directory();
  auto result = std::make_shared<find_result>();
  keep(sys.spawn(find_client, d, result));
  sched.run();
  CHECK_FALSE(result->answered); // held back while the scan is outstanding
  CHECK_FALSE(app_routed());

  caf::anon_send(agent, caf::ok_atom::value);
  sched.run();
  CHECK(pids_of(machine->reaped) == std::vector<pid_t>{400});
  CHECK(result->answered);
  CHECK(result->found);
  CHECK(app_routed());
  CHECK(orphan_events().empty()); // its app does not exist: stderr only
}

TEST_CASE_METHOD(reconcile_fixture, "reconcile: a node that cannot scan does not keep the apps "
                                    "from starting",
                 "[actor][reconcile]") {
  record("Kept", 100, 1000);
  machine->scan_fails = true;
  machine->table = {proc("Kept", 100, 1000), proc("Gone", 400, 4000)};
  start_directory();
  CHECK(machine->reaped.empty());
  CHECK(app_routed());
  CHECK(std::count(machine->log.begin(), machine->log.end(), "adopt Kept") == 1);
}
