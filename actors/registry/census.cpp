#include "actors/registry/census.hpp"

#include "actors/common/context.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <map>
#include <mutex>

namespace ever::registry {

namespace {

struct entry {
  census_row row;
  caf::weak_actor_ptr handle;
};

struct census_table {
  std::mutex mtx;
  std::map<uint64_t, entry> live; // actor ids grow, so this is oldest first
};

census_table& table() {
  static census_table t; // process-wide: actors of every kind enroll from any thread
  return t;
}

// Reads only the inbox's atomic head: "blocked" means the actor waits on an empty mailbox.
// CAF 0.17 counts mailbox elements only on the owning thread (fifo_inbox::size() moves
// elements), so another thread cannot read a size safely; idle/busy is what is safe to show.
std::string mailbox_state(const caf::strong_actor_ptr& p) {
  auto* sa = dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(p));
  if (!sa)
    return "-";
  return sa->mailbox().blocked() ? "idle" : "busy";
}

} // namespace

caf::actor enroll(caf::actor a, const std::string& type, const control_context& ctx,
                  std::string label) {
  if (!a)
    return a;
  auto id = a.id();
  {
    auto& t = table();
    std::lock_guard<std::mutex> guard{t.mtx};
    entry e;
    e.row = census_row{type, id, ctx.node_name, ctx.now(), std::move(label), {}};
    e.handle = caf::actor_cast<caf::weak_actor_ptr>(a);
    t.live[id] = std::move(e);
  }
  // Runs when the actor terminates (at once if it already has).
  a->attach_functor([id] {
    auto& t = table();
    std::lock_guard<std::mutex> guard{t.mtx};
    t.live.erase(id);
  });
  return a;
}

std::vector<census_row> census_rows() {
  // Strong references are dropped only after the lock is released: dropping the last one may
  // terminate the actor, whose exit functor takes the same lock.
  std::vector<std::pair<census_row, caf::strong_actor_ptr>> alive;
  {
    auto& t = table();
    std::lock_guard<std::mutex> guard{t.mtx};
    for (auto& [id, e] : t.live)
      if (auto strong = e.handle.lock())
        alive.emplace_back(e.row, std::move(strong));
  }
  std::vector<census_row> out;
  for (auto& [row, strong] : alive) {
    out.push_back(row);
    out.back().mailbox = mailbox_state(strong);
  }
  return out;
}

caf::actor census_find(uint64_t id) {
  caf::strong_actor_ptr strong;
  {
    auto& t = table();
    std::lock_guard<std::mutex> guard{t.mtx};
    auto it = t.live.find(id);
    if (it != t.live.end())
      strong = it->second.handle.lock();
  }
  return caf::actor_cast<caf::actor>(std::move(strong));
}

size_t census_count(const std::string& type) {
  size_t n = 0;
  for (const auto& r : census_rows())
    n += r.type == type ? 1 : 0;
  return n;
}

} // namespace ever::registry
