// reconcile: which running processes are orphans (no live record with the same worker id, pid
// and start time), which live records have no process, and R1: carrying out a plan and planning
// again finds nothing to do.

#include "actors/directory/reconcile.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace ever;
using namespace ever::directory;
using runtime::owned_process;

namespace {

worker_record record(const std::string& id, int64_t pid, uint64_t start,
                     worker_status status = worker_status::running) {
  worker_record r;
  r.id = id;
  r.app = "demo";
  r.pid = pid;
  r.proc_start_time = start;
  r.status = status;
  return r;
}

owned_process process(const std::string& id, pid_t pid, uint64_t start) {
  owned_process p;
  p.pid = pid;
  p.start_time = start;
  p.worker_id = id;
  return p;
}

std::vector<pid_t> pids_of(const std::vector<owned_process>& ps) {
  std::vector<pid_t> out;
  for (const auto& p : ps)
    out.push_back(p.pid);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ids_of(const std::vector<worker_record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs)
    out.push_back(r.id);
  std::sort(out.begin(), out.end());
  return out;
}

/// What carrying out a plan does to the world: orphans are killed (gone from the process table);
/// the app actors mark missing records ERROR.
void apply(const reconcile_plan& plan, std::vector<worker_record>& records,
           std::vector<owned_process>& table) {
  for (const auto& o : plan.orphans)
    table.erase(std::remove_if(table.begin(), table.end(),
                               [&](const owned_process& p) {
                                 return p.pid == o.pid && p.start_time == o.start_time;
                               }),
                table.end());
  for (const auto& m : plan.missing)
    for (auto& r : records)
      if (r.id == m.id)
        r.status = worker_status::error;
}

} // namespace

TEST_CASE("nothing to do when every process is recorded and every record has its process") {
  std::vector<worker_record> records{record("A", 100, 1000), record("B", 200, 2000)};
  std::vector<owned_process> running{process("A", 100, 1000), process("B", 200, 2000)};
  auto plan = plan_reconcile(records, running);
  CHECK(plan.empty());
  CHECK(plan.orphans.empty());
  CHECK(plan.missing.empty());
  CHECK(plan_reconcile({}, {}).empty());
}

TEST_CASE("a process with no record at all is an orphan") {
  // E.g. its app was deleted while everd was down: the delete erased the worker rows.
  auto plan = plan_reconcile({record("A", 100, 1000)},
                             {process("A", 100, 1000), process("Gone", 300, 3000)});
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{300});
  CHECK(plan.missing.empty());
}

TEST_CASE("a process whose record never got its pid is an orphan - the record is missing") {
  // Crash between spawn and the write of pid and start time: the record still says pid 0.
  auto plan = plan_reconcile({record("A", 0, 0, worker_status::created)},
                             {process("A", 100, 1000)});
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{100});
  CHECK(ids_of(plan.missing) == std::vector<std::string>{"A"});
}

TEST_CASE("pid reuse: same pid, other start time, is an orphan and the record is missing") {
  auto plan = plan_reconcile({record("A", 100, 1000)}, {process("A", 100, 1500)});
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{100});
  CHECK(ids_of(plan.missing) == std::vector<std::string>{"A"});
}

TEST_CASE("pid and start time match but the worker id does not: orphan") {
  auto plan = plan_reconcile({record("A", 100, 1000)}, {process("B", 100, 1000)});
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{100});
  CHECK(ids_of(plan.missing) == std::vector<std::string>{"A"});
}

TEST_CASE("only live records protect a process - final ones are ignored") {
  std::vector<worker_record> records{record("T", 100, 1000, worker_status::terminated),
                                     record("E", 200, 2000, worker_status::error),
                                     record("S", 300, 3000, worker_status::terminating),
                                     record("P", 400, 4000, worker_status::pending)};
  std::vector<owned_process> running{process("T", 100, 1000), process("E", 200, 2000),
                                     process("S", 300, 3000), process("P", 400, 4000)};
  auto plan = plan_reconcile(records, running);
  // A TERMINATING worker is still live: its app actor finishes the stop after re-adopting it.
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{100, 200});
  CHECK(plan.missing.empty()); // final records are never "missing"
}

TEST_CASE("a live record whose process is gone is missing, not acted on as an orphan") {
  auto plan = plan_reconcile({record("A", 100, 1000), record("B", 200, 2000)},
                             {process("A", 100, 1000)});
  CHECK(plan.orphans.empty());
  CHECK(ids_of(plan.missing) == std::vector<std::string>{"B"});
}

TEST_CASE("a process without a worker id never matches a record") {
  auto plan = plan_reconcile({record("", 0, 0, worker_status::created)}, {process("", 100, 0)});
  CHECK(pids_of(plan.orphans) == std::vector<pid_t>{100});
}

TEST_CASE("R1: carrying out a plan and planning again takes no action") {
  std::vector<worker_record> records{
    record("Kept", 100, 1000),                         // re-adopted
    record("Reused", 200, 2000),                       // its pid now names another process
    record("Unstarted", 0, 0, worker_status::created), // pid never written
    record("Dead", 300, 3000),                         // ended while everd was down
    record("Old", 400, 4000, worker_status::terminated),
  };
  std::vector<owned_process> table{process("Kept", 100, 1000), process("Reused", 200, 2999),
                                   process("Unstarted", 500, 5000), process("Old", 400, 4000),
                                   process("DeletedApp", 600, 6000)};
  auto first = plan_reconcile(records, table);
  CHECK(pids_of(first.orphans) == std::vector<pid_t>{200, 400, 500, 600});
  CHECK(ids_of(first.missing) == std::vector<std::string>{"Dead", "Reused", "Unstarted"});

  // Planning twice on the same snapshot gives the same plan (no hidden state).
  auto again = plan_reconcile(records, table);
  CHECK(pids_of(again.orphans) == pids_of(first.orphans));
  CHECK(ids_of(again.missing) == ids_of(first.missing));

  // The orphans alone removed (the directory's part): no orphan is left to stop.
  auto table_after = table;
  auto records_untouched = records;
  apply(reconcile_plan{first.orphans, {}}, records_untouched, table_after);
  CHECK(plan_reconcile(records_untouched, table_after).orphans.empty());

  // The whole plan carried out: nothing at all is left to do.
  apply(first, records, table);
  auto second = plan_reconcile(records, table);
  CHECK(second.empty());
  REQUIRE(table.size() == 1);
  CHECK(table[0].worker_id == "Kept");
}
