#include "actors/console/console_parse.hpp"

#include <algorithm>

namespace ever::console {

const std::vector<command_info>& commands() {
  static const std::vector<command_info> all = {
    {"help", "help", "list the commands", operand::none, {}},
    {"nodes", "nodes", "the cluster's nodes and their state", operand::none, {}},
    {"actors", "actors [--node N] [--type T]", "live actors: type, id, node, mailbox, uptime",
     operand::none, {"--node", "--type"}},
    {"inspect", "inspect ACTOR", "an actor's state (ACTOR: an id from `actors`)", operand::actor, {}},
    {"apps", "apps", "every app with its status and workers", operand::none, {}},
    {"workers", "workers APP", "an app's workers", operand::app, {}},
    {"queue", "queue APP", "the requests waiting in an app's queue", operand::app, {}},
    {"decisions", "decisions APP [--last N]", "the scaler's recent decisions", operand::app,
     {"--last"}},
    {"why", "why APP", "the latest decisions in words: factors, arguments, the rule that fired",
     operand::app, {}},
    {"scale", "scale APP N", "set an app's workers now (capped by the policy's max_workers)",
     operand::app, {}},
    {"drain", "drain WORKER", "stop a worker gracefully (it finishes what it serves)",
     operand::worker, {}},
    {"types", "types", "the actor type registry", operand::none, {}},
    {"spawn", "spawn TYPE [on NODE] [KEY=VALUE...]",
     "spawn a registered type here or on NODE (a joined node's name, or HOST:PORT)", operand::type, {}},
    {"watch", "watch APP", "stream the app's events and decisions until Ctrl-C", operand::app, {}},
  };
  return all;
}

const command_info* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name)
      return &c;
  return nullptr;
}

expected<std::vector<std::string>> split_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size())
        cur += line[++i];
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word)
        out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote)
    return make_error(errc::invalid_argument, std::string("unterminated ") + quote + " quote");
  if (in_word)
    out.push_back(std::move(cur));
  return out;
}

expected<command_line> parse_line(const std::string& line) {
  auto words = split_line(line);
  if (!words)
    return words.error();
  command_line out;
  if (words->empty())
    return out;
  out.name = words->front();
  const command_info* cmd = find_command(out.name);
  if (!cmd)
    return make_error(errc::invalid_argument,
                      "unknown command '" + out.name + "' (type `help` for the list)");
  for (size_t i = 1; i < words->size(); ++i) {
    const auto& w = (*words)[i];
    if (w.size() > 2 && w.compare(0, 2, "--") == 0) {
      auto eq = w.find('=');
      auto flag = w.substr(0, eq);
      if (std::none_of(cmd->flags.begin(), cmd->flags.end(),
                       [&](const char* f) { return flag == f; }))
        return make_error(errc::invalid_argument,
                          "'" + out.name + "' has no flag " + flag + " (usage: " + cmd->usage + ")");
      if (eq != std::string::npos)
        out.flags[flag] = w.substr(eq + 1);
      else if (i + 1 < words->size())
        out.flags[flag] = (*words)[++i];
      else
        return make_error(errc::invalid_argument, flag + " needs a value (usage: "
                                                    + std::string(cmd->usage) + ")");
    } else {
      out.operands.push_back(w);
    }
  }
  return out;
}

std::string help_text() {
  size_t width = 0;
  for (const auto& c : commands())
    width = std::max(width, std::string(c.usage).size());
  std::string out = "Commands:\n";
  for (const auto& c : commands()) {
    std::string u = c.usage;
    out += "  " + u + std::string(width - u.size() + 2, ' ') + c.summary + "\n";
  }
  out += "Words complete with Tab; history is kept in ~/.ever_console_history.\n";
  return out;
}

std::string common_prefix(const std::vector<std::string>& words) {
  if (words.empty())
    return {};
  std::string p = words.front();
  for (const auto& w : words) {
    size_t n = 0;
    while (n < p.size() && n < w.size() && p[n] == w[n])
      ++n;
    p.resize(n);
  }
  return p;
}

std::vector<std::string> complete(const std::string& before, const completion_data& data) {
  // The word under the cursor starts after the last blank; earlier words are complete.
  auto last_blank = before.find_last_of(" \t");
  std::string word = last_blank == std::string::npos ? before : before.substr(last_blank + 1);
  std::vector<std::string> done;
  if (last_blank != std::string::npos)
    if (auto words = split_line(before.substr(0, last_blank)))
      done = std::move(*words);
  std::vector<std::string> pool;
  if (done.empty()) {
    for (const auto& c : commands())
      pool.push_back(c.name);
  } else if (const command_info* cmd = find_command(done.front())) {
    if (!word.empty() && word[0] == '-') {
      for (auto f : cmd->flags)
        pool.push_back(f);
    } else if (!done.empty() && (done.back() == "--node" || done.back() == "--type")) {
      pool = done.back() == "--node" ? data.nodes : data.types;
    } else if (done.size() == 1) {
      switch (cmd->first) {
        case operand::app: pool = data.apps; break;
        case operand::worker: pool = data.workers; break;
        case operand::actor: pool = data.actors; break;
        case operand::type: pool = data.types; break;
        case operand::node: pool = data.nodes; break;
        case operand::none: break;
      }
    } else if (cmd->first == operand::type && done.size() == 2) {
      pool = {"on"};
    } else if (cmd->first == operand::type && done.size() == 3 && done[2] == "on") {
      pool = data.nodes;
    }
  }
  std::vector<std::string> out;
  for (const auto& p : pool)
    if (p.compare(0, word.size(), word) == 0)
      out.push_back(p);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace ever::console
