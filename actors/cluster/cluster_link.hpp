#pragma once
// The cluster link: the one CAF middleman port through which nodes join, remote gateways and the
// console reach the control node. Exactly one actor (the gate) is published on it; everything
// else is asked of the gate. Plain TCP on loopback; a non-loopback address requires TLS
// (libcaf_openssl) with a certificate, a key and a CA, so a node without the CA's certificate
// cannot join.

#include "core/errc.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace ever::cluster {

/// Where the cluster port listens (or is dialled) and how it is secured.
struct link_options {
  std::string host = "127.0.0.1";
  uint16_t port = 7420;
  std::string tls_cert; ///< PEM certificate of this process; empty = plain TCP
  std::string tls_key;  ///< PEM private key of tls_cert
  std::string tls_ca;   ///< PEM CA that signed every cluster member's certificate
  int64_t heartbeat_ms = 1000;          ///< middleman heartbeat on every connection
  int64_t connection_timeout_ms = 5000; ///< a silent connection is closed after this
  int64_t connect_timeout_ms = 5000; ///< connect_gate gives up after this (TCP + TLS + handshake)

  bool tls() const { return !tls_cert.empty() || !tls_key.empty() || !tls_ca.empty(); }
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// Refuses a non-loopback listen address without TLS, and TLS settings with a missing or
/// unreadable file, an encrypted or mismatched key, or a certificate the CA did not sign.
/// errc::invalid_argument says which and how to fix it. Call it before configure_link: CAF's
/// OpenSSL module loads the files on every connection and aborts the process if they are bad.
caf::error check_link(const link_options& opts, bool listening);

/// Configures an actor system before it is created: the middleman (heartbeats and connection
/// timeout on, both ends must set them: caf-0.17-notes §4) and the OpenSSL module when TLS is on.
void configure_link(caf::actor_system_config& cfg, const link_options& opts);

/// Publishes `gate` on opts.host:opts.port (TLS when opts.tls()). Returns the bound port.
expected<uint16_t> publish_gate(caf::actor_system& sys, const caf::actor& gate,
                                const link_options& opts);

/// Connects to the gate at host:port, with the TLS settings of `opts` when opts.tls(). Gives up
/// after opts.connect_timeout_ms (errc::unavailable) so a peer that refuses our certificate or
/// never completes the handshake cannot hang the caller.
expected<caf::actor> connect_gate(caf::actor_system& sys, const std::string& host, uint16_t port,
                                  const link_options& opts);

} // namespace ever::cluster
