#pragma once
// A throw-away PKI for TLS tests: a cluster CA, node certificates it signed, and a rogue CA with
// a certificate of its own, made with the `openssl` CLI in a fresh temp dir (removed after).

#include "actors/cluster/cluster_link.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ever::cluster::test {

class test_pki {
public:
  test_pki() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ever-pki-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    std::ofstream{dir_ / "x.cnf"} << "[req]\ndistinguished_name = dn\nprompt = no\n"
                                     "[dn]\nCN = x\n"
                                     "[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
                                     "keyUsage = critical,keyCertSign,cRLSign\n"
                                     "[v3_node]\nbasicConstraints = CA:FALSE\n"
                                     "keyUsage = critical,digitalSignature,keyEncipherment\n"
                                     "extendedKeyUsage = serverAuth,clientAuth\n"
                                     "[v3_server_only]\nbasicConstraints = CA:FALSE\n"
                                     "extendedKeyUsage = serverAuth\n";
  }

  ~test_pki() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  /// Path of a file in the PKI dir, e.g. file("node-a.pem"). The known identities are made on
  /// first use (each costs openssl runs): CAs "ca" and "rogue-ca", nodes "node-a" and "node-b"
  /// signed by "ca", and "rogue" signed by "rogue-ca".
  std::string file(const std::string& name) const {
    auto stem = name.substr(0, name.rfind('.'));
    if (stem == "ca" || stem == "rogue-ca")
      ensure(stem, "");
    else if (stem == "node-a" || stem == "node-b")
      ensure(stem, "ca");
    else if (stem == "rogue")
      ensure(stem, "rogue-ca");
    return (dir_ / name).string();
  }

  /// Link options on 127.0.0.1 (port 0: any free one) with `name`.pem/.key, trusting `ca`.pem.
  link_options node(const std::string& name, const std::string& ca = "ca") const {
    link_options o;
    o.port = 0;
    o.tls_cert = file(name + ".pem");
    o.tls_key = file(name + ".key");
    o.tls_ca = file(ca + ".pem");
    return o;
  }

  /// Runs an openssl command in the PKI dir; the test fails if it does.
  void run(const std::string& args) const {
    auto cmd = "cd '" + dir_.string() + "' && openssl " + args + " >>openssl.log 2>&1";
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
  }

  /// A P-256 key and a certificate for CN=`name` signed by `ca`, with the `ext` section.
  void make_cert(const std::string& name, const std::string& ca,
                 const std::string& ext = "v3_node") const {
    file(ca + ".pem");
    run("req -new -config x.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
        + name + ".key -out " + name + ".csr -subj /CN=" + name);
    run("x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -set_serial "
        + std::to_string(++serial_) + " -days 2 -extfile x.cnf -extensions " + ext + " -out "
        + name + ".pem");
  }

private:
  void ensure(const std::string& stem, const std::string& issuer) const {
    if (std::filesystem::exists(dir_ / (stem + ".pem")))
      return;
    if (issuer.empty()) {
      make_ca(stem);
    } else {
      file(issuer + ".pem");
      make_cert(stem, issuer);
    }
  }

  void make_ca(const std::string& name) const {
    run("req -x509 -config x.cnf -extensions v3_ca -newkey ec -pkeyopt "
        "ec_paramgen_curve:P-256 -nodes -keyout "
        + name + ".key -out " + name + ".pem -days 2 -subj /CN=" + name);
  }

  std::filesystem::path dir_;
  mutable int serial_ = 1;
};

/// One PKI for the whole test binary: making one costs about a dozen openssl runs (~1 s).
inline const test_pki& shared_pki() {
  static test_pki pki;
  return pki;
}

} // namespace ever::cluster::test
