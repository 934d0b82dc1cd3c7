#include "actors/common/journal.hpp"

#include "storage/codec.hpp"
#include "storage/keys.hpp"

#include <iostream>

namespace ever {

app_journal::app_journal(storage::store& db, const clock_source& clock, const knobs& k,
                         std::string ns, std::string app)
  : db_(db), clock_(clock), knobs_(k), ns_(std::move(ns)), app_(std::move(app)) {
}

expected<uint64_t> last_seq(storage::store& db, storage::table t, const std::string& ns,
                            const std::string& app) {
  auto prefix = storage::app_prefix(ns, app);
  auto key = db.last_key(t, prefix); // a seek, not a scan of up to events_kept_per_app rows
  if (!key)
    return key.error();
  if (!*key)
    return uint64_t{0};
  if (auto s = storage::seq_of(**key))
    return *s;
  // The last key is not a sequence key (Ever never writes one): the greatest one that is.
  uint64_t last = 0;
  auto err = db.scan(t, prefix, [&](std::string_view k, std::string_view) {
    if (auto s = storage::seq_of(k))
      last = *s;
    return true;
  });
  if (err)
    return err;
  return last;
}

caf::error app_journal::load() {
  std::lock_guard<std::mutex> guard{mtx_};
  auto e = last_seq(db_, storage::table::events, ns_, app_);
  if (!e)
    return e.error();
  auto d = last_seq(db_, storage::table::decisions, ns_, app_);
  if (!d)
    return d.error();
  last_event_ = *e;
  last_decision_ = *d;
  return caf::none;
}

storage::write_batch app_journal::append_batch(storage::table t, uint64_t seq, int64_t keep,
                                               std::string bytes) const {
  storage::write_batch batch;
  batch.put(t, storage::seq_key(ns_, app_, seq), std::move(bytes));
  if (keep > 0 && seq > static_cast<uint64_t>(keep))
    batch.del(t, storage::seq_key(ns_, app_, seq - static_cast<uint64_t>(keep)));
  return batch;
}

expected<uint64_t> app_journal::append(storage::table t, uint64_t& last, int64_t keep,
                                       std::string bytes) {
  uint64_t seq = last + 1;
  if (auto err = db_.write(append_batch(t, seq, keep, std::move(bytes)), storage::durability::sync))
    return err; // `last` unchanged: the next append reuses seq, so numbers stay gap-free
  last = seq;
  return seq;
}

event_record app_journal::next_event(event_type type, std::string from, std::string message) const {
  event_record r;
  r.seq = last_event_ + 1;
  r.type = type;
  r.from = std::move(from);
  r.created_at = clock_.now();
  r.message = std::move(message);
  return r;
}

expected<uint64_t> app_journal::event(event_type type, std::string from, std::string message) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto r = next_event(type, std::move(from), std::move(message));
  return append(storage::table::events, last_event_, knobs_.events_kept_per_app,
                storage::encode(r));
}

void app_journal::event_async(event_type type, std::string from, std::string message) {
  std::vector<std::string> one;
  one.push_back(std::move(message));
  events_async(type, from, std::move(one));
}

void app_journal::events_async(event_type type, const std::string& from,
                               std::vector<std::string> messages) {
  if (!db_.asynchronous()) {
    for (auto& m : messages)
      event(type, from, std::move(m));
    return;
  }
  if (messages.empty())
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  storage::write_batch batch;
  auto first = last_event_ + 1;
  for (auto& m : messages) {
    auto r = next_event(type, from, std::move(m));
    batch.append(append_batch(storage::table::events, r.seq, knobs_.events_kept_per_app,
                              storage::encode(r)));
    last_event_ = r.seq;
  }
  // Submitted under the lock, so the committer writes events in sequence order.
  db_.write_async(std::move(batch), storage::durability::sync,
                  [where = ns_ + "/" + app_, first, last = last_event_](caf::error err) {
                    if (err)
                      std::cerr << "everd: events " << first << "-" << last << " of app "
                                << where << " not saved: " << message_of(err) << '\n';
                  });
}

expected<uint64_t> app_journal::decision(decision_record r) {
  std::lock_guard<std::mutex> guard{mtx_};
  r.seq = last_decision_ + 1;
  return append(storage::table::decisions, last_decision_, knobs_.decisions_kept_per_app,
                storage::encode(r));
}

uint64_t app_journal::last_decision_seq() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return last_decision_;
}

} // namespace ever
