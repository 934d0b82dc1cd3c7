// Helpers shared by the command files: API calls, error printing, field access, app discovery.

#include "cli/internal.hpp"

#include "core/time.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace ever::cli {

namespace {

std::string first_line(const std::string& text, size_t max_len = 200) {
  auto line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  if (line.size() > max_len)
    line = line.substr(0, max_len) + "...";
  return line;
}

std::string command_name(const context& c) {
  std::string name = "ever";
  if (c.cmd) {
    if (*c.cmd->group)
      name += std::string(" ") + c.cmd->group;
    name += std::string(" ") + c.cmd->verb;
  }
  return name;
}

} // namespace

int usage_error(context& c, const std::string& message) {
  c.err << "error: " << message << "\n"
        << "Run '" << command_name(c) << " --help' for usage.\n";
  return exit_usage;
}

int fail(context& c, const std::string& message) {
  c.err << "error: " << message << "\n";
  return exit_failed;
}

std::optional<api_answer> call_api(context& c, const std::string& method, const std::string& target,
                                   const std::string& body, int& exit_code) {
  if (!c.settings) {
    auto s =
        resolve_settings(c.args.last("endpoint"), c.args.last("token"), c.env.getenv, c.env.cwd);
    if (!s) {
      exit_code = fail(c, message_of(s.error()));
      return std::nullopt;
    }
    c.settings = *s;
    if (c.verbose) {
      c.err << "endpoint " << s->endpoint << " (from " << s->endpoint_source << ")\n";
      c.err << (s->token.empty() ? std::string("no token found") : "token from " + s->token_source)
            << "\n";
    }
  }
  api_request req;
  req.endpoint = c.settings->endpoint;
  req.method = method;
  req.target = target;
  req.body = body;
  req.headers.emplace_back("Accept", "application/json");
  if (!body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  if (!c.settings->token.empty())
    req.headers.emplace_back("Authorization", "Bearer " + c.settings->token);
  if (c.verbose) {
    // Secret values stay off the terminal even in traces.
    bool show_body = !body.empty() && target.find("/secrets") == std::string::npos;
    c.err << "> " << method << " " << target << (show_body ? " " + body : std::string()) << "\n";
  }

  auto res = c.env.transport(req);
  if (!res) {
    if (code_of(res.error()) == errc::unavailable)
      c.err << message_of(res.error()) << "\n"; // already one complete line naming the endpoint
    else
      c.err << "error: " << message_of(res.error()) << "\n";
    exit_code = exit_failed;
    return std::nullopt;
  }
  if (c.verbose)
    c.err << "< " << res->status << " (" << res->body.size() << " bytes)\n";

  api_answer answer;
  answer.status = res->status;
  answer.body = std::move(res->body);
  answer.content_type = std::move(res->content_type);
  auto doc = json::parse(answer.body, nullptr, false);
  if (!doc.is_discarded())
    answer.doc = std::move(doc);

  if (answer.status < 200 || answer.status >= 300) {
    std::string message;
    const auto& d = answer.doc;
    if (d.is_object() && d.contains("error") && d["error"].is_object()
        && d["error"].contains("message") && d["error"]["message"].is_string())
      message = d["error"]["message"].get<std::string>();
    else if (!answer.body.empty())
      message = "HTTP " + std::to_string(answer.status) + ": " + first_line(answer.body);
    if (message.empty())
      message = "HTTP " + std::to_string(answer.status);
    c.err << "error: " << message << "\n";
    if (answer.status == 401)
      c.err << "hint: pass --token, set EVER_TOKEN or run `ever login --token TOKEN` (the local "
               "everd writes its token to .ever/token)\n";
    exit_code = exit_failed;
    return std::nullopt;
  }
  return answer;
}

std::string encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::string ns_path(const std::string& ns) {
  return "/api/apps/v1/namespaces/" + encode(ns);
}

std::string query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string q;
  for (const auto& [k, v] : pairs)
    q += (q.empty() ? "?" : "&") + k + "=" + encode(v);
  return q;
}

std::optional<std::string> output_format(context& c, std::initializer_list<const char*> allowed,
                                         int& exit_code) {
  auto value = c.args.last("output").value_or("table");
  std::string names;
  for (const char* a : allowed) {
    if (value == a)
      return value;
    names += names.empty() ? a : std::string("|") + a;
  }
  exit_code = usage_error(c, "unknown output format \"" + value + "\" (use -o " + names + ")");
  return std::nullopt;
}

bool print_structured(context& c, const std::string& format, const api_answer& answer) {
  if (format == "json") {
    if (answer.doc.is_null())
      c.out << answer.body;
    else
      c.out << answer.doc.dump(2) << "\n";
    return true;
  }
  if (format == "yaml") {
    if (answer.doc.is_null())
      c.out << answer.body;
    else
      c.out << to_yaml(answer.doc);
    return true;
  }
  return false;
}

std::optional<long long> count_flag(context& c, const char* name, int& exit_code) {
  auto value = c.args.last(name);
  if (!value)
    return std::nullopt;
  const std::string& v = *value;
  bool ok = !v.empty() && v.size() <= 12;
  for (char ch : v)
    ok = ok && std::isdigit(static_cast<unsigned char>(ch));
  if (!ok) {
    exit_code = usage_error(c, "--" + std::string(name) + " needs a non-negative integer, got \""
                                   + v + "\"");
    return std::nullopt;
  }
  exit_code = exit_ok;
  return std::stoll(v);
}

std::string field(const json& obj, const char* key) {
  if (!obj.is_object())
    return {};
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return {};
  if (it->is_string())
    return it->get<std::string>();
  if (it->is_boolean())
    return it->get<bool>() ? "true" : "false";
  return it->dump();
}

long long int_field(const json& obj, const char* key) {
  if (!obj.is_object())
    return 0;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number())
    return 0;
  return it->get<long long>();
}

std::string time_field(const json& obj, const char* key) {
  return format_time(int_field(obj, key));
}

const json& items_of(const json& doc, const char* key) {
  static const json empty = json::array();
  if (!doc.is_object())
    return empty;
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array())
    return empty;
  return *it;
}

manifest_meta read_manifest_meta(const std::string& yaml_text) {
  manifest_meta meta;
  try {
    auto root = YAML::Load(yaml_text);
    if (!root.IsMap())
      return meta;
    auto md = root["metadata"];
    if (!md || !md.IsMap())
      return meta;
    if (md["name"] && md["name"].IsScalar())
      meta.name = md["name"].as<std::string>();
    if (md["namespace"] && md["namespace"].IsScalar())
      meta.ns = md["namespace"].as<std::string>();
  } catch (const YAML::Exception&) {
    // Not YAML: the server reports the error with its position when the manifest is sent.
  }
  return meta;
}

expected<std::string> read_input(context& c, const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << c.in.rdbuf();
    return text.str();
  }
  return read_file(join_path(c.env.cwd, path));
}

std::optional<std::string> resolve_app(context& c, int& exit_code) {
  exit_code = exit_ok;
  if (!c.operands.empty())
    return c.operands.front();
  if (auto text = read_file(join_path(c.env.cwd, "app.yaml"))) {
    auto meta = read_manifest_meta(*text);
    if (!meta.name.empty()) {
      if (!c.ns_explicit && !meta.ns.empty())
        c.ns = meta.ns;
      if (c.verbose)
        c.err << "app " << meta.name << " (from ./app.yaml)\n";
      return meta.name;
    }
  }
  auto answer = call_api(c, "GET", ns_path(c.ns) + "/apps", "", exit_code);
  if (!answer)
    return std::nullopt;
  const auto& apps = items_of(answer->doc);
  if (apps.size() == 1) {
    auto name = field(apps[0], "name");
    if (c.verbose)
      c.err << "app " << name << " (the only app in namespace " << c.ns << ")\n";
    return name;
  }
  if (apps.empty()) {
    exit_code = usage_error(c, "specify the app: no apps exist in namespace \"" + c.ns + "\"");
    return std::nullopt;
  }
  std::string names;
  for (const auto& app : apps)
    names += (names.empty() ? "" : ", ") + field(app, "name");
  exit_code = usage_error(c, "specify the app: " + std::to_string(apps.size()) + " apps exist ("
                                 + names + ")");
  return std::nullopt;
}

} // namespace ever::cli
