#include "cli/console_client.hpp"

#include "actors/cluster/cluster_link.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "actors/cluster/cluster_types.hpp"
#include "actors/console/console_actor.hpp"
#include "cli/console_render.hpp"
#include "cli/settings.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <histedit.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace ever::cli {

namespace {

constexpr auto line_timeout = std::chrono::seconds(60);

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) {
  interrupted = true;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ')
    ++i;
  return s.substr(i);
}

/// The connection to the console service.
struct session {
  caf::actor_system& sys;
  caf::actor console;

  /// Runs one line; the answer JSON or the console's error.
  expected<std::string> ask(const std::string& line) {
    caf::scoped_actor self{sys};
    expected<std::string> out{std::string{}};
    self->request(console, line_timeout, console::console_atom::value, line)
      .receive([&](std::string& s) { out = std::move(s); },
               [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  /// Runs one line and prints the answer; false on error (printed to err).
  bool run(const std::string& line, std::ostream& out, std::ostream& err) {
    auto answer = ask(line);
    if (!answer) {
      err << "error: " << message_of(answer.error()) << '\n';
      return false;
    }
    auto text = render_console_output(*answer);
    if (!text) {
      err << "error: " << message_of(text.error()) << '\n';
      return false;
    }
    out << *text << std::flush;
    return true;
  }

  /// `watch APP`: polls the console for new events and decisions until Ctrl-C (or `polls`).
  bool watch(const std::string& app, const console_options& o, std::ostream& out,
             std::ostream& err) {
    if (app.empty()) {
      err << "error: usage: watch APP\n";
      return false;
    }
    out << "watching " << app << " (Ctrl-C to stop)\n" << std::flush;
    watch_cursor cur;
    interrupted = false;
    for (int64_t n = 0; !interrupted && (o.polls < 0 || n < o.polls); ++n) {
      if (n > 0)
        for (int64_t slept = 0; slept < o.poll_ms && !interrupted; slept += 50)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto answer = ask("__watch " + app + " " + std::to_string(cur.event) + " "
                        + std::to_string(cur.decision));
      if (!answer) {
        err << "error: " << message_of(answer.error()) << '\n';
        return false;
      }
      cur = parse_watch_cursor(*answer, cur);
      if (auto text = render_console_output(*answer))
        out << *text << std::flush;
    }
    return true;
  }

  /// Runs a line, streaming it if it is `watch`.
  bool run_any(const std::string& line, const console_options& o, std::ostream& out,
               std::ostream& err) {
    std::string app;
    if (is_watch_line(line, app))
      return watch(app, o, out, err);
    return run(line, out, err);
  }
};

// -- libedit ----------------------------------------------------------------------------------

struct edit_state {
  session* s = nullptr;
  console::completion_data names;
};

char* prompt(EditLine*) {
  static char text[] = "ever> ";
  return text;
}

unsigned char complete_word(EditLine* el, int) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  auto* st = static_cast<edit_state*>(data);
  const LineInfo* li = el_line(el);
  std::string before(li->buffer, li->cursor);
  auto candidates = console::complete(before, st->names);
  if (candidates.empty())
    return CC_REFRESH_BEEP;
  auto last_blank = before.find_last_of(" \t");
  auto typed = last_blank == std::string::npos ? before : before.substr(last_blank + 1);
  auto prefix = console::common_prefix(candidates);
  if (candidates.size() == 1) {
    auto rest = candidates[0].substr(typed.size()) + " ";
    el_insertstr(el, rest.c_str());
    return CC_REDISPLAY;
  }
  if (prefix.size() > typed.size()) {
    el_insertstr(el, prefix.substr(typed.size()).c_str());
    return CC_REDISPLAY;
  }
  std::cout << '\n';
  for (const auto& c : candidates)
    std::cout << c << "  ";
  std::cout << std::endl;
  return CC_REDISPLAY;
}

std::string history_path(const cli_env& env) {
  auto home = env.getenv ? env.getenv("HOME") : std::nullopt;
  return (home ? *home : std::string{"."}) + "/.ever_console_history";
}

int interactive(session& s, const console_options& o, const cli_env& env, std::ostream& out,
                std::ostream& err) {
  edit_state st{&s, {}};
  auto refresh = [&] {
    if (auto names = s.ask("__complete"))
      st.names = parse_completion_data(*names);
  };
  refresh();
  EditLine* el = el_init("ever", stdin, stdout, stderr);
  History* hist = history_init();
  HistEvent ev;
  history(hist, &ev, H_SETSIZE, 1000);
  history(hist, &ev, H_SETUNIQUE, 1);
  auto hpath = history_path(env);
  history(hist, &ev, H_LOAD, hpath.c_str());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, &prompt);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_CLIENTDATA, &st);
  el_set(el, EL_ADDFN, "ever-complete", "complete a word", &complete_word);
  el_set(el, EL_BIND, "^I", "ever-complete", nullptr);
  el_source(el, nullptr); // ~/.editrc, if the user has one
  out << "ever console: connected to " << o.host << ':' << o.port
      << ". Type `help` for the commands, Ctrl-D to leave.\n"
      << std::flush;
  while (true) {
    int count = 0;
    interrupted = false;
    const char* raw = el_gets(el, &count);
    if (!raw) {
      if (interrupted) { // Ctrl-C at the prompt: a fresh line
        out << '\n';
        continue;
      }
      break; // Ctrl-D
    }
    auto line = trim(raw);
    if (line.empty())
      continue;
    history(hist, &ev, H_ENTER, line.c_str());
    if (line == "exit" || line == "quit")
      break;
    s.run_any(line, o, out, err);
    refresh();
  }
  out << '\n';
  history(hist, &ev, H_SAVE, hpath.c_str());
  history_end(hist);
  el_end(el);
  return 0;
}

} // namespace

int run_console(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, const cli_env& env) {
  auto opts = parse_console_args(args);
  if (!opts) {
    err << "error: " << message_of(opts.error()) << "\nRun 'ever console --help' for usage.\n";
    return 2;
  }
  if (opts->help) {
    out << console_usage();
    return 0;
  }
  std::string token;
  if (opts->token_file) {
    auto t = read_file(join_path(env.cwd, *opts->token_file));
    if (!t) {
      err << "error: " << message_of(t.error()) << '\n';
      return 1;
    }
    token = trim(*t);
  } else {
    auto s = resolve_settings(std::nullopt, std::nullopt, env.getenv, env.cwd);
    if (!s) {
      err << "error: " << message_of(s.error()) << '\n';
      return 1;
    }
    token = s->token;
  }
  if (token.empty()) {
    err << "error: no admin token: give --token-file FILE (everd writes DATA_DIR/token)\n";
    return 1;
  }
  cluster::link_options link;
  link.host = opts->host;
  link.port = opts->port;
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cluster::register_cluster_types(cfg);
  register_error_category(cfg);
  cluster::configure_link(cfg, link);
  caf::actor_system sys{cfg};
  auto gate = cluster::connect_gate(sys, opts->host, opts->port, link);
  if (!gate) {
    err << "error: " << message_of(gate.error()) << '\n';
    return 1;
  }
  caf::actor console_handle;
  caf::error lookup_error;
  {
    caf::scoped_actor self{sys};
    self->request(*gate, std::chrono::seconds(10), cluster::lookup_atom::value,
                  std::string{"console"}, token)
      .receive([&](caf::actor& a) { console_handle = std::move(a); },
               [&](caf::error& e) { lookup_error = std::move(e); });
  }
  if (!console_handle) {
    err << "error: the control node refused the console: "
        << (lookup_error ? message_of(lookup_error) : std::string{"no console service"}) << '\n';
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = &on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr); // no SA_RESTART: el_gets and sleeps return on Ctrl-C
  session s{sys, console_handle};
  int rc = 0;
  if (opts->command)
    rc = s.run_any(*opts->command, *opts, out, err) ? 0 : 1;
  else
    rc = interactive(s, *opts, env, out, err);
  (void)in;
  return rc;
}

} // namespace ever::cli
