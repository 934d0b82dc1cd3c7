// app commands.

#include "cli/internal.hpp"
#include "cli/table.hpp"

#include <ostream>

namespace ever::cli {

namespace {

std::string app_path(const context& c, const std::string& name) {
  return ns_path(c.ns) + "/apps/" + encode(name);
}

std::vector<std::string> app_row(const json& app, bool wide) {
  const json& workers = app.contains("workers") ? app["workers"] : json::object();
  std::vector<std::string> row = {
      field(app, "name"),
      field(app, "namespace"),
      field(app, "status"),
      std::to_string(int_field(workers, "ready")) + "/"
          + std::to_string(int_field(workers, "desired")),
      time_field(app, "createdAt"),
  };
  if (wide) {
    row.push_back(time_field(app, "updatedAt"));
    row.push_back(field(app, "routePath"));
  }
  return row;
}

std::vector<std::string> app_headers(bool wide) {
  std::vector<std::string> h = {"NAME", "NAMESPACE", "STATUS", "WORKERS", "CREATED_AT"};
  if (wide) {
    h.push_back("UPDATED_AT");
    h.push_back("ROUTE");
  }
  return h;
}

/// Reads the manifest of create/update: -f FILE, else ./app.yaml.
std::optional<std::string> read_manifest(context& c, int& exit_code) {
  auto file = c.args.last("file");
  auto text = read_input(c, file.value_or("app.yaml"));
  if (text)
    return *text;
  if (!file && code_of(text.error()) == errc::not_found)
    exit_code = usage_error(c, "no manifest: ./app.yaml does not exist (give one with -f FILE)");
  else
    exit_code = fail(c, message_of(text.error()));
  return std::nullopt;
}

/// create and update (= the seed's upgrade): the YAML goes to the server as is, which validates
/// it and answers with the field's path on an error.
int create_or_update(context& c, bool update) {
  int code = exit_ok;
  auto text = read_manifest(c, code);
  if (!text)
    return code;
  auto meta = read_manifest_meta(*text);
  if (!c.ns_explicit && !meta.ns.empty())
    c.ns = meta.ns; // namespace precedence: -n > metadata.namespace > default
  std::string name = !c.operands.empty() ? c.operands.front() : meta.name;
  if (update && name.empty())
    return usage_error(c, "the manifest has no metadata.name: name the app to update");
  const bool dry_run = c.args.has("dry-run");
  json body = {{"manifest", *text}};
  auto q = dry_run ? query({{"dryRun", "true"}}) : std::string();
  auto answer = update ? call_api(c, "PUT", app_path(c, name) + q, body.dump(), code)
                       : call_api(c, "POST", ns_path(c.ns) + "/apps" + q, body.dump(), code);
  if (!answer)
    return code;
  auto shown = field(answer->doc, "name");
  if (shown.empty())
    shown = name;
  c.out << "app/" << shown << (update ? " updated" : " created") << (dry_run ? " (dry run)" : "")
        << "\n";
  return exit_ok;
}

/// pause, resume and delete take an explicit name: they change things, so no guessing.
std::optional<std::string> explicit_name(context& c, int& exit_code) {
  if (c.operands.empty()) {
    exit_code = usage_error(c, "specify the app's name");
    return std::nullopt;
  }
  return c.operands.front();
}

int app_action(context& c, const char* action, const char* done) {
  int code = exit_ok;
  auto name = explicit_name(c, code);
  if (!name)
    return code;
  if (!call_api(c, "POST", app_path(c, *name) + ":" + action, "", code))
    return code;
  c.out << "app/" << *name << " " << done << "\n";
  return exit_ok;
}

/// get/list/queue/events/decisions of one app: resolve the app, GET `suffix`, print structured
/// output or the table built by `rows_of`.
template <class RowsOf>
int app_table(context& c, const std::string& suffix, const std::vector<std::string>& headers,
              RowsOf rows_of) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json", "yaml"}, code);
  if (!format)
    return code;
  auto name = resolve_app(c, code);
  if (!name)
    return code;
  auto answer = call_api(c, "GET", app_path(c, *name) + suffix, "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items_of(answer->doc))
    rows.push_back(rows_of(item));
  c.out << render_table(headers, rows);
  return exit_ok;
}

/// "ScaleUp +2", "ScaleDown w1, w2", "-" for no action.
std::string actions_cell(const json& decision) {
  const json& result = decision.contains("result") ? decision["result"] : json::object();
  const json& actions = items_of(result, "actions");
  std::string up, down;
  for (const auto& a : actions) {
    auto what = field(a, "action");
    if (what == "ScaleUp")
      up += (up.empty() ? "ScaleUp +" : ", +") + std::to_string(int_field(a, "count"));
    else if (what == "ScaleDown")
      down += (down.empty() ? "ScaleDown " : ", ") + field(a, "worker_id");
    else if (!what.empty())
      up += (up.empty() ? "" : ", ") + what;
  }
  std::string cell = up;
  if (!down.empty())
    cell += (cell.empty() ? "" : "; ") + down;
  return cell.empty() ? "-" : cell;
}

} // namespace

int run_app_create(context& c) {
  return create_or_update(c, false);
}

int run_app_update(context& c) {
  return create_or_update(c, true);
}

int run_app_get(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "wide", "json", "yaml"}, code);
  if (!format)
    return code;
  auto name = resolve_app(c, code);
  if (!name)
    return code;
  auto answer = call_api(c, "GET", app_path(c, *name), "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  bool wide = *format == "wide";
  c.out << render_table(app_headers(wide), {app_row(answer->doc, wide)});
  return exit_ok;
}

int run_app_list(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "wide", "json", "yaml"}, code);
  if (!format)
    return code;
  auto target =
      c.args.has("all-namespaces") ? std::string("/api/apps/v1/apps") : ns_path(c.ns) + "/apps";
  auto answer = call_api(c, "GET", target, "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  bool wide = *format == "wide";
  std::vector<std::vector<std::string>> rows;
  for (const auto& app : items_of(answer->doc))
    rows.push_back(app_row(app, wide));
  c.out << render_table(app_headers(wide), rows);
  return exit_ok;
}

int run_app_pause(context& c) {
  return app_action(c, "pause", "paused");
}

int run_app_resume(context& c) {
  return app_action(c, "resume", "resumed");
}

int run_app_delete(context& c) {
  int code = exit_ok;
  auto name = explicit_name(c, code);
  if (!name)
    return code;
  if (!call_api(c, "DELETE", app_path(c, *name), "", code))
    return code;
  c.out << "app/" << *name << " deleted\n";
  return exit_ok;
}

int run_app_queue(context& c) {
  return app_table(c, "/queue", {"QUEUE_INDEX", "CREATE_AT", "QUEUE_REASON"},
                   [](const json& e) -> std::vector<std::string> {
                     return {std::to_string(int_field(e, "index")), time_field(e, "createdAt"),
                             field(e, "reason")};
                   });
}

int run_app_events(context& c) {
  int code = exit_ok;
  auto limit = count_flag(c, "limit", code);
  if (code != exit_ok)
    return code;
  auto q = limit ? query({{"limit", std::to_string(*limit)}}) : std::string();
  return app_table(c, "/events" + q, {"TYPE", "FROM", "CREATED_AT", "MESSAGE"},
                   [](const json& e) -> std::vector<std::string> {
                     return {field(e, "type"), field(e, "from"), time_field(e, "createdAt"),
                             field(e, "message")};
                   });
}

int run_app_decisions(context& c) {
  if (c.args.has("replay"))
    return run_decisions_replay(c);
  int code = exit_ok;
  auto last = count_flag(c, "last", code);
  if (code != exit_ok)
    return code;
  auto q = last ? query({{"last", std::to_string(*last)}}) : std::string();
  return app_table(c, "/decisions" + q, {"SEQ", "TIME", "POLICY", "ACTIONS", "REASON"},
                   [](const json& d) -> std::vector<std::string> {
                     return {field(d, "seq"), time_field(d, "at"), field(d, "policy"),
                             actions_cell(d), field(d, "reason")};
                   });
}

} // namespace ever::cli
