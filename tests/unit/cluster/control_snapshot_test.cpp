// The control service's route snapshot, built from a route table without any actor.

#include "actors/cluster/control_service.hpp"

#include <catch2/catch.hpp>

using namespace ever;

TEST_CASE("control snapshot: every route becomes a row with its app's wait timeout, looked up "
          "once per app",
          "[cluster][control]") {
  shared_view::route_map routes;
  routes["shop"] = route_entry{"default", "shop", true, {}, nullptr};
  routes["default/shop"] = route_entry{"default", "shop", true, {}, nullptr};
  routes["team/api"] = route_entry{"team", "api", false, {}, nullptr};
  int lookups = 0;
  auto wait_of = [&](const std::string& ns, const std::string& app) -> int64_t {
    ++lookups;
    return ns == "team" && app == "api" ? 3000 : 9000;
  };
  auto s = cluster::make_route_snapshot(routes, {"a", "b"}, wait_of, 4);
  CHECK(s.version == 4);
  CHECK(s.token_hashes == std::vector<std::string>{"a", "b"});
  CHECK(lookups == 2);
  REQUIRE(s.routes.size() == 3);
  for (const auto& r : s.routes) {
    INFO(r.key);
    auto& e = routes.at(r.key);
    CHECK(r.ns == e.ns);
    CHECK(r.app == e.app);
    CHECK(r.is_public == e.is_public);
    CHECK(r.wait_timeout_ms == (r.app == "api" ? 3000 : 9000));
  }
}

TEST_CASE("control snapshot: an empty table gives no rows but keeps the tokens",
          "[cluster][control]") {
  auto s = cluster::make_route_snapshot({}, {"t"}, [](auto&, auto&) { return int64_t{1}; }, 1);
  CHECK(s.routes.empty());
  CHECK(s.token_hashes.size() == 1);
}
