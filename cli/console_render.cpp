#include "cli/console_render.hpp"

#include "cli/table.hpp"

#include <nlohmann/json.hpp>

namespace ever::cli {

namespace {

using nlohmann::json;

expected<uint16_t> parse_port(const std::string& text) {
  char* end = nullptr;
  auto n = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n == 0 || n > 65535)
    return make_error(errc::invalid_argument, "--cluster: port '" + text + "' is not 1-65535");
  return static_cast<uint16_t>(n);
}

std::vector<std::string> strings_of(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.is_object() && j.contains(key) && j[key].is_array())
    for (const auto& v : j[key])
      if (v.is_string())
        out.push_back(v.get<std::string>());
  return out;
}

} // namespace

expected<console_options> parse_console_args(const std::vector<std::string>& args) {
  console_options o;
  for (size_t i = 0; i < args.size(); ++i) {
    auto a = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> expected<std::string> {
      if (inline_value)
        return *inline_value;
      if (i + 1 >= args.size())
        return make_error(errc::invalid_argument, a + " needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--cluster") {
      auto v = value();
      if (!v)
        return v.error();
      auto colon = v->rfind(':');
      if (colon == std::string::npos || colon == 0)
        return make_error(errc::invalid_argument, "--cluster: '" + *v + "' is not HOST:PORT");
      auto port = parse_port(v->substr(colon + 1));
      if (!port)
        return port.error();
      o.host = v->substr(0, colon);
      o.port = *port;
    } else if (a == "--token-file") {
      auto v = value();
      if (!v)
        return v.error();
      o.token_file = *v;
    } else if (a == "-c" || a == "--command") {
      auto v = value();
      if (!v)
        return v.error();
      o.command = *v;
    } else if (a == "--polls") {
      auto v = value();
      if (!v)
        return v.error();
      char* end = nullptr;
      o.polls = std::strtoll(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || o.polls < 1)
        return make_error(errc::invalid_argument, "--polls: '" + *v + "' is not a count >= 1");
    } else {
      return make_error(errc::invalid_argument, "ever console: unknown argument '" + a + "'");
    }
  }
  return o;
}

std::string console_usage() {
  return "ever console: the admin console, connected to the control node over the cluster link.\n"
         "\n"
         "Usage:\n"
         "  ever console [--cluster HOST:PORT] [--token-file FILE] [-c \"COMMAND\"]\n"
         "\n"
         "Flags:\n"
         "  --cluster HOST:PORT   the control node's cluster port (default 127.0.0.1:7420)\n"
         "  --token-file FILE     the admin token (default: the token the other verbs use:\n"
         "                        EVER_TOKEN, `ever login`, $EVER_DATA_DIR/token, ./.ever/token)\n"
         "  -c COMMAND            run one command, print its answer and exit (1 on error)\n"
         "  --polls N             with -c \"watch APP\": stop after N polls (default: Ctrl-C)\n"
         "\n"
         + console::help_text()
         + "\nExamples:\n"
           "  ever console\n"
           "  ever console -c \"actors --type ever.queue\"\n"
           "  ever console -c \"why get-start\"\n";
}

expected<std::string> render_console_output(const std::string& json_text) {
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("blocks") || !j["blocks"].is_array())
    return make_error(errc::internal, "the console sent an answer this client cannot read");
  std::string out;
  for (const auto& b : j["blocks"]) {
    if (b.contains("text") && b["text"].is_string()) {
      out += b["text"].get<std::string>();
      continue;
    }
    std::vector<std::string> headers = strings_of(b, "headers");
    std::vector<std::vector<std::string>> rows;
    if (b.contains("rows") && b["rows"].is_array())
      for (const auto& r : b["rows"]) {
        std::vector<std::string> row;
        if (r.is_array())
          for (const auto& c : r)
            row.push_back(c.is_string() ? c.get<std::string>() : c.dump());
        rows.push_back(std::move(row));
      }
    out += render_table(headers, rows);
  }
  return out;
}

console::completion_data parse_completion_data(const std::string& json_text) {
  auto j = json::parse(json_text, nullptr, false);
  console::completion_data d;
  if (j.is_discarded())
    return d;
  d.apps = strings_of(j, "apps");
  d.workers = strings_of(j, "workers");
  d.actors = strings_of(j, "actors");
  d.types = strings_of(j, "types");
  d.nodes = strings_of(j, "nodes");
  return d;
}

watch_cursor parse_watch_cursor(const std::string& json_text, watch_cursor fallback) {
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fallback;
  if (j.contains("event") && j["event"].is_number())
    fallback.event = j["event"].get<int64_t>();
  if (j.contains("decision") && j["decision"].is_number())
    fallback.decision = j["decision"].get<int64_t>();
  return fallback;
}

bool is_watch_line(const std::string& line, std::string& app) {
  auto words = console::split_line(line);
  if (!words || words->empty() || (*words)[0] != "watch")
    return false;
  app = words->size() == 2 ? (*words)[1] : "";
  return true;
}

} // namespace ever::cli
