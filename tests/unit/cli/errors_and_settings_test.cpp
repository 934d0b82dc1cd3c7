#include "cli_fixture.hpp"

#include "cli/internal.hpp"

#include <sys/stat.h>

using ever::cli::test::cli_harness;

TEST_CASE("unreachable everd prints the client's one line with exit 1") {
  cli_harness h;
  h.transport.failure = ever::make_error(
      ever::errc::unavailable, "cannot reach everd at 127.0.0.1:8080 (connection refused) - is it "
                               "running? start it with `everd`");
  auto r = h.run({"app", "list"});
  CHECK(r.code == 1);
  CHECK(r.out == "");
  CHECK(r.err == "cannot reach everd at 127.0.0.1:8080 (connection refused) - is it running? "
                 "start it with `everd`\n");
}

TEST_CASE("errors without the JSON error shape still say what happened") {
  cli_harness h;
  h.transport.answers["GET /api/apps/v1/namespaces/default/apps"] = {502, "bad gateway\n", "text/plain"};
  auto r = h.run({"app", "ls"});
  CHECK(r.code == 1);
  CHECK(r.err == "error: HTTP 502: bad gateway\n");
  h.transport.on("GET /api/apps/v1/namespaces/default/configmaps", 401,
                 R"({"error":{"code":"unauthorized","message":"missing or wrong token"}})");
  r = h.run({"cm", "ls"});
  CHECK(r.code == 1);
  CHECK(r.err.rfind("error: missing or wrong token\nhint: ", 0) == 0);
}

TEST_CASE("usage errors exit 2 with a hint") {
  cli_harness h;
  auto r = h.run({"frobnicate"});
  CHECK(r.code == 2);
  CHECK(r.err == "error: unknown command \"frobnicate\" for \"ever\"\nRun 'ever --help' for usage.\n");
  r = h.run({"app", "frobnicate"});
  CHECK(r.code == 2);
  CHECK(r.err.find("ever app --help") != std::string::npos);
  r = h.run({"app", "list", "--bogus"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--bogus") != std::string::npos);
  CHECK(r.err.find("ever app list --help") != std::string::npos);
  r = h.run({"app", "list", "--dry-run"}); // a known flag, but not list's
  CHECK(r.code == 2);
  r = h.run({"cm", "get", "a", "b"});
  CHECK(r.code == 2);
  CHECK(r.err.find("unexpected argument: b") != std::string::npos);
  r = h.run({"app", "list", "-o"});
  CHECK(r.code == 2);
  CHECK(h.transport.requests.empty());
}

TEST_CASE("token and endpoint: flag > environment > login > ./.ever/token") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, R"({"items":[]})");

  // Nothing configured: the default endpoint, no token.
  REQUIRE(h.run({"app", "ls"}).code == 0);
  CHECK(h.last().endpoint == "http://127.0.0.1:8080");
  CHECK(h.transport.header(0, "Authorization") == "");

  // The local everd's token file in the working directory.
  h.cwd.write(".ever/token", "ever_local\n");
  h.run({"app", "ls"});
  CHECK(h.transport.header(1, "Authorization") == "Bearer ever_local");

  // EVER_DATA_DIR names the data dir instead.
  ever::cli::test::temp_dir data;
  data.write("token", "ever_data\n");
  h.vars["EVER_DATA_DIR"] = data.path.string();
  h.run({"app", "ls"});
  CHECK(h.transport.header(2, "Authorization") == "Bearer ever_data");

  // login saves a token (0600) that beats the data dir.
  auto r = h.run({"login", "--token", "ever_saved", "--endpoint", "http://10.0.0.5:8080"});
  CHECK(r.code == 0);
  auto path = h.home.path / ".config/ever/config.json";
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  h.run({"app", "ls"});
  CHECK(h.last().endpoint == "http://10.0.0.5:8080");
  CHECK(h.transport.header(h.transport.requests.size() - 1, "Authorization") == "Bearer ever_saved");

  // The environment beats the saved config, flags beat the environment.
  h.vars["EVER_TOKEN"] = "ever_env";
  h.vars["EVER_ENDPOINT"] = "http://env:1";
  h.run({"app", "ls"});
  CHECK(h.last().endpoint == "http://env:1");
  CHECK(h.transport.header(h.transport.requests.size() - 1, "Authorization") == "Bearer ever_env");
  h.run({"app", "ls", "--token", "ever_flag", "--endpoint", "127.0.0.1:9"});
  CHECK(h.last().endpoint == "127.0.0.1:9");
  CHECK(h.transport.header(h.transport.requests.size() - 1, "Authorization") == "Bearer ever_flag");

  // logout forgets the token, keeps the endpoint.
  h.vars.erase("EVER_TOKEN");
  h.vars.erase("EVER_ENDPOINT");
  h.vars.erase("EVER_DATA_DIR");
  r = h.run({"logout"});
  CHECK(r.code == 0);
  h.run({"app", "ls"});
  CHECK(h.last().endpoint == "http://10.0.0.5:8080");
  CHECK(h.transport.header(h.transport.requests.size() - 1, "Authorization") == "Bearer ever_local");
}

TEST_CASE("login honours EVER_HOME and reads the token from stdin with --token -") {
  cli_harness h;
  ever::cli::test::temp_dir ever_home;
  h.vars["EVER_HOME"] = ever_home.path.string();
  auto r = h.run({"login", "--token", "-"}, "ever_stdin\n");
  CHECK(r.code == 0);
  auto path = ever_home.path / "config.json";
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, R"({"items":[]})");
  h.run({"app", "ls"});
  CHECK(h.transport.header(0, "Authorization") == "Bearer ever_stdin");
  CHECK(h.run({"login"}).code == 2);
}

TEST_CASE("a broken config file is reported and not ignored") {
  cli_harness h;
  std::filesystem::create_directories(h.home.path / ".config/ever");
  std::ofstream(h.home.path / ".config/ever/config.json") << "{not json";
  auto r = h.run({"app", "ls"});
  CHECK(r.code == 1);
  CHECK(r.err.find("config.json") != std::string::npos);
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, R"({"items":[]})");
  CHECK(h.run({"app", "ls", "--token", "t", "--endpoint", "127.0.0.1:1"}).code == 0);
  CHECK(h.run({"login", "--token", "t"}).code == 0); // logging in again repairs it
  CHECK(h.run({"app", "ls"}).err.find("config.json") == std::string::npos);
}

TEST_CASE("verbose traces the request without leaking the token") {
  cli_harness h;
  h.transport.on("GET /api/apps/v1/namespaces/default/apps", 200, R"({"items":[]})");
  auto r = h.run({"-v", "app", "ls", "--token", "ever_secret"});
  CHECK(r.code == 0);
  CHECK(r.err.find("> GET /api/apps/v1/namespaces/default/apps") != std::string::npos);
  CHECK(r.err.find("< 200") != std::string::npos);
  CHECK(r.err.find("ever_secret") == std::string::npos);
}

TEST_CASE("help exists for ever and every group and command and explains every flag") {
  cli_harness h;
  auto top = h.run({"--help"});
  CHECK(top.code == 0);
  for (auto word : {"app", "worker", "configmap", "secret", "policy", "login", "logout",
                    "--endpoint", "--token", "--namespace", "--verbose"})
    CHECK(top.out.find(word) != std::string::npos);
  CHECK(h.run({}).out == top.out);
  CHECK(h.run({"help"}).out == top.out);

  for (auto group : {"app", "apps", "a", "worker", "w", "configmap", "cm", "secret", "s", "policy"}) {
    auto r = h.run({group, "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
  }
  for (const auto& cmd : ever::cli::commands()) {
    std::vector<std::string> args;
    if (*cmd.group)
      args.push_back(cmd.group);
    args.push_back(cmd.verb);
    args.push_back("--help");
    auto r = h.run(args);
    INFO(cmd.group << " " << cmd.verb);
    CHECK(r.code == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
    CHECK(r.out.find("--namespace") != std::string::npos);
    for (const auto& f : cmd.flags)
      CHECK(r.out.find(std::string("--") + f.name) != std::string::npos);
    for (auto alias : cmd.aliases) { // help under every alias, and `ever help ...`
      auto again = args;
      again[args.size() - 2] = alias;
      CHECK(h.run(again).out == r.out);
    }
    args.pop_back();
    args.insert(args.begin(), "help");
    CHECK(h.run(args).out == r.out);
  }
  auto decide = h.run({"policy", "decide", "--help"});
  CHECK(decide.code == 0);
  CHECK(decide.out.find("--factors") != std::string::npos);
  CHECK(h.transport.requests.empty());
}

TEST_CASE("policy decide hands its arguments to the policy command") {
  cli_harness h;
  auto r = h.run({"policy", "decide", "--policy", "simple", "--factors", "-"}, "{}");
  CHECK(r.err == "");
  CHECK(r.code == 0);
  CHECK(r.out.find("max_workers") != std::string::npos);
  CHECK(h.transport.requests.empty());
}
