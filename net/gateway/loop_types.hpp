#pragma once
// The I/O object types of the gateway's event loops. Internal to the gateway (Asio).
//
// Each gateway thread runs an io_context of its own, as each nginx worker runs its own loop: a
// connection lives on one loop for its whole life, so its handlers never run concurrently and
// need no strand. The objects name that loop's executor type directly; the default
// (any_io_executor) would type-erase it and cost a virtual call and an allocation-free but
// measurable copy on every operation (perf: ~4% of the io thread's samples).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace ever::net::gateway_detail {

using loop_executor = boost::asio::io_context::executor_type;
using tcp = boost::asio::ip::tcp;
using socket_type = boost::asio::basic_stream_socket<tcp, loop_executor>;
using acceptor_type = boost::asio::basic_socket_acceptor<tcp, loop_executor>;
using resolver_type = boost::asio::ip::basic_resolver<tcp, loop_executor>;
using timer_type =
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                      loop_executor>;

} // namespace ever::net::gateway_detail
