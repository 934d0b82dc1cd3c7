#include "storage/keys.hpp"

#include <catch2/catch.hpp>

using namespace ever::storage;

TEST_CASE("be64 is 8 bytes big-endian") {
  CHECK(be64(0) == std::string(8, '\0'));
  CHECK(be64(1) == std::string{"\0\0\0\0\0\0\0\x01", 8});
  CHECK(be64(0x0102030405060708) == std::string{"\x01\x02\x03\x04\x05\x06\x07\x08", 8});
  CHECK(be64(UINT64_MAX) == std::string(8, '\xff'));
}

TEST_CASE("keys have the documented shapes") {
  CHECK(object_key("default", "hello") == "default/hello");
  CHECK(app_prefix("default", "hello") == "default/hello/");
  CHECK(worker_key("default", "hello", "w1") == "default/hello/w1");
  CHECK(seq_key("ns", "a", 1) == std::string{"ns/a/\0\0\0\0\0\0\0\x01", 13});
}

TEST_CASE("seq keys sort numerically in byte order") {
  auto k255 = seq_key("default", "app", 255);
  auto k256 = seq_key("default", "app", 256);
  auto k40 = seq_key("default", "app", uint64_t{1} << 40);
  auto kmax = seq_key("default", "app", UINT64_MAX);
  CHECK(k255 < k256); // std::string compares bytes as unsigned char
  CHECK(k256 < k40);
  CHECK(k40 < kmax);
  CHECK(seq_key("default", "app", 0) < k255);
}

TEST_CASE("seq_of reads back the sequence number") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{1} << 40,
                     uint64_t{0x2f2f2f2f2f2f2f2f}, UINT64_MAX})
    CHECK(seq_of(seq_key("team-a", "hello", v)) == v);
  // 0x2f is '/': a seq whose bytes contain slashes is still found from the front.
  CHECK(seq_of(seq_key("a", "b", 0x2f)) == uint64_t{0x2f});
}

TEST_CASE("seq_of refuses keys that are not seq keys") {
  CHECK_FALSE(seq_of(""));
  CHECK_FALSE(seq_of("default/hello"));
  CHECK_FALSE(seq_of("default/hello/"));
  CHECK_FALSE(seq_of(worker_key("default", "hello", "6xBTCtJ6mJ3MQwVQvRN5fA")));
  CHECK_FALSE(seq_of("default/hello/1234567"));   // 7 bytes
  CHECK_FALSE(seq_of("default/hello/123456789")); // 9 bytes
  CHECK_FALSE(seq_of("/hello/12345678"));         // no namespace
  CHECK_FALSE(seq_of("default//12345678"));       // no app
  CHECK_FALSE(seq_of("12345678"));
}
