// parse_mgmt_route: every path of docs/http-api.md's management API, methods, queries, url_decode.

#include "actors/admin/mgmt_route.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::admin;

namespace {

mgmt_route must_parse(const std::string& method, const std::string& target) {
  auto r = parse_mgmt_route(method, target);
  if (!r)
    FAIL(method << " " << target << ": " << message_of(r.error()));
  CHECK(r->method == method);
  return *r;
}

errc code(const std::string& method, const std::string& target) {
  auto r = parse_mgmt_route(method, target);
  return r ? errc::ok : code_of(r.error());
}

void check_route(const mgmt_route& r, resource what, const std::string& ns,
                 const std::string& name, const std::string& action = {}) {
  CHECK(r.what == what);
  CHECK(r.ns == ns);
  CHECK(r.name == name);
  CHECK(r.action == action);
}

} // namespace

TEST_CASE("mgmt route: ConfigMaps and Secrets") {
  const std::string base = "/api/apps/v1/namespaces/default/";
  for (auto [kind, what] : {std::pair{std::string{"configmaps"}, resource::configmaps},
                            std::pair{std::string{"secrets"}, resource::secrets}}) {
    CAPTURE(kind);
    check_route(must_parse("POST", base + kind), what, "default", "");
    check_route(must_parse("GET", base + kind), what, "default", "");
    check_route(must_parse("PUT", base + kind + "/cfg"), what, "default", "cfg");
    check_route(must_parse("GET", base + kind + "/cfg"), what, "default", "cfg");
    check_route(must_parse("DELETE", base + kind + "/cfg"), what, "default", "cfg");
    CHECK(code("PUT", base + kind) == errc::invalid_argument);
    CHECK(code("DELETE", base + kind) == errc::invalid_argument);
    CHECK(code("POST", base + kind + "/cfg") == errc::invalid_argument);
    CHECK(code("PATCH", base + kind + "/cfg") == errc::invalid_argument);
    CHECK(code("GET", base + kind + "/cfg/extra") == errc::not_found);
    CHECK(code("POST", base + kind + "/cfg:pause") == errc::not_found);
  }
  auto reveal = must_parse("GET", "/api/apps/v1/namespaces/team/secrets/s?reveal=true");
  check_route(reveal, resource::secrets, "team", "s");
  CHECK(reveal.param("reveal") == "true");
}

TEST_CASE("mgmt route: apps in a namespace") {
  const std::string base = "/api/apps/v1/namespaces/team/apps";
  auto create = must_parse("POST", base + "?dryRun=true");
  check_route(create, resource::apps, "team", "");
  CHECK(create.param("dryRun") == "true");
  check_route(must_parse("GET", base), resource::apps, "team", "");
  auto update = must_parse("PUT", base + "/get-start?dryRun=true");
  check_route(update, resource::apps, "team", "get-start");
  CHECK(update.param("dryRun") == "true");
  check_route(must_parse("GET", base + "/get-start"), resource::apps, "team", "get-start");
  check_route(must_parse("DELETE", base + "/get-start"), resource::apps, "team", "get-start");
  check_route(must_parse("POST", base + "/get-start:pause"), resource::apps, "team", "get-start",
              "pause");
  check_route(must_parse("POST", base + "/get-start:resume"), resource::apps, "team", "get-start",
              "resume");

  CHECK(code("PUT", base) == errc::invalid_argument);
  CHECK(code("DELETE", base) == errc::invalid_argument);
  CHECK(code("POST", base + "/get-start") == errc::invalid_argument);
  CHECK(code("GET", base + "/get-start:pause") == errc::invalid_argument);
  CHECK(code("DELETE", base + "/get-start:resume") == errc::invalid_argument);
  CHECK(code("POST", base + "/get-start:restart") == errc::not_found);
  CHECK(code("POST", base + "/get-start:pause/queue") == errc::not_found);
}

TEST_CASE("mgmt route: an app's queue, events, decisions and workers") {
  const std::string app = "/api/apps/v1/namespaces/default/apps/get-start";
  check_route(must_parse("GET", app + "/queue"), resource::queue, "default", "get-start");
  auto events = must_parse("GET", app + "/events?limit=5");
  check_route(events, resource::events, "default", "get-start");
  CHECK(events.param("limit") == "5");
  auto decisions = must_parse("GET", app + "/decisions?last=3");
  check_route(decisions, resource::decisions, "default", "get-start");
  CHECK(decisions.param("last") == "3");
  auto workers = must_parse("GET", app + "/workers?showAll=true&recentDays=7");
  check_route(workers, resource::app_workers, "default", "get-start");
  CHECK(workers.param("showAll") == "true");
  CHECK(workers.param("recentDays") == "7");
  CHECK(workers.param("absent", "2") == "2");

  for (const auto* sub : {"/queue", "/events", "/decisions", "/workers"}) {
    CAPTURE(sub);
    CHECK(code("POST", app + sub) == errc::invalid_argument);
    CHECK(code("DELETE", app + sub) == errc::invalid_argument);
  }
  CHECK(code("GET", app + "/logs") == errc::not_found);
  CHECK(code("GET", app + "/queue/0") == errc::not_found);
}

TEST_CASE("mgmt route: collections across namespaces, worker logs, shutdown") {
  check_route(must_parse("GET", "/api/apps/v1/apps"), resource::all_apps, "", "");
  auto all = must_parse("GET", "/api/apps/v1/workers?showAll=true&recentDays=1");
  check_route(all, resource::all_workers, "", "");
  CHECK(all.param("showAll") == "true");
  CHECK(all.param("recentDays") == "1");
  auto logs = must_parse("GET", "/api/apps/v1/workers/7bUsPkMnQ2rT9wXyZaBcDe/logs?tail=20");
  check_route(logs, resource::worker_logs, "", "7bUsPkMnQ2rT9wXyZaBcDe");
  CHECK(logs.param("tail") == "20");
  check_route(must_parse("POST", "/api/apps/v1/system:shutdown?stopWorkers=true"),
              resource::shutdown, "", "");

  CHECK(code("POST", "/api/apps/v1/apps") == errc::invalid_argument);
  CHECK(code("DELETE", "/api/apps/v1/workers") == errc::invalid_argument);
  CHECK(code("POST", "/api/apps/v1/workers/x/logs") == errc::invalid_argument);
  CHECK(code("GET", "/api/apps/v1/system:shutdown") == errc::invalid_argument);
  CHECK(code("GET", "/api/apps/v1/workers/x") == errc::not_found);
  CHECK(code("GET", "/api/apps/v1/workers/x/logs/more") == errc::not_found);
}

TEST_CASE("mgmt route: unknown paths are not_found") {
  for (const auto* target :
       {"/", "/api", "/api/apps", "/api/apps/v2/apps", "/api/routes/v1/get-start",
        "/api/apps/v1", "/api/apps/v1/namespaces", "/api/apps/v1/namespaces/default",
        "/api/apps/v1/namespaces/default/volumes", "/api/apps/v1/namespaces/default/volumes/x",
        "/api/apps/v1/nodes/n1", "/healthz", "/metrics"}) {
    CAPTURE(target);
    CHECK(code("GET", target) == errc::not_found);
  }
  auto r = parse_mgmt_route("GET", "/api/apps/v1/volumes?x=1");
  REQUIRE_FALSE(r);
  CHECK_THAT(message_of(r.error()), Catch::Contains("/api/apps/v1/volumes"));
}

TEST_CASE("mgmt route: the cluster's nodes are listed with GET only") {
  auto r = parse_mgmt_route("GET", "/api/apps/v1/nodes");
  REQUIRE(r);
  CHECK(r->what == resource::nodes);
  CHECK(code("POST", "/api/apps/v1/nodes") == errc::invalid_argument);
}

TEST_CASE("mgmt route: a bad method names the allowed ones") {
  auto r = parse_mgmt_route("PATCH", "/api/apps/v1/namespaces/default/apps/get-start");
  REQUIRE_FALSE(r);
  CHECK(code_of(r.error()) == errc::invalid_argument);
  CHECK_THAT(message_of(r.error()), Catch::Contains("PATCH") && Catch::Contains("GET, PUT, DELETE"));
}

TEST_CASE("mgmt route: query parameters are decoded") {
  auto r = must_parse("GET", "/api/apps/v1/namespaces/default/apps/a/events?limit=1&note=a%20b+c%2Fd&flag&=x&empty=");
  CHECK(r.param("limit") == "1");
  CHECK(r.param("note") == "a b c/d");
  CHECK(r.query.count("flag") == 1);
  CHECK(r.param("flag", "unset") == "");
  CHECK(r.param("empty", "unset") == "");
  CHECK(r.param("missing", "fallback") == "fallback");
  auto encoded_key = must_parse("GET", "/api/apps/v1/apps?show%41ll=true");
  CHECK(encoded_key.param("showAll") == "true");
}

TEST_CASE("url_decode: %XX and '+' - malformed escapes stay as they are") {
  CHECK(url_decode("") == "");
  CHECK(url_decode("plain") == "plain");
  CHECK(url_decode("a+b") == "a b");
  CHECK(url_decode("%41%42c") == "ABc");
  CHECK(url_decode("%2f%2F") == "//");
  CHECK(url_decode("100%25") == "100%");
  CHECK(url_decode("%2B") == "+");
  CHECK(url_decode("%e4%bd%a0") == "\xe4\xbd\xa0");
  CHECK(url_decode("%") == "%");
  CHECK(url_decode("%4") == "%4");
  CHECK(url_decode("%zz") == "%zz");
  CHECK(url_decode("%4g") == "%4g");
  CHECK(url_decode("a%") == "a%");
}

// Malformed escapes such as "%+1", "%-1" or "% 1" stay literal like "%zz" (strtol would have
// accepted a sign or leading whitespace).
TEST_CASE("url_decode: escapes need two hex digits") {
  CHECK(url_decode("%+1") == "% 1"); // the '+' is a form-encoded space, the '%' stays
  CHECK(url_decode("%-1") == "%-1");
  CHECK(url_decode("% 1") == "% 1");
}
