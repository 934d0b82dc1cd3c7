// configmap and secret commands: the same API shape under "configmaps" and "secrets".

#include "cli/internal.hpp"
#include "cli/table.hpp"

#include "actors/manifest/manifest.hpp"

#include <map>
#include <ostream>

namespace ever::cli {

namespace {

bool is_secret(const context& c) {
  return std::string(c.cmd->group) == "secret";
}

const char* kind(const context& c) {
  return is_secret(c) ? "secret" : "configmap";
}

std::string collection(const context& c) {
  return ns_path(c.ns) + (is_secret(c) ? "/secrets" : "/configmaps");
}

/// The name operand, or a usage error.
std::optional<std::string> name_operand(context& c, int& exit_code) {
  if (c.operands.empty()) {
    exit_code = usage_error(c, std::string("specify the ") + kind(c) + "'s name");
    return std::nullopt;
  }
  return c.operands.front();
}

/// create and update: data from -f FILE, then -l literals on top; name from the operand, else
/// the file's `name:`.
int create_or_update(context& c, bool update) {
  std::string name;
  std::map<std::string, std::string> data;
  auto file = c.args.last("file");
  if (file) {
    auto text = read_input(c, *file);
    if (!text)
      return fail(c, message_of(text.error()));
    auto record = manifest::parse_config_file(*text, is_secret(c));
    if (!record)
      return fail(c, (*file == "-" ? std::string("stdin") : *file) + ": "
                         + message_of(record.error()));
    name = record->name;
    data = record->data;
  }
  for (const auto& literal : c.args.all("from-literal")) {
    auto kv = manifest::parse_literal(literal);
    if (!kv)
      return usage_error(c, "--from-literal " + literal + ": " + message_of(kv.error()));
    data[kv->first] = kv->second;
  }
  if (!c.operands.empty())
    name = c.operands.front();
  if (name.empty())
    return usage_error(c, std::string("specify the ") + kind(c)
                              + "'s name (as an argument, or `name:` in the -f file)");
  if (update && !file && !c.args.has("from-literal"))
    return usage_error(c, "nothing to update: give -f FILE and/or -l KEY=VALUE (update replaces "
                          "all of the data)");

  json body = json::object();
  if (!update)
    body["name"] = name;
  body["data"] = json::object();
  for (const auto& [k, v] : data)
    body["data"][k] = v;

  int code = exit_ok;
  auto answer = update ? call_api(c, "PUT", collection(c) + "/" + encode(name), body.dump(), code)
                       : call_api(c, "POST", collection(c), body.dump(), code);
  if (!answer)
    return code;
  c.out << kind(c) << "/" << name << (update ? " updated" : " created") << "\n";
  return exit_ok;
}

} // namespace

int run_config_create(context& c) {
  return create_or_update(c, false);
}

int run_config_update(context& c) {
  return create_or_update(c, true);
}

int run_config_get(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json", "yaml"}, code);
  if (!format)
    return code;
  auto name = name_operand(c, code);
  if (!name)
    return code;
  auto answer = call_api(c, "GET", collection(c) + "/" + encode(*name), "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  const auto& data =
      answer->doc.is_object() && answer->doc.contains("data") && answer->doc["data"].is_object()
          ? answer->doc["data"]
          : json::object();
  if (is_secret(c)) {
    // Values are hidden: the table says how many there are (`-o yaml` lists the keys).
    c.out << render_table({"NAME", "ITEMS"},
                          {{field(answer->doc, "name"), std::to_string(data.size())}});
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : data.items())
    rows.push_back({key, value.is_string() ? value.get<std::string>() : value.dump()});
  c.out << render_table({"KEY", "VALUE"}, rows);
  return exit_ok;
}

int run_config_list(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json", "yaml"}, code);
  if (!format)
    return code;
  auto answer = call_api(c, "GET", collection(c), "", code);
  if (!answer)
    return code;
  if (print_structured(c, *format, *answer))
    return exit_ok;
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items_of(answer->doc)) {
    size_t count = item.contains("data") && item["data"].is_object() ? item["data"].size() : 0;
    rows.push_back({field(item, "name"), std::to_string(count)});
  }
  c.out << render_table({"NAME", "ITEMS"}, rows);
  return exit_ok;
}

int run_config_delete(context& c) {
  int code = exit_ok;
  auto name = name_operand(c, code);
  if (!name)
    return code;
  if (!call_api(c, "DELETE", collection(c) + "/" + encode(*name), "", code))
    return code;
  c.out << kind(c) << "/" << *name << " deleted\n";
  return exit_ok;
}

} // namespace ever::cli
