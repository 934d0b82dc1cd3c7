// run_cli: global flags, command lookup (with the seed's aliases), help, dispatch.

#include "cli/cli.hpp"

#include "cli/internal.hpp"

#include "actors/policy/decide_command.hpp"
#include "cli/console_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ostream>

namespace ever::cli {

namespace {

constexpr const char* global_flags_help =
    "Global flags:\n"
    "  -h, --help            show help for ever or for a command\n"
    "  -v, --verbose         print the endpoint, where the token came from and each request to\n"
    "                        stderr\n"
    "      --endpoint URL    everd's address (default: $EVER_ENDPOINT, else the one saved by\n"
    "                        `ever login`, else http://127.0.0.1:8080)\n"
    "      --token TOKEN     bearer token (default: $EVER_TOKEN, else the one saved by `ever\n"
    "                        login`, else the local everd's .ever/token or $EVER_DATA_DIR/token)\n"
    "  -n, --namespace NS    namespace (default \"default\")\n";

constexpr const char* decide_help =
    "Runs an autoscaling policy once, offline: reads Factors JSON, prints the DecideResult JSON.\n"
    "It is the same decision pipeline the scaler runs inside everd.\n"
    "\n"
    "Usage:\n"
    "  ever policy decide --policy NAME [--arg KEY=VALUE]... [--now EPOCH_S] --factors FILE|-\n"
    "\n"
    "Flags:\n"
    "  --policy NAME       the policy: simple, free-worker or target-concurrency\n"
    "  --arg KEY=VALUE     a policy argument, e.g. --arg max_workers=5 (repeatable)\n"
    "  --now EPOCH_S       the decision time in epoch seconds (default: now)\n"
    "  --factors FILE|-    the Factors JSON file; \"-\" reads stdin\n"
    "\n"
    "Exit codes: 0 ok, 1 the decision failed, 2 usage error.\n"
    "\n"
    "Examples:\n"
    "  echo '{\"queue\": {\"QueueDueBusy\": 3}}' | ever policy decide --policy simple \\\n"
    "      --arg max_workers=5 --arg max_queue_size=2 --factors -\n";

bool matches(const char* name, const std::vector<const char*>& aliases, const std::string& word) {
  if (word == name)
    return true;
  return std::any_of(aliases.begin(), aliases.end(), [&](const char* a) { return word == a; });
}

const group_def* find_group(const std::string& word) {
  for (const auto& g : groups())
    if (matches(g.name, g.aliases, word))
      return &g;
  return nullptr;
}

const command_def* find_command(const std::string& group, const std::string& word) {
  for (const auto& cmd : commands())
    if (group == cmd.group && matches(cmd.verb, cmd.aliases, word))
      return &cmd;
  return nullptr;
}

std::string join(const std::vector<const char*>& words, const char* sep) {
  std::string out;
  for (const char* w : words)
    out += (out.empty() ? "" : sep) + std::string(w);
  return out;
}

/// "  left  right" lines with the right column aligned.
std::string two_columns(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [left, right] : rows)
    width = std::max(width, left.size());
  std::string out;
  for (const auto& [left, right] : rows)
    out += "  " + left + std::string(width - left.size() + 2, ' ') + right + "\n";
  return out;
}

void print_top_help(std::ostream& out) {
  out << "ever - the Ever CLI: deploy apps, watch their workers and queues, tune autoscaling.\n"
         "Also installed as `everai`, so the seed's commands work as typed.\n"
         "\n"
         "Usage:\n"
         "  ever [flags] COMMAND [VERB] [flags] [ARGS]\n"
         "\n"
         "Commands:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& g : groups()) {
    std::string left = g.name;
    if (!g.aliases.empty())
      left += " (" + join(g.aliases, ", ") + ")";
    rows.emplace_back(left, g.summary);
  }
  for (const auto& cmd : commands())
    if (!*cmd.group)
      rows.emplace_back(cmd.verb, cmd.summary);
  rows.emplace_back("console", "the admin console: inspect and steer the cluster's actors");
  rows.emplace_back("help [COMMAND]", "show help for a command");
  out << two_columns(rows) << "\n"
      << global_flags_help << "\n"
      << "Exit codes: 0 ok, 1 the request failed (server error or everd unreachable), 2 usage "
         "error.\n"
         "Run 'ever COMMAND --help' for more about a command.\n";
}

void print_group_help(std::ostream& out, const group_def& g) {
  out << "ever " << g.name << ": " << g.summary << "\n\nUsage:\n  ever " << g.name
      << " VERB [flags] [ARGS]\n\n";
  if (!g.aliases.empty())
    out << "Aliases: " << join(g.aliases, ", ") << "\n\n";
  out << "Verbs:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  if (std::string(g.name) == "policy")
    rows.emplace_back("decide", "run a policy once on Factors JSON, print its decision");
  for (const auto& cmd : commands()) {
    if (g.name != std::string(cmd.group))
      continue;
    std::string left = cmd.verb;
    if (!cmd.aliases.empty())
      left += " (" + join(cmd.aliases, ", ") + ")";
    rows.emplace_back(left, cmd.summary);
  }
  out << two_columns(rows) << "\n"
      << global_flags_help << "\n"
      << "Run 'ever " << g.name << " VERB --help' for more about a verb.\n";
}

void print_command_help(std::ostream& out, const command_def& cmd) {
  std::string name = *cmd.group ? std::string(cmd.group) + " " + cmd.verb : cmd.verb;
  std::string summary = cmd.summary;
  if (!summary.empty())
    summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
  out << "ever " << name << ": " << summary << ".\n\n"
      << cmd.description << "\nUsage:\n  ever " << name << (*cmd.args_usage ? " " : "")
      << cmd.args_usage << "\n\n";
  if (!cmd.aliases.empty())
    out << "Aliases: " << join(cmd.aliases, ", ") << "\n\n";
  if (!cmd.flags.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& fh : cmd.flags) {
      const flag_spec* spec = find_flag(fh.name);
      std::string left = spec && spec->short_name ? std::string("-") + spec->short_name + ", "
                                                  : std::string("    ");
      left += std::string("--") + fh.name;
      if (spec && spec->value_name)
        left += std::string(" ") + spec->value_name;
      rows.emplace_back(left, fh.help);
    }
    out << "Flags:\n" << two_columns(rows) << "\n";
  }
  out << global_flags_help;
  if (*cmd.examples)
    out << "\nExamples:\n" << cmd.examples;
}

/// The command words, e.g. "app list" -> the command; help and usage errors for the rest.
int dispatch(context& c, std::vector<std::string> words) {
  const bool help = c.args.has("help");
  if (!words.empty() && words.front() == "help") {
    words.erase(words.begin());
    if (words.empty()) {
      print_top_help(c.out);
      return exit_ok;
    }
    c.args.flags["help"].emplace_back();
    return dispatch(c, std::move(words));
  }
  if (words.empty()) {
    print_top_help(c.out);
    return exit_ok;
  }

  const command_def* cmd = nullptr;
  size_t used = 1;
  if (const group_def* g = find_group(words[0])) {
    if (words.size() == 1) {
      print_group_help(c.out, *g);
      return exit_ok;
    }
    if (std::string(g->name) == "policy" && words[1] == "decide") {
      c.out << decide_help; // only reached for help: the command itself is run by run_cli
      return exit_ok;
    }
    cmd = find_command(g->name, words[1]);
    if (!cmd) {
      if (help) {
        print_group_help(c.out, *g);
        return exit_ok;
      }
      c.err << "error: unknown command \"" << words[1] << "\" for \"ever " << g->name << "\"\n"
            << "Run 'ever " << g->name << " --help' for usage.\n";
      return exit_usage;
    }
    used = 2;
  } else {
    cmd = find_command("", words[0]);
    if (!cmd) {
      c.err << "error: unknown command \"" << words[0] << "\" for \"ever\"\n"
            << "Run 'ever --help' for usage.\n";
      return exit_usage;
    }
  }
  c.cmd = cmd;
  if (help) {
    print_command_help(c.out, *cmd);
    return exit_ok;
  }
  if (!c.args.unknown.empty())
    return usage_error(c, "unknown flag: " + c.args.unknown.front());
  for (const auto& [name, values] : c.args.flags) {
    static const char* const globals[] = {"help", "verbose", "endpoint", "token", "namespace"};
    if (std::find_if(std::begin(globals), std::end(globals),
                     [&](const char* g) { return name == g; })
        != std::end(globals))
      continue;
    bool own = std::any_of(cmd->flags.begin(), cmd->flags.end(),
                           [&](const flag_help& f) { return name == f.name; });
    if (!own)
      return usage_error(c, "flag --" + name + " is not valid here");
  }
  c.operands.assign(words.begin() + static_cast<std::ptrdiff_t>(used), words.end());
  if (c.operands.size() > cmd->max_operands) {
    std::string extra;
    for (size_t i = cmd->max_operands; i < c.operands.size(); ++i)
      extra += (extra.empty() ? "" : " ") + c.operands[i];
    return usage_error(c, "unexpected argument"
                              + std::string(c.operands.size() - cmd->max_operands > 1 ? "s" : "")
                              + ": " + extra);
  }
  return cmd->run(c);
}

} // namespace

cli_env cli_env::from_process() {
  cli_env env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str()))
      return std::string(value);
    return std::nullopt;
  };
  env.cwd = ".";
  return env;
}

int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err, cli_env env) {
  if (!args.empty() && args[0] == "console") // CAF and libedit, not the HTTP API
    return run_console({args.begin() + 1, args.end()}, in, out, err, env);
  // `policy decide` has flags of its own: stop parsing at it and hand the rest over untouched.
  auto at_decide = [](const std::vector<std::string>& words) {
    if (words.size() != 2 || words[1] != "decide")
      return false;
    const group_def* g = find_group(words[0]);
    return g && std::string(g->name) == "policy";
  };
  auto parsed = parse_args(args, at_decide);
  if (!parsed) {
    err << "error: " << message_of(parsed.error()) << "\nRun 'ever --help' for usage.\n";
    return exit_usage;
  }
  if (!env.transport) {
    auto timeout = env.timeout;
    env.transport = [timeout](const api_request& r) {
      return net::http_request(r.endpoint, r.method, r.target, r.body, r.headers, timeout);
    };
  }
  context c{in, out, err, std::move(env), std::move(*parsed)};
  c.verbose = c.args.has("verbose");
  if (auto ns = c.args.last("namespace")) {
    if (ns->empty()) {
      err << "error: -n needs a namespace name\nRun 'ever --help' for usage.\n";
      return exit_usage;
    }
    c.ns = *ns;
    c.ns_explicit = true;
  }

  if (at_decide(c.args.positionals)) {
    const auto& rest = c.args.rest;
    bool help = c.args.has("help") || std::any_of(rest.begin(), rest.end(), [](const auto& a) {
                  return a == "-h" || a == "--help";
                });
    if (help) {
      out << decide_help;
      return exit_ok;
    }
    return policy::run_decide_command(rest, in, out, err);
  }
  return dispatch(c, c.args.positionals);
}

} // namespace ever::cli
