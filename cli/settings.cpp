#include "cli/settings.hpp"

#include "cli/internal.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ever::cli {

namespace {

std::optional<std::string> lookup(const env_lookup& getenv, const std::string& name) {
  if (!getenv)
    return std::nullopt;
  auto value = getenv(name);
  if (value && value->empty())
    return std::nullopt; // an exported but empty variable means "not set"
  return value;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

/// mkdir -p with mode 0700 for the directories it creates.
bool make_dirs(const std::string& dir) {
  if (dir.empty())
    return true;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0)
    return S_ISDIR(st.st_mode);
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !make_dirs(dir.substr(0, slash)))
    return false;
  return ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

} // namespace

std::string join_path(const std::string& cwd, const std::string& path) {
  if (path.empty() || path.front() == '/' || cwd.empty() || cwd == ".")
    return path;
  return cwd.back() == '/' ? cwd + path : cwd + "/" + path;
}

expected<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (errno == ENOENT)
      return make_error(errc::not_found, path + ": no such file");
    return make_error(errc::unavailable, path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << f.rdbuf();
  if (f.bad())
    return make_error(errc::unavailable, path + ": read failed");
  return text.str();
}

std::string config_path(const env_lookup& getenv) {
  if (auto home = lookup(getenv, "EVER_HOME"))
    return join_path(*home, "config.json");
  if (auto home = lookup(getenv, "HOME"))
    return join_path(*home, ".config/ever/config.json");
  return {};
}

expected<saved_config> load_config(const std::string& path) {
  saved_config cfg;
  if (path.empty())
    return cfg;
  auto text = read_file(path);
  if (!text) {
    if (code_of(text.error()) == errc::not_found)
      return cfg;
    return text.error();
  }
  auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(errc::invalid_argument,
                      path + ": not a JSON object (fix it, or remove it and run `ever login`)");
  for (const char* key : {"endpoint", "token"}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null())
      continue;
    if (!it->is_string())
      return make_error(errc::invalid_argument, path + ": \"" + key + "\" must be a string");
    (std::string(key) == "endpoint" ? cfg.endpoint : cfg.token) = it->get<std::string>();
  }
  return cfg;
}

expected<void> save_config(const std::string& path, const saved_config& cfg) {
  if (path.empty())
    return make_error(errc::invalid_argument,
                      "no place for the config file: set HOME or EVER_HOME");
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && !make_dirs(path.substr(0, slash)))
    return make_error(errc::unavailable,
                      "cannot create the directory of " + path + ": " + std::strerror(errno));
  json doc = json::object();
  if (cfg.endpoint)
    doc["endpoint"] = *cfg.endpoint;
  if (cfg.token)
    doc["token"] = *cfg.token;
  auto text = doc.dump(2) + "\n";
  // The token is a credential: the file is created 0600 from the start (never briefly readable
  // by others) and swapped in with rename so a crash leaves the old file or the new one.
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, 0600); // O_CREAT's mode does not apply to a file that already existed
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto why = std::string(std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(errc::unavailable, "cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return make_error(errc::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto why = std::string(std::strerror(errno));
    ::unlink(tmp.c_str());
    return make_error(errc::unavailable, "cannot replace " + path + ": " + why);
  }
  return {};
}

expected<resolved_settings> resolve_settings(const std::optional<std::string>& endpoint_flag,
                                             const std::optional<std::string>& token_flag,
                                             const env_lookup& getenv, const std::string& cwd) {
  resolved_settings s;
  auto path = config_path(getenv);
  // The file is only read when a flag or variable does not already decide both settings, so a
  // broken file does not stand in the way of `--endpoint E --token T`.
  const bool endpoint_given =
      (endpoint_flag && !endpoint_flag->empty()) || lookup(getenv, "EVER_ENDPOINT");
  const bool token_given = (token_flag && !token_flag->empty()) || lookup(getenv, "EVER_TOKEN");
  auto saved =
      endpoint_given && token_given ? expected<saved_config>{saved_config{}} : load_config(path);
  if (!saved)
    return saved.error();

  if (endpoint_flag && !endpoint_flag->empty()) {
    s.endpoint = *endpoint_flag;
    s.endpoint_source = "--endpoint";
  } else if (auto env = lookup(getenv, "EVER_ENDPOINT")) {
    s.endpoint = *env;
    s.endpoint_source = "EVER_ENDPOINT";
  } else if (saved->endpoint && !saved->endpoint->empty()) {
    s.endpoint = *saved->endpoint;
    s.endpoint_source = path;
  } else {
    s.endpoint = default_endpoint;
    s.endpoint_source = "default";
  }

  if (token_flag && !token_flag->empty()) {
    s.token = *token_flag;
    s.token_source = "--token";
  } else if (auto env = lookup(getenv, "EVER_TOKEN")) {
    s.token = *env;
    s.token_source = "EVER_TOKEN";
  } else if (saved->token && !saved->token->empty()) {
    s.token = *saved->token;
    s.token_source = path;
  } else {
    // The all-in-one everd writes its admin token into its data dir, so running the CLI next
    // to it works without a login.
    auto data_dir = lookup(getenv, "EVER_DATA_DIR");
    auto file = data_dir ? join_path(*data_dir, "token") : join_path(cwd, ".ever/token");
    if (auto text = read_file(file)) {
      auto token = trim(*text);
      if (!token.empty()) {
        s.token = token;
        s.token_source = file;
      }
    }
  }
  return s;
}

} // namespace ever::cli
