// scan_owned_processes: finds group leaders that carry our EVER_OWNER, by exact match, with
// their start time and worker id; ignores other owners, their children and ended processes.
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace ever;
using namespace ever::runtime;
using namespace ever::runtime::test;

namespace {

/// A process started like a worker: own session, EVER_OWNER and EVER_WORKER_ID set.
process_spec owned_spec(const temp_dir& dir, const std::string& owner, const std::string& worker,
                        const std::string& script) {
  auto spec = make_spec(dir, {"/bin/sh", "-c", script});
  spec.work_dir = dir / ("work-" + worker);
  spec.log_path = dir / ("logs/" + worker + ".log");
  spec.env[owner_env] = owner;
  spec.env["EVER_WORKER_ID"] = worker;
  spec.env["EVER_NAMESPACE"] = "default";
  spec.env["EVER_APP"] = "demo";
  return spec;
}

std::vector<owned_process> with_worker(const std::vector<owned_process>& all,
                                       const std::string& worker) {
  std::vector<owned_process> out;
  for (const auto& p : all)
    if (p.worker_id == worker)
      out.push_back(p);
  return out;
}

/// Scans `owner` until `n` processes of `worker` are listed (bounded): right after posix_spawn
/// returns, the child may still be inside execve, and its environ is empty until the kernel has
/// set up the new image.
std::vector<owned_process> scan_until(const std::string& owner, const std::string& worker,
                                      size_t n = 1) {
  std::vector<owned_process> found;
  wait_until(
    [&] {
      found = scan_owned_processes(owner);
      return with_worker(found, worker).size() >= n;
    },
    2s);
  return found;
}

/// Direct children of `pid` as the kernel lists them ("" if the kernel does not offer the file).
std::string children_of(pid_t pid) {
  auto p = std::to_string(pid);
  return slurp("/proc/" + p + "/task/" + p + "/children");
}

} // namespace

TEST_CASE("scan_owned_processes finds a worker of its owner and nothing of another owner") {
  temp_dir dir;
  // Owners are unique to this test, so processes of other tests or daemons cannot interfere.
  const std::string owner = dir / "data";
  auto mine = spawn_process(owned_spec(dir, owner, "WorkerMine", "sleep 30"));
  REQUIRE(mine);
  process_guard mine_guard{*mine};
  // A prefix-extended owner must not count as ours: the match is exact.
  auto other = spawn_process(owned_spec(dir, owner + "2", "WorkerOther", "sleep 30"));
  REQUIRE(other);
  process_guard other_guard{*other};
  auto plain_spec = make_spec(dir, {"/bin/sh", "-c", "sleep 30"});
  plain_spec.env["EVER_WORKER_ID"] = "WorkerNoOwner";
  auto plain = spawn_process(plain_spec);
  REQUIRE(plain);
  process_guard plain_guard{*plain};

  auto found = scan_until(owner, "WorkerMine");
  REQUIRE(found.size() == 1);
  CHECK(found[0].pid == mine->pid);
  CHECK(found[0].start_time == mine->start_time);
  CHECK(found[0].start_time == read_start_time(mine->pid));
  CHECK(found[0].worker_id == "WorkerMine");
  CHECK(found[0].ns == "default");
  CHECK(found[0].app == "demo");
  CHECK(found[0].id().pid == mine->pid);

  auto theirs = scan_until(owner + "2", "WorkerOther");
  REQUIRE(theirs.size() == 1);
  CHECK(theirs[0].pid == other->pid);
  CHECK(theirs[0].worker_id == "WorkerOther");

  CHECK(scan_owned_processes(dir / "nobody").empty());
  CHECK(scan_owned_processes("").empty()); // never "every process without an owner"
}

TEST_CASE("scan_owned_processes lists the group leader only, not its children") {
  temp_dir dir;
  const std::string owner = dir / "data";
  // `& wait` keeps the shell as leader with a sleeping child in its group, carrying the same env.
  auto leader = spawn_process(owned_spec(dir, owner, "WorkerParent", "sleep 30 & wait"));
  REQUIRE(leader);
  process_guard guard{*leader};
  // Bounded wait for the child, where the kernel can tell; otherwise the check below still holds.
  wait_until([&] { return !children_of(leader->pid).empty(); }, 2s);

  auto found = scan_until(owner, "WorkerParent");
  REQUIRE(found.size() == 1);
  CHECK(found[0].pid == leader->pid);
  CHECK(found[0].worker_id == "WorkerParent");
}

TEST_CASE("scan_owned_processes no longer lists a process once it has ended") {
  temp_dir dir;
  const std::string owner = dir / "data";
  exit_log exits;
  process_watcher watcher{exits.callback()}; // reaps our child, so no zombie lingers
  auto id = spawn_process(owned_spec(dir, owner, "WorkerGone", "sleep 30"));
  REQUIRE(id);
  process_guard guard{*id};
  watcher.watch(*id);
  REQUIRE(with_worker(scan_until(owner, "WorkerGone"), "WorkerGone").size() == 1);

  REQUIRE(signal_group(*id, SIGKILL));
  REQUIRE(exits.wait_for(id->pid, 2s));
  CHECK(scan_owned_processes(owner).empty());
}
