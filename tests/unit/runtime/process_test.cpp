#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>

using namespace ever;
using namespace ever::runtime;
using namespace ever::runtime::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("spawn_process starts a session leader with its output in the log") {
  temp_dir dir;
  auto spec = make_spec(dir, {"/bin/sh", "-c", "echo hi; echo err >&2; sleep 30"});
  auto id = spawn_process(spec);
  REQUIRE(id);
  process_guard guard{*id};

  CHECK(id->pid > 0);
  CHECK(id->start_time != 0);
  CHECK(id->start_time == read_start_time(id->pid));
  CHECK(is_alive(*id));
  CHECK(::getsid(id->pid) == id->pid);
  CHECK(::getpgid(id->pid) == id->pid);

  REQUIRE(wait_until(
    [&] {
      auto log = slurp(spec.log_path);
      return contains(log, "hi\n") && contains(log, "err\n");
    },
    5s));
  struct stat st {};
  CHECK(::stat(spec.work_dir.c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
}

TEST_CASE("signal_group delivers SIGTERM and the watcher reports it at once") {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};
  auto id = spawn_process(make_spec(dir, {"/bin/sh", "-c", "sleep 30"}));
  REQUIRE(id);
  process_guard guard{*id};
  watcher.watch(*id);

  auto sent = test_clock::now();
  REQUIRE(signal_group(*id, SIGTERM));
  auto text = exits.wait_for(id->pid, 2s);
  auto took = test_clock::now() - sent;
  REQUIRE(text);
  CHECK(contains(*text, "killed by signal 15"));
  CHECK(contains(*text, "SIGTERM"));
  CHECK(took < 200ms);
  CHECK_FALSE(is_alive(*id));
  CHECK_FALSE(signal_group(*id, SIGTERM)); // gone: nothing is signalled
  std::this_thread::sleep_for(50ms);
  CHECK(exits.count(id->pid) == 1);
}

TEST_CASE("the watcher reports exit codes and SIGKILL") {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};

  auto a = spawn_process(make_spec(dir, {"/bin/sh", "-c", "sleep 0.05; exit 7"}));
  REQUIRE(a);
  process_guard guard_a{*a};
  watcher.watch(*a);
  auto b = spawn_process(make_spec(dir, {"sleep", "30"}));
  REQUIRE(b);
  process_guard guard_b{*b};
  watcher.watch(*b);
  REQUIRE(signal_group(*b, SIGKILL));

  auto ta = exits.wait_for(a->pid, 5s);
  REQUIRE(ta);
  CHECK(*ta == "exited with code 7");
  auto tb = exits.wait_for(b->pid, 5s);
  REQUIRE(tb);
  CHECK(*tb == "killed by signal 9 (SIGKILL)");
  // Reaped by the watcher: no zombie left behind.
  pid_t r = ::waitpid(a->pid, nullptr, WNOHANG);
  int err = errno;
  CHECK(r == -1);
  CHECK(err == ECHILD);
}

TEST_CASE("spawning a missing program fails with an error naming it") {
  temp_dir dir;
  auto missing = spawn_process(make_spec(dir, {"no-such-binary-for-ever-tests", "x"}));
  REQUIRE_FALSE(missing);
  CHECK(code_of(missing.error()) == errc::unavailable);
  CHECK(contains(message_of(missing.error()), "no-such-binary-for-ever-tests"));

  auto absolute = spawn_process(make_spec(dir, {dir / "nope/prog"}));
  REQUIRE_FALSE(absolute);
  CHECK(contains(message_of(absolute.error()), dir / "nope/prog"));

  // Not executable.
  { std::ofstream(dir / "plain.txt") << "x"; }
  auto not_exec = spawn_process(make_spec(dir, {dir / "plain.txt"}));
  REQUIRE_FALSE(not_exec);
  CHECK(contains(message_of(not_exec.error()), "plain.txt"));

  CHECK_FALSE(spawn_process(make_spec(dir, {})));
}

TEST_CASE("the child's environment is exactly the spec's") {
  temp_dir dir;
  auto spec = make_spec(dir, {"env"});
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"A", "1"}, {"B", "x y=z"}, {"EVER_OWNER", dir.path}};
  auto id = spawn_process(spec);
  REQUIRE(id);
  process_guard guard{*id};
  REQUIRE(wait_until([&] { return ::waitpid(id->pid, nullptr, WNOHANG) == id->pid; }, 5s));
  auto got = lines_of(slurp(spec.log_path));
  std::sort(got.begin(), got.end());
  std::vector<std::string> want{"A=1", "B=x y=z", "EVER_OWNER=" + dir.path, "PATH=/usr/bin:/bin"};
  CHECK(got == want);

  // Through a shell, as workers usually run; sh itself adds PWD.
  auto spec2 = make_spec(dir, {"/bin/sh", "-c", "env > out"});
  spec2.env = {{"PATH", "/usr/bin:/bin"}, {"PORT", "1234"}};
  auto id2 = spawn_process(spec2);
  REQUIRE(id2);
  process_guard guard2{*id2};
  REQUIRE(wait_until([&] { return ::waitpid(id2->pid, nullptr, WNOHANG) == id2->pid; }, 5s));
  auto env2 = lines_of(slurp(spec2.work_dir + "/out"));
  env2.erase(std::remove_if(env2.begin(), env2.end(),
                            [](auto& l) { return l.rfind("PWD=", 0) == 0; }),
             env2.end());
  std::sort(env2.begin(), env2.end());
  CHECK(env2 == std::vector<std::string>{"PATH=/usr/bin:/bin", "PORT=1234"});
}

TEST_CASE("argv[0] is looked up in the spec's PATH, not ours") {
  temp_dir dir;
  std::string bin = dir / "private-bin";
  REQUIRE(::mkdir(bin.c_str(), 0755) == 0);
  std::string tool = bin + "/ever-test-tool";
  { std::ofstream(tool) << "#!/bin/sh\necho tool ran with \"$1\"\n"; }
  REQUIRE(::chmod(tool.c_str(), 0755) == 0);

  auto spec = make_spec(dir, {"ever-test-tool", "arg one"});
  spec.env["PATH"] = bin + ":/usr/bin:/bin";
  auto id = spawn_process(spec);
  REQUIRE(id);
  process_guard guard{*id};
  REQUIRE(wait_until([&] { return contains(slurp(spec.log_path), "tool ran with arg one"); }, 5s));

  // With a PATH that lacks the directory the same name is not found.
  spec.env["PATH"] = "/usr/bin:/bin";
  CHECK_FALSE(spawn_process(spec));
}

TEST_CASE("the child gets /dev/null as stdin, work_dir as cwd, no inherited fds, an appended log") {
  temp_dir dir;
  // A descriptor without CLOEXEC that a careless daemon thread might hold.
  int leak = ::open("/dev/null", O_RDONLY);
  REQUIRE(leak >= 0);
  int high = ::dup2(leak, 77);
  REQUIRE(high == 77);
  ::close(leak);

  auto spec = make_spec(dir, {"/bin/sh", "-c", "pwd; readlink /proc/self/fd/0; ls /proc/self/fd"});
  spec.work_dir = dir / "a/b/c";
  auto id = spawn_process(spec);
  ::close(high);
  REQUIRE(id);
  process_guard guard{*id};
  REQUIRE(wait_until([&] { return ::waitpid(id->pid, nullptr, WNOHANG) == id->pid; }, 5s));
  auto lines = lines_of(slurp(spec.log_path));
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0] == dir / "a/b/c");
  CHECK(lines[1] == "/dev/null");
  CHECK(std::find(lines.begin(), lines.end(), "77") == lines.end());

  // A second run appends.
  auto id2 = spawn_process(spec);
  REQUIRE(id2);
  process_guard guard2{*id2};
  REQUIRE(wait_until([&] { return ::waitpid(id2->pid, nullptr, WNOHANG) == id2->pid; }, 5s));
  auto again = lines_of(slurp(spec.log_path));
  CHECK(std::count(again.begin(), again.end(), "/dev/null") == 2);
}

TEST_CASE("a work_dir that cannot be created is an error") {
  temp_dir dir;
  { std::ofstream(dir / "file") << "x"; }
  auto spec = make_spec(dir, {"true"});
  spec.work_dir = dir / "file/sub";
  auto id = spawn_process(spec);
  REQUIRE_FALSE(id);
  CHECK(contains(message_of(id.error()), "work dir"));
}

TEST_CASE("start times: parsed past a comm with spaces and parentheses - pid reuse detected") {
  pid_t self = ::getpid();
  uint64_t st = read_start_time(self);
  REQUIRE(st != 0);
  CHECK(is_alive({self, st}));
  CHECK_FALSE(is_alive({self, st + 1}));
  CHECK_FALSE(signal_group({self, st + 1}, SIGTERM)); // refused before any signal is sent
  CHECK(read_start_time(0) == 0);
  CHECK(read_start_time(-5) == 0);
  CHECK_FALSE(is_alive({0, 0}));

  // Our own comm, temporarily made hostile: the parse must take the last ')'.
  char old_name[32] = {};
  REQUIRE(::prctl(PR_GET_NAME, old_name) == 0);
  REQUIRE(::prctl(PR_SET_NAME, "a) b c (d) 1 2") == 0);
  CHECK(read_start_time(self) == st);
  CHECK(is_alive({self, st}));
  ::prctl(PR_SET_NAME, old_name);

  // And a child whose program name has them.
  temp_dir dir;
  std::string odd = dir / "x) y (z";
  {
    std::ifstream src("/bin/sleep", std::ios::binary);
    std::ofstream dst(odd, std::ios::binary);
    dst << src.rdbuf();
  }
  REQUIRE(::chmod(odd.c_str(), 0755) == 0);
  auto id = spawn_process(make_spec(dir, {odd, "30"}));
  REQUIRE(id);
  process_guard guard{*id};
  CHECK(id->start_time >= st);
  CHECK(is_alive(*id));
  CHECK_FALSE(is_alive({id->pid, id->start_time + 1}));
}

TEST_CASE("a zombie is not alive") {
  temp_dir dir;
  auto id = spawn_process(make_spec(dir, {"true"}));
  REQUIRE(id);
  process_guard guard{*id};
  // Not reaped yet: the pid still exists (kill(pid, 0) succeeds) but it is dead.
  REQUIRE(wait_until([&] { return !is_alive(*id); }, 5s));
  CHECK(::kill(id->pid, 0) == 0);
  CHECK(::waitpid(id->pid, nullptr, 0) == id->pid);
}

TEST_CASE("write_files applies the mode, creates directories, refuses escapes") {
  temp_dir dir;
  std::string target = dir / "vol/secret";
  auto err = write_files(target, {{"token", "s3cr3t"}, {"nested/dir/key.pem", "KEY"}}, 0600);
  REQUIRE_FALSE(err);
  CHECK(slurp(target + "/token") == "s3cr3t");
  CHECK(slurp(target + "/nested/dir/key.pem") == "KEY");
  struct stat st {};
  REQUIRE(::stat((target + "/token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((target + "/nested/dir").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);

  // ConfigMap-style files, then an update that replaces content and mode.
  std::string cm = dir / "vol/cm";
  REQUIRE_FALSE(write_files(cm, {{"a.txt", "one"}}, 0644));
  REQUIRE(::stat((cm + "/a.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  REQUIRE_FALSE(write_files(cm, {{"a.txt", "two"}}, 0640));
  CHECK(slurp(cm + "/a.txt") == "two");
  REQUIRE(::stat((cm + "/a.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);

  for (std::string bad : {"../escape", "a/../../escape", "..", "/etc/passwd", "", "dir/"}) {
    INFO(bad);
    auto e = write_files(dir / "vol/bad", {{"fine.txt", "x"}, {bad, "y"}}, 0644);
    CHECK(e);
    CHECK(code_of(e) == errc::invalid_argument);
  }
  // Nothing of a refused batch was written.
  CHECK(::stat((dir / "vol/bad/fine.txt").c_str(), &st) != 0);
  CHECK(::stat((dir / "escape").c_str(), &st) != 0);
  // ".." inside a name is not a parent reference.
  CHECK_FALSE(write_files(dir / "vol/ok", {{"a..b", "x"}}, 0644));
}

TEST_CASE("pick_free_port skips ports in use and ports already handed out") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  uint16_t held = ntohs(addr.sin_port);

  auto none = pick_free_port(held, held, {});
  CHECK_FALSE(none);
  if (!none)
    CHECK(code_of(none.error()) == errc::unavailable);
  ::listen(fd, 1);
  CHECK_FALSE(pick_free_port(held, held, {}));
  ::close(fd);

  // A range around a held port never yields it, nor a taken one.
  int fd2 = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sin_port = 0;
  REQUIRE(::bind(fd2, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  len = sizeof addr;
  REQUIRE(::getsockname(fd2, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  uint16_t held2 = ntohs(addr.sin_port);
  uint16_t first = held2 > 20 ? static_cast<uint16_t>(held2 - 10) : held2;
  uint16_t last = static_cast<uint16_t>(std::min<int>(held2 + 10, 65535));
  std::vector<uint16_t> taken{static_cast<uint16_t>(first + 1), static_cast<uint16_t>(first + 2)};
  for (int i = 0; i < 30; ++i) {
    auto p = pick_free_port(first, last, taken);
    REQUIRE(p);
    CHECK(*p >= first);
    CHECK(*p <= last);
    CHECK(*p != held2);
    CHECK(std::find(taken.begin(), taken.end(), *p) == taken.end());
  }
  ::close(fd2);

  CHECK_FALSE(pick_free_port(40000, 40000, {40000}));
  CHECK_FALSE(pick_free_port(2, 1, {}));
}

TEST_CASE("read_log_tail returns the end of the log") {
  temp_dir dir;
  std::string path = dir / "log";
  std::string content;
  for (int i = 0; i < 100; ++i)
    content += "line " + std::to_string(i) + "\n";
  { std::ofstream(path) << content; }
  auto tail = read_log_tail(path, 10);
  REQUIRE(tail);
  CHECK(*tail == content.substr(content.size() - 10));
  auto all = read_log_tail(path, 1 << 20);
  REQUIRE(all);
  CHECK(*all == content);
  auto missing = read_log_tail(dir / "nope", 10);
  REQUIRE_FALSE(missing);
  CHECK(code_of(missing.error()) == errc::not_found);
}

TEST_CASE("self_exe_dir is the directory of this test binary") {
  auto d = self_exe_dir();
  REQUIRE_FALSE(d.empty());
  CHECK(d[0] == '/');
  struct stat st {};
  CHECK(::stat((d + "/unit_runtime").c_str(), &st) == 0);
}
