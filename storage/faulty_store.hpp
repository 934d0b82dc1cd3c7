#pragma once
// A store decorator that injects write faults (I/O error, disk full, slow disk) for tests of how
// the control plane behaves when persisting fails. Reads pass through untouched.

#include "storage/store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace ever::storage {

/// Wraps another store and fails or delays its writes on demand. Thread-safe.
class faulty_store final : public store {
public:
  /// Decorates `inner`, which must not be null.
  explicit faulty_store(std::shared_ptr<store> inner);

  /// Every following write fails with `code` (e.g. unavailable, storage_full); nothing is written.
  void fail_writes(errc code);

  /// The next `n` writes succeed, then every write fails with `code` until heal().
  void fail_after(uint64_t n, errc code = errc::unavailable);

  /// Stops injecting failures (latency stays as set).
  void heal();

  /// Delays every write by `d` before it is applied or failed (0 = no delay).
  void set_write_latency(std::chrono::milliseconds d);

  /// Writes requested so far, failed or not.
  uint64_t writes_attempted() const;

  /// Writes that returned an error, injected or from the inner store.
  uint64_t writes_failed() const;

  caf::error write(const write_batch& batch, durability d) override;
  expected<std::optional<std::string>> get(table t, std::string_view key) override;
  caf::error scan(table t, std::string_view prefix, const scan_fn& fn) override;

private:
  std::shared_ptr<store> inner_;
  mutable std::mutex mtx_;
  std::optional<errc> failing_;               ///< set: writes fail with this code now
  std::optional<uint64_t> successes_left_;    ///< set: writes that still pass before failing
  errc fail_after_code_ = errc::unavailable;
  std::chrono::milliseconds latency_{0};
  uint64_t attempted_ = 0;
  uint64_t failed_ = 0;
};

} // namespace ever::storage
