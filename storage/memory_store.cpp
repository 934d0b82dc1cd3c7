// The in-memory store for unit tests: same contract as RocksDB (atomic batches, ordered scans
// over a consistent view), no durability.

#include "storage/store.hpp"

#include <array>
#include <map>
#include <mutex>

namespace ever::storage {

namespace {

class memory_store final : public store {
public:
  caf::error write(const write_batch& batch, durability) override {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& op : batch.ops)
      if (static_cast<size_t>(op.tbl) >= table_count)
        return make_error(errc::internal, "write to unknown table"); // before any change
    for (const auto& op : batch.ops) {
      auto& rows = tables_[static_cast<size_t>(op.tbl)];
      if (op.value)
        rows.insert_or_assign(op.key, *op.value);
      else
        rows.erase(op.key);
    }
    return {};
  }

  expected<std::optional<std::string>> get(table t, std::string_view key) override {
    if (static_cast<size_t>(t) >= table_count)
      return make_error(errc::internal, "read of unknown table");
    std::lock_guard<std::mutex> guard{mtx_};
    const auto& rows = tables_[static_cast<size_t>(t)];
    auto i = rows.find(key);
    if (i == rows.end())
      return std::optional<std::string>{};
    return std::optional<std::string>{i->second};
  }

  caf::error scan(table t, std::string_view prefix, const scan_fn& fn) override {
    if (static_cast<size_t>(t) >= table_count)
      return make_error(errc::internal, "scan of unknown table");
    // Copy first, call back without the lock: like a RocksDB iterator the callback sees a
    // snapshot and may itself write to the store without deadlocking.
    std::vector<std::pair<std::string, std::string>> rows;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      const auto& all = tables_[static_cast<size_t>(t)];
      for (auto i = all.lower_bound(prefix);
           i != all.end() && std::string_view{i->first}.substr(0, prefix.size()) == prefix; ++i)
        rows.emplace_back(*i);
    }
    for (const auto& [k, v] : rows)
      if (!fn(k, v))
        break;
    return {};
  }

private:
  std::mutex mtx_;
  std::array<std::map<std::string, std::string, std::less<>>, table_count> tables_;
};

} // namespace

std::unique_ptr<store> make_memory_store() { return std::make_unique<memory_store>(); }

} // namespace ever::storage
