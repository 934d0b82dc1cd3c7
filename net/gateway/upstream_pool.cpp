#include "net/gateway/upstream_pool.hpp"

#include <cerrno>
#include <sys/socket.h>
#include <sys/types.h>

namespace ever::net::gateway_detail {

bool looks_alive(upstream_pool::socket& s) {
  if (!s.is_open())
    return false;
  char c;
  ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK;
  // 0: the worker closed it. >0: bytes nobody asked for; the stream is out of sync.
  return false;
}

upstream_pool::upstream_pool(size_t max_idle_per_key, clock::duration max_idle_age)
    : max_idle_per_key_(max_idle_per_key), max_idle_age_(max_idle_age) {}

std::optional<upstream_pool::socket> upstream_pool::acquire(const std::string& key) {
  std::vector<idle_conn> dead; // closed outside the lock
  std::optional<socket> out;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end())
      return std::nullopt;
    auto& v = it->second;
    auto now = clock::now();
    while (!v.empty()) {
      idle_conn c = std::move(v.back());
      v.pop_back();
      if (now - c.since < max_idle_age_ && looks_alive(c.sock)) {
        out.emplace(std::move(c.sock));
        break;
      }
      dead.push_back(std::move(c));
    }
    if (v.empty())
      idle_.erase(it);
  }
  return out;
}

void upstream_pool::put(const std::string& key, socket s) {
  if (max_idle_per_key_ == 0)
    return; // s closes on destruction
  std::lock_guard<std::mutex> lk(mu_);
  auto now = clock::now();
  if (now - last_sweep_ > max_idle_age_ / 4)
    sweep(now);
  auto& v = idle_[key];
  if (v.size() >= max_idle_per_key_)
    return;
  v.push_back(idle_conn{std::move(s), now});
}

void upstream_pool::sweep(clock::time_point now) {
  last_sweep_ = now;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& v = it->second;
    // Oldest first: entries are appended in return order.
    size_t stale = 0;
    while (stale < v.size() && now - v[stale].since >= max_idle_age_)
      ++stale;
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stale));
    if (v.empty())
      it = idle_.erase(it);
    else
      ++it;
  }
}

void upstream_pool::clear() {
  std::lock_guard<std::mutex> lk(mu_);
  idle_.clear();
}

size_t upstream_pool::idle_count() const {
  std::lock_guard<std::mutex> lk(mu_);
  size_t n = 0;
  for (const auto& [k, v] : idle_)
    n += v.size();
  return n;
}

} // namespace ever::net::gateway_detail
