// The real store: one RocksDB database, one column family per table. RocksDB statuses become
// errors here and nowhere else.

#include "storage/group_commit.hpp"
#include "storage/store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <system_error>

namespace ever::storage {

namespace {

/// Maps a failed RocksDB status to our codes: a full disk is told apart because callers back off
/// differently (and the API answers 507 rather than 503).
caf::error to_error(const rocksdb::Status& st, std::string_view what) {
  std::string msg{what};
  msg.append(": ").append(st.ToString());
  if (st.IsNoSpace() || st.subcode() == rocksdb::Status::kNoSpace)
    return make_error(errc::storage_full, std::move(msg));
  return make_error(errc::unavailable, std::move(msg));
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

/// The smallest key greater than every key starting with `prefix`; empty if there is none
/// (a prefix of only 0xff bytes). Lets the iterator stop early instead of walking tombstones.
std::string prefix_end(std::string_view prefix) {
  std::string end{prefix};
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff)
    end.pop_back();
  if (!end.empty())
    end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

bool valid(table t) { return static_cast<size_t>(t) < table_count; }

class rocksdb_store final : public store {
public:
  rocksdb_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                std::array<rocksdb::ColumnFamilyHandle*, table_count> tables)
    : db_(db), handles_(std::move(handles)), tables_(tables),
      committer_([this](const std::vector<const write_batch*>& group, bool sync) {
        return write_group(group, sync);
      }) {}

  rocksdb_store(const rocksdb_store&) = delete;
  rocksdb_store& operator=(const rocksdb_store&) = delete;

  ~rocksdb_store() override {
    committer_.stop(); // what was submitted is written before the DB closes
    // A clean close writes the memtables out, so the next open has no WAL to replay: at
    // 100,000 workers replaying ~125 MB of WAL was 1 s of a 2 s restart budget. Best effort:
    // the WAL still holds everything if this fails (or after a crash, bounded by
    // max_total_wal_size below).
    db_->Flush(rocksdb::FlushOptions{}, handles_);
    for (auto* h : handles_)
      db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    delete db_;
  }

  caf::error write(const write_batch& batch, durability d) override {
    if (batch.empty())
      return {};
    if (auto err = check(batch))
      return err;
    // A sync write waits for the committer, so it shares an fsync with every other sync write
    // pending meanwhile. A relaxed one only appends to the WAL: no need to queue.
    if (d == durability::sync)
      return committer_.write(batch, d);
    return write_group({&batch}, false);
  }

  void write_async(write_batch batch, durability d, write_done done) override {
    if (batch.empty() || check(batch)) {
      if (done)
        done(check(batch));
      return;
    }
    committer_.submit(std::move(batch), d, std::move(done));
  }

  bool asynchronous() const override { return true; }

  expected<std::optional<std::string>> get(table t, std::string_view key) override {
    if (!valid(t))
      return make_error(errc::internal, "read of unknown table");
    std::string value;
    auto st = db_->Get(rocksdb::ReadOptions{}, tables_[static_cast<size_t>(t)], slice(key), &value);
    if (st.IsNotFound())
      return std::optional<std::string>{};
    if (!st.ok())
      return to_error(st, std::string{"get from "} + to_string(t));
    return std::optional<std::string>{std::move(value)};
  }

  caf::error scan(table t, std::string_view prefix, const scan_fn& fn) override {
    if (!valid(t))
      return make_error(errc::internal, "scan of unknown table");
    rocksdb::ReadOptions ro;
    auto end = prefix_end(prefix);
    rocksdb::Slice upper{end};
    if (!end.empty())
      ro.iterate_upper_bound = &upper; // must outlive the iterator
    std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(ro, tables_[static_cast<size_t>(t)])};
    for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next())
      if (!fn(view(it->key()), view(it->value())))
        return {};
    if (!it->status().ok())
      return to_error(it->status(), std::string{"scan of "} + to_string(t));
    return {};
  }

  expected<std::optional<std::string>> last_key(table t, std::string_view prefix) override {
    if (!valid(t))
      return make_error(errc::internal, "read of unknown table");
    std::unique_ptr<rocksdb::Iterator> it{
      db_->NewIterator(rocksdb::ReadOptions{}, tables_[static_cast<size_t>(t)])};
    auto end = prefix_end(prefix); // empty: every key is below it
    if (end.empty())
      it->SeekToLast();
    else
      it->SeekForPrev(slice(end));
    // SeekForPrev lands on `end` itself if it exists: that key lies outside the prefix.
    if (it->Valid() && !end.empty() && it->key() == slice(end))
      it->Prev();
    if (!it->status().ok())
      return to_error(it->status(), std::string{"read of "} + to_string(t));
    if (!it->Valid() || !it->key().starts_with(slice(prefix)))
      return std::optional<std::string>{};
    return std::optional<std::string>{std::string{view(it->key())}};
  }

  /// See write_crash_image().
  caf::error crash_image(const std::string& dir) {
    rocksdb::Checkpoint* raw = nullptr;
    auto st = rocksdb::Checkpoint::Create(db_, &raw);
    if (!st.ok())
      return to_error(st, "checkpoint of the store");
    std::unique_ptr<rocksdb::Checkpoint> cp{raw};
    // A log size no WAL reaches: the WAL is copied, nothing is flushed.
    st = cp->CreateCheckpoint(dir, std::numeric_limits<uint64_t>::max());
    if (!st.ok())
      return to_error(st, "checkpoint into " + dir);
    return {};
  }

private:
  /// Rejects a batch naming an unknown table before it joins a group (it alone fails).
  static caf::error check(const write_batch& batch) {
    for (const auto& op : batch.ops)
      if (!valid(op.tbl))
        return make_error(errc::internal, "write to unknown table");
    return {};
  }

  /// Writes `group` as one RocksDB batch: atomic together, one fsync if `sync`. Later batches'
  /// changes to a key win, as if written one after the other.
  caf::error write_group(const std::vector<const write_batch*>& group, bool sync) {
    rocksdb::WriteBatch wb;
    for (const auto* batch : group)
      for (const auto& op : batch->ops) {
        auto* cf = tables_[static_cast<size_t>(op.tbl)];
        auto st = op.value ? wb.Put(cf, slice(op.key), slice(*op.value))
                           : wb.Delete(cf, slice(op.key));
        if (!st.ok())
          return to_error(st, "write batch");
      }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    auto st = db_->Write(wo, &wb);
    if (!st.ok())
      return to_error(st, "write");
    return {};
  }

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_; ///< every open CF, ours or not
  std::array<rocksdb::ColumnFamilyHandle*, table_count> tables_;
  group_committer committer_; ///< last: its thread uses the members above
};

} // namespace

caf::error write_crash_image(store& s, const std::string& dir) {
  auto* r = dynamic_cast<rocksdb_store*>(&s);
  if (!r)
    return make_error(errc::invalid_argument, "a crash image needs a RocksDB store");
  return r->crash_image(dir);
}

expected<std::unique_ptr<store>> open_rocksdb_store(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(errc::unavailable, "cannot create " + dir + ": " + ec.message());

  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // A WAL file is kept until every table with writes in it is flushed; a rarely written table
  // would keep them all. Past this size RocksDB flushes the tables holding the oldest WAL, which
  // bounds what a restart after a crash replays: 125 MB took 1 s; at 16 MiB the DB opened in
  // 82-136 ms after a crash image of 100,000 workers (docs/benchmarks.md section 3).
  options.max_total_wal_size = 16ull << 20;

  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  for (size_t i = 0; i < table_count; ++i)
    names.emplace_back(to_string(static_cast<table>(i)));
  // A database written by a newer build may have extra column families; RocksDB refuses to open
  // unless all are listed, so open them too (and leave them alone). A missing DB fails here:
  // that is fine, Open creates it.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, dir, &existing).ok())
    for (auto& name : existing)
      if (std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(std::move(name));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions{options});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto st = rocksdb::DB::Open(options, dir, descriptors, &handles, &db);
  if (!st.ok())
    return to_error(st, "open " + dir);

  // handles[i] belongs to descriptors[i]; tables start right after "default".
  std::array<rocksdb::ColumnFamilyHandle*, table_count> tables{};
  for (size_t i = 0; i < table_count; ++i)
    tables[i] = handles[i + 1];
  return std::unique_ptr<store>{new rocksdb_store(db, std::move(handles), tables)};
}

} // namespace ever::storage
