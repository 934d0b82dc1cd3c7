// What only the RocksDB store can show: data survives a close and reopen, unknown column
// families do not stop an open, and open failures are errors rather than crashes.

#include "storage/codec.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "unit/storage/record_samples.hpp"
#include "unit/storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <rocksdb/db.h>

#include <fstream>

using namespace ever;
using namespace ever::storage;

TEST_CASE("rocksdb store: a batch across tables persists after close and reopen") {
  test::temp_dir dir;
  auto path = dir.sub("db"); // not created yet: open creates it
  auto app = test::sample_app_record();
  auto worker = test::sample_worker_record();
  {
    auto s = open_rocksdb_store(path);
    REQUIRE(s);
    write_batch b;
    b.put(table::apps, object_key(app.spec.ns, app.spec.name), encode(app));
    b.put(table::workers, worker_key(worker.ns, worker.app, worker.id), encode(worker));
    b.put(table::events, seq_key("team-a", "hello-app", 1), "event-1");
    b.put(table::meta, "doomed", "x");
    REQUIRE_FALSE((*s)->write(b, durability::sync));
    write_batch relaxed; // relaxed writes are in the WAL: a clean close keeps them
    relaxed.put(table::queue, seq_key("team-a", "hello-app", 9), "q");
    relaxed.del(table::meta, "doomed");
    REQUIRE_FALSE((*s)->write(relaxed, durability::relaxed));
  }
  auto s = open_rocksdb_store(path);
  REQUIRE(s);
  auto& st = **s;
  auto got_app = st.get(table::apps, object_key(app.spec.ns, app.spec.name));
  REQUIRE(got_app);
  REQUIRE(*got_app);
  auto decoded = decode<app_record>(**got_app);
  REQUIRE(decoded);
  CHECK(test::diff(app, *decoded).differing.empty());
  auto got_worker = st.get(table::workers, worker_key(worker.ns, worker.app, worker.id));
  REQUIRE(got_worker);
  REQUIRE(*got_worker);
  CHECK(**got_worker == encode(worker));
  CHECK(*st.get(table::events, seq_key("team-a", "hello-app", 1)) == "event-1");
  CHECK(*st.get(table::queue, seq_key("team-a", "hello-app", 9)) == "q");
  CHECK(*st.get(table::meta, "doomed") == std::nullopt);
}

TEST_CASE("rocksdb store: opens a database that has column families it does not know") {
  test::temp_dir dir;
  auto path = dir.sub("db");
  {
    auto s = open_rocksdb_store(path);
    REQUIRE(s);
    write_batch b;
    b.put(table::apps, "default/a", "kept");
    REQUIRE_FALSE((*s)->write(b, durability::sync));
  }
  { // A newer build adds a table.
    rocksdb::Options options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto& n : names)
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, path, cfs, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    REQUIRE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions{}, "from_the_future", &extra).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions{}, extra, "k", "v").ok());
    handles.push_back(extra);
    for (auto* h : handles)
      REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    REQUIRE(db->Close().ok());
    delete db;
  }
  auto s = open_rocksdb_store(path);
  REQUIRE(s);
  CHECK(*(*s)->get(table::apps, "default/a") == "kept");
}

TEST_CASE("rocksdb store: open failures are errors") {
  test::temp_dir dir;
  SECTION("the directory is a regular file") {
    auto file = dir.sub("file");
    std::ofstream{file} << "not a database";
    auto s = open_rocksdb_store(file);
    REQUIRE_FALSE(s);
    CHECK(code_of(s.error()) == errc::unavailable);
  }
  SECTION("another store holds the database lock") {
    auto first = open_rocksdb_store(dir.sub("db"));
    REQUIRE(first);
    auto second = open_rocksdb_store(dir.sub("db"));
    REQUIRE_FALSE(second);
    CHECK(code_of(second.error()) == errc::unavailable);
    CHECK_THAT(message_of(second.error()), Catch::Contains("lock"));
  }
}

TEST_CASE("rocksdb store: a crash image holds the unflushed writes and opens on its own") {
  test::temp_dir dir;
  auto s = open_rocksdb_store(dir.sub("db"));
  REQUIRE(s);
  write_batch b;
  b.put(table::workers, "default/demo/w1", "running");
  REQUIRE_FALSE((*s)->write(b, durability::sync));
  write_batch relaxed; // only in the WAL: nothing has been flushed yet
  relaxed.put(table::meta, "usage", "42");
  REQUIRE_FALSE((*s)->write(relaxed, durability::relaxed));
  REQUIRE_FALSE(write_crash_image(**s, dir.sub("image")));
  write_batch later; // after the image: not in it
  later.put(table::meta, "later", "x");
  REQUIRE_FALSE((*s)->write(later, durability::sync));
  s->reset();
  auto image = open_rocksdb_store(dir.sub("image"));
  REQUIRE(image);
  CHECK(*(*image)->get(table::workers, "default/demo/w1") == "running");
  CHECK(*(*image)->get(table::meta, "usage") == "42");
  CHECK(*(*image)->get(table::meta, "later") == std::nullopt);
  // Only a RocksDB store has an image to write.
  auto memory = make_memory_store();
  auto err = write_crash_image(*memory, dir.sub("nothing"));
  REQUIRE(err);
  CHECK(code_of(err) == errc::invalid_argument);
}
