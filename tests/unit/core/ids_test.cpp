#include "core/ids.hpp"
#include "core/token.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace ever;

TEST_CASE("worker ids are 22 base57 characters and distinct") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = make_worker_id();
    CHECK(id.size() == 22);
    CHECK(is_worker_id(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  CHECK_FALSE(is_worker_id("0000000000000000000000")); // '0' is not a base57 digit
  CHECK_FALSE(is_worker_id("abc"));
}

TEST_CASE("dns labels") {
  CHECK(is_dns_label("get-start"));
  CHECK(is_dns_label("a1"));
  CHECK_FALSE(is_dns_label(""));
  CHECK_FALSE(is_dns_label("-a"));
  CHECK_FALSE(is_dns_label("a-"));
  CHECK_FALSE(is_dns_label("Get"));
  CHECK_FALSE(is_dns_label("a/b"));
  CHECK_FALSE(is_dns_label(std::string(64, 'a')));
}

TEST_CASE("token hashing and constant-time compare") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto t = make_token();
  CHECK(t.rfind("ever_", 0) == 0);
  CHECK(t.size() == 45);
  CHECK(make_token() != t);
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
}
