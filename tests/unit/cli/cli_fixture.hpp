#pragma once
// Test harness for the CLI: a fake transport that records every request and answers with canned
// JSON, a temporary working directory, and a fake environment.

#include "cli/cli.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ever::cli::test {

/// Records requests; answers "METHOD target" from a table (404 error JSON when absent).
struct fake_transport {
  std::vector<api_request> requests;
  std::map<std::string, net::http_response> answers;
  std::optional<caf::error> failure; ///< when set, every request fails with it

  void on(const std::string& method_and_target, int status, std::string body) {
    answers[method_and_target] = net::http_response{status, std::move(body), "application/json"};
  }

  transport_fn fn() {
    return [this](const api_request& r) -> expected<net::http_response> {
      requests.push_back(r);
      if (failure)
        return *failure;
      auto it = answers.find(r.method + " " + r.target);
      if (it == answers.end())
        return net::http_response{404,
                                  R"({"error":{"code":"not_found","message":"no canned answer for )"
                                      + r.method + " " + r.target + "\"}}",
                                  "application/json"};
      return it->second;
    };
  }

  /// The value of header `name` in request `i`, "" if absent.
  std::string header(size_t i, const std::string& name) const {
    for (const auto& [k, v] : requests.at(i).headers)
      if (k == name)
        return v;
    return {};
  }
};

/// A fresh directory under /tmp, removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ever-cli-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  /// Writes `text` to `name` under the directory (parents created); returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
};

/// What one run printed and returned.
struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs the CLI in a temp cwd with a fake environment and transport.
struct cli_harness {
  fake_transport transport;
  temp_dir cwd;
  temp_dir home;
  std::map<std::string, std::string> vars;

  cli_harness() { vars["HOME"] = home.path.string(); }

  run_result run(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    cli_env env;
    auto vars_copy = vars;
    env.getenv = [vars_copy](const std::string& name) -> std::optional<std::string> {
      auto it = vars_copy.find(name);
      if (it == vars_copy.end())
        return std::nullopt;
      return it->second;
    };
    env.cwd = cwd.path.string();
    env.transport = transport.fn();
    run_result r;
    r.code = run_cli(args, in, out, err, std::move(env));
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  const api_request& last() const {
    REQUIRE(!transport.requests.empty());
    return transport.requests.back();
  }
};

} // namespace ever::cli::test
