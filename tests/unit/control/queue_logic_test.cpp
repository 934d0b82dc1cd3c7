// queue_logic: grants, waiting and its reasons (§16.6), FIFO service, capacity (spec.concurrency),
// limits (§16.8), draining, sessions (§16.10), usage flags. Pure: every call takes `now`.

#include "actors/queue/queue_logic.hpp"
#include "unit/control/slot_samples.hpp"

#include <catch2/catch.hpp>

using namespace ever;
using namespace ever::queue;

namespace {

constexpr time_ms t0 = 1'700'000'000'000;
constexpr int64_t max_len = 1000;
constexpr int64_t timeout = 120'000;
constexpr int64_t session_ttl = 600'000;

using test::running;

slot starting(const std::string& id, time_ms created_at, int64_t capacity = 1) {
  slot s;
  s.worker_id = id;
  s.phase = slot_phase::starting;
  s.capacity = capacity;
  s.created_at = created_at;
  return s;
}

queue_logic make_queue(int64_t max_length = max_len) {
  return queue_logic{max_length, timeout, session_ttl};
}

grant must_grant(queue_logic& q, const std::string& session, time_ms now) {
  auto r = q.lease(session, now);
  REQUIRE(r.granted);
  CHECK_FALSE(r.queued);
  CHECK(r.rejected == errc::ok);
  return *r.granted;
}

waiter must_queue(queue_logic& q, const std::string& session, time_ms now) {
  auto r = q.lease(session, now);
  REQUIRE(r.queued);
  CHECK_FALSE(r.granted);
  CHECK(r.rejected == errc::ok);
  return *r.queued;
}

const slot& slot_of(const queue_logic& q, const std::string& id) {
  auto it = q.slots().find(id);
  REQUIRE(it != q.slots().end());
  return it->second;
}

} // namespace

TEST_CASE("queue: a request is granted at once when a running worker has room") {
  auto q = make_queue();
  CHECK(q.upsert(running("w1", t0), t0).empty());
  auto g = must_grant(q, "", t0 + 10);
  CHECK(g.worker_id == "w1");
  CHECK(g.host == "127.0.0.1");
  CHECK(g.port == slot_of(q, "w1").port);
  CHECK(g.waiter_seq == 0);
  CHECK(g.lease_id != 0);
  CHECK(slot_of(q, "w1").in_flight == 1);
  CHECK(q.open_leases() == 1);
  CHECK_FALSE(q.is_idle("w1"));
  CHECK(q.waiting().empty());
}

TEST_CASE("queue: every running worker busy -> queued with reason WorkerBusy") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  must_grant(q, "", t0);
  auto w = must_queue(q, "", t0 + 7);
  CHECK(w.reason == queue_reason::worker_busy);
  CHECK(w.seq == 1);
  CHECK(w.created_at == t0 + 7);
  CHECK(w.deadline == t0 + 7 + timeout);
  CHECK(w.session.empty());
  auto c = q.counts();
  CHECK(c.worker_busy == 1);
  CHECK(c.session == 0);
  CHECK(c.not_dispatch == 0);
  CHECK(q.next_deadline() == t0 + 7 + timeout);
}

TEST_CASE("queue: no running worker -> NotDispatch - starting workers take nothing") {
  auto q = make_queue();
  SECTION("no worker at all") {
    auto w = must_queue(q, "", t0);
    CHECK(w.reason == queue_reason::not_dispatch);
  }
  SECTION("only a starting worker") {
    CHECK(q.upsert(starting("w1", t0), t0).empty());
    auto w = must_queue(q, "", t0 + 1);
    CHECK(w.reason == queue_reason::not_dispatch);
    CHECK(slot_of(q, "w1").in_flight == 0);
    CHECK(q.counts().not_dispatch == 1);
    CHECK(q.counts().worker_busy == 0);
  }
}

TEST_CASE("queue: a worker turning running serves waiters at once, oldest first") {
  auto q = make_queue();
  q.upsert(starting("w1", t0, 2), t0);
  auto a = must_queue(q, "", t0 + 1);
  auto b = must_queue(q, "", t0 + 2);
  auto c = must_queue(q, "", t0 + 3);
  auto grants = q.upsert(running("w1", t0 + 100, 2), t0 + 100);
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].waiter_seq == a.seq);
  CHECK(grants[1].waiter_seq == b.seq);
  CHECK(grants[0].worker_id == "w1");
  CHECK(grants[0].lease_id != grants[1].lease_id);
  CHECK(slot_of(q, "w1").in_flight == 2);
  CHECK(slot_of(q, "w1").started_at == t0 + 100);
  auto left = q.waiting();
  REQUIRE(left.size() == 1);
  CHECK(left[0].seq == c.seq);
  CHECK(left[0].reason == queue_reason::worker_busy);
}

TEST_CASE("queue: upsert keeps what the queue tracks and the later last_service_at") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  auto g = must_grant(q, "", t0 + 1);
  q.release(g.lease_id, true, t0 + 50);
  must_grant(q, "", t0 + 60);
  auto update = running("w1", t0);
  update.last_service_at = t0 + 10; // older than what the queue saw
  update.port = 9999;
  q.upsert(update, t0 + 70);
  const auto& s = slot_of(q, "w1");
  CHECK(s.in_flight == 1);
  CHECK(s.success_count == 1);
  CHECK(s.last_service_at == t0 + 50);
  CHECK(s.port == 9999);
  update.last_service_at = t0 + 500; // newer (e.g. persisted record) wins
  q.upsert(update, t0 + 80);
  CHECK(slot_of(q, "w1").last_service_at == t0 + 500);
}

TEST_CASE("queue: waiters are served in FIFO order as capacity opens") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  auto first = must_grant(q, "", t0);
  auto a = must_queue(q, "", t0 + 1);
  auto b = must_queue(q, "", t0 + 2);
  auto c = must_queue(q, "", t0 + 3);

  auto r1 = q.release(first.lease_id, true, t0 + 10);
  REQUIRE(r1.grants.size() == 1);
  CHECK(r1.grants[0].waiter_seq == a.seq);
  CHECK(r1.grants[0].worker_id == "w1");
  CHECK_FALSE(r1.idle);

  // A newcomer at the same moment waits behind b and c.
  auto d = must_queue(q, "", t0 + 10);
  CHECK(d.seq > c.seq);

  auto r2 = q.release(r1.grants[0].lease_id, true, t0 + 20);
  REQUIRE(r2.grants.size() == 1);
  CHECK(r2.grants[0].waiter_seq == b.seq);
  auto r3 = q.release(r2.grants[0].lease_id, false, t0 + 30);
  REQUIRE(r3.grants.size() == 1);
  CHECK(r3.grants[0].waiter_seq == c.seq);
  auto r4 = q.release(r3.grants[0].lease_id, true, t0 + 40);
  REQUIRE(r4.grants.size() == 1);
  CHECK(r4.grants[0].waiter_seq == d.seq);
  CHECK(q.waiting().empty());
  CHECK(q.open_leases() == 1);
}

TEST_CASE("queue: a newcomer, even with a new session, queues behind waiters") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  auto first = must_grant(q, "", t0);
  auto a = must_queue(q, "", t0 + 1);
  auto r = q.release(first.lease_id, true, t0 + 2);
  REQUIRE(r.grants.size() == 1);
  CHECK(r.grants[0].waiter_seq == a.seq);
  // w1 is taken again by the waiter, not left for the next caller.
  auto n = must_queue(q, "fresh-session", t0 + 2);
  CHECK(n.reason == queue_reason::worker_busy);
}

TEST_CASE("queue: capacity 2 takes two requests on one worker before queueing") {
  auto q = make_queue();
  q.upsert(running("w1", t0, 2), t0);
  auto g1 = must_grant(q, "", t0);
  auto g2 = must_grant(q, "", t0 + 1);
  CHECK(g1.worker_id == "w1");
  CHECK(g2.worker_id == "w1");
  CHECK(g1.lease_id != g2.lease_id);
  CHECK(slot_of(q, "w1").in_flight == 2);
  auto w = must_queue(q, "", t0 + 2);
  CHECK(w.reason == queue_reason::worker_busy);
  // One release makes room for exactly one.
  auto r = q.release(g1.lease_id, true, t0 + 3);
  REQUIRE(r.grants.size() == 1);
  CHECK(r.grants[0].waiter_seq == w.seq);
  CHECK(slot_of(q, "w1").in_flight == 2);
}

TEST_CASE("queue: queue_full at max_length") {
  auto q = make_queue(2);
  must_queue(q, "", t0);
  must_queue(q, "", t0 + 1);
  auto r = q.lease("", t0 + 2);
  CHECK(r.rejected == errc::queue_full);
  CHECK_FALSE(r.granted);
  CHECK_FALSE(r.queued);
  CHECK(q.waiting().size() == 2);

  SECTION("room again once a waiter timed out") {
    CHECK(q.expire(t0 + timeout).size() == 1);
    must_queue(q, "", t0 + timeout);
  }
  SECTION("a larger limit takes more; waiting requests keep their deadlines") {
    q.set_limits(3, 5'000);
    auto w = must_queue(q, "", t0 + 3);
    CHECK(w.deadline == t0 + 3 + 5'000);
    auto all = q.waiting();
    REQUIRE(all.size() == 3);
    CHECK(all[0].deadline == t0 + timeout);
    CHECK(all[1].deadline == t0 + 1 + timeout);
    CHECK(q.lease("", t0 + 4).rejected == errc::queue_full);
  }
}

TEST_CASE("queue: max_length 0 rejects every request that would wait") {
  auto q = make_queue(0);
  CHECK(q.lease("", t0).rejected == errc::queue_full);
  q.upsert(running("w1", t0), t0);
  must_grant(q, "", t0); // a free worker still serves
  CHECK(q.lease("", t0).rejected == errc::queue_full);
}

TEST_CASE("queue: expire() returns waiters whose deadline came, oldest first") {
  auto q = make_queue();
  auto a = must_queue(q, "", t0);
  auto b = must_queue(q, "", t0 + 1'000);
  auto c = must_queue(q, "", t0 + 2'000);
  CHECK(q.next_deadline() == a.deadline);
  CHECK(q.expire(a.deadline - 1).empty());
  auto gone = q.expire(b.deadline);
  REQUIRE(gone.size() == 2);
  CHECK(gone[0].seq == a.seq);
  CHECK(gone[1].seq == b.seq);
  auto left = q.waiting();
  REQUIRE(left.size() == 1);
  CHECK(left[0].seq == c.seq);
  CHECK(q.next_deadline() == c.deadline);
  CHECK(q.expire(c.deadline).size() == 1);
  CHECK(q.next_deadline() == 0);
  CHECK(q.counts().not_dispatch == 0);
}

TEST_CASE("queue: releasing an unknown or already released lease changes nothing") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  auto g = must_grant(q, "", t0);
  auto w = must_queue(q, "", t0 + 1);
  must_queue(q, "", t0 + 2);

  auto unknown = q.release(g.lease_id + 1000, true, t0 + 5);
  CHECK(unknown.grants.empty());
  CHECK_FALSE(unknown.idle);
  CHECK(slot_of(q, "w1").in_flight == 1);
  CHECK(slot_of(q, "w1").success_count == 0);
  CHECK(q.take_dirty_usage().empty());

  auto r = q.release(g.lease_id, true, t0 + 10);
  REQUIRE(r.grants.size() == 1);
  CHECK(r.grants[0].waiter_seq == w.seq);

  auto twice = q.release(g.lease_id, true, t0 + 20);
  CHECK(twice.grants.empty());
  CHECK(slot_of(q, "w1").in_flight == 1);
  CHECK(slot_of(q, "w1").success_count == 1);
  CHECK(slot_of(q, "w1").last_service_at == t0 + 10);
  CHECK(q.waiting().size() == 1);
  CHECK(q.open_leases() == 1);
}

TEST_CASE("queue: a draining worker takes nothing new and reports idle after its last request") {
  auto q = make_queue();
  q.upsert(running("w1", t0, 2), t0);
  auto g1 = must_grant(q, "", t0);
  auto g2 = must_grant(q, "", t0 + 1);
  CHECK_FALSE(q.drain("w1", t0 + 5'000).idle);
  CHECK(slot_of(q, "w1").phase == slot_phase::draining);

  auto w = must_queue(q, "", t0 + 2);
  CHECK(w.reason == queue_reason::not_dispatch); // nothing RUNNING any more

  auto r1 = q.release(g1.lease_id, true, t0 + 3);
  CHECK(r1.grants.empty()); // the freed room is not offered to the waiter
  CHECK_FALSE(r1.idle);
  auto r2 = q.release(g2.lease_id, true, t0 + 4);
  CHECK(r2.grants.empty());
  REQUIRE(r2.idle);
  CHECK(*r2.idle == "w1");
  CHECK(q.is_idle("w1"));
  CHECK(q.waiting().size() == 1);
}

TEST_CASE("queue: draining an idle or unknown worker reports idle at once") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  CHECK(q.drain("w1", t0 + 5'000).idle);
  CHECK(q.drain("nobody", t0 + 5'000).idle);
  auto w = must_queue(q, "", t0 + 1);
  CHECK(w.reason == queue_reason::not_dispatch);
}

TEST_CASE("queue: release on a running worker never reports idle") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  auto g = must_grant(q, "", t0);
  CHECK_FALSE(q.release(g.lease_id, true, t0 + 1).idle);
}

TEST_CASE("queue: remove() unpins sessions and serves their waiters on other workers") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto g = must_grant(q, "s", t0 + 2'000);
  REQUIRE(g.worker_id == "w1"); // earliest started
  auto w = must_queue(q, "s", t0 + 2'001);
  CHECK(w.reason == queue_reason::session);
  CHECK(slot_of(q, "w1").sessions == 1);

  auto grants = q.remove("w1", t0 + 3'000);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].worker_id == "w2");
  CHECK(grants[0].waiter_seq == w.seq);
  CHECK(q.slots().count("w1") == 0);
  CHECK(slot_of(q, "w2").sessions == 1); // the session moved with it
  CHECK(q.waiting().empty());

  // The removed worker's lease ends later without harm.
  CHECK(q.open_leases() == 2);
  auto r = q.release(g.lease_id, false, t0 + 4'000);
  CHECK(r.grants.empty());
  CHECK_FALSE(r.idle);
  CHECK(q.open_leases() == 1);
  CHECK(q.take_dirty_usage().empty());

  // The session now stays on w2.
  auto again = q.lease("s", t0 + 5'000);
  CHECK(again.queued); // w2 busy with the session's earlier request
  CHECK(again.queued->reason == queue_reason::session);
}

TEST_CASE("queue: remove() of the last running worker leaves waiters NotDispatch") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  must_grant(q, "", t0);
  must_queue(q, "", t0 + 1);
  CHECK(q.counts().worker_busy == 1);
  CHECK(q.remove("w1", t0 + 2).empty());
  CHECK(q.counts().worker_busy == 0);
  CHECK(q.counts().not_dispatch == 1);
}

TEST_CASE("queue: a session's busy worker -> Session, even when another worker is free") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto g = must_grant(q, "s", t0 + 2'000);
  CHECK(g.worker_id == "w1");
  auto w = must_queue(q, "s", t0 + 2'001);
  CHECK(w.reason == queue_reason::session);
  CHECK(w.session == "s");
  CHECK(slot_of(q, "w2").in_flight == 0);
  auto c = q.counts();
  CHECK(c.session == 1);
  CHECK(c.worker_busy == 0);
  auto r = q.release(g.lease_id, true, t0 + 3'000);
  REQUIRE(r.grants.size() == 1);
  CHECK(r.grants[0].worker_id == "w1");
  CHECK(r.grants[0].waiter_seq == w.seq);
}

TEST_CASE("queue: sessions pin to one worker and are counted per worker") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto plain = must_grant(q, "", t0 + 2'000); // occupies w1
  CHECK(plain.worker_id == "w1");
  auto b = must_grant(q, "b", t0 + 2'001);
  CHECK(b.worker_id == "w2");
  q.release(plain.lease_id, true, t0 + 2'002);
  q.release(b.lease_id, true, t0 + 2'003);
  // w1 started first and is free, but session b stays on w2.
  auto b2 = must_grant(q, "b", t0 + 2'004);
  CHECK(b2.worker_id == "w2");
  q.release(b2.lease_id, true, t0 + 2'005);
  auto a = must_grant(q, "a", t0 + 2'006);
  CHECK(a.worker_id == "w1");
  q.release(a.lease_id, true, t0 + 2'007);
  auto c = must_grant(q, "c", t0 + 2'008);
  CHECK(c.worker_id == "w1");
  q.release(c.lease_id, true, t0 + 2'009);
  CHECK(slot_of(q, "w1").sessions == 2);
  CHECK(slot_of(q, "w2").sessions == 1);
  // Repeat requests of a pinned session do not count it again.
  auto a2 = must_grant(q, "a", t0 + 2'010);
  CHECK(a2.worker_id == "w1");
  CHECK(slot_of(q, "w1").sessions == 2);
}

TEST_CASE("queue: a session expires after the TTL without requests") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto busy = must_grant(q, "", t0 + 2'000); // w1
  auto s = must_grant(q, "s", t0 + 2'000);   // w2
  REQUIRE(s.worker_id == "w2");
  q.release(busy.lease_id, true, t0 + 2'001);
  q.release(s.lease_id, true, t0 + 2'001);
  const time_ms last_used = t0 + 2'000;

  q.expire(last_used + session_ttl - 1);
  CHECK(slot_of(q, "w2").sessions == 1);
  q.expire(last_used + session_ttl);
  CHECK(slot_of(q, "w2").sessions == 0);
  // Unpinned: the next request of the session goes to the preferred (earliest) worker.
  auto again = must_grant(q, "s", last_used + session_ttl + 1);
  CHECK(again.worker_id == "w1");
  CHECK(slot_of(q, "w1").sessions == 1);
}

TEST_CASE("queue: a request of the session keeps it alive") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto busy = must_grant(q, "", t0 + 2'000);
  auto s = must_grant(q, "s", t0 + 2'000);
  q.release(busy.lease_id, true, t0 + 2'001);
  q.release(s.lease_id, true, t0 + 2'001);
  auto s2 = must_grant(q, "s", t0 + 300'000);
  CHECK(s2.worker_id == "w2");
  q.release(s2.lease_id, true, t0 + 300'001);
  q.expire(t0 + 2'000 + session_ttl);
  CHECK(slot_of(q, "w2").sessions == 1);
  q.expire(t0 + 300'000 + session_ttl);
  CHECK(slot_of(q, "w2").sessions == 0);
}

TEST_CASE("queue: draining unpins the worker's sessions") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto s = must_grant(q, "s", t0 + 2'000);
  REQUIRE(s.worker_id == "w1");
  q.release(s.lease_id, true, t0 + 2'001);
  CHECK(q.drain("w1", t0 + 5'000).idle);
  CHECK(slot_of(q, "w1").sessions == 0);
  auto s2 = must_grant(q, "s", t0 + 2'002);
  CHECK(s2.worker_id == "w2");
  CHECK(slot_of(q, "w2").sessions == 1);
}

TEST_CASE("queue: the earliest started running worker is preferred") {
  auto q = make_queue();
  q.upsert(running("newest", t0 + 20'000), t0 + 20'000);
  q.upsert(running("oldest", t0), t0 + 20'000);
  q.upsert(running("middle", t0 + 10'000), t0 + 20'000);
  q.upsert(starting("starting", t0 - 100'000), t0 + 20'000);
  CHECK(must_grant(q, "", t0 + 30'000).worker_id == "oldest");
  CHECK(must_grant(q, "", t0 + 30'000).worker_id == "middle");
  CHECK(must_grant(q, "", t0 + 30'000).worker_id == "newest");
  must_queue(q, "", t0 + 30'000);
  CHECK(slot_of(q, "starting").in_flight == 0);
}

TEST_CASE("queue: equal start times are broken by worker id") {
  auto q = make_queue();
  q.upsert(running("b", t0), t0);
  q.upsert(running("a", t0), t0);
  CHECK(must_grant(q, "", t0 + 1).worker_id == "a");
  CHECK(must_grant(q, "", t0 + 1).worker_id == "b");
}

TEST_CASE("queue: releases record usage - take_dirty_usage reports each change once") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1), t0 + 1);
  CHECK(q.take_dirty_usage().empty());
  auto g1 = must_grant(q, "", t0 + 10);
  auto g2 = must_grant(q, "", t0 + 10);
  CHECK(q.take_dirty_usage().empty()); // a grant alone is no usage
  CHECK(slot_of(q, "w1").last_service_at == t0);

  q.release(g1.lease_id, true, t0 + 500);
  auto dirty = q.take_dirty_usage();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].worker_id == "w1");
  CHECK(dirty[0].last_service_at == t0 + 500);
  CHECK(dirty[0].success_count == 1);
  CHECK(dirty[0].failure_count == 0);
  CHECK_FALSE(slot_of(q, "w1").usage_dirty);
  CHECK(q.take_dirty_usage().empty());

  q.release(g2.lease_id, false, t0 + 700);
  auto g3 = must_grant(q, "", t0 + 800);
  q.release(g3.lease_id, false, t0 + 900);
  dirty = q.take_dirty_usage();
  REQUIRE(dirty.size() == 2);
  CHECK(dirty[0].worker_id == "w1"); // g3 went to the earliest worker
  CHECK(dirty[0].last_service_at == t0 + 900);
  CHECK(dirty[0].success_count == 1);
  CHECK(dirty[0].failure_count == 1);
  CHECK(dirty[1].worker_id == "w2");
  CHECK(dirty[1].last_service_at == t0 + 700);
  CHECK(dirty[1].success_count == 0);
  CHECK(dirty[1].failure_count == 1);
  CHECK(q.take_dirty_usage().empty());
}

TEST_CASE("queue: resume_after continues sequence numbers") {
  auto q = make_queue();
  q.resume_after(41);
  CHECK(must_queue(q, "", t0).seq == 42);
  CHECK(must_queue(q, "", t0).seq == 43);
}

TEST_CASE("queue: counts() and waiting() report current reasons") {
  auto q = make_queue();
  auto a = must_queue(q, "", t0);
  auto b = must_queue(q, "", t0 + 1);
  CHECK(q.counts().not_dispatch == 2);

  // A worker starts running with room for one: a is served, b now waits on a busy worker.
  auto grants = q.upsert(running("w1", t0 + 10), t0 + 10);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].waiter_seq == a.seq);
  auto c = q.counts();
  CHECK(c.not_dispatch == 0);
  CHECK(c.worker_busy == 1);
  auto w = q.waiting();
  REQUIRE(w.size() == 1);
  CHECK(w[0].seq == b.seq);
  CHECK(w[0].created_at == t0 + 1);
  CHECK(w[0].reason == queue_reason::worker_busy);

  // Back to NotDispatch when the worker drains.
  q.drain("w1", t0 + 5'000);
  CHECK(q.waiting()[0].reason == queue_reason::not_dispatch);
  CHECK(q.counts().not_dispatch == 1);
}

TEST_CASE("queue: take_all_waiters empties the queue") {
  auto q = make_queue();
  auto a = must_queue(q, "", t0);
  auto b = must_queue(q, "s", t0 + 1);
  auto all = q.take_all_waiters();
  REQUIRE(all.size() == 2);
  CHECK(all[0].seq == a.seq);
  CHECK(all[1].seq == b.seq);
  CHECK(all[1].session == "s");
  CHECK(q.waiting().empty());
  CHECK(q.next_deadline() == 0);
  auto c = q.counts();
  CHECK(c.worker_busy + c.session + c.not_dispatch == 0);
}

// A free worker is not refused to a newcomer because Session waiters of another worker wait.
TEST_CASE("queue: a newcomer is not held behind a Session waiter of another worker") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto s = must_grant(q, "s", t0 + 2'000);
  REQUIRE(s.worker_id == "w1");
  auto w = must_queue(q, "s", t0 + 2'001);
  REQUIRE(w.reason == queue_reason::session);
  REQUIRE(slot_of(q, "w2").in_flight == 0);

  auto r = q.lease("", t0 + 2'002);
  CHECK(r.granted);
  if (r.granted)
    CHECK(r.granted->worker_id == "w2");
  CHECK(q.counts().worker_busy == 0);
}

// drain() unpins the worker's sessions and serves their waiters elsewhere at once.
TEST_CASE("queue: after drain, waiters of the unpinned sessions are not left beside a free worker") {
  auto q = make_queue();
  q.upsert(running("w1", t0), t0);
  q.upsert(running("w2", t0 + 1'000), t0 + 1'000);
  auto s = must_grant(q, "s", t0 + 2'000);
  REQUIRE(s.worker_id == "w1");
  must_queue(q, "s", t0 + 2'001);
  CHECK_FALSE(q.drain("w1", t0 + 2'002).idle);
  CHECK(q.waiting().empty());
  CHECK(slot_of(q, "w2").in_flight == 1);
}
