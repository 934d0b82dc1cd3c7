#include "actors/cluster/cluster_link.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::cluster;
using ever::cluster::test::shared_pki;

namespace {

std::string check(const link_options& o, bool listening = true) {
  auto err = check_link(o, listening);
  return err ? message_of(err) : std::string{};
}

} // namespace

TEST_CASE("cluster link: loopback without TLS is allowed") {
  link_options o;
  for (auto host : {"127.0.0.1", "127.0.1.1", "localhost", "::1"}) {
    o.host = host;
    CHECK(check(o).empty());
  }
}

TEST_CASE("cluster link: listening on a non-loopback address without TLS is refused") {
  link_options o;
  for (auto host : {"0.0.0.0", "10.0.0.5", "::", "node1.example"}) {
    o.host = host;
    auto err = check_link(o, true);
    REQUIRE(err);
    CHECK(code_of(err) == errc::invalid_argument);
    auto msg = message_of(err);
    CHECK_THAT(msg, Catch::Contains(host));
    CHECK_THAT(msg, Catch::Contains("--tls-cert") && Catch::Contains("--tls-ca"));
  }
}

TEST_CASE("cluster link: a TLS setting without the others names the missing flag") {
  const auto& pki = shared_pki();
  auto o = pki.node("node-a");
  o.tls_key.clear();
  CHECK_THAT(check(o), Catch::Contains("--tls-key is missing"));
  o = pki.node("node-a");
  o.tls_ca.clear();
  CHECK_THAT(check(o), Catch::Contains("--tls-ca is missing"));
  link_options only_ca;
  only_ca.tls_ca = pki.file("ca.pem");
  CHECK_THAT(check(only_ca), Catch::Contains("--tls-cert is missing"));
}

TEST_CASE("cluster link: unreadable TLS files are named") {
  const auto& pki = shared_pki();
  auto o = pki.node("node-a");
  o.tls_cert = pki.file("nope.pem");
  auto msg = check(o);
  CHECK_THAT(msg, Catch::Contains("--tls-cert") && Catch::Contains(pki.file("nope.pem")));
  o = pki.node("node-a");
  o.tls_ca = pki.file("missing-ca.pem");
  CHECK_THAT(check(o), Catch::Contains("--tls-ca") && Catch::Contains("missing-ca.pem"));
}

TEST_CASE("cluster link: valid TLS files pass, on any address") {
  const auto& pki = shared_pki();
  auto o = pki.node("node-a");
  o.host = "0.0.0.0";
  CHECK(check(o).empty());
  CHECK(check(o, false).empty());
}

TEST_CASE("cluster link: wrong TLS files are refused at startup with the reason") {
  const auto& pki = shared_pki();
  SECTION("the key belongs to another certificate") {
    auto o = pki.node("node-a");
    o.tls_key = pki.file("node-b.key");
    auto msg = check(o);
    CHECK_THAT(msg, Catch::Contains("--tls-key") && Catch::Contains("node-b.key"));
  }
  SECTION("the certificate is not signed by the CA") {
    auto msg = check(pki.node("rogue", "ca"));
    CHECK_THAT(msg, Catch::Contains("--tls-cert") && Catch::Contains("rogue.pem")
                      && Catch::Contains("not valid under --tls-ca"));
  }
  SECTION("a certificate is given as CA file and a key as certificate") {
    auto o = pki.node("node-a");
    o.tls_cert = pki.file("node-a.key");
    CHECK_THAT(check(o), Catch::Contains("is not a PEM certificate"));
    o = pki.node("node-a");
    o.tls_ca = pki.file("node-a.key");
    CHECK_THAT(check(o), Catch::Contains("--tls-ca") && Catch::Contains("no PEM CA certificate"));
  }
  SECTION("the key is encrypted") {
    auto o = pki.node("node-a");
    pki.run("pkey -in node-a.key -out enc.key -aes256 -passout pass:secret");
    o.tls_key = pki.file("enc.key");
    CHECK_THAT(check(o), Catch::Contains("--tls-key") && Catch::Contains("passphrase"));
  }
  SECTION("the certificate is for servers only") {
    pki.make_cert("server-only", "ca", "v3_server_only");
    CHECK_THAT(check(pki.node("server-only")), Catch::Contains("as a TLS client certificate"));
  }
}
