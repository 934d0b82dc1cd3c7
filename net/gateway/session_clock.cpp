// The session's lazy clock: the header timeout (slowloris) and the check that starts watching
// the client of a slow fast-path exchange, on one timer that is not touched per request.
//
// Why: arming and cancelling a timer, and an async_wait on the client socket, for every
// keep-alive request cost a timerfd_settime, an epoll_ctl and two aborted completion handlers
// per request (strace: ~1.3 extra syscalls per request). Here the deadlines are plain time
// points; the timer fires at the earliest pending one (or once per client_watch_delay_ms while
// a request runs) and re-arms itself for what is still pending. A request that ends before the
// timer fires costs no timer operation at all.

#include "net/gateway/session.hpp"

namespace ever::net::gateway_detail {

namespace {
using std::chrono::milliseconds;
using std::chrono::steady_clock;
} // namespace

void session::set_header_deadline() {
  header_deadline_ = steady_clock::now() + milliseconds(ctx_.k.header_timeout_ms);
  schedule_clock(header_deadline_);
}

void session::begin_exchange() {
  auto now = steady_clock::now();
  exchange_since_ = now;
  schedule_clock(now + milliseconds(ctx_.k.client_watch_delay_ms));
}

void session::schedule_clock(steady_time at) {
  // A pending wait that fires no later than `at` will see this deadline and re-arm for it.
  if (closed_ || (clock_at_ != steady_time{} && clock_at_ <= at))
    return;
  clock_at_ = at;
  ++clock_gen_;
  clock_.expires_at(at);
  clock_.async_wait([self = shared_from_this(), gen = clock_gen_](error_code ec) {
    self->on_clock(ec, gen);
  });
}

void session::stop_clock() {
  ++clock_gen_;
  clock_at_ = {};
  clock_.cancel();
}

void session::on_clock(error_code ec, uint64_t gen) {
  if (ec || gen != clock_gen_ || closed_)
    return;
  clock_at_ = {};
  auto now = steady_clock::now();
  if (header_deadline_ != steady_time{}) {
    if (now >= header_deadline_) {
      close_now(); // slowloris: no answer, just close
      return;
    }
    schedule_clock(header_deadline_);
  }
  if (exchange_since_ != steady_time{}) {
    auto delay = milliseconds(ctx_.k.client_watch_delay_ms);
    if (now - exchange_since_ >= delay) {
      exchange_since_ = {};
      start_watch(); // the client may hang up while the worker is busy: notice it
    } else {
      schedule_clock(exchange_since_ + delay);
    }
  }
}

} // namespace ever::net::gateway_detail
