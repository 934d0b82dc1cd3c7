#pragma once
// A socket write that completes inline when the socket takes every byte at once.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

#include <cstddef>
#include <utility>

namespace ever::net::gateway_detail {

/// Writes `bufs` to `s` and then calls `done(error_code, bytes written)`, as asio::async_write
/// does. It first sends what it can with one non-blocking send; when the socket took every byte
/// (a request or a response on loopback nearly always fits) `done` runs inline, on the caller's
/// loop, before this returns. An async_write completes through the io_context's queue instead:
/// one more handler dispatch and, measured with strace, one more `epoll_wait` per write. What the
/// socket does not take is written asynchronously and `done` runs on its associated executor.
/// The caller must not touch the session after this call (done may have run) and must keep the
/// buffers valid until `done` runs.
template <class Socket, class Buffers, class Handler>
void write_now_or_later(Socket& s, const Buffers& bufs, Handler&& done) {
  boost::system::error_code ec;
  if (!s.non_blocking())
    s.non_blocking(true, ec); // only this sync send uses the flag; async ops ignore it
  std::size_t total = boost::asio::buffer_size(bufs);
  std::size_t sent = ec ? 0 : s.write_some(bufs, ec);
  if (!ec && sent == total) {
    done(ec, sent);
    return;
  }
  if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
    done(ec, sent);
    return;
  }
  if (sent == 0) {
    boost::asio::async_write(s, bufs, std::forward<Handler>(done));
    return;
  }
  auto ex = boost::asio::get_associated_executor(done, s.get_executor());
  boost::beast::buffers_suffix<Buffers> rest{bufs};
  rest.consume(sent);
  boost::asio::async_write(
    s, rest,
    boost::asio::bind_executor(ex, [sent, done = std::forward<Handler>(done)](
                                     boost::system::error_code e, std::size_t n) mutable {
      done(e, sent + n);
    }));
}

} // namespace ever::net::gateway_detail
