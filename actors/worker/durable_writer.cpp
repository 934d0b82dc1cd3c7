#include "actors/worker/durable_writer.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/skip.hpp>

namespace ever::worker {

namespace {

using write_done_atom = caf::atom_constant<caf::atom("wdone")>;

} // namespace

void durable_writer::write(caf::event_based_actor* self, storage::store& db,
                           storage::write_batch batch, storage::durability d,
                           std::function<void(caf::error)> then) {
  if (!db.asynchronous()) {
    then(db.write(batch, d));
    return;
  }
  pending_.push_back(std::move(then));
  if (pending_.size() == 1) {
    // Hold every other message back until the writes are done: skipped messages stay in the
    // mailbox and are offered again once the behavior changes back.
    self->set_default_handler(caf::skip);
    self->become(caf::keep_behavior, caf::behavior{
      [this, self](write_done_atom, caf::error& err) {
        auto next = std::move(pending_.front());
        pending_.pop_front();
        if (pending_.empty()) {
          self->unbecome();
          self->set_default_handler(caf::print_and_drop);
        }
        next(std::move(err));
      },
    });
  }
  // The committer thread acknowledges in submission order, and messages from one sender arrive
  // in order, so the front continuation is always the one this acknowledgement belongs to.
  // A weak handle: an actor that is gone (or an actor system shutting down while a write is
  // still queued) is not kept alive by the committer, and gets nothing.
  db.write_async(std::move(batch), d,
                 [w = caf::actor_cast<caf::weak_actor_ptr>(self)](caf::error err) {
                   if (auto strong = w.lock())
                     caf::anon_send(caf::actor_cast<caf::actor>(strong), write_done_atom::value,
                                    std::move(err));
                 });
}

} // namespace ever::worker
