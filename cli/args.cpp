#include "cli/args.hpp"

namespace ever::cli {

const std::vector<flag_spec>& all_flags() {
  static const std::vector<flag_spec> table = {
      {"help", 'h', false, nullptr},
      {"verbose", 'v', false, nullptr},
      {"endpoint", 0, true, "URL"},
      {"token", 0, true, "TOKEN"},
      {"namespace", 'n', true, "NS"},
      {"file", 'f', true, "FILE"},
      {"from-literal", 'l', true, "KEY=VALUE"},
      {"output", 'o', true, "FORMAT"},
      {"dry-run", 0, false, nullptr},
      {"all-namespaces", 'A', false, nullptr},
      {"all", 'a', false, nullptr},
      {"recent-days", 'd', true, "N"},
      {"tail", 0, true, "N"},
      {"last", 0, true, "N"},
      {"limit", 0, true, "N"},
      {"keep-workers", 0, false, nullptr},
      // policy simulate / app decisions --replay
      {"policy", 0, true, "NAME"},
      {"arg", 0, true, "KEY=VALUE"},
      {"trace", 0, true, "SPEC"},
      {"duration", 0, true, "DURATION"},
      {"service", 0, true, "DURATION"},
      {"jitter", 0, true, "PCT"},
      {"concurrency", 0, true, "N"},
      {"start-delay", 0, true, "DURATION"},
      {"tick", 0, true, "DURATION"},
      {"seed", 0, true, "N"},
      {"replay", 0, false, nullptr},
  };
  return table;
}

const flag_spec* find_flag(const std::string& name) {
  for (const auto& f : all_flags())
    if (name == f.name)
      return &f;
  return nullptr;
}

namespace {

const flag_spec* find_short(char c) {
  for (const auto& f : all_flags())
    if (f.short_name == c)
      return &f;
  return nullptr;
}

} // namespace

std::optional<std::string> parsed_args::last(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty())
    return std::nullopt;
  return it->second.back();
}

std::vector<std::string> parsed_args::all(const std::string& name) const {
  auto it = flags.find(name);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

expected<parsed_args> parse_args(const std::vector<std::string>& args, const stop_fn& stop) {
  parsed_args out;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& tok = args[i];
    if (only_positionals || tok == "-" || tok.size() < 2 || tok[0] != '-') {
      out.positionals.push_back(tok);
      if (stop && stop(out.positionals)) {
        out.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
        return out;
      }
      continue;
    }
    if (tok == "--") {
      only_positionals = true;
      continue;
    }
    const flag_spec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown; // how the user spelled it, for messages
    if (tok[1] == '-') {
      auto body = tok.substr(2);
      auto eq = body.find('=');
      if (eq != std::string::npos) {
        inline_value = body.substr(eq + 1);
        body.erase(eq);
      }
      spec = find_flag(body);
      shown = "--" + body;
    } else {
      spec = find_short(tok[1]);
      shown = tok.substr(0, 2);
      if (tok.size() > 2) {
        // "-oyaml" or "-o=yaml"; for a boolean flag the rest is not a value, so it is unknown
        // ("-av" is not supported: rare, and ambiguous with values).
        inline_value = tok[2] == '=' ? tok.substr(3) : tok.substr(2);
        if (spec && !spec->takes_value) {
          out.unknown.push_back(tok);
          continue;
        }
      }
    }
    if (!spec) {
      out.unknown.push_back(tok);
      continue;
    }
    if (!spec->takes_value) {
      if (inline_value)
        return make_error(errc::invalid_argument, "flag " + shown + " takes no value");
      out.flags[spec->name].emplace_back();
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size())
        return make_error(errc::invalid_argument,
                          "flag " + shown + " needs a value (" + spec->value_name + ")");
      inline_value = args[++i];
    }
    out.flags[spec->name].push_back(*inline_value);
  }
  return out;
}

} // namespace ever::cli
