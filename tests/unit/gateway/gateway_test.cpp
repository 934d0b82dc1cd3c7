// The gateway end to end: a real gateway_server on 127.0.0.1:0, a fake control_port, an in-test
// worker and raw socket clients. Every fixture checks on destruction that each grant was
// released exactly once.

#include "gateway_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace gwtest;
using ever::errc;
using ever::net::lease_end;

namespace {
const std::string auth = "Authorization: Bearer secret\r\n";

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 2s) {
  auto deadline = clock::now() + timeout;
  while (!pred()) {
    if (clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

int count_of(const std::vector<lease_end>& v, lease_end e) {
  return static_cast<int>(std::count(v.begin(), v.end(), e));
}
} // namespace

TEST_CASE("healthz answers ok without a token") {
  fixture f;
  auto r = f.get(fixture::req("GET", "/healthz"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "ok");
}

TEST_CASE("metrics: gateway counters first, then the control plane's") {
  fixture f;
  // One connection: the second request is read only after the first one was accounted for.
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  REQUIRE(c.read_response()->status == 200);
  REQUIRE(c.send(fixture::req("GET", "/metrics")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type").rfind("text/plain", 0) == 0);
  auto& b = r->body;
  CHECK(b.find(R"(ever_gateway_requests_total{namespace="default",app="pubapp",code="200"} 1)") !=
        std::string::npos);
  CHECK(b.find(R"(ever_gateway_upstream_latency_seconds_count{namespace="default",app="pubapp"} 1)") !=
        std::string::npos);
  CHECK(b.find("ever_gateway_in_flight_requests 1") != std::string::npos); // this request
  auto own = b.find("ever_gateway_requests_total");
  auto theirs = b.find("fake_control_metric 7");
  CHECK(own != std::string::npos);
  CHECK(theirs != std::string::npos);
  CHECK(own < theirs);
}

namespace {
// The value of an unlabelled or fully labelled series in Prometheus text, -1 if absent.
double series_value(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

/// Sends `requests` requests on one connection, `pause` apart, then reads /metrics.
std::string metrics_after_requests(fixture& f, int requests, std::chrono::milliseconds pause) {
  raw_client c(f.gw_port);
  for (int i = 0; i < requests; ++i) {
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
    REQUIRE(c.read_response()->status == 200);
    std::this_thread::sleep_for(pause);
  }
  REQUIRE(c.send(fixture::req("GET", "/metrics")));
  auto r = c.read_response();
  REQUIRE(r);
  return r->body;
}
} // namespace

TEST_CASE("metrics: an idle loop's polls and sleeps are counted") {
  fixture f;
  const int requests = 10;
  // 20 ms between requests is far beyond the 100 µs poll budget: the connection's loop has to
  // sleep before each next request, whether or not it polled first.
  auto b = metrics_after_requests(f, requests, std::chrono::milliseconds(20));
  double found = series_value(b, R"(ever_gateway_idle_polls_total{result="found"})");
  double missed = series_value(b, R"(ever_gateway_idle_polls_total{result="missed"})");
  double sleeps = series_value(b, "ever_gateway_loop_sleeps_total");
  REQUIRE(found >= 0);
  REQUIRE(missed >= 0);
  CHECK(sleeps >= requests);
  CHECK(sleeps >= missed); // a poll that missed is followed by a sleep
}

TEST_CASE("metrics: with gateway_idle_poll_us=0 the loops never poll") {
  fixture f([](ever::knobs& k) { k.gateway_idle_poll_us = 0; });
  auto b = metrics_after_requests(f, 20, std::chrono::milliseconds(0));
  CHECK(series_value(b, R"(ever_gateway_idle_polls_total{result="found"})") == 0);
  CHECK(series_value(b, R"(ever_gateway_idle_polls_total{result="missed"})") == 0);
  CHECK(series_value(b, "ever_gateway_loop_sleeps_total") == 0); // counted only while polling
}

TEST_CASE("management without a valid token: 401, WWW-Authenticate, manage not called") {
  fixture f;
  for (const std::string& hdr :
       {std::string(), std::string("Authorization: Bearer wrong\r\n"),
        std::string("Authorization: Basic c2VjcmV0\r\n"), std::string("Authorization: Bearer\r\n")}) {
    auto r = f.get(fixture::req("POST", "/api/apps/v1/namespaces/default/apps", hdr, "{}"));
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->header("www-authenticate") == "Bearer");
    CHECK(r->body.find(R"("code":"unauthorized")") != std::string::npos);
  }
  CHECK(f.port.manage_calls() == 0);
}

TEST_CASE("data plane auth: private route needs the token, unknown routes hide behind 401") {
  fixture f;
  auto r = f.get(fixture::req("GET", "/api/routes/v1/priv/fixed"));
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->header("www-authenticate") == "Bearer");
  r = f.get(fixture::req("GET", "/api/routes/v1/priv/fixed", "Authorization: Bearer nope\r\n"));
  REQUIRE(r);
  CHECK(r->status == 401);
  r = f.get(fixture::req("GET", "/api/routes/v1/nosuch/x"));
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(f.port.lease_calls() == 0);

  r = f.get(fixture::req("GET", "/api/routes/v1/nosuch/x", auth));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->body.find(R"("code":"not_found")") != std::string::npos);
  CHECK(f.port.lease_calls() == 0);

  r = f.get(fixture::req("GET", "/api/routes/v1/priv/fixed", auth));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello world");
  CHECK(f.port.lease_calls() == 1);
}

TEST_CASE("public route works without a token - unknown paths are 404") {
  fixture f;
  auto r = f.get(fixture::req("GET", "/api/routes/v1/pub/fixed"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello world");
  CHECK(r->header("x-upstream") == "yes");
  CHECK(f.port.wait_releases(1));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::ok});

  r = f.get(fixture::req("GET", "/nowhere"));
  REQUIRE(r);
  CHECK(r->status == 404);
}

TEST_CASE("management calls pass method, target and body through - the reply is written") {
  fixture f;
  f.port.manage_reply.status = 201;
  f.port.manage_reply.body = R"({"name":"x"})";
  f.port.manage_reply.headers = {{"X-Ever", "1"}, {"Bad\r\nHeader", "x"}};
  auto r = f.get(fixture::req("POST", "/api/apps/v1/namespaces/default/apps?dryRun=true", auth,
                              R"({"manifest":"m"})"));
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->body == R"({"name":"x"})");
  CHECK(r->header("content-type") == "application/json");
  CHECK(r->header("x-ever") == "1");
  auto call = f.port.last_call();
  REQUIRE(call);
  CHECK(call->method == "POST");
  CHECK(call->target == "/api/apps/v1/namespaces/default/apps?dryRun=true");
  CHECK(call->body == R"({"manifest":"m"})");

  f.port.manage_reply = {};
  f.port.manage_reply.content_type = "text/plain";
  f.port.manage_reply.body = "log line\n";
  r = f.get(fixture::req("GET", "/api/apps/v1/workers/abc/logs?tail=5", auth));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type") == "text/plain");
  CHECK(r->body == "log line\n");
  CHECK(f.port.last_call()->method == "GET");
}

TEST_CASE("queue errors map to their status - 429 carries Retry-After") {
  fixture f([](ever::knobs& k) { k.retry_after_s = 3; });
  struct {
    errc code;
    int status;
  } cases[] = {{errc::queue_full, 429}, {errc::queue_timeout, 504}, {errc::unavailable, 503},
               {errc::not_found, 404}};
  for (auto c : cases) {
    f.port.lease_error = c.code;
    auto r = f.get(fixture::req("GET", "/api/routes/v1/pub/fixed"));
    REQUIRE(r);
    CHECK(r->status == c.status);
    CHECK(r->body.find(std::string(R"("code":")") + ever::to_string(c.code) + "\"") !=
          std::string::npos);
    CHECK(r->body.find(R"("message":"fake lease failure")") != std::string::npos);
    if (c.status == 429)
      CHECK(r->header("retry-after") == "3");
    else
      CHECK_FALSE(r->has("retry-after"));
  }
  CHECK(f.port.releases() == 0);
}

TEST_CASE("worker closes before answering: 502 and release worker_failed") {
  fixture f;
  // A pooled connection first, so the retry-on-fresh-connection path is taken as well.
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  REQUIRE(c.read_response()->status == 200);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/die-before")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 502);
  CHECK(r->body.find(R"("code":"worker_failed")") != std::string::npos);
  REQUIRE(f.port.wait_releases(2));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::ok, lease_end::worker_failed});
  // The pooled connection failed before any answer byte, so a fresh one was tried once.
  CHECK(f.upstream.requests().size() == 3);
  CHECK(f.upstream.accepts() == 2);
  // The client connection survives a 502.
  REQUIRE(c.send(fixture::req("GET", "/healthz")));
  CHECK(c.read_response()->status == 200);
}

TEST_CASE("worker dies mid-body: client connection closed, release worker_failed") {
  fixture f;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/die-mid-body")));
  bool clean = true;
  auto bytes = c.read_to_close(&clean);
  auto head_end = bytes.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  CHECK(bytes.find("Content-Length: 1000") != std::string::npos);
  CHECK(bytes.size() - head_end - 4 < 1000); // truncated
  REQUIRE(f.port.wait_releases(1));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::worker_failed});
}

TEST_CASE("SSE is streamed, not buffered") {
  fixture f;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/sse")));
  auto first = c.read_until("data: event 0");
  REQUIRE(first);
  auto last = c.read_until("data: event 2");
  REQUIRE(last);
  auto written = f.upstream.event_times();
  REQUIRE(written.size() == 3);
  // The first event reaches the client long before the worker writes the last one (100 ms later).
  CHECK(*first + 40ms < written[2]);
  CHECK(c.read_until("0\r\n\r\n")); // chunked to an HTTP/1.1 client, properly terminated
  CHECK(c.received().find("Transfer-Encoding: chunked") != std::string::npos);
  REQUIRE(f.port.wait_releases(1));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::ok});
}

TEST_CASE("HTTP/1.0 client gets the worker's bytes close-delimited") {
  fixture f;
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send("GET /api/routes/v1/pub/sse HTTP/1.0\r\n\r\n"));
    bool clean = false;
    auto bytes = c.read_to_close(&clean);
    CHECK(clean);
    auto head_end = bytes.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    auto head = bytes.substr(0, head_end);
    CHECK(head.find("Transfer-Encoding") == std::string::npos);
    CHECK(head.find("Connection: close") != std::string::npos);
    CHECK(bytes.substr(head_end + 4) == "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
  }
  {
    // A close-delimited worker answer to an HTTP/1.1 client becomes chunked.
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/close-delim")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->chunked);
    CHECK(r->body == "close-delimited body");
  }
  {
    // Known length and keep-alive asked: the HTTP/1.0 connection stays open.
    raw_client c(f.gw_port);
    REQUIRE(c.send("GET /api/routes/v1/pub/fixed HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == "hello world");
    CHECK(r->header("content-length") == "11");
    REQUIRE(c.send("GET /api/routes/v1/pub/fixed HTTP/1.0\r\n\r\n"));
    r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == "hello world");
    CHECK(c.closed_within(1s));
  }
  REQUIRE(f.port.wait_releases(4));
  CHECK(count_of(f.port.ends(), lease_end::ok) == 4);
}

TEST_CASE("keep-alive: 50 requests on one connection reuse upstream connections") {
  fixture f;
  raw_client c(f.gw_port);
  for (int i = 0; i < 50; ++i) {
    auto path = i % 5 == 4 ? "/api/routes/v1/pub/big" : "/api/routes/v1/pub/fixed";
    REQUIRE(c.send(fixture::req("GET", path)));
    auto r = c.read_response();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    if (i % 5 == 4)
      REQUIRE(r->body == upstream_server::big_body());
    else
      REQUIRE(r->body == "hello world");
  }
  CHECK(f.upstream.accepts() < 50);
  CHECK(f.upstream.accepts() <= 2);
  REQUIRE(f.port.wait_releases(50));
  CHECK(count_of(f.port.ends(), lease_end::ok) == 50);
}

TEST_CASE("limits: 413, 414, 431 and the connection closes") {
  fixture f([](ever::knobs& k) { k.max_body_bytes = 1000; });
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send("POST /api/routes/v1/pub/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.closed_within(2s));
  }
  {
    // Chunked: the limit trips while reading.
    raw_client c(f.gw_port);
    std::string chunk(600, 'z');
    REQUIRE(c.send("POST /api/routes/v1/pub/echo HTTP/1.1\r\nHost: x\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n258\r\n" + chunk + "\r\n258\r\n" + chunk +
                   "\r\n0\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.closed_within(2s));
  }
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed?" + std::string(9000, 'q'))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 414);
    CHECK(c.closed_within(2s));
  }
  {
    // A URI beyond even the header limit is still reported as 414.
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/x?" + std::string(20000, 'q'))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 414);
    CHECK(c.closed_within(2s));
  }
  {
    raw_client c(f.gw_port);
    std::string big_headers;
    for (int i = 0; i < 40; ++i)
      big_headers += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'h') + "\r\n";
    REQUIRE(c.send(fixture::req("GET", "/healthz", big_headers)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(c.closed_within(2s));
  }
  CHECK(f.port.lease_calls() == 0);
}

TEST_CASE("malformed requests get 400 and close - the server keeps serving") {
  fixture f;
  using namespace std::string_literals;
  const std::vector<std::string> bad = {
      "GARBAGE\r\n\r\n"s,
      "GET /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"s,
      "POST /healthz HTTP/1.1\r\nContent-Length: zz\r\n\r\n"s,
      "POST /api/apps/v1/x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"s,
      "GET /he\0lthz HTTP/1.1\r\n\r\n"s,
      "GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n"s,
  };
  for (const auto& b : bad) {
    INFO(b);
    raw_client c(f.gw_port);
    REQUIRE(c.send(b));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(c.closed_within(2s));
    auto ok = f.get(fixture::req("GET", "/healthz"));
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
}

TEST_CASE("slowloris: a client trickling its header is closed at the header timeout") {
  fixture f([](ever::knobs& k) { k.header_timeout_ms = 200; });
  raw_client c(f.gw_port);
  auto t0 = clock::now();
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  bool closed = false;
  for (char ch : request) {
    if (!c.send(std::string_view(&ch, 1)))
      break;
    if (c.closed_within(40ms)) {
      closed = true;
      break;
    }
  }
  auto elapsed = clock::now() - t0;
  CHECK(closed);
  CHECK(elapsed >= 180ms);
  CHECK(elapsed < 1000ms);
  // Everyone else is unaffected.
  CHECK(f.get(fixture::req("GET", "/healthz"))->status == 200);
}

TEST_CASE("drain waits for an in-flight request") {
  fixture f;
  std::optional<response> slow;
  std::thread t([&] { slow = f.get(fixture::req("GET", "/api/routes/v1/pub/slow")); });
  auto deadline = clock::now() + 2s;
  while (f.server->in_flight() == 0 && clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  REQUIRE(f.server->in_flight() == 1);
  f.server->stop_accepting();
  auto t0 = clock::now();
  CHECK(f.server->drain(3s));
  CHECK(clock::now() - t0 >= 150ms);
  CHECK(f.server->in_flight() == 0);
  t.join();
  REQUIRE(slow);
  CHECK(slow->status == 200);
  CHECK(slow->body == "slow done");
  CHECK(slow->header("connection") == "close");
  // New connections are refused once accepting stopped.
  bool refused = false;
  try {
    raw_client c(f.gw_port, 500ms);
    refused = !c.send(fixture::req("GET", "/healthz")) || !c.read_response();
  } catch (const std::exception&) {
    refused = true;
  }
  CHECK(refused);
}

TEST_CASE("drain gives up after the grace period") {
  fixture f;
  std::thread t([&] { f.get(fixture::req("GET", "/api/routes/v1/pub/slow")); });
  auto deadline = clock::now() + 2s;
  while (f.server->in_flight() == 0 && clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  CHECK_FALSE(f.server->drain(50ms));
  t.join();
}

TEST_CASE("forwarding: no Authorization, query kept, Host and X-Forwarded-For set, body sent") {
  fixture f;
  auto r = f.get(fixture::req("POST", "/api/routes/v1/priv/echo?a=1&b=two",
                              auth + "X-Custom: v\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                                     "X-Forwarded-For: 10.0.0.1\r\nx-everai-session-id: s-42\r\n",
                              "payload"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "payload");
  auto seen = f.upstream.requests();
  REQUIRE(seen.size() == 1);
  auto& s = seen[0];
  CHECK(s.method == "POST");
  CHECK(s.target == "/echo?a=1&b=two");
  CHECK(s.headers.count("authorization") == 0);
  CHECK(s.headers.count("x-hop") == 0);
  CHECK(s.headers.count("connection") == 0);
  CHECK(s.headers["x-custom"] == "v");
  CHECK(s.headers["x-everai-session-id"] == "s-42");
  CHECK(s.headers["host"] == "127.0.0.1:" + std::to_string(f.upstream.port()));
  CHECK(s.headers["x-forwarded-for"] == "10.0.0.1, 127.0.0.1");
  CHECK(s.headers["content-length"] == "7");
  CHECK(s.body == "payload");
  CHECK(f.port.sessions() == std::vector<std::string>{"s-42"});
}

TEST_CASE("chunked and 100-continue request bodies are forwarded with a length") {
  fixture f;
  raw_client c(f.gw_port);
  REQUIRE(c.send("POST /api/routes/v1/pub/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 "Content-Length: 5\r\n\r\n"));
  // The interim 100 arrives before we send the body.
  CHECK(c.read_until("HTTP/1.1 100 Continue\r\n\r\n"));
  REQUIRE(c.send("hello"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello");

  REQUIRE(c.send("POST /api/routes/v1/pub/echo HTTP/1.1\r\nHost: x\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->body == "abcde");
  auto seen = f.upstream.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].headers["content-length"] == "5");
  CHECK(seen[1].headers.count("transfer-encoding") == 0);
  CHECK(seen[0].headers.count("expect") == 0);
}

TEST_CASE("HEAD is proxied without a body") {
  fixture f;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("HEAD", "/api/routes/v1/pub/fixed")));
  auto r = c.read_response(true);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-length") == "11");
  CHECK(r->body.empty());
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->body == "hello world");
}

TEST_CASE("client gone mid-stream: release client_gone") {
  fixture f;
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/sse-long")));
    REQUIRE(c.read_until("data: event 1"));
  }
  REQUIRE(f.port.wait_releases(1, 3s));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::client_gone});
}

TEST_CASE("client gone while queued: the late grant is released, the worker never called") {
  fixture f;
  f.port.lease_delay = 300ms;
  {
    raw_client c(f.gw_port);
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(f.port.wait_releases(1, 3s));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::client_gone});
  CHECK(f.upstream.accepts() == 0);
  CHECK(eventually([&] { return f.server->in_flight() == 0; }));
}

TEST_CASE("stop with a grant still queued in the port: released after the server is gone") {
  fixture f;
  f.port.lease_delay = 200ms;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  auto deadline = clock::now() + 2s;
  while (f.port.lease_calls() == 0 && clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  f.server->stop();
  f.server.reset();
  REQUIRE(f.port.wait_releases(1, 3s));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::client_gone});
  f.server = std::make_unique<ever::net::gateway_server>(f.port, f.knobs, "127.0.0.1", 0);
}

TEST_CASE("stop in the middle of a stream releases the grant") {
  fixture f;
  raw_client c(f.gw_port);
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/sse-long")));
  REQUIRE(c.read_until("data: event 0"));
  f.server->stop();
  REQUIRE(f.port.wait_releases(1));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::client_gone});
  CHECK(c.closed_within(1s));
}

TEST_CASE("an idle pooled connection the worker closed is not used") {
  fixture f;
  raw_client c(f.gw_port);
  for (int i = 0; i < 3; ++i) {
    // /close-delim closes its connection, so the next request needs a fresh one.
    REQUIRE(c.send(fixture::req("GET", i == 1 ? "/api/routes/v1/pub/close-delim"
                                              : "/api/routes/v1/pub/fixed")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  REQUIRE(f.port.wait_releases(3));
  CHECK(count_of(f.port.ends(), lease_end::ok) == 3);
}

TEST_CASE("many concurrent keep-alive clients on two io threads") {
  fixture f;
  constexpr int clients = 8;
  constexpr int each = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < clients; ++i)
    ts.emplace_back([&, i] {
      raw_client c(f.gw_port);
      for (int j = 0; j < each; ++j) {
        auto target = (i + j) % 3 == 0 ? "/api/routes/v1/pub/big" : "/api/routes/v1/priv/fixed";
        if (!c.send(fixture::req("GET", target, auth)))
          return;
        auto r = c.read_response();
        if (!r || r->status != 200)
          return;
        if ((i + j) % 3 == 0 ? r->body == upstream_server::big_body() : r->body == "hello world")
          ++ok;
      }
    });
  for (auto& t : ts)
    t.join();
  CHECK(ok == clients * each);
  REQUIRE(f.port.wait_releases(clients * each));
  CHECK(count_of(f.port.ends(), lease_end::ok) == clients * each);
  CHECK(eventually([&] { return f.server->in_flight() == 0; }));
}

TEST_CASE("worker refuses the connection: 502 and release worker_failed") {
  fixture f;
  uint16_t dead = 0;
  {
    upstream_server gone; // bound, then closed: nothing listens there any more
    dead = gone.port();
  }
  f.port.upstream_port = dead;
  auto r = f.get(fixture::req("GET", "/api/routes/v1/pub/fixed"));
  REQUIRE(r);
  CHECK(r->status == 502);
  REQUIRE(f.port.wait_releases(1));
  CHECK(f.port.ends() == std::vector<lease_end>{lease_end::worker_failed});
}

TEST_CASE("port callbacks that run inside the call itself, one io thread") {
  fixture f([](ever::knobs& k) { k.gateway_threads = 1; });
  f.port.inline_callbacks = true;
  raw_client c(f.gw_port);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == "hello world");
    REQUIRE(c.send(fixture::req("GET", "/api/apps/v1/apps", auth)));
    r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  f.port.lease_error = errc::queue_full;
  REQUIRE(c.send(fixture::req("GET", "/api/routes/v1/pub/fixed")));
  CHECK(c.read_response()->status == 429);
  REQUIRE(f.port.wait_releases(3));
}

TEST_CASE("start fails with the address in the message when the port is taken") {
  fixture f;
  ever::net::gateway_server second(f.port, f.knobs, "127.0.0.1", f.gw_port);
  try {
    second.start();
    FAIL("start succeeded on a taken port");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(f.gw_port)) != std::string::npos);
  }
}
