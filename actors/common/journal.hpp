#pragma once
// An app's append-only logs: events (what happened) and decisions (what the scaler decided and
// why). Sequence numbers are gap-free and continue across restarts; retention is bounded by
// knobs (the oldest rows are deleted in the same batch that appends a new one).
// Thread-safe: the app's actors share one journal.

#include "core/knobs.hpp"
#include "core/model.hpp"
#include "core/time.hpp"
#include "storage/store.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace ever {

class app_journal {
public:
  app_journal(storage::store& db, const clock_source& clock, const knobs& k, std::string ns,
              std::string app);

  /// Finds the last sequence numbers on disk; call once before appending.
  caf::error load();

  /// Appends an event (fsynced). Returns its sequence number.
  expected<uint64_t> event(event_type type, std::string from, std::string message);

  /// Appends an event (fsynced) without waiting for the disk on an asynchronous store: for
  /// actors that must not block their thread on an fsync (workers). Events stay in order. On a
  /// synchronous store this is event(). A write that fails after returning is reported on stderr
  /// and leaves a gap in the event numbers (decisions never go this way).
  void event_async(event_type type, std::string from, std::string message);

  /// As event_async for several events of one kind, written in one batch (e.g. a restart
  /// re-adopting an app's workers).
  void events_async(event_type type, const std::string& from, std::vector<std::string> messages);

  /// Appends a decision (fsynced) before its actions are taken; fills in seq. Returns seq.
  expected<uint64_t> decision(decision_record r);

  /// The last decision's sequence number (0 if none).
  uint64_t last_decision_seq() const;

private:
  /// Row `seq` of table `t`, and the deletion of the row that falls out of the last `keep`.
  storage::write_batch append_batch(storage::table t, uint64_t seq, int64_t keep,
                                    std::string bytes) const;
  expected<uint64_t> append(storage::table t, uint64_t& last, int64_t keep, std::string bytes);
  /// The next event's record (number last_event_ + 1, stamped now). Call with the lock held.
  event_record next_event(event_type type, std::string from, std::string message) const;

  storage::store& db_;
  const clock_source& clock_;
  const knobs& knobs_;
  std::string ns_, app_;
  mutable std::mutex mtx_;
  uint64_t last_event_ = 0;
  uint64_t last_decision_ = 0;
};

/// Reads the last sequence number stored under an app's prefix in `t` (0 if none).
expected<uint64_t> last_seq(storage::store& db, storage::table t, const std::string& ns,
                            const std::string& app);

} // namespace ever
