// ever-sample-app end to end: started with spawn_process as the node agent would.

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace ever;
using namespace ever::runtime;
using namespace ever::runtime::test;

namespace {

std::string sample_app_path() {
  return std::string(EVER_BIN_DIR) + "/ever-sample-app";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

/// A running sample app with a watcher on it; killed at scope exit if still running.
struct sample_app {
  temp_dir dir;
  exit_log exits;
  process_watcher watcher{exits.callback()};
  uint16_t port = 0;
  process_id id;
  std::string log_path;
  std::optional<process_guard> guard;

  explicit sample_app(std::vector<std::string> args) {
    struct stat st {};
    INFO("build the ever-sample-app target first: " << sample_app_path());
    REQUIRE(::stat(sample_app_path().c_str(), &st) == 0);
    auto p = pick_free_port(20000, 60000, {});
    REQUIRE(p);
    port = *p;
    std::vector<std::string> argv{sample_app_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto spec = make_spec(dir, argv);
    spec.env["PORT"] = std::to_string(port);
    spec.env["EVER_WORKER_ID"] = "w-test";
    spec.env["EVER_APP"] = "sample";
    spec.env["EVER_NAMESPACE"] = "default";
    spec.env["EVER_OWNER"] = dir.path;
    spec.env["GREETING"] = "hello";
    log_path = spec.log_path;
    auto started = spawn_process(spec);
    REQUIRE(started);
    id = *started;
    guard.emplace(id);
    watcher.watch(id);
  }

  void wait_ready() {
    INFO(slurp(log_path));
    REQUIRE(wait_until([&] { return probe_http(port, "/-everai-/healthy", 200); }, 10s));
  }

  std::string get(const std::string& target, const std::string& version = "HTTP/1.0",
                  const std::string& extra_headers = "") {
    return http_raw(port, "GET " + target + " " + version + "\r\nHost: 127.0.0.1\r\n" +
                            extra_headers + "\r\n");
  }
};

} // namespace

TEST_CASE("sample app: ready, /sse stable and timed, /env, graceful SIGTERM") {
  sample_app app({"--service-ms", "200"});
  app.wait_ready();
  CHECK(wait_until(
    [&] {
      return contains(slurp(app.log_path),
                      "ever-sample-app listening on 127.0.0.1:" + std::to_string(app.port));
    },
    2s));

  std::string bodies[2];
  for (auto& body : bodies) {
    auto start = test_clock::now();
    auto res = app.get("/sse");
    auto took = test_clock::now() - start;
    INFO(res);
    CHECK(res.rfind("HTTP/1.0 200", 0) == 0);
    CHECK(contains(head_of(res), "text/event-stream"));
    CHECK_FALSE(contains(head_of(res), "chunked"));
    CHECK(took >= 180ms);
    CHECK(took < 2s);
    body = body_of(res);
  }
  CHECK(bodies[0] == bodies[1]);
  CHECK(count_of(bodies[0], "data: ") == 5);
  CHECK(contains(bodies[0], "data: {\"index\": 0, \"message\": \"hello from ever\"}\n\n"));
  CHECK_FALSE(contains(bodies[0], "w-test"));

  auto env = app.get("/env?name=GREETING&name=UNSET_THING");
  INFO(env);
  CHECK(env.rfind("HTTP/1.0 200", 0) == 0);
  CHECK(contains(env, "\"PORT\": \"" + std::to_string(app.port) + "\""));
  CHECK(contains(env, "\"EVER_WORKER_ID\": \"w-test\""));
  CHECK(contains(env, "\"GREETING\": \"hello\""));
  CHECK(contains(env, "\"UNSET_THING\": null"));
  CHECK_FALSE(contains(env, "\"PATH\""));

  auto sent = test_clock::now();
  REQUIRE(signal_group(app.id, SIGTERM));
  auto text = app.exits.wait_for(app.id.pid, 5s);
  REQUIRE(text);
  CHECK(*text == "exited with code 0");
  CHECK(test_clock::now() - sent < 5s);
}

TEST_CASE("sample app: HTTP/1.1 chunked SSE, keep-alive, concurrent requests overlap") {
  sample_app app({"--service-ms", "200", "--threads", "1"});
  app.wait_ready();

  auto v10 = body_of(app.get("/sse"));
  auto res = app.get("/sse", "HTTP/1.1", "Connection: close\r\n");
  INFO(res);
  CHECK(res.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(contains(head_of(res), "Transfer-Encoding: chunked"));
  auto dechunked = dechunk(body_of(res));
  REQUIRE(dechunked);
  CHECK(*dechunked == v10);
  CHECK(count_of(body_of(app.get("/sse?events=3")), "data: ") == 3);

  // Two requests on one connection.
  std::string two = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto both = http_raw(app.port, two);
  CHECK(count_of(both, "HTTP/1.1 200 OK") == 2);

  // Four /sse at once on one io thread take about one service time, not four.
  auto start = test_clock::now();
  std::vector<std::thread> clients;
  std::string results[4];
  for (auto& r : results)
    clients.emplace_back([&app, &r] { r = app.get("/sse"); });
  for (auto& t : clients)
    t.join();
  auto took = test_clock::now() - start;
  CHECK(took < 700ms);
  for (auto& r : results)
    CHECK(body_of(r) == v10);
}

TEST_CASE("sample app: /work, /echo, /file, 404") {
  sample_app app({"--service-ms", "100"});
  app.wait_ready();

  auto start = test_clock::now();
  auto work = app.get("/work?ms=50");
  CHECK(work.rfind("HTTP/1.0 200", 0) == 0);
  CHECK(test_clock::now() - start >= 45ms);

  std::string body = "{\"hello\": [1, 2, 3]}";
  auto echo = http_raw(app.port, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Content-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body);
  INFO(echo);
  CHECK(echo.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(contains(head_of(echo), "Content-Type: application/json"));
  CHECK(contains(head_of(echo), "X-Echo-Method: POST"));
  CHECK(body_of(echo) == body);

  { std::ofstream(app.dir / "work/data.txt") << "volume content"; }
  CHECK(body_of(app.get("/file?path=data.txt")) == "volume content");
  CHECK(app.get("/file?path=../logs/worker.log").rfind("HTTP/1.0 400", 0) == 0);
  CHECK(app.get("/file?path=/etc/passwd").rfind("HTTP/1.0 400", 0) == 0);
  CHECK(app.get("/file?path=missing").rfind("HTTP/1.0 404", 0) == 0);
  CHECK(app.get("/nope").rfind("HTTP/1.0 404", 0) == 0);

  // Over the body limit.
  std::string big_head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                         std::to_string(9 * 1024 * 1024) + "\r\n\r\n";
  auto too_big = http_raw(app.port, big_head, 2s);
  CHECK(too_big.rfind("HTTP/1.1 413", 0) == 0);
}

TEST_CASE("sample app: readiness waits for --ready-after-ms") {
  sample_app app({"--ready-after-ms", "600"});
  REQUIRE(wait_until([&] { return !app.get("/fast").empty(); }, 10s));
  auto early = app.get("/-everai-/healthy");
  CHECK(early.rfind("HTTP/1.0 503", 0) == 0);
  CHECK_FALSE(probe_http(app.port, "/-everai-/healthy", 500));
  app.wait_ready();
}

TEST_CASE("sample app: /crash dies mid-response with code 3") {
  sample_app app({});
  app.wait_ready();
  auto res = app.get("/crash");
  CHECK(res.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(contains(res, "Content-Length: 1000"));
  CHECK(body_of(res).size() < 1000);
  auto text = app.exits.wait_for(app.id.pid, 5s);
  REQUIRE(text);
  CHECK(*text == "exited with code 3");
}

TEST_CASE("sample app: SIGTERM lets an in-flight request finish") {
  sample_app app({});
  app.wait_ready();
  std::string res;
  std::thread client([&] { res = app.get("/work?ms=400"); });
  std::this_thread::sleep_for(100ms);
  REQUIRE(signal_group(app.id, SIGTERM));
  client.join();
  CHECK(res.rfind("HTTP/1.0 200", 0) == 0);
  auto text = app.exits.wait_for(app.id.pid, 5s);
  REQUIRE(text);
  CHECK(*text == "exited with code 0");
  // No longer accepting.
  CHECK_FALSE(probe_http(app.port, "/fast", 200));
}
