#include "core/ids.hpp"

#include <random>

namespace ever {

std::string make_worker_id() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  unsigned __int128 n = (static_cast<unsigned __int128>(gen()) << 64) | gen();
  std::string id(worker_id_length, base57_alphabet[0]);
  // 57^22 > 2^128, so 22 digits hold any 128-bit value; most significant digit first.
  for (size_t i = worker_id_length; i-- > 0;) {
    id[i] = base57_alphabet[static_cast<size_t>(n % 57)];
    n /= 57;
  }
  return id;
}

bool is_worker_id(std::string_view id) {
  if (id.size() != worker_id_length)
    return false;
  for (char c : id)
    if (base57_alphabet.find(c) == std::string_view::npos)
      return false;
  return true;
}

bool is_dns_label(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name)
    if (!alnum(c) && c != '-')
      return false;
  return alnum(name.front()) && alnum(name.back());
}

} // namespace ever
