#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <sys/syscall.h>

using namespace ever;
using namespace ever::runtime;
using namespace ever::runtime::test;

TEST_CASE("the watcher notices a process that is not its child") {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};
  // The shell starts a background sleep and exits: the sleep is our grandchild, then an orphan.
  auto sh = spawn_process(make_spec(dir, {"/bin/sh", "-c", "sleep 30 & echo $! > pid; exit 0"}));
  REQUIRE(sh);
  process_guard sh_guard{*sh};
  watcher.watch(*sh);
  auto sh_text = exits.wait_for(sh->pid, 5s);
  REQUIRE(sh_text);
  CHECK(*sh_text == "exited with code 0");

  std::string pid_text = slurp(dir / "work/pid");
  REQUIRE_FALSE(pid_text.empty());
  process_id orphan{static_cast<pid_t>(std::stol(pid_text)), 0};
  orphan.start_time = read_start_time(orphan.pid);
  REQUIRE(orphan.start_time != 0);
  REQUIRE(is_alive(orphan));
  CHECK(::getppid() != orphan.pid);
  watcher.watch(orphan);
  std::this_thread::sleep_for(30ms);
  CHECK(exits.count(orphan.pid) == 0);

  auto sent = test_clock::now();
  REQUIRE(::kill(orphan.pid, SIGKILL) == 0); // started by this test, through the shell
  auto text = exits.wait_for(orphan.pid, 2s);
  REQUIRE(text);
  CHECK(*text == "exited");
  CHECK(test_clock::now() - sent < 200ms);
}

TEST_CASE("watching a process that is already gone reports it promptly") {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};

  SECTION("an unreaped child (zombie): reaped, with its status") {
    auto id = spawn_process(make_spec(dir, {"/bin/sh", "-c", "exit 4"}));
    REQUIRE(id);
    process_guard guard{*id};
    REQUIRE(wait_until([&] { return !is_alive(*id); }, 5s));
    watcher.watch(*id);
    auto text = exits.wait_for(id->pid, 200ms);
    REQUIRE(text);
    CHECK(*text == "exited with code 4");
    CHECK(::kill(id->pid, 0) == -1); // no zombie left
  }
  SECTION("a reaped one") {
    auto id = spawn_process(make_spec(dir, {"true"}));
    REQUIRE(id);
    REQUIRE(::waitpid(id->pid, nullptr, 0) == id->pid);
    watcher.watch(*id);
    auto text = exits.wait_for(id->pid, 200ms);
    REQUIRE(text);
    CHECK(*text == "exited");
  }
  SECTION("a pid that now belongs to another process") {
    process_id other{::getpid(), read_start_time(::getpid()) + 1};
    watcher.watch(other);
    auto text = exits.wait_for(other.pid, 200ms);
    REQUIRE(text);
  }
}

TEST_CASE("unwatch stops reporting - each exit is reported once") {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};
  auto a = spawn_process(make_spec(dir, {"sleep", "30"}));
  auto b = spawn_process(make_spec(dir, {"sleep", "30"}));
  REQUIRE(a);
  REQUIRE(b);
  process_guard ga{*a};
  process_guard gb{*b};
  watcher.watch(*a);
  watcher.watch(*b);
  watcher.watch(*b); // twice: still one report
  watcher.unwatch(a->pid);
  REQUIRE(signal_group(*a, SIGKILL));
  REQUIRE(signal_group(*b, SIGKILL));
  REQUIRE(exits.wait_for(b->pid, 2s));
  std::this_thread::sleep_for(100ms);
  CHECK(exits.count(a->pid) == 0);
  CHECK(exits.count(b->pid) == 1);
  // Not reaped by the watcher since it was unwatched: ours to reap.
  CHECK(::waitpid(a->pid, nullptr, 0) == a->pid);
}

TEST_CASE("the callback may watch again from the watcher thread") {
  temp_dir dir;
  std::atomic<int> calls{0};
  std::mutex mtx;
  std::vector<process_id> started;
  process_watcher* self = nullptr;
  process_watcher watcher{[&](pid_t, std::string) {
    if (++calls < 3) {
      auto next = spawn_process(make_spec(dir, {"true"}));
      if (next) {
        std::lock_guard<std::mutex> lock(mtx);
        started.push_back(*next);
        self->watch(*next);
      }
    }
  }};
  self = &watcher;
  auto first = spawn_process(make_spec(dir, {"true"}));
  REQUIRE(first);
  watcher.watch(*first);
  CHECK(wait_until([&] { return calls.load() >= 3; }, 5s));
}

TEST_CASE("processes without a pidfd are polled") {
  // pidfd_open refuses a thread that is not a group leader, so a thread of ours exercises the
  // polling fallback; kill(tid, 0) and /proc/<tid>/stat work for it.
  exit_log exits;
  process_watcher watcher{exits.callback()};
  std::atomic<bool> release{false};
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    while (!release)
      std::this_thread::sleep_for(1ms);
  });
  REQUIRE(wait_until([&] { return tid.load() != 0; }, 2s));
  process_id id{tid.load(), read_start_time(tid.load())};
  REQUIRE(id.start_time != 0);
  watcher.watch(id);
  std::this_thread::sleep_for(60ms);
  CHECK(exits.count(id.pid) == 0);
  release = true;
  t.join();
  auto text = exits.wait_for(id.pid, 1s);
  REQUIRE(text);
  CHECK(*text == "exited");
}

TEST_CASE("destroying the watcher leaves watched processes running") {
  temp_dir dir;
  auto id = spawn_process(make_spec(dir, {"sleep", "30"}));
  REQUIRE(id);
  process_guard guard{*id};
  exit_log exits;
  {
    process_watcher watcher{exits.callback()};
    watcher.watch(*id);
  }
  CHECK(is_alive(*id));
  CHECK(exits.count(id->pid) == 0);
}

TEST_CASE("probe_http is false when nothing listens") {
  auto port = pick_free_port(20000, 60000, {});
  REQUIRE(port);
  auto start = test_clock::now();
  CHECK_FALSE(probe_http(*port, "/", 500));
  CHECK(test_clock::now() - start < 2s);
}

TEST_CASE("probe_http gives up after its timeout on a server that never answers") {
  // Listening but never accepting: the kernel completes the handshake, nobody replies.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  auto start = test_clock::now();
  CHECK_FALSE(probe_http(ntohs(addr.sin_port), "/", 300));
  auto took = test_clock::now() - start;
  CHECK(took >= 250ms);
  CHECK(took < 2s);
  ::close(fd);
}

TEST_CASE("unwatch waits out a callback already running for that pid") {
  temp_dir dir;
  std::atomic<bool> in_callback{false};
  std::atomic<bool> callback_done{false};
  process_watcher watcher{[&](pid_t, std::string) {
    in_callback = true;
    std::this_thread::sleep_for(150ms);
    callback_done = true;
  }};
  auto id = spawn_process(make_spec(dir, {"true"}));
  REQUIRE(id);
  watcher.watch(*id);
  REQUIRE(wait_until([&] { return in_callback.load(); }, 5s));
  watcher.unwatch(id->pid);
  CHECK(callback_done.load());
}
