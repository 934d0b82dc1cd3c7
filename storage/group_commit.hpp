#pragma once
// Group commit: one committer thread writes the batches that many callers submitted meanwhile as
// ONE atomic write with ONE fsync. Why: an fsync costs ~1 ms on our disks, and the actors that
// persist run on CAF's few scheduler threads; writing one sync batch per actor, each blocking its
// thread, capped the control plane at ~1-2k durable writes/s (docs/benchmarks.md section 3).
// Callers either wait (write) or continue and are called back (submit); in both cases a write is
// reported done only after its bytes are durable (if it asked for sync), so "on disk before
// anything acts on it" holds for whoever waits for the callback.
//
// No CAF actors here: the callback is a plain function; actors turn it into a message
// (actors/worker/durable_writer.hpp).

#include "storage/store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ever::storage {

/// Writes submitted batches in submission order, grouping whatever is pending into one write.
/// Thread-safe. A failed group write fails every batch of that group with the same error.
class group_committer {
public:
  /// Applies `group` in order as one atomic write, fsynced if `sync`. Called on the committer
  /// thread only.
  using commit_fn = std::function<caf::error(const std::vector<const write_batch*>& group,
                                             bool sync)>;

  /// Starts the committer thread. A group holds at most `max_group_ops` operations (plus one
  /// batch, so a single large batch is never split).
  explicit group_committer(commit_fn fn, size_t max_group_ops = 50'000);

  /// Commits everything submitted so far, then stops the thread.
  ~group_committer();

  group_committer(const group_committer&) = delete;
  group_committer& operator=(const group_committer&) = delete;

  /// Queues `batch`; `done` runs on the committer thread once it is written (durable if `d` is
  /// sync) or failed. `done` must not block and must not call write() (it would wait on its own
  /// thread). After stop(), `done` runs at once with errc::unavailable.
  void submit(write_batch batch, durability d, write_done done);

  /// Queues `batch` and waits until it is written. Must not be called from a `done` callback.
  caf::error write(write_batch batch, durability d);

  /// Commits what is queued, then refuses new batches. Idempotent.
  void stop();

  /// Group writes so far (each one fsync if any of its batches asked for sync).
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

  /// Batches written so far (successfully or not).
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }

private:
  struct request {
    write_batch batch;
    durability d;
    write_done done;
  };

  void run();

  commit_fn fn_;
  size_t max_group_ops_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<request> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> batches_{0};
  std::thread thread_; // last: starts after every other member is ready
};

} // namespace ever::storage
