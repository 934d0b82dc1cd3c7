// node commands.

#include "cli/internal.hpp"
#include "cli/table.hpp"

#include <cmath>
#include <ostream>
#include <sstream>

namespace ever::cli {

namespace {

/// "used/total" of one resource, e.g. "2/8" or "0.5/4".
std::string usage_of(const json& node, const char* key) {
  auto number = [](const json& v) {
    if (!v.is_number())
      return std::string{"?"};
    double d = v.get<double>();
    std::ostringstream out;
    if (std::floor(d) == d)
      out << static_cast<long long>(d);
    else
      out << d;
    return out.str();
  };
  if (!node.contains(key) || !node[key].is_object())
    return "";
  return number(node[key].value("used", json{})) + "/" + number(node[key].value("total", json{}));
}

} // namespace

int run_node_list(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json", "yaml"}, code);
  if (!format)
    return code;
  auto answer = call_api(c, "GET", "/api/apps/v1/nodes", "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  std::vector<std::string> headers = {"ID",  "ADDRESS", "STATUS",  "CPU",
                                      "MEMORY", "GPU",  "WORKERS", "LAST_HEARTBEAT"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : items_of(answer->doc, "nodes"))
    rows.push_back({field(n, "name"), field(n, "address"), field(n, "status"), usage_of(n, "cpu"),
                    usage_of(n, "memoryMb") + (n.contains("memoryMb") ? " MiB" : ""),
                    usage_of(n, "gpu"), std::to_string(int_field(n, "workers")),
                    time_field(n, "lastHeartbeat")});
  c.out << render_table(headers, rows);
  return exit_ok;
}

} // namespace ever::cli
