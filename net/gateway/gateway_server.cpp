// The listener and the server's lifecycle (start, graceful stop, hard stop).

#include "net/gateway/gateway_server.hpp"

#include "net/gateway/gateway_context.hpp"
#include "net/gateway/idle_poll.hpp"
#include "net/gateway/session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ever::net {

using namespace gateway_detail;

namespace {
// Idle worker connections older than this are closed: workers that went away would otherwise
// keep their sockets (and file descriptors) in the pool forever.
constexpr std::chrono::seconds pool_max_idle_age{30};

/// One gateway thread: its io_context (run by that thread alone, hence concurrency hint 1) and
/// the idle worker connections of the sessions on it (loop_types.hpp says why).
struct event_loop {
  event_loop(size_t pool_per_worker, std::chrono::microseconds poll_budget)
      : pool(pool_per_worker, pool_max_idle_age), idle(poll_budget) {}

  asio::io_context ioc{1};
  upstream_pool pool;
  idle_poll idle;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
};
} // namespace

struct gateway_server::impl {
  impl(control_port& p, const knobs& k, std::string h, uint16_t port)
      : ctx(p, k), host(std::move(h)), port_no(port), loops(make_loops(k)) {}

  static std::vector<std::unique_ptr<event_loop>> make_loops(const knobs& k) {
    auto per_worker = static_cast<size_t>(std::max<int64_t>(0, k.upstream_pool_per_worker));
    std::chrono::microseconds poll_budget{std::max<int64_t>(0, k.gateway_idle_poll_us)};
    std::vector<std::unique_ptr<event_loop>> out;
    for (int i = 0; i < std::max(1, k.gateway_threads); ++i)
      out.push_back(std::make_unique<event_loop>(per_worker, poll_budget));
    return out;
  }

  void do_accept();
  void on_accept(error_code ec, socket_type sock, event_loop& loop);
  void close_acceptor();
  static void run_loop(event_loop& loop, gateway_metrics& metrics);
  static void serve(event_loop& loop, gateway_metrics& metrics);
  event_loop& accept_loop() { return *loops.front(); }

  // Declaration order is destruction order in reverse: the loops go before the context (sessions
  // they still hold release grants through ctx.port), the acceptor before the loops.
  gateway_context ctx;
  std::string host;
  uint16_t port_no;
  std::vector<std::unique_ptr<event_loop>> loops;
  size_t next_loop = 0; ///< round-robin: where the next accepted connection lives
  acceptor_type acceptor{accept_loop().ioc.get_executor()};
  timer_type accept_retry{accept_loop().ioc.get_executor()};
  std::mutex life_mu;
  bool started = false;
  bool stopped = false;
};

void gateway_server::impl::do_accept() {
  if (!acceptor.is_open())
    return;
  auto& loop = *loops[next_loop];
  next_loop = (next_loop + 1) % loops.size();
  acceptor.async_accept(loop.ioc.get_executor(), [this, &loop](error_code ec, socket_type sock) {
    on_accept(ec, std::move(sock), loop);
  });
}

void gateway_server::impl::on_accept(error_code ec, socket_type sock, event_loop& loop) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open())
    return;
  if (ec) {
    // E.g. out of file descriptors: back off instead of spinning on the error.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](error_code e) {
      if (!e)
        do_accept();
    });
    return;
  }
  auto s = std::make_shared<session>(ctx, loop.pool, std::move(sock));
  ctx.add(s);
  asio::post(s->executor(), [s] { s->start(); });
  do_accept();
}

void gateway_server::impl::close_acceptor() {
  error_code ig;
  acceptor.close(ig);
  accept_retry.cancel();
}

void gateway_server::impl::run_loop(event_loop& loop, gateway_metrics& metrics) {
  for (;;) {
    try {
      serve(loop, metrics);
      return;
    } catch (...) {
      // A handler threw. Keep the other connections served rather than lose the process.
    }
  }
}

// Runs the loop's handlers until it is stopped. When it runs out of ready handlers it polls for
// the next event before sleeping, as long as that pays (idle_poll.hpp). Each poll that finds
// nothing is one epoll_wait(0); a loop that never polls runs as io_context::run() does.
void gateway_server::impl::serve(event_loop& loop, gateway_metrics& metrics) {
  using clock = std::chrono::steady_clock;
  auto& ioc = loop.ioc;
  if (!loop.idle.enabled()) {
    ioc.run();
    return;
  }
  while (!ioc.stopped()) {
    ioc.poll();
    auto budget = loop.idle.next_idle();
    bool found = false;
    if (budget > idle_poll::duration::zero()) {
      auto until = clock::now() + budget;
      do
        found = ioc.poll_one() > 0;
      while (!found && !ioc.stopped() && clock::now() < until);
      loop.idle.record_poll(found);
      (found ? metrics.idle_polls_found : metrics.idle_polls_missed)
          .fetch_add(1, std::memory_order_relaxed);
    }
    if (!found) {
      metrics.loop_sleeps.fetch_add(1, std::memory_order_relaxed);
      ioc.run_one();
    }
  }
}

gateway_server::gateway_server(control_port& port, const knobs& k, std::string host,
                               uint16_t port_no)
    : impl_(std::make_unique<impl>(port, k, std::move(host), port_no)) {}

gateway_server::~gateway_server() { stop(); }

uint16_t gateway_server::start() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lk(d.life_mu);
  if (d.started || d.stopped)
    throw std::logic_error("gateway_server::start called twice");
  auto where = d.host + ":" + std::to_string(d.port_no);
  error_code ec;
  resolver_type resolver(d.accept_loop().ioc.get_executor());
  auto results = resolver.resolve(d.host, std::to_string(d.port_no),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    throw std::runtime_error("gateway cannot resolve listen address " + where + ": " +
                             (ec ? ec.message() : std::string("no address")));
  tcp::endpoint ep = *results.begin();
  auto fail = [&](const char* what) {
    error_code ig;
    d.acceptor.close(ig);
    throw std::runtime_error(std::string("gateway cannot ") + what + " " + where + ": " +
                             ec.message());
  };
  d.acceptor.open(ep.protocol(), ec);
  if (ec)
    fail("open a socket for");
  d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    fail("set SO_REUSEADDR on");
  d.acceptor.bind(ep, ec);
  if (ec)
    fail("bind");
  d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    fail("listen on");
  uint16_t bound = d.acceptor.local_endpoint(ec).port();
  if (ec)
    fail("read the port of");

  for (auto& loop : d.loops)
    loop->work.emplace(asio::make_work_guard(loop->ioc));
  asio::post(d.acceptor.get_executor(), [&d] { d.do_accept(); });
  for (auto& loop : d.loops)
    loop->thread = std::thread([l = loop.get(), &d] { impl::run_loop(*l, d.ctx.metrics); });
  d.started = true;
  return bound;
}

void gateway_server::stop_accepting() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lk(d.life_mu);
  if (!d.started || d.stopped)
    return;
  d.ctx.stopping = true;
  // Sessions are added on the accept loop only, so after the acceptor closes there, the
  // snapshot is complete.
  asio::post(d.acceptor.get_executor(), [&d] {
    d.close_acceptor();
    for (auto& s : d.ctx.sessions_snapshot())
      asio::post(s->executor(), [s] { s->close_if_idle(); });
  });
}

bool gateway_server::drain(std::chrono::milliseconds grace) { return impl_->ctx.wait_idle(grace); }

void gateway_server::stop() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lk(d.life_mu);
  if (d.stopped)
    return;
  d.stopped = true;
  if (!d.started)
    return;
  {
    // From now on port callbacks release their grants themselves and post nothing.
    std::unique_lock<std::shared_mutex> gl(d.ctx.gate->mu);
    d.ctx.gate->open = false;
  }
  d.ctx.stopping = true;
  asio::post(d.acceptor.get_executor(), [&d] {
    d.close_acceptor();
    for (auto& s : d.ctx.sessions_snapshot())
      asio::post(s->executor(), [s] { s->abort(); });
  });
  for (auto& loop : d.loops)
    loop->work.reset();
  // Aborted sessions unwind within a few handler runs; do not wait forever on a stuck one.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (d.ctx.session_count() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& loop : d.loops)
    loop->ioc.stop();
  for (auto& loop : d.loops)
    if (loop->thread.joinable())
      loop->thread.join();
  d.close_acceptor(); // in case the posted close never ran
  // Before the io_contexts go: pooled sockets and sessions belong to them.
  for (auto& loop : d.loops)
    loop->pool.clear();
  d.ctx.clear_sessions();
}

size_t gateway_server::in_flight() const {
  auto n = impl_->ctx.in_flight();
  return n > 0 ? static_cast<size_t>(n) : 0;
}

} // namespace ever::net
