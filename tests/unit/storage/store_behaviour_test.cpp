// One set of behavioural checks, run against the in-memory store and the RocksDB store: the
// memory store stands in for RocksDB in other areas' tests, so they must agree.

#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "unit/storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

using namespace ever;
using namespace ever::storage;

namespace {

std::optional<std::string> read(store& s, table t, std::string_view key) {
  auto r = s.get(t, key);
  REQUIRE(r);
  return *r;
}

std::vector<std::string> keys_under(store& s, table t, std::string_view prefix) {
  std::vector<std::string> keys;
  auto err = s.scan(t, prefix, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  REQUIRE_FALSE(err);
  return keys;
}

void check_put_get_delete(store& s) {
  CHECK(read(s, table::apps, "default/hello") == std::nullopt);
  write_batch b;
  b.put(table::apps, "default/hello", "v1");
  REQUIRE_FALSE(s.write(b, durability::sync));
  CHECK(read(s, table::apps, "default/hello") == "v1");
  CHECK(read(s, table::configmaps, "default/hello") == std::nullopt); // tables are separate

  write_batch overwrite;
  overwrite.put(table::apps, "default/hello", std::string{"v2\0bin", 6});
  REQUIRE_FALSE(s.write(overwrite, durability::relaxed));
  CHECK(read(s, table::apps, "default/hello") == std::string{"v2\0bin", 6});

  write_batch del;
  del.del(table::apps, "default/hello");
  del.del(table::apps, "default/never-existed"); // deleting nothing is fine
  REQUIRE_FALSE(s.write(del, durability::sync));
  CHECK(read(s, table::apps, "default/hello") == std::nullopt);

  REQUIRE_FALSE(s.write(write_batch{}, durability::sync)); // empty batch: a no-op
}

void check_batch_across_tables(store& s) {
  write_batch b;
  b.put(table::apps, "default/x", "app");
  b.put(table::workers, worker_key("default", "x", "w1"), "worker");
  b.put(table::events, seq_key("default", "x", 1), "event");
  b.put(table::meta, "next_seq", "2");
  REQUIRE_FALSE(s.write(b, durability::sync));
  CHECK(read(s, table::apps, "default/x") == "app");
  CHECK(read(s, table::workers, "default/x/w1") == "worker");
  CHECK(read(s, table::events, seq_key("default", "x", 1)) == "event");
  CHECK(read(s, table::meta, "next_seq") == "2");

  // Later ops in a batch win over earlier ones on the same key.
  write_batch order;
  order.put(table::meta, "k", "first");
  order.del(table::meta, "k");
  order.put(table::meta, "k", "last");
  REQUIRE_FALSE(s.write(order, durability::sync));
  CHECK(read(s, table::meta, "k") == "last");

  // A batch with one bad op changes nothing, not even the ops before it.
  write_batch bad;
  bad.put(table::apps, "default/y", "app");
  bad.del(table::workers, "default/x/w1");
  bad.put(static_cast<table>(200), "k", "v");
  auto err = s.write(bad, durability::sync);
  REQUIRE(err);
  CHECK(read(s, table::apps, "default/y") == std::nullopt);
  CHECK(read(s, table::workers, "default/x/w1") == "worker");
}

void check_prefix_scan(store& s) {
  write_batch b;
  // The secrets table is used by no other check, so whole-table counts are exact.
  for (auto key : {"default/app/w1", "default/app/w2", "default/app2/w1", "default/ap/w1",
                   "default/app", "other/app/w1"})
    b.put(table::secrets, key, key);
  REQUIRE_FALSE(s.write(b, durability::relaxed));
  CHECK(keys_under(s, table::secrets, app_prefix("default", "app"))
        == std::vector<std::string>{"default/app/w1", "default/app/w2"});
  CHECK(keys_under(s, table::secrets, app_prefix("default", "app2"))
        == std::vector<std::string>{"default/app2/w1"});
  CHECK(keys_under(s, table::secrets, "default/").size() == 5);
  CHECK(keys_under(s, table::secrets, "").size() == 6);
  CHECK(keys_under(s, table::secrets, "nothing/").empty());
  CHECK(keys_under(s, table::configmaps, "default/app/").empty()); // another table

  // Scan values match keys, and returning false stops the scan.
  int visited = 0;
  auto err = s.scan(table::secrets, "default/", [&](std::string_view k, std::string_view v) {
    CHECK(k == v);
    return ++visited < 2;
  });
  CHECK_FALSE(err);
  CHECK(visited == 2);
}

void check_numeric_order(store& s) {
  std::vector<uint64_t> seqs{256, 1, uint64_t{1} << 40, 255, 0x2f, 0, 65'536, UINT64_MAX};
  std::shuffle(seqs.begin(), seqs.end(), std::mt19937{3});
  write_batch b;
  for (auto seq : seqs)
    b.put(table::queue, seq_key("default", "app", seq), std::to_string(seq));
  b.put(table::queue, seq_key("default", "app2", 5), "neighbour");
  b.put(table::queue, seq_key("default", "ap", 5), "neighbour");
  REQUIRE_FALSE(s.write(b, durability::relaxed));
  std::vector<uint64_t> got;
  auto err = s.scan(table::queue, app_prefix("default", "app"),
                    [&](std::string_view k, std::string_view v) {
                      auto seq = seq_of(k);
                      REQUIRE(seq);
                      CHECK(v == std::to_string(*seq));
                      got.push_back(*seq);
                      return true;
                    });
  REQUIRE_FALSE(err);
  std::sort(seqs.begin(), seqs.end());
  CHECK(got == seqs);
}

void check_prefix_of_high_bytes(store& s) {
  // The RocksDB scan sets an upper bound by incrementing the prefix: 0xff bytes must carry.
  write_batch b;
  b.put(table::meta, std::string{"a\xff\xff", 3}, "1");
  b.put(table::meta, std::string{"a\xff\xff\x01", 4}, "2");
  b.put(table::meta, std::string{"b", 1}, "3");
  b.put(table::meta, std::string{"\xff\xff", 2}, "4");
  REQUIRE_FALSE(s.write(b, durability::relaxed));
  CHECK(keys_under(s, table::meta, std::string{"a\xff\xff", 3}).size() == 2);
  CHECK(keys_under(s, table::meta, std::string{"a\xff", 2}).size() == 2);
  CHECK(keys_under(s, table::meta, std::string{"\xff", 1}).size() == 1);
}

std::optional<std::string> last_under(store& s, table t, std::string_view prefix) {
  auto k = s.last_key(t, prefix);
  REQUIRE(k);
  return *k;
}

void check_last_key(store& s) {
  write_batch b;
  for (uint64_t i : {3, 1, 300, 2})
    b.put(table::queue, seq_key("default", "l", i), "e");
  b.put(table::queue, seq_key("default", "l2", 9), "next app"); // sorts right after the prefix
  b.put(table::queue, "default/l0", "the key that ends prefix \"default/l/\" is not in it");
  b.put(table::queue, "default/m", "after");
  REQUIRE_FALSE(s.write(b, durability::relaxed));
  CHECK(last_under(s, table::queue, app_prefix("default", "l")) == seq_key("default", "l", 300));
  CHECK(last_under(s, table::queue, app_prefix("default", "none")) == std::nullopt);
  CHECK(last_under(s, table::queue, "default/") == "default/m");
  CHECK(last_under(s, table::queue, "") == keys_under(s, table::queue, "").back()); // whole table
  write_batch high;
  high.put(table::meta, std::string{"\xff\xff", 2}, "4");
  high.put(table::meta, std::string{"\xff\xff\x01", 3}, "5");
  REQUIRE_FALSE(s.write(high, durability::relaxed));
  CHECK(last_under(s, table::meta, std::string{"\xff", 1}) == std::string{"\xff\xff\x01", 3});
}

void check_scan_callback_may_write(store& s) {
  // Actors delete rows while walking them (e.g. expired queue entries).
  write_batch b;
  for (uint64_t i = 0; i < 5; ++i)
    b.put(table::decisions, seq_key("default", "w", i), "d");
  REQUIRE_FALSE(s.write(b, durability::relaxed));
  auto err = s.scan(table::decisions, app_prefix("default", "w"),
                    [&](std::string_view k, std::string_view) {
                      write_batch del;
                      del.del(table::decisions, std::string{k});
                      CHECK_FALSE(s.write(del, durability::relaxed));
                      return true;
                    });
  CHECK_FALSE(err);
  CHECK(keys_under(s, table::decisions, app_prefix("default", "w")).empty());
}

void check_concurrent_writers(store& s) {
  constexpr int threads = 4;
  constexpr int per_thread = 100;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        write_batch b;
        auto seq = static_cast<uint64_t>(t * per_thread + i);
        b.put(table::events, seq_key("default", "c", seq), "e");
        b.put(table::meta, "last_" + std::to_string(t), std::to_string(i));
        if (s.write(b, durability::relaxed))
          ++failures;
      }
    });
  for (auto& th : pool)
    th.join();
  CHECK(failures == 0);
  CHECK(keys_under(s, table::events, app_prefix("default", "c")).size()
        == size_t{threads * per_thread});
  for (int t = 0; t < threads; ++t)
    CHECK(read(s, table::meta, "last_" + std::to_string(t)) == std::to_string(per_thread - 1));
}

/// Everything a store must do, whatever it is backed by. Each check uses its own keys.
void check_store_behaviour(store& s) {
  check_put_get_delete(s);
  check_batch_across_tables(s);
  check_prefix_scan(s);
  check_numeric_order(s);
  check_prefix_of_high_bytes(s);
  check_last_key(s);
  check_scan_callback_may_write(s);
  check_concurrent_writers(s);
}

} // namespace

TEST_CASE("memory store: store behaviour") {
  auto s = make_memory_store();
  check_store_behaviour(*s);
}

TEST_CASE("rocksdb store: store behaviour") {
  test::temp_dir dir;
  auto s = open_rocksdb_store(dir.sub("db"));
  REQUIRE(s);
  check_store_behaviour(**s);
}

TEST_CASE("table names are the column family names") {
  CHECK(std::string{to_string(table::apps)} == "apps");
  CHECK(std::string{to_string(table::configmaps)} == "configmaps");
  CHECK(std::string{to_string(table::secrets)} == "secrets");
  CHECK(std::string{to_string(table::workers)} == "workers");
  CHECK(std::string{to_string(table::queue)} == "queue");
  CHECK(std::string{to_string(table::decisions)} == "decisions");
  CHECK(std::string{to_string(table::events)} == "events");
  CHECK(std::string{to_string(table::meta)} == "meta");
}
