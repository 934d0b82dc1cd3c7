// durable_writer on an asynchronous store: while a write is on its way to disk the actor takes no
// other message, its continuation runs once the write is done (in submission order), the held
// messages are handled after it, in their order, and a failed write reaches the continuation.
// The store's acknowledgements are released by hand, so every step is deterministic.

#include "actor_fixture.hpp"

#include "actors/worker/durable_writer.hpp"

#include <caf/stateful_actor.hpp>

#include <deque>

using namespace ever;

namespace {

/// A store that only queues write_async calls; the test completes them one at a time.
class manual_async_store final : public storage::store {
public:
  caf::error write(const storage::write_batch& b, storage::durability d) override {
    return inner_->write(b, d);
  }
  void write_async(storage::write_batch b, storage::durability d,
                   storage::write_done done) override {
    pending_.push_back({std::move(b), d, std::move(done)});
  }
  bool asynchronous() const override { return true; }
  expected<std::optional<std::string>> get(storage::table t, std::string_view k) override {
    return inner_->get(t, k);
  }
  caf::error scan(storage::table t, std::string_view p, const storage::scan_fn& fn) override {
    return inner_->scan(t, p, fn);
  }

  size_t pending() const { return pending_.size(); }

  /// Applies the oldest pending write (or fails it with `err`) and acknowledges it.
  void complete_next(caf::error err = {}) {
    REQUIRE_FALSE(pending_.empty());
    auto p = std::move(pending_.front());
    pending_.pop_front();
    if (!err)
      err = inner_->write(p.batch, p.d);
    p.done(std::move(err));
  }

private:
  struct pending_write {
    storage::write_batch batch;
    storage::durability d;
    storage::write_done done;
  };
  std::unique_ptr<storage::store> inner_ = storage::make_memory_store();
  std::deque<pending_write> pending_;
};

using put_atom = caf::atom_constant<caf::atom("tput")>;
using note_atom = caf::atom_constant<caf::atom("tnote")>;
using log_atom = caf::atom_constant<caf::atom("tlog")>;

struct writer_state {
  worker::durable_writer writer;
  std::vector<std::string> log; // what happened, in order
  static inline const char* name = "test.writer";
};

caf::behavior writer_actor(caf::stateful_actor<writer_state>* self, storage::store* db) {
  return {
    [=](put_atom, const std::string& key) {
      storage::write_batch b;
      b.put(storage::table::meta, key, "v");
      self->state.writer.write(self, *db, std::move(b), storage::durability::sync,
                               [=](caf::error err) {
                                 self->state.log.push_back((err ? "failed " : "written ") + key);
                               });
    },
    [=](note_atom, const std::string& what) { self->state.log.push_back(what); },
    [=](log_atom) { return self->state.log; },
  };
}

struct writer_fixture : test::actor_fixture {
  manual_async_store store;
  caf::actor a = keep(sys.spawn(writer_actor, &store));

  std::vector<std::string> log() {
    std::vector<std::string> out;
    caf::scoped_actor me{sys};
    me->send(a, log_atom::value);
    sched.run();
    me->receive([&](const std::vector<std::string>& l) { out = l; });
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(writer_fixture, "durable writer: other messages wait until the write is done") {
  caf::anon_send(a, put_atom::value, std::string{"k1"});
  caf::anon_send(a, note_atom::value, std::string{"after k1"});
  sched.run();
  REQUIRE(store.pending() == 1);
  // The note waits in the mailbox: nothing was logged yet.
  store.complete_next();
  sched.run();
  CHECK(log() == std::vector<std::string>{"written k1", "after k1"});
  CHECK(*store.get(storage::table::meta, "k1") == std::optional<std::string>{"v"});
}

TEST_CASE_METHOD(writer_fixture, "durable writer: writes complete in order, held messages keep "
                                 "theirs") {
  caf::anon_send(a, put_atom::value, std::string{"k1"});
  caf::anon_send(a, note_atom::value, std::string{"n1"});
  caf::anon_send(a, note_atom::value, std::string{"n2"});
  sched.run();
  store.complete_next();
  sched.run();
  caf::anon_send(a, put_atom::value, std::string{"k2"});
  caf::anon_send(a, put_atom::value, std::string{"k3"});
  caf::anon_send(a, note_atom::value, std::string{"n3"});
  sched.run();
  REQUIRE(store.pending() == 1); // k3 waits behind k2: the actor is held
  store.complete_next();
  sched.run();
  REQUIRE(store.pending() == 1);
  store.complete_next();
  sched.run();
  CHECK(log() == std::vector<std::string>{"written k1", "n1", "n2", "written k2", "written k3",
                                          "n3"});
}

TEST_CASE_METHOD(writer_fixture, "durable writer: a failed write reaches the continuation and "
                                 "the actor goes on") {
  caf::anon_send(a, put_atom::value, std::string{"k1"});
  caf::anon_send(a, note_atom::value, std::string{"n1"});
  sched.run();
  store.complete_next(make_error(errc::unavailable, "disk gone"));
  sched.run();
  CHECK(log() == std::vector<std::string>{"failed k1", "n1"});
  CHECK(*store.get(storage::table::meta, "k1") == std::nullopt);
}
