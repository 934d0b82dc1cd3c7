// `ever console`'s pure parts: splitting and parsing lines, completion, its own flags, and how
// answers are printed.

#include "actors/console/console_parse.hpp"
#include "cli/console_render.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::console;

TEST_CASE("console lines split on blanks with quotes and escapes", "[console]") {
  auto w = split_line(R"(spawn ever.app   name='my app' command="sleep \"9\"" x\ y)");
  REQUIRE(w);
  CHECK(*w == std::vector<std::string>{"spawn", "ever.app", "name=my app", "command=sleep \"9\"",
                                       "x y"});
  CHECK(split_line("   ")->empty());
  CHECK_FALSE(split_line("why 'demo"));
}

TEST_CASE("console lines parse into command, operands and flags", "[console]") {
  auto c = parse_line("decisions demo --last 5");
  REQUIRE(c);
  CHECK(c->name == "decisions");
  CHECK(c->operands == std::vector<std::string>{"demo"});
  CHECK(c->flags.at("--last") == "5");
  auto eq = parse_line("actors --type=ever.queue --node local");
  REQUIRE(eq);
  CHECK(eq->flags.at("--type") == "ever.queue");
  CHECK(eq->flags.at("--node") == "local");
  CHECK(parse_line("")->name.empty());
  auto unknown = parse_line("frobnicate x");
  REQUIRE_FALSE(unknown);
  CHECK(message_of(unknown.error()) == "unknown command 'frobnicate' (type `help` for the list)");
  CHECK_FALSE(parse_line("decisions demo --last"));
  CHECK_FALSE(parse_line("why demo --last 3"));
}

TEST_CASE("every console command is in the help text", "[console]") {
  auto help = help_text();
  for (const auto& c : commands())
    CHECK(help.find(c.usage) != std::string::npos);
  for (const char* n : {"nodes", "actors", "inspect", "apps", "workers", "queue", "decisions",
                        "why", "scale", "drain", "types", "spawn", "watch", "help"})
    CHECK(find_command(n) != nullptr);
}

TEST_CASE("console completion: commands, then what the command takes", "[console]") {
  completion_data d;
  d.apps = {"demo", "dev-api"};
  d.workers = {"3Pr4LzKwbzNq2nVeM8kTgX"};
  d.types = {"ever.queue", "ever.policy.simple"};
  d.nodes = {"local", "n2"};
  d.actors = {"12", "14"};
  CHECK(complete("", d).size() == commands().size());
  CHECK(complete("w", d) == std::vector<std::string>{"watch", "why", "workers"});
  CHECK(complete("wor", d) == std::vector<std::string>{"workers"});
  CHECK(complete("why d", d) == std::vector<std::string>{"demo", "dev-api"});
  CHECK(complete("why dem", d) == std::vector<std::string>{"demo"});
  CHECK(complete("drain 3P", d) == std::vector<std::string>{"3Pr4LzKwbzNq2nVeM8kTgX"});
  CHECK(complete("spawn ever.p", d) == std::vector<std::string>{"ever.policy.simple"});
  CHECK(complete("spawn ever.queue o", d) == std::vector<std::string>{"on"});
  CHECK(complete("spawn ever.queue on ", d) == std::vector<std::string>{"local", "n2"});
  CHECK(complete("actors --", d) == std::vector<std::string>{"--node", "--type"});
  CHECK(complete("actors --type ever.q", d) == std::vector<std::string>{"ever.queue"});
  CHECK(complete("inspect 1", d) == std::vector<std::string>{"12", "14"});
  CHECK(complete("why demo x", d).empty());
  CHECK(complete("nosuch ", d).empty());
  CHECK(common_prefix({"dev-api", "demo"}) == "de");
  CHECK(common_prefix({}).empty());
}

TEST_CASE("ever console flags", "[console]") {
  auto o = cli::parse_console_args({"--cluster", "10.0.0.5:7500", "--token-file", "t", "-c",
                                    "why demo"});
  REQUIRE(o);
  CHECK(o->host == "10.0.0.5");
  CHECK(o->port == 7500);
  CHECK(*o->token_file == "t");
  CHECK(*o->command == "why demo");
  auto d = cli::parse_console_args({});
  REQUIRE(d);
  CHECK(d->host == "127.0.0.1");
  CHECK(d->port == 7420);
  CHECK_FALSE(d->command);
  CHECK(cli::parse_console_args({"--cluster=h:1"})->port == 1);
  CHECK_FALSE(cli::parse_console_args({"--cluster", "nohost"}));
  CHECK_FALSE(cli::parse_console_args({"--cluster", "h:70000"}));
  CHECK_FALSE(cli::parse_console_args({"-c"}));
  CHECK_FALSE(cli::parse_console_args({"--bogus"}));
  CHECK(cli::parse_console_args({"--help"})->help);
}

TEST_CASE("console answers print text as is and tables aligned", "[console]") {
  auto out = cli::render_console_output(
    R"({"blocks": [{"text": "demo: queue length 1\n"},
                   {"headers": ["INDEX", "REASON"], "rows": [["0", "WorkerBusy"]]}]})");
  REQUIRE(out);
  CHECK(*out == "demo: queue length 1\n"
                "INDEX  REASON\n"
                "-----  ----------\n"
                "0      WorkerBusy\n");
  CHECK_FALSE(cli::render_console_output("not json"));
  auto names = cli::parse_completion_data(R"({"apps": ["a"], "workers": ["w"], "types": ["t"]})");
  CHECK(names.apps == std::vector<std::string>{"a"});
  CHECK(names.nodes.empty());
  auto cur = cli::parse_watch_cursor(R"({"event": 4, "decision": 2, "blocks": []})", {});
  CHECK(cur.event == 4);
  CHECK(cur.decision == 2);
  std::string app;
  CHECK(cli::is_watch_line("watch demo", app));
  CHECK(app == "demo");
  CHECK_FALSE(cli::is_watch_line("why demo", app));
}
