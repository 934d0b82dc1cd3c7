#pragma once
// Lets an event-based actor persist without blocking its scheduler thread, yet in order: like
// `request(...).await`, while one of its writes is on the way to disk the actor takes no other
// message (they wait in its mailbox), and its continuation runs once the write is durable. So a
// handler still sees the state its previous writes left, and nothing acts on a record before it
// is on disk (G4). Meanwhile the thread runs other actors, and the store's committer writes the
// batches of all waiting actors with one fsync (storage/group_commit.hpp).
//
// On a store that writes synchronously (memory_store, faulty_store in tests) the continuation
// runs at once, inside write(), exactly as a blocking write would.

#include "storage/store.hpp"

#include <caf/fwd.hpp>

#include <deque>
#include <functional>

namespace ever::worker {

/// One per actor, kept in its state (it must live as long as the actor).
class durable_writer {
public:
  /// Writes `batch`, then runs `then` with the outcome. On an asynchronous store the actor
  /// handles no other message until the last pending write is done (responses to its requests
  /// still arrive, and may call write() again: continuations run in submission order). Sets the
  /// actor's default handler while waiting and puts back caf::print_and_drop after.
  void write(caf::event_based_actor* self, storage::store& db, storage::write_batch batch,
             storage::durability d, std::function<void(caf::error)> then);

  /// Writes submitted and not yet done.
  size_t pending() const { return pending_.size(); }

private:
  std::deque<std::function<void(caf::error)>> pending_;
};

} // namespace ever::worker
