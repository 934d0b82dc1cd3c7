// The listener and the server's lifecycle (start, graceful stop, hard stop).

#include "net/gateway/gateway_server.hpp"

#include "net/gateway/gateway_context.hpp"
#include "net/gateway/session.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ever::net {

using namespace gateway_detail;

struct gateway_server::impl {
  impl(control_port& p, const knobs& k, std::string h, uint16_t port)
      : ctx(p, k), host(std::move(h)), port_no(port),
        threads_wanted(std::max(1, k.gateway_threads)), ioc(threads_wanted) {}

  void do_accept();
  void on_accept(error_code ec);
  void close_acceptor();
  void run_thread();

  // Declaration order is destruction order in reverse: the io_context goes before the context
  // (sessions it still holds release grants through ctx.port), the acceptor before the io_context.
  gateway_context ctx;
  std::string host;
  uint16_t port_no;
  int threads_wanted;
  asio::io_context ioc;
  session::strand_type accept_strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  asio::steady_timer accept_retry{accept_strand};
  std::optional<session::strand_type> next_strand; ///< strand of the connection being accepted
  std::optional<tcp::socket> next_socket;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex life_mu;
  bool started = false;
  bool stopped = false;
};

void gateway_server::impl::do_accept() {
  if (!acceptor.is_open())
    return;
  next_strand.emplace(asio::make_strand(ioc));
  next_socket.emplace(*next_strand);
  acceptor.async_accept(*next_socket,
                        asio::bind_executor(accept_strand, [this](error_code ec) { on_accept(ec); }));
}

void gateway_server::impl::on_accept(error_code ec) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open())
    return;
  if (ec) {
    // E.g. out of file descriptors: back off instead of spinning on the error.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait(asio::bind_executor(accept_strand, [this](error_code e) {
      if (!e)
        do_accept();
    }));
    return;
  }
  auto s = std::make_shared<session>(ctx, *next_strand, std::move(*next_socket));
  ctx.add(s);
  asio::post(s->strand(), [s] { s->start(); });
  do_accept();
}

void gateway_server::impl::close_acceptor() {
  error_code ig;
  acceptor.close(ig);
  accept_retry.cancel();
}

void gateway_server::impl::run_thread() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // A handler threw. Keep the other connections served rather than lose the process.
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
  tcp::resolver resolver(d.ioc);
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

  d.work.emplace(asio::make_work_guard(d.ioc));
  asio::post(d.accept_strand, [&d] { d.do_accept(); });
  for (int i = 0; i < d.threads_wanted; ++i)
    d.threads.emplace_back([&d] { d.run_thread(); });
  d.started = true;
  return bound;
}

void gateway_server::stop_accepting() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lk(d.life_mu);
  if (!d.started || d.stopped)
    return;
  d.ctx.stopping = true;
  // Sessions are added on the accept strand only, so after the acceptor closes there, the
  // snapshot is complete.
  asio::post(d.accept_strand, [&d] {
    d.close_acceptor();
    for (auto& s : d.ctx.sessions_snapshot())
      asio::post(s->strand(), [s] { s->close_if_idle(); });
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
  asio::post(d.accept_strand, [&d] {
    d.close_acceptor();
    for (auto& s : d.ctx.sessions_snapshot())
      asio::post(s->strand(), [s] { s->abort(); });
  });
  d.work.reset();
  // Aborted sessions unwind within a few handler runs; do not wait forever on a stuck one.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (d.ctx.session_count() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  d.ioc.stop();
  for (auto& t : d.threads)
    if (t.joinable())
      t.join();
  d.threads.clear();
  d.close_acceptor(); // in case the posted close never ran
  // Before the io_context goes: pooled sockets and sessions belong to it.
  d.ctx.pool.clear();
  d.ctx.clear_sessions();
  d.next_socket.reset();
}

size_t gateway_server::in_flight() const {
  auto n = impl_->ctx.in_flight();
  return n > 0 ? static_cast<size_t>(n) : 0;
}

} // namespace ever::net
