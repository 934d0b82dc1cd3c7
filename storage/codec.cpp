#include "storage/codec.hpp"

#include "storage/record_reader.hpp"
#include "storage/record_writer.hpp"

#include <msgpack.hpp>

#include <algorithm>
#include <new>

namespace ever::storage {

namespace {

constexpr std::string_view magic = "ever";

// Decode limits. Items are also capped by the input size (an element takes at least one byte),
// so a short hostile input cannot make msgpack preallocate a huge array.
constexpr size_t max_items = 100'000;
constexpr size_t max_bytes = 16u << 20; // str and bin
constexpr size_t max_depth = 32;        // records nest about 10 deep

/// The envelope kind and the display name of each record type. Kinds are on disk: never reuse.
template <class T>
struct record_traits;
template <>
struct record_traits<app_record> {
  static constexpr uint8_t kind = 1;
  static constexpr const char* name = "app_record";
};
template <>
struct record_traits<config_record> {
  static constexpr uint8_t kind = 2;
  static constexpr const char* name = "config_record";
};
template <>
struct record_traits<worker_record> {
  static constexpr uint8_t kind = 3;
  static constexpr const char* name = "worker_record";
};
template <>
struct record_traits<queue_entry_record> {
  static constexpr uint8_t kind = 4;
  static constexpr const char* name = "queue_entry_record";
};
template <>
struct record_traits<decision_record> {
  static constexpr uint8_t kind = 5;
  static constexpr const char* name = "decision_record";
};
template <>
struct record_traits<event_record> {
  static constexpr uint8_t kind = 6;
  static constexpr const char* name = "event_record";
};

const char* kind_name(uint64_t kind) {
  switch (kind) {
    case 1: return record_traits<app_record>::name;
    case 2: return record_traits<config_record>::name;
    case 3: return record_traits<worker_record>::name;
    case 4: return record_traits<queue_entry_record>::name;
    case 5: return record_traits<decision_record>::name;
    case 6: return record_traits<event_record>::name;
    default: return "unknown record";
  }
}

template <class T>
std::string encode_record(const T& r) {
  msgpack::sbuffer buf;
  detail::record_writer w{buf};
  auto& pk = w.packer();
  pk.pack_array(4);
  pk.pack_str(static_cast<uint32_t>(magic.size()));
  pk.pack_str_body(magic.data(), static_cast<uint32_t>(magic.size()));
  pk.pack(format_version);
  pk.pack(record_traits<T>::kind);
  w.write(r);
  return std::string{buf.data(), buf.size()};
}

/// Names the msgpack failure being handled; call only inside a catch block.
std::string describe_current_exception() {
  try {
    throw;
  } catch (const msgpack::insufficient_bytes&) {
    return "truncated: the bytes end inside a value";
  } catch (const msgpack::depth_size_overflow&) {
    return "nested deeper than " + std::to_string(max_depth) + " levels";
  } catch (const msgpack::array_size_overflow&) {
    return "an array is longer than the limit or than the input";
  } catch (const msgpack::map_size_overflow&) {
    return "a map is larger than the limit or than the input";
  } catch (const msgpack::str_size_overflow&) {
    return "a string is longer than " + std::to_string(max_bytes) + " bytes";
  } catch (const msgpack::bin_size_overflow&) {
    return "a binary is longer than " + std::to_string(max_bytes) + " bytes";
  } catch (const msgpack::ext_size_overflow&) {
    return "contains a msgpack ext value, which records never use";
  } catch (const msgpack::parse_error&) {
    return "malformed msgpack (invalid type byte)";
  } catch (const msgpack::type_error&) {
    return "a value has an unexpected msgpack type";
  } catch (const std::bad_alloc&) {
    return "out of memory while decoding";
  } catch (const std::exception& e) {
    return std::string{"decode failed: "} + e.what();
  } catch (...) {
    return "decode failed with an unknown exception";
  }
}

template <class T>
expected<T> decode_record(std::string_view bytes) {
  using traits = record_traits<T>;
  const std::string name = traits::name;
  auto corrupt = [&](const std::string& what) { throw detail::decode_failure{name + ": " + what}; };
  if (bytes.empty())
    corrupt("empty input");
  msgpack::unpack_limit limit{std::min(max_items, bytes.size()),
                              std::min(max_items, bytes.size() / 2),
                              max_bytes,
                              max_bytes,
                              0, // no ext: records never use it
                              max_depth};
  size_t off = 0;
  auto handle = msgpack::unpack(bytes.data(), bytes.size(), off, nullptr, nullptr, limit);
  if (off != bytes.size())
    corrupt(std::to_string(bytes.size() - off) + " trailing bytes after the record");
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::ARRAY)
    corrupt(std::string{"not a record envelope (want array, got "} + detail::type_name(root.type)
            + ")");
  const auto& env = root.via.array;
  if (env.size < 1 || env.ptr[0].type != msgpack::type::STR
      || std::string_view{env.ptr[0].via.str.ptr, env.ptr[0].via.str.size} != magic)
    corrupt("bad magic (not an Ever record)");
  if (env.size < 2 || env.ptr[1].type != msgpack::type::POSITIVE_INTEGER)
    corrupt("envelope has no format version");
  auto version = env.ptr[1].via.u64;
  // Refused, never half-read: a newer writer may have changed what the fields mean.
  if (version > format_version)
    return make_error(errc::newer_format,
                      name + ": record written by format version " + std::to_string(version)
                        + ", this build reads up to " + std::to_string(format_version));
  if (version == 0)
    corrupt("format version 0 does not exist");
  if (env.size != 4)
    corrupt("envelope has " + std::to_string(env.size) + " elements, want 4");
  if (env.ptr[2].type != msgpack::type::POSITIVE_INTEGER)
    corrupt("envelope has no record kind");
  auto kind = env.ptr[2].via.u64;
  if (kind != traits::kind)
    corrupt("record kind " + std::to_string(kind) + " (" + kind_name(kind) + "), want "
            + std::to_string(traits::kind) + " (" + name + ")");
  T out{};
  detail::record_reader reader{traits::name};
  detail::field_path payload;
  reader.read(env.ptr[3], payload, out);
  return out;
}

} // namespace

std::string encode(const app_record& r) { return encode_record(r); }
std::string encode(const config_record& r) { return encode_record(r); }
std::string encode(const worker_record& r) { return encode_record(r); }
std::string encode(const queue_entry_record& r) { return encode_record(r); }
std::string encode(const decision_record& r) { return encode_record(r); }
std::string encode(const event_record& r) { return encode_record(r); }

template <class T>
expected<T> decode(std::string_view bytes) {
  // The one boundary where msgpack exceptions and our own decode_failure become errors.
  try {
    return decode_record<T>(bytes);
  } catch (const detail::decode_failure& e) {
    return make_error(errc::corrupt_record, e.what());
  } catch (...) {
    return make_error(errc::corrupt_record,
                      std::string{record_traits<T>::name} + ": " + describe_current_exception());
  }
}

template expected<app_record> decode<app_record>(std::string_view);
template expected<config_record> decode<config_record>(std::string_view);
template expected<worker_record> decode<worker_record>(std::string_view);
template expected<queue_entry_record> decode<queue_entry_record>(std::string_view);
template expected<decision_record> decode<decision_record>(std::string_view);
template expected<event_record> decode<event_record>(std::string_view);

} // namespace ever::storage
