#include "storage/group_commit.hpp"

#include <future>

namespace ever::storage {

group_committer::group_committer(commit_fn fn, size_t max_group_ops)
  : fn_(std::move(fn)), max_group_ops_(max_group_ops), thread_([this] { run(); }) {}

group_committer::~group_committer() { stop(); }

void group_committer::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
}

void group_committer::submit(write_batch batch, durability d, write_done done) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!stopping_) {
      queue_.push_back(request{std::move(batch), d, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done)
    done(make_error(errc::unavailable, "store is closed"));
}

caf::error group_committer::write(write_batch batch, durability d) {
  std::promise<caf::error> result;
  auto ready = result.get_future();
  submit(std::move(batch), d, [&result](caf::error err) { result.set_value(std::move(err)); });
  return ready.get();
}

void group_committer::run() {
  std::vector<request> group;
  std::vector<const write_batch*> batches;
  for (;;) {
    {
      std::unique_lock<std::mutex> lk{mtx_};
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and everything submitted before stop() is committed
      // Everything pending, up to the size cap: callers that arrived while the last group was
      // being fsynced share the next fsync.
      size_t ops = 0;
      while (!queue_.empty() && (group.empty() || ops + queue_.front().batch.ops.size()
                                                    <= max_group_ops_)) {
        ops += queue_.front().batch.ops.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    bool sync = false;
    for (const auto& r : group) {
      batches.push_back(&r.batch);
      sync = sync || r.d == durability::sync;
    }
    caf::error err = fn_(batches, sync);
    commits_.fetch_add(1, std::memory_order_relaxed);
    batches_.fetch_add(group.size(), std::memory_order_relaxed);
    for (auto& r : group)
      if (r.done)
        r.done(err); // a copy each: every waiter learns the group's outcome
    group.clear();
    batches.clear();
  }
}

} // namespace ever::storage
