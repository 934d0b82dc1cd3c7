// worker commands.

#include "cli/internal.hpp"
#include "cli/table.hpp"

#include <ostream>

namespace ever::cli {

namespace {

/// Port and pid 0 mean "none" (a worker not started yet, or gone).
std::string nonzero(long long v) {
  return v == 0 ? std::string() : std::to_string(v);
}

} // namespace

int run_worker_list(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "wide", "json", "yaml"}, code);
  if (!format)
    return code;
  auto days = count_flag(c, "recent-days", code);
  if (code != exit_ok)
    return code;
  const bool every_app = c.args.has("all-namespaces");
  if (every_app && !c.operands.empty())
    return usage_error(c, "-A lists the workers of every app: do not name an app with it");
  std::vector<std::pair<std::string, std::string>> params;
  if (c.args.has("all"))
    params.emplace_back("showAll", "true");
  if (days)
    params.emplace_back("recentDays", std::to_string(*days));

  std::string target;
  if (every_app) {
    target = "/api/apps/v1/workers" + query(params);
  } else {
    auto app = resolve_app(c, code);
    if (!app)
      return code;
    target = ns_path(c.ns) + "/apps/" + encode(*app) + "/workers" + query(params);
  }
  auto answer = call_api(c, "GET", target, "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;

  const bool wide = *format == "wide";
  std::vector<std::string> headers = {"ID"};
  if (every_app)
    headers.insert(headers.end(), {"NAMESPACE", "APP"});
  headers.insert(headers.end(), {"STATUS", "DETAIL_STATUS", "CREATED_AT", "DELETED_AT"});
  if (wide)
    headers.insert(headers.end(), {"NODE", "LAST_SERVE_AT", "SUCCESS_COUNT", "FAILED_COUNT",
                                   "SESSIONS", "PID", "PORT"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : items_of(answer->doc, "workers")) {
    std::vector<std::string> row = {field(w, "id")};
    if (every_app)
      row.insert(row.end(), {field(w, "namespace"), field(w, "app")});
    row.insert(row.end(), {field(w, "status"), field(w, "detailStatus"), time_field(w, "createdAt"),
                           time_field(w, "deletedAt")});
    if (wide)
      row.insert(row.end(), {field(w, "node"), time_field(w, "lastServeAt"),
                             std::to_string(int_field(w, "successCount")),
                             std::to_string(int_field(w, "failedCount")),
                             std::to_string(int_field(w, "sessionNumber")),
                             nonzero(int_field(w, "pid")), nonzero(int_field(w, "port"))});
    rows.push_back(std::move(row));
  }
  c.out << render_table(headers, rows);
  return exit_ok;
}

int run_worker_logs(context& c) {
  int code = exit_ok;
  auto tail = count_flag(c, "tail", code);
  if (code != exit_ok)
    return code;
  if (c.operands.empty())
    return usage_error(c, "specify the worker's ID (see `ever worker list`)");
  auto q = tail ? query({{"tail", std::to_string(*tail)}}) : std::string();
  auto answer = call_api(
      c, "GET", "/api/apps/v1/workers/" + encode(c.operands.front()) + "/logs" + q, "", code);
  if (!answer)
    return code;
  c.out << answer->body;
  return exit_ok;
}

} // namespace ever::cli
