#include "actors/admin/mgmt_route.hpp"

#include <cctype>
#include <cstdlib>
#include <vector>

namespace ever::admin {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos)
      j = path.size();
    if (j > i)
      out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < q.size()) {
    auto j = q.find('&', i);
    if (j == std::string::npos)
      j = q.size();
    auto kv = q.substr(i, j - i);
    auto eq = kv.find('=');
    if (!kv.empty())
      out[url_decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
    i = j + 1;
  }
  return out;
}

caf::error bad_method(const mgmt_route& r, const char* allowed) {
  return make_error(errc::invalid_argument,
                    "method " + r.method + " not allowed here (allowed: " + allowed + ")");
}

} // namespace

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1]))
               && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string mgmt_route::param(const std::string& key, const std::string& fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

expected<mgmt_route> parse_mgmt_route(const std::string& method, const std::string& target) {
  mgmt_route r;
  r.method = method;
  auto qpos = target.find('?');
  auto path = target.substr(0, qpos);
  if (qpos != std::string::npos)
    r.query = parse_query(target.substr(qpos + 1));
  auto parts = split_path(path);
  auto not_found = make_error(errc::not_found, "no such API path: " + path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "apps" || parts[2] != "v1")
    return not_found;
  parts.erase(parts.begin(), parts.begin() + 3);
  bool get = method == "GET";
  if (parts.size() == 1 && parts[0] == "apps") {
    r.what = resource::all_apps;
    return get ? expected<mgmt_route>{r} : bad_method(r, "GET");
  }
  if (parts.size() == 1 && parts[0] == "nodes") {
    r.what = resource::nodes;
    return get ? expected<mgmt_route>{r} : bad_method(r, "GET");
  }
  if (parts.size() == 1 && parts[0] == "system:shutdown") {
    r.what = resource::shutdown;
    return method == "POST" ? expected<mgmt_route>{r} : bad_method(r, "POST");
  }
  if (!parts.empty() && parts[0] == "workers") {
    if (parts.size() == 1) {
      r.what = resource::all_workers;
      return get ? expected<mgmt_route>{r} : bad_method(r, "GET");
    }
    if (parts.size() == 3 && parts[2] == "logs") {
      r.what = resource::worker_logs;
      r.name = parts[1];
      return get ? expected<mgmt_route>{r} : bad_method(r, "GET");
    }
    return not_found;
  }
  if (parts.size() < 3 || parts[0] != "namespaces")
    return not_found;
  r.ns = parts[1];
  const auto& kind = parts[2];
  if (parts.size() > 3) {
    r.name = parts[3];
    if (auto colon = r.name.find(':'); colon != std::string::npos) {
      r.action = r.name.substr(colon + 1);
      r.name = r.name.substr(0, colon);
    }
  }
  if (kind == "configmaps" || kind == "secrets") {
    r.what = kind == "secrets" ? resource::secrets : resource::configmaps;
    if (parts.size() > 4 || !r.action.empty())
      return not_found;
    if (r.name.empty())
      return get || method == "POST" ? expected<mgmt_route>{r} : bad_method(r, "GET, POST");
    return get || method == "PUT" || method == "DELETE" ? expected<mgmt_route>{r}
                                                       : bad_method(r, "GET, PUT, DELETE");
  }
  if (kind != "apps")
    return not_found;
  r.what = resource::apps;
  if (parts.size() == 3)
    return get || method == "POST" ? expected<mgmt_route>{r} : bad_method(r, "GET, POST");
  if (!r.action.empty()) {
    if (parts.size() != 4 || (r.action != "pause" && r.action != "resume"))
      return not_found;
    return method == "POST" ? expected<mgmt_route>{r} : bad_method(r, "POST");
  }
  if (parts.size() == 4)
    return get || method == "PUT" || method == "DELETE" ? expected<mgmt_route>{r}
                                                       : bad_method(r, "GET, PUT, DELETE");
  if (parts.size() != 5)
    return not_found;
  const auto& sub = parts[4];
  if (sub == "queue")
    r.what = resource::queue;
  else if (sub == "events")
    r.what = resource::events;
  else if (sub == "decisions")
    r.what = resource::decisions;
  else if (sub == "workers")
    r.what = resource::app_workers;
  else
    return not_found;
  return get ? expected<mgmt_route>{r} : bad_method(r, "GET");
}

} // namespace ever::admin
