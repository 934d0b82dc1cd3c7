#pragma once
// The store interface: a few ordered key-value tables with atomic multi-table batches.
// Implementations: rocksdb_store (real), memory_store (unit tests), faulty_store (fault injection).

#include "core/errc.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ever::storage {

/// The durable tables; each is one RocksDB column family.
enum class table : uint8_t {
  apps, configmaps, secrets, workers, queue, decisions, events, meta,
};
inline constexpr size_t table_count = 8;

/// Column family name of a table ("apps", ...).
const char* to_string(table t);

/// One put (value set) or delete (value empty) inside a batch.
struct write_op {
  table tbl;
  std::string key;
  std::optional<std::string> value;
};

/// Changes applied atomically: all or none.
struct write_batch {
  std::vector<write_op> ops;
  void put(table t, std::string key, std::string value) {
    ops.push_back({t, std::move(key), std::move(value)});
  }
  void del(table t, std::string key) { ops.push_back({t, std::move(key), std::nullopt}); }
  /// Adds `other`'s changes after this batch's own.
  void append(write_batch other) {
    for (auto& op : other.ops)
      ops.push_back(std::move(op));
  }
  bool empty() const { return ops.empty(); }
};

/// How hard a write must be on disk before it returns.
enum class durability : uint8_t {
  relaxed, ///< in the WAL, not fsynced (queue entries, worker heartbeats)
  sync,    ///< fsynced: acknowledged state (apps, ConfigMaps, decisions, events)
};

/// Told a write's outcome (none = written, durable if it asked for sync). See write_async().
using write_done = std::function<void(caf::error)>;

/// Called per key in order; return false to stop.
using scan_fn = std::function<bool(std::string_view key, std::string_view value)>;

class store {
public:
  virtual ~store() = default;

  /// Applies `batch` atomically. Errors: errc::unavailable (I/O), errc::storage_full (no space).
  virtual caf::error write(const write_batch& batch, durability d) = 0;

  /// Applies `batch` like write() and then calls `done` with the outcome; `done` runs only once
  /// the batch is durable (if `d` is sync) or failed. Writes submitted this way are applied in
  /// submission order. When asynchronous() is true, this returns at once and `done` runs later
  /// on the store's committer thread (it must not block and must not write synchronously);
  /// otherwise (the default) it writes here and calls `done` before returning.
  virtual void write_async(write_batch batch, durability d, write_done done);

  /// True if write_async() returns before the write is done (callers then wait for `done`).
  virtual bool asynchronous() const { return false; }

  /// Reads one key; an empty optional if absent.
  virtual expected<std::optional<std::string>> get(table t, std::string_view key) = 0;

  /// Visits every key starting with `prefix`, in ascending byte order.
  virtual caf::error scan(table t, std::string_view prefix, const scan_fn& fn) = 0;

  /// The greatest key starting with `prefix`, or an empty optional if there is none. By default
  /// a scan; RocksDB seeks to it (an app's journal finds its last sequence number at every
  /// start, among up to events_kept_per_app rows).
  virtual expected<std::optional<std::string>> last_key(table t, std::string_view prefix);
};

/// Opens (creating if needed) the RocksDB database at `dir` with one column family per table.
expected<std::unique_ptr<store>> open_rocksdb_store(const std::string& dir);

/// Writes an openable copy of the RocksDB store `s` into `dir` (which must not exist) as a crash
/// would leave it: its files and its unflushed WAL, without flushing (benchmarks of a restart
/// after a crash; a clean close flushes). errc::invalid_argument if `s` is not a RocksDB store.
caf::error write_crash_image(store& s, const std::string& dir);

/// A store in memory, for unit tests.
std::unique_ptr<store> make_memory_store();

} // namespace ever::storage
