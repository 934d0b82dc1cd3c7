#include "storage/faulty_store.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace ever;
using namespace ever::storage;
using namespace std::chrono_literals;

namespace {

write_batch one_put(const std::string& key, const std::string& value) {
  write_batch b;
  b.put(table::apps, key, value);
  b.put(table::events, key, value);
  return b;
}

std::optional<std::string> read(store& s, table t, const std::string& key) {
  auto r = s.get(t, key);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("faulty store: passes writes through while healthy") {
  auto inner = std::shared_ptr<store>{make_memory_store()};
  faulty_store s{inner};
  REQUIRE_FALSE(s.write(one_put("a", "1"), durability::sync));
  CHECK(read(*inner, table::apps, "a") == "1");
  CHECK(read(s, table::events, "a") == "1");
  CHECK(s.writes_attempted() == 1);
  CHECK(s.writes_failed() == 0);
}

TEST_CASE("faulty store: fail_writes changes nothing and returns the code - heal restores") {
  auto inner = std::shared_ptr<store>{make_memory_store()};
  faulty_store s{inner};
  REQUIRE_FALSE(s.write(one_put("a", "1"), durability::sync));

  for (auto code : {errc::unavailable, errc::storage_full}) {
    s.fail_writes(code);
    auto err = s.write(one_put("a", "2"), durability::sync);
    REQUIRE(err);
    CHECK(code_of(err) == code);
    auto b = one_put("b", "1");
    b.del(table::apps, "a");
    CHECK(code_of(s.write(b, durability::relaxed)) == code);
    // Nothing reached the inner store, and reads still work through the decorator.
    CHECK(read(*inner, table::apps, "a") == "1");
    CHECK(read(*inner, table::apps, "b") == std::nullopt);
    CHECK(read(s, table::apps, "a") == "1");
    std::vector<std::string> keys;
    CHECK_FALSE(s.scan(table::apps, "", [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }));
    CHECK(keys == std::vector<std::string>{"a"});
  }
  CHECK(s.writes_attempted() == 5);
  CHECK(s.writes_failed() == 4);

  s.heal();
  REQUIRE_FALSE(s.write(one_put("a", "3"), durability::sync));
  CHECK(read(*inner, table::apps, "a") == "3");
  CHECK(s.writes_attempted() == 6);
  CHECK(s.writes_failed() == 4);
}

TEST_CASE("faulty store: fail_after lets n writes through, then fails until healed") {
  auto inner = std::shared_ptr<store>{make_memory_store()};
  faulty_store s{inner};
  s.fail_after(2, errc::storage_full);
  CHECK_FALSE(s.write(one_put("1", "x"), durability::sync));
  CHECK_FALSE(s.write(one_put("2", "x"), durability::sync));
  CHECK(code_of(s.write(one_put("3", "x"), durability::sync)) == errc::storage_full);
  CHECK(code_of(s.write(one_put("4", "x"), durability::sync)) == errc::storage_full);
  CHECK(read(*inner, table::apps, "2") == "x");
  CHECK(read(*inner, table::apps, "3") == std::nullopt);
  CHECK(s.writes_attempted() == 4);
  CHECK(s.writes_failed() == 2);
  s.heal();
  CHECK_FALSE(s.write(one_put("5", "x"), durability::sync));

  s.fail_after(0); // default code: an I/O error, from the very next write
  CHECK(code_of(s.write(one_put("6", "x"), durability::sync)) == errc::unavailable);
  s.fail_writes(errc::ok); // "fail with ok" means healthy
  CHECK_FALSE(s.write(one_put("7", "x"), durability::sync));
}

TEST_CASE("faulty store: write latency delays writes, not reads") {
  auto inner = std::shared_ptr<store>{make_memory_store()};
  faulty_store s{inner};
  s.set_write_latency(30ms);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(s.write(one_put("a", "1"), durability::sync));
  CHECK(std::chrono::steady_clock::now() - start >= 30ms);
  s.fail_writes(errc::unavailable); // failures are slow too, like a hung disk
  start = std::chrono::steady_clock::now();
  CHECK(s.write(one_put("a", "2"), durability::sync));
  CHECK(std::chrono::steady_clock::now() - start >= 30ms);
  s.set_write_latency(0ms);
  CHECK(read(s, table::apps, "a") == "1");
}

TEST_CASE("faulty store: switches and counters are thread-safe") {
  auto inner = std::shared_ptr<store>{make_memory_store()};
  faulty_store s{inner};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t)
    writers.emplace_back([&s, t] {
      for (int i = 0; i < 200; ++i)
        (void) s.write(one_put(std::to_string(t) + "/" + std::to_string(i), "v"),
                       durability::relaxed);
    });
  for (int i = 0; i < 50; ++i) {
    s.fail_writes(errc::unavailable);
    s.heal();
  }
  for (auto& w : writers)
    w.join();
  CHECK(s.writes_attempted() == 600);
  uint64_t stored = 0;
  CHECK_FALSE(inner->scan(table::apps, "", [&](std::string_view, std::string_view) {
    ++stored;
    return true;
  }));
  CHECK(stored + s.writes_failed() == 600); // every write either landed or was counted failed
}
