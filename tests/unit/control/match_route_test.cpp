// match_route: gateway paths after "/api/routes/v1/" -> app and forwarded path (§16.9).

#include "net/bridge/caf_control_port.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::net;

namespace {

route_entry entry(const std::string& ns, const std::string& app, bool is_public = false) {
  route_entry e;
  e.ns = ns;
  e.app = app;
  e.is_public = is_public;
  return e;
}

/// What the directory publishes: each app under its route and under "ns/app".
shared_view::route_map routes() {
  shared_view::route_map m;
  m["get-start"] = entry("default", "get-start");
  m["default/get-start"] = entry("default", "get-start");
  m["hello"] = entry("team", "greeter", true);
  m["team/greeter"] = entry("team", "greeter", true);
  return m;
}

route_match must_match(const std::string& path) {
  auto m = match_route(routes(), path);
  if (!m)
    FAIL("no match for " << path);
  return *m;
}

} // namespace

TEST_CASE("match_route: <route>/<rest>") {
  auto m = must_match("get-start/sse");
  CHECK(m.ns == "default");
  CHECK(m.app == "get-start");
  CHECK_FALSE(m.is_public);
  CHECK(m.rest == "/sse");

  auto p = must_match("hello/v1/chat/completions");
  CHECK(p.ns == "team");
  CHECK(p.app == "greeter");
  CHECK(p.is_public);
  CHECK(p.rest == "/v1/chat/completions");
}

TEST_CASE("match_route: <ns>/<app>/<rest>") {
  auto m = must_match("default/get-start/sse");
  CHECK(m.ns == "default");
  CHECK(m.app == "get-start");
  CHECK(m.rest == "/sse");
  auto p = must_match("team/greeter/a/b/");
  CHECK(p.app == "greeter");
  CHECK(p.is_public);
  CHECK(p.rest == "/a/b/");
}

TEST_CASE("match_route: no rest path forwards \"/\"") {
  CHECK(must_match("get-start").rest == "/");
  CHECK(must_match("get-start/").rest == "/");
  CHECK(must_match("default/get-start").rest == "/");
  CHECK(must_match("default/get-start/").rest == "/");
}

TEST_CASE("match_route: the query string is not part of the forwarded path") {
  CHECK(must_match("get-start/sse?n=3&x=y").rest == "/sse");
  CHECK(must_match("get-start?n=3").rest == "/");
  CHECK(must_match("default/get-start/sse?n=3").rest == "/sse");
  CHECK(must_match("default/get-start?n=3").rest == "/");
}

TEST_CASE("match_route: the route form wins over the namespace form") {
  auto m = routes();
  m["team"] = entry("default", "team-app"); // an app whose route is "team"
  auto r = match_route(m, "team/greeter/x");
  REQUIRE(r);
  CHECK(r->app == "team-app");
  CHECK(r->rest == "/greeter/x");
}

TEST_CASE("match_route: unknown -> nullopt") {
  CHECK_FALSE(match_route(routes(), ""));
  CHECK_FALSE(match_route(routes(), "nope"));
  CHECK_FALSE(match_route(routes(), "nope/sse"));
  CHECK_FALSE(match_route(routes(), "default/nope/sse"));
  CHECK_FALSE(match_route(routes(), "default"));
  CHECK_FALSE(match_route(routes(), "get-start-2/sse")); // no prefix matching
  CHECK_FALSE(match_route(shared_view::route_map{}, "get-start/sse"));
}
