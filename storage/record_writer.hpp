#pragma once
// Internal to the codec: packs model structs as msgpack maps keyed by field name, so that readers
// can skip fields they do not know and default fields they do not find.

#include "storage/record_fields.hpp"

#include <msgpack.hpp>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ever::storage::detail {

/// Packs model values into a msgpack buffer.
class record_writer {
public:
  using packer_type = msgpack::packer<msgpack::sbuffer>;

  explicit record_writer(msgpack::sbuffer& buf) : pk_(buf) {}

  /// The underlying packer, for the envelope.
  packer_type& packer() { return pk_; }

  void write(const std::string& v) { pk_.pack(v); }
  void write(bool v) { pk_.pack(v); }
  void write(double v) { pk_.pack_double(v); }

  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  void write(I v) {
    pk_.pack(v); // msgpack picks the smallest encoding
  }

  template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  void write(E v) {
    pk_.pack(static_cast<uint64_t>(v));
  }

  template <class T>
  void write(const std::optional<T>& v) {
    if (v)
      write(*v);
    else
      pk_.pack_nil();
  }

  template <class T>
  void write(const std::vector<T>& v) {
    pk_.pack_array(size32(v.size()));
    for (const auto& x : v)
      write(x);
  }

  template <class V>
  void write(const std::map<std::string, V>& m) {
    pk_.pack_map(size32(m.size()));
    for (const auto& [k, v] : m) {
      write(k);
      write(v);
    }
  }

  /// A [key, path] item of a volume: an array, since keys may repeat and order matters.
  void write(const std::pair<std::string, std::string>& p) {
    pk_.pack_array(2);
    write(p.first);
    write(p.second);
  }

  template <class S, std::enable_if_t<has_fields<S>::value, int> = 0>
  void write(const S& s) {
    uint32_t n = 0;
    fields_of(s, [&n](const char*, const auto&) { ++n; });
    pk_.pack_map(n);
    fields_of(s, [this](const char* name, const auto& member) {
      pk_.pack_str(size32(std::char_traits<char>::length(name)));
      pk_.pack_str_body(name, size32(std::char_traits<char>::length(name)));
      this->write(member);
    });
  }

private:
  static uint32_t size32(size_t n) { return static_cast<uint32_t>(n); }

  packer_type pk_;
};

} // namespace ever::storage::detail
