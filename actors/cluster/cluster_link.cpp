#include "actors/cluster/cluster_link.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <set>

namespace ever::cluster {

namespace {

/// Drains OpenSSL's thread-local error queue into one readable line.
std::string ssl_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty())
      out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL detail" : out;
}

caf::error tls_error(std::string what) {
  return make_error(errc::invalid_argument, std::move(what) + " (" + ssl_errors() + ")");
}

// Loads the files the way CAF 0.17.6's openssl::session does for every connection
// (SSL_CTX_use_certificate_chain_file, SSL_CTX_use_PrivateKey_file, load_verify_locations), so a
// bad file is a startup error here instead of a C++ exception in the middleman's thread later.
caf::error check_tls_files(const link_options& opts) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                        SSL_CTX_free};
  if (!ctx)
    return tls_error("cannot create an OpenSSL context");
  // CAF has no passphrase callback for us: OpenSSL would prompt on the terminal at the first
  // connection. Refuse encrypted keys now instead.
  SSL_CTX_set_default_passwd_cb(ctx.get(), [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), opts.tls_cert.c_str()) != 1)
    return tls_error("--tls-cert: '" + opts.tls_cert + "' is not a PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), opts.tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return tls_error("--tls-key: cannot use '" + opts.tls_key
                     + "' (not a PEM private key, encrypted with a passphrase, which Ever does "
                       "not support, or not the key of --tls-cert '"
                     + opts.tls_cert + "')");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return tls_error("--tls-key: '" + opts.tls_key + "' is not the key of --tls-cert '"
                     + opts.tls_cert + "'");
  if (SSL_CTX_load_verify_locations(ctx.get(), opts.tls_ca.c_str(), nullptr) != 1)
    return tls_error("--tls-ca: '" + opts.tls_ca + "' holds no PEM CA certificate");
  // Every node is TLS client and server: peers check our certificate for both purposes.
  X509* leaf = SSL_CTX_get0_certificate(ctx.get());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  for (int purpose : {X509_PURPOSE_SSL_SERVER, X509_PURPOSE_SSL_CLIENT}) {
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx{X509_STORE_CTX_new(),
                                                                         X509_STORE_CTX_free};
    auto* store = SSL_CTX_get_cert_store(ctx.get());
    if (!vctx || X509_STORE_CTX_init(vctx.get(), store, leaf, chain) != 1)
      return tls_error("cannot set up certificate verification");
    X509_STORE_CTX_set_purpose(vctx.get(), purpose);
    if (X509_verify_cert(vctx.get()) != 1) {
      auto reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get()));
      ERR_clear_error();
      return make_error(errc::invalid_argument,
                        "--tls-cert: '" + opts.tls_cert + "' is not valid under --tls-ca '"
                          + opts.tls_ca + "' as a TLS "
                          + (purpose == X509_PURPOSE_SSL_SERVER ? "server" : "client")
                          + " certificate: " + reason
                          + " (sign it with the cluster CA, extendedKeyUsage "
                            "serverAuth,clientAuth)");
    }
  }
  return {};
}

// Asks a middleman actor (plain or OpenSSL) for the actor at host:port, bounded in time. CAF's
// remote_actor() waits forever; a TLS peer that never finishes the handshake would hang us.
expected<caf::actor> connect_via(caf::actor_system& sys, const caf::io::middleman_actor& mm,
                                 const std::string& host, uint16_t port,
                                 const link_options& opts) {
  auto where = host + ":" + std::to_string(port);
  expected<caf::actor> result{caf::actor{}};
  caf::scoped_actor self{sys};
  self
    ->request(mm, std::chrono::milliseconds(opts.connect_timeout_ms), caf::connect_atom::value,
              host, port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (ptr)
          result = caf::actor_cast<caf::actor>(std::move(ptr));
        else
          result = make_error(errc::unavailable, "no cluster gate is published at " + where);
      },
      [&](caf::error& err) {
        auto detail = err == caf::sec::request_timeout
                        ? "no answer within " + std::to_string(opts.connect_timeout_ms)
                            + " ms (TLS on one side only, or a hung peer)"
                        : sys.render(err);
        if (opts.tls() && err != caf::sec::request_timeout)
          detail += " (with TLS: the peer may have refused this node's certificate, or its "
                    "certificate is not signed by --tls-ca)";
        result = make_error(errc::unavailable,
                            "cannot reach the control node at " + where + ": " + detail);
      });
  return result;
}

} // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

caf::error check_link(const link_options& opts, bool listening) {
  if (opts.tls()) {
    for (const auto& [flag, path] : {std::pair{"--tls-cert", opts.tls_cert},
                                     std::pair{"--tls-key", opts.tls_key},
                                     std::pair{"--tls-ca", opts.tls_ca}}) {
      if (path.empty())
        return make_error(errc::invalid_argument,
                          std::string{"TLS needs --tls-cert, --tls-key and --tls-ca; "} + flag
                            + " is missing");
      if (!std::ifstream{path})
        return make_error(errc::invalid_argument,
                          std::string{flag} + ": cannot read '" + path + "'");
    }
    return check_tls_files(opts);
  }
  if (listening && !is_loopback(opts.host))
    return make_error(errc::invalid_argument,
                      "the cluster port may listen on " + opts.host
                        + " only with TLS (give --tls-cert, --tls-key and --tls-ca), or bind it "
                          "to 127.0.0.1");
  return {};
}

void configure_link(caf::actor_system_config& cfg, const link_options& opts) {
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::milliseconds(opts.heartbeat_ms)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::milliseconds(opts.connection_timeout_ms)});
  // Automatic connections are dialled by the BASP broker through the *plain* middleman actor,
  // i.e. without TLS even when the OpenSSL module is loaded. Off is CAF's default; keep it so.
  cfg.set("middleman.enable-automatic-connections", false);
  cfg.load<caf::io::middleman>();
  if (!opts.tls())
    return;
  // Any non-empty openssl_* field turns on CAF's authenticated mode (openssl::manager::
  // authentication_enabled): SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT on both ends, so
  // each side must present a certificate that verifies under openssl_cafile. Without them CAF
  // falls back to anonymous ECDH (encrypted, nobody authenticated): never leave them empty.
  cfg.openssl_certificate = opts.tls_cert;
  cfg.openssl_key = opts.tls_key;
  cfg.openssl_cafile = opts.tls_ca;
  cfg.load<caf::openssl::manager>(); // after the middleman: manager::make needs it
}

expected<uint16_t> publish_gate(caf::actor_system& sys, const caf::actor& gate,
                                const link_options& opts) {
  if (opts.tls() && !sys.has_openssl_manager())
    return make_error(errc::internal, "TLS requested but configure_link did not load OpenSSL");
  // The OpenSSL module only wraps what goes through its own middleman actor: a plain
  // middleman().publish() next to it would still be plain TCP.
  auto port = opts.tls() ? caf::openssl::publish(gate, opts.port, opts.host.c_str(), true)
                         : sys.middleman().publish(gate, opts.port, opts.host.c_str(), true);
  if (!port)
    return make_error(errc::unavailable, "cannot listen on cluster address " + opts.host + ":"
                                           + std::to_string(opts.port) + ": "
                                           + sys.render(port.error()));
  return *port;
}

expected<caf::actor> connect_gate(caf::actor_system& sys, const std::string& host, uint16_t port,
                                  const link_options& opts) {
  if (!opts.tls())
    return connect_via(sys, sys.middleman().actor_handle(), host, port, opts);
  if (!sys.has_openssl_manager())
    return make_error(errc::internal, "TLS requested but configure_link did not load OpenSSL");
  return connect_via(sys, sys.openssl_manager().actor_handle(), host, port, opts);
}

} // namespace ever::cluster
