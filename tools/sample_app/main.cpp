// ever-sample-app: the HTTP worker of Ever's walk-through, tests and benchmarks.

#include "server.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: ever-sample-app [options]

Serves HTTP/1.1 on 127.0.0.1:$PORT (default 8080).

options:
  --port N             listen port (overrides $PORT)
  --host ADDR          listen address (default 127.0.0.1)
  --threads N          io threads (default 1)
  --service-ms N       how long /sse and /work take (default 1000)
  --events N           SSE events per /sse response (default 5)
  --ready-after-ms N   /-everai-/healthy answers 503 until then (default 0)
  --help               this text

endpoints:
  GET /-everai-/healthy   200 "ok" once ready, 503 before
  GET /sse                text/event-stream: N events spread over service-ms (?ms=, ?events=)
  ANY /work               200 after service-ms (?ms=N overrides); JSON body names the
                          worker ($EVER_WORKER_ID)
  GET /fast               200 "ok" at once
  ANY /echo               the request body back, same Content-Type, method in X-Echo-Method
  GET /env                JSON of EVER_* and PORT* variables, plus ?name=X
  GET /file?path=REL      a file below the working directory
  GET /crash              header and part of the body, then exit(3)
  GET /crash-now          exit(3) without answering

SIGTERM/SIGINT: stop accepting, finish in-flight requests (at most 5 s), exit 0.
)";

/// Parses a non-negative int flag value; exits with status 2 on garbage.
int parse_int(const std::string& flag, const std::string& value, int min, int max) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    std::cerr << "ever-sample-app: bad value for " << flag << ": '" << value << "'\n";
    std::exit(2);
  }
  return static_cast<int>(v);
}

ever::sample_app::options parse_args(int argc, char** argv) {
  ever::sample_app::options opts;
  if (const char* port = std::getenv("PORT"); port && *port)
    opts.port = static_cast<uint16_t>(parse_int("$PORT", port, 0, 65535));
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    auto next = [&]() -> std::string {
      if (has_value)
        return value;
      if (i + 1 >= args.size()) {
        std::cerr << "ever-sample-app: " << flag << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    if (flag == "--port")
      opts.port = static_cast<uint16_t>(parse_int(flag, next(), 0, 65535));
    else if (flag == "--host")
      opts.host = next();
    else if (flag == "--threads")
      opts.threads = parse_int(flag, next(), 1, 256);
    else if (flag == "--service-ms")
      opts.service_ms = parse_int(flag, next(), 0, 86400000);
    else if (flag == "--events")
      opts.events = parse_int(flag, next(), 0, 1000000);
    else if (flag == "--ready-after-ms")
      opts.ready_after_ms = parse_int(flag, next(), 0, 86400000);
    else {
      std::cerr << "ever-sample-app: unknown argument '" << args[i] << "' (see --help)\n";
      std::exit(2);
    }
  }
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse_args(argc, argv);
  // Writes to a client that went away must fail with EPIPE, not kill the worker.
  std::signal(SIGPIPE, SIG_IGN);

  boost::asio::io_context ioc{opts.threads};
  ever::sample_app::server srv{ioc, opts};
  uint16_t port = 0;
  try {
    port = srv.listen();
  } catch (const boost::system::system_error& e) {
    std::cerr << "ever-sample-app: cannot listen on " << opts.host << ":" << opts.port << ": "
              << e.code().message() << "\n";
    return 1;
  }

  boost::asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec)
      srv.stop(std::chrono::seconds(5));
  });

  srv.run();
  std::printf("ever-sample-app listening on %s:%u\n", opts.host.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);

  std::vector<std::thread> extra;
  for (int i = 1; i < opts.threads; ++i)
    extra.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : extra)
    t.join();
  std::fflush(stdout);
  // Pending handlers still own sessions that refer to the server; skip tearing them down.
  ::_exit(0);
}
