#pragma once
// Internal to the codec: reads model structs back from msgpack objects. Every mismatch raises a
// decode_failure naming the record and the field's path; codec.cpp turns it into
// errc::corrupt_record, so nothing thrown here leaves decode().

#include "storage/record_fields.hpp"

#include <msgpack.hpp>

#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ever::storage::detail {

/// Why a decode failed; caught at the decode boundary only.
struct decode_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where a value sits inside a record. A chain on the stack; rendered only when reporting errors.
struct field_path {
  const field_path* parent = nullptr;
  std::string_view name;  ///< field name, or element index / map key
  bool element = false;   ///< rendered as "[name]" rather than ".name"

  /// E.g. "spec.env[2].value"; empty for the payload itself.
  std::string render() const;
};

/// msgpack's name for a type, for messages.
const char* type_name(msgpack::type::object_type t);

/// Reads model values out of msgpack objects of one record.
class record_reader {
public:
  explicit record_reader(const char* record) : record_(record) {}

  /// Throws decode_failure: "<record>: field '<path>' <what>".
  [[noreturn]] void fail(const field_path& at, const std::string& what) const;

  /// Throws decode_failure: "... has wrong type (want <want>, got <actual>)".
  [[noreturn]] void wrong_type(const msgpack::object& o, const field_path& at,
                               const char* want) const;

  void read(const msgpack::object& o, const field_path& at, std::string& out) const;
  void read(const msgpack::object& o, const field_path& at, bool& out) const;
  void read(const msgpack::object& o, const field_path& at, double& out) const;

  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  void read(const msgpack::object& o, const field_path& at, I& out) const {
    using lim = std::numeric_limits<I>;
    if (o.type == msgpack::type::POSITIVE_INTEGER) {
      if (o.via.u64 > static_cast<uint64_t>(lim::max()))
        fail(at, "has out-of-range value " + std::to_string(o.via.u64));
      out = static_cast<I>(o.via.u64);
    } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      if constexpr (!lim::is_signed)
        fail(at, "has out-of-range value " + std::to_string(o.via.i64));
      else if (o.via.i64 < static_cast<int64_t>(lim::min()))
        fail(at, "has out-of-range value " + std::to_string(o.via.i64));
      out = static_cast<I>(o.via.i64);
    } else {
      wrong_type(o, at, "int");
    }
  }

  template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  void read(const msgpack::object& o, const field_path& at, E& out) const {
    if (o.type != msgpack::type::POSITIVE_INTEGER)
      wrong_type(o, at, "uint");
    if (o.via.u64 > static_cast<uint64_t>(last_value(E{})))
      fail(at, "has out-of-range value " + std::to_string(o.via.u64));
    out = static_cast<E>(o.via.u64);
  }

  template <class T>
  void read(const msgpack::object& o, const field_path& at, std::optional<T>& out) const {
    if (o.type == msgpack::type::NIL) {
      out.reset();
      return;
    }
    T v{};
    read(o, at, v);
    out = std::move(v);
  }

  template <class T>
  void read(const msgpack::object& o, const field_path& at, std::vector<T>& out) const {
    if (o.type != msgpack::type::ARRAY)
      wrong_type(o, at, "array");
    out.clear();
    out.reserve(o.via.array.size); // bounded by the unpack limits
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      auto index = std::to_string(i);
      field_path child{&at, index, true};
      T v{};
      read(o.via.array.ptr[i], child, v);
      out.push_back(std::move(v));
    }
  }

  template <class V>
  void read(const msgpack::object& o, const field_path& at, std::map<std::string, V>& out) const {
    if (o.type != msgpack::type::MAP)
      wrong_type(o, at, "map");
    out.clear();
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      auto key = key_of(kv.key, at);
      field_path child{&at, key, true};
      V v{};
      read(kv.val, child, v);
      out.insert_or_assign(std::string{key}, std::move(v));
    }
  }

  void read(const msgpack::object& o, const field_path& at,
            std::pair<std::string, std::string>& out) const;

  template <class S, std::enable_if_t<has_fields<S>::value, int> = 0>
  void read(const msgpack::object& o, const field_path& at, S& out) const {
    if (o.type != msgpack::type::MAP)
      wrong_type(o, at, "map");
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      auto key = key_of(kv.key, at);
      // Unknown keys match no field and are skipped: a newer writer may have added them.
      fields_of(out, [&](const char* name, auto& member) {
        if (key == name) {
          field_path child{&at, key, false};
          this->read(kv.val, child, member);
        }
      });
    }
  }

private:
  /// A map key as a string; maps written by us only ever have string keys.
  std::string_view key_of(const msgpack::object& k, const field_path& at) const;

  const char* record_;
};

} // namespace ever::storage::detail
