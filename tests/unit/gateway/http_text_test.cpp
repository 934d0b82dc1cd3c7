#include "net/gateway/gateway_metrics.hpp"
#include "net/gateway/http_text.hpp"

#include <catch2/catch.hpp>

using namespace ever::net::gateway_detail;

TEST_CASE("bearer token parsing") {
  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token("bearer   abc  ") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token("BEARER\tabc") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token("Bearer"));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token("Bearerabc"));
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearer a b"));
  CHECK_FALSE(bearer_token(""));
}

TEST_CASE("json error bodies are escaped") {
  CHECK(json_error("not_found", "no \"x\"\n\\") ==
        R"({"error":{"code":"not_found","message":"no \"x\"\n\\"}})");
  CHECK(json_error("c", std::string("\x01", 1)) == R"({"error":{"code":"c","message":"\u0001"}})");
}

TEST_CASE("reason phrases and small text helpers") {
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(429) == "Too Many Requests");
  CHECK(reason_phrase(799) == "Unknown");
  CHECK(iequals("Content-Length", "content-length"));
  CHECK_FALSE(iequals("a", "ab"));
  CHECK_FALSE(header_safe("a\r\nb"));
  std::string s;
  append_hex(s, 255);
  append_number(s, 42);
  CHECK(s == "ff42");
}

TEST_CASE("gateway metrics render Prometheus text") {
  gateway_metrics m;
  m.count_request("ns", "app", 200);
  m.count_request("ns", "app", 200);
  m.count_request("ns", "app", 502);
  m.count_request("", "", 404);
  m.observe_upstream("ns", "app", 3'000'000);   // 3 ms
  m.observe_upstream("ns", "app", 20'000'000'000); // 20 s
  std::string out;
  m.render(out, 2, 5);
  CHECK(out.find(R"(ever_gateway_requests_total{namespace="ns",app="app",code="200"} 2)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_requests_total{namespace="ns",app="app",code="502"} 1)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_requests_total{namespace="",app="",code="404"} 1)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_upstream_latency_seconds_bucket{namespace="ns",app="app",le="0.0025"} 0)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_upstream_latency_seconds_bucket{namespace="ns",app="app",le="0.005"} 1)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_upstream_latency_seconds_bucket{namespace="ns",app="app",le="10"} 1)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_upstream_latency_seconds_bucket{namespace="ns",app="app",le="+Inf"} 2)") !=
        std::string::npos);
  CHECK(out.find(R"(ever_gateway_upstream_latency_seconds_count{namespace="ns",app="app"} 2)") !=
        std::string::npos);
  CHECK(out.find("ever_gateway_in_flight_requests 2\n") != std::string::npos);
  CHECK(out.find("ever_gateway_connections 5\n") != std::string::npos);
}
