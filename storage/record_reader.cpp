#include "storage/record_reader.hpp"

#include <algorithm>

namespace ever::storage::detail {

std::string field_path::render() const {
  std::vector<const field_path*> chain;
  for (auto* p = this; p != nullptr && p->parent != nullptr; p = p->parent)
    chain.push_back(p); // the root (no parent) is the payload itself and has no name
  std::reverse(chain.begin(), chain.end());
  std::string out;
  for (auto* p : chain) {
    if (p->element) {
      out.append(1, '[').append(p->name).append(1, ']');
    } else {
      if (!out.empty())
        out.append(1, '.');
      out.append(p->name);
    }
  }
  return out;
}

const char* type_name(msgpack::type::object_type t) {
  switch (t) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "bool";
    case msgpack::type::POSITIVE_INTEGER: return "uint";
    case msgpack::type::NEGATIVE_INTEGER: return "int";
    case msgpack::type::FLOAT32: return "float32";
    case msgpack::type::FLOAT64: return "float64";
    case msgpack::type::STR: return "str";
    case msgpack::type::BIN: return "bin";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    case msgpack::type::EXT: return "ext";
  }
  return "unknown";
}

void record_reader::fail(const field_path& at, const std::string& what) const {
  std::string msg = record_;
  auto path = at.render();
  if (path.empty())
    msg.append(": payload ");
  else
    msg.append(": field '").append(path).append("' ");
  msg.append(what);
  throw decode_failure{msg};
}

void record_reader::wrong_type(const msgpack::object& o, const field_path& at,
                               const char* want) const {
  fail(at, std::string{"has wrong type (want "} + want + ", got " + type_name(o.type) + ")");
}

void record_reader::read(const msgpack::object& o, const field_path& at, std::string& out) const {
  if (o.type != msgpack::type::STR)
    wrong_type(o, at, "str");
  out.assign(o.via.str.ptr, o.via.str.size);
}

void record_reader::read(const msgpack::object& o, const field_path& at, bool& out) const {
  if (o.type != msgpack::type::BOOLEAN)
    wrong_type(o, at, "bool");
  out = o.via.boolean;
}

void record_reader::read(const msgpack::object& o, const field_path& at, double& out) const {
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: out = o.via.f64; return;
    // Tolerated: a writer (or a hand-made record) may store a whole number as an integer.
    case msgpack::type::POSITIVE_INTEGER: out = static_cast<double>(o.via.u64); return;
    case msgpack::type::NEGATIVE_INTEGER: out = static_cast<double>(o.via.i64); return;
    default: wrong_type(o, at, "float");
  }
}

void record_reader::read(const msgpack::object& o, const field_path& at,
                         std::pair<std::string, std::string>& out) const {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 2)
    fail(at, std::string{"is not a [key, path] pair (got "} + type_name(o.type) + ")");
  field_path first{&at, "0", true};
  field_path second{&at, "1", true};
  read(o.via.array.ptr[0], first, out.first);
  read(o.via.array.ptr[1], second, out.second);
}

std::string_view record_reader::key_of(const msgpack::object& k, const field_path& at) const {
  if (k.type != msgpack::type::STR)
    fail(at, std::string{"has a map key of type "} + type_name(k.type) + ", want str");
  return {k.via.str.ptr, k.via.str.size};
}

} // namespace ever::storage::detail
