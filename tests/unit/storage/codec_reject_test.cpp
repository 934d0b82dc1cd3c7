// decode refuses every kind of bad input with an error (never a throw or a crash), and tolerates
// what a compatible writer may do: add fields, omit fields.

#include "unit/storage/hand_packed.hpp" // first: sets the msgpack configuration

#include "storage/codec.hpp"
#include "unit/storage/record_samples.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace ever;
using namespace ever::test;
using storage::decode;

namespace {

/// Asserts `r` failed with `code`, and returns its message.
template <class T>
std::string failure(const expected<T>& r, errc code) {
  REQUIRE_FALSE(r);
  CHECK(code_of(r.error()) == code);
  return message_of(r.error());
}

/// Decodes `bytes` as every record type; none may succeed or throw.
void check_rejected_by_all(const std::string& bytes) {
  CHECK_FALSE(decode<app_record>(bytes));
  CHECK_FALSE(decode<config_record>(bytes));
  CHECK_FALSE(decode<worker_record>(bytes));
  CHECK_FALSE(decode<queue_entry_record>(bytes));
  CHECK_FALSE(decode<decision_record>(bytes));
  CHECK_FALSE(decode<event_record>(bytes));
}

/// Every strict prefix of a valid encoding is corrupt.
template <class T>
void check_truncations(const T& sample) {
  auto bytes = storage::encode(sample);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode<T>(std::string_view{bytes.data(), n});
    INFO("prefix of " << n << " of " << bytes.size() << " bytes");
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::corrupt_record);
  }
}

/// A worker envelope around a payload map with one field.
std::string worker_with(const char* field, const std::function<void(packer&)>& value) {
  return envelope("ever", 1, kind::worker, [&](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{field});
    value(pk);
  });
}

} // namespace

TEST_CASE("empty input is corrupt") {
  auto msg = failure(decode<worker_record>(""), errc::corrupt_record);
  CHECK(msg == "worker_record: empty input");
  check_rejected_by_all("");
}

TEST_CASE("random bytes never decode and never crash") {
  std::mt19937 rng{20240601};
  std::uniform_int_distribution<int> len{1, 300};
  std::uniform_int_distribution<int> byte{0, 255};
  for (int i = 0; i < 3000; ++i) {
    std::string buf(static_cast<size_t>(len(rng)), '\0');
    for (auto& c : buf)
      c = static_cast<char>(byte(rng));
    check_rejected_by_all(buf);
  }
}

TEST_CASE("random corruption of valid records never crashes") {
  // Flipped bytes may still decode (e.g. a changed letter in a string); they must never throw.
  std::mt19937 rng{7};
  auto bytes = storage::encode(sample_app_record());
  std::uniform_int_distribution<size_t> pos{0, bytes.size() - 1};
  std::uniform_int_distribution<int> byte{0, 255};
  for (int i = 0; i < 2000; ++i) {
    auto copy = bytes;
    for (int k = 0; k < 3; ++k)
      copy[pos(rng)] = static_cast<char>(byte(rng));
    auto r = decode<app_record>(copy);
    // A flip in the version byte reads as a newer format: refused too, just for another reason.
    if (!r)
      CHECK((code_of(r.error()) == errc::corrupt_record
             || code_of(r.error()) == errc::newer_format));
  }
}

TEST_CASE("every truncation of every record is corrupt") {
  check_truncations(sample_app_record());
  check_truncations(sample_config_record());
  check_truncations(sample_worker_record());
  check_truncations(sample_queue_entry_record());
  check_truncations(sample_decision_record());
  check_truncations(sample_event_record());
}

TEST_CASE("trailing bytes are corrupt") {
  auto bytes = storage::encode(sample_event_record()) + std::string{"\xc0\xc0", 2};
  auto msg = failure(decode<event_record>(bytes), errc::corrupt_record);
  CHECK(msg == "event_record: 2 trailing bytes after the record");
}

TEST_CASE("wrong magic is corrupt") {
  auto bytes = envelope("evex", 1, kind::worker, [](packer& pk) { pk.pack_map(0); });
  auto msg = failure(decode<worker_record>(bytes), errc::corrupt_record);
  CHECK_THAT(msg, Catch::Contains("bad magic"));
  // Not even an envelope: a bare map.
  auto bare = packed([](packer& pk) { pk.pack_map(0); });
  CHECK_THAT(failure(decode<worker_record>(bare), errc::corrupt_record),
             Catch::Contains("not a record envelope"));
}

TEST_CASE("a record of another kind is corrupt") {
  auto msg = failure(decode<worker_record>(storage::encode(sample_app_record())),
                     errc::corrupt_record);
  CHECK(msg == "worker_record: record kind 1 (app_record), want 3 (worker_record)");
  failure(decode<config_record>(storage::encode(sample_event_record())), errc::corrupt_record);
  failure(decode<event_record>(storage::encode(sample_decision_record())), errc::corrupt_record);
}

TEST_CASE("a newer format version is refused, however the rest looks") {
  auto bytes = envelope("ever", 2, kind::worker, [](packer& pk) { pk.pack_map(0); });
  auto msg = failure(decode<worker_record>(bytes), errc::newer_format);
  CHECK(msg == "worker_record: record written by format version 2, this build reads up to 1");
  // A newer writer may change the envelope or payload shape: still newer_format, not corrupt.
  auto odd = packed([](packer& pk) {
    pk.pack_array(6);
    pk.pack(std::string{"ever"});
    pk.pack(uint64_t{1} << 40);
    pk.pack(std::string{"kind-as-string"});
    pk.pack_nil();
    pk.pack_nil();
    pk.pack_nil();
  });
  failure(decode<app_record>(odd), errc::newer_format);
}

TEST_CASE("malformed envelopes are corrupt") {
  auto no_version = packed([](packer& pk) {
    pk.pack_array(1);
    pk.pack(std::string{"ever"});
  });
  CHECK_THAT(failure(decode<event_record>(no_version), errc::corrupt_record),
             Catch::Contains("no format version"));
  auto version_zero = envelope("ever", 0, kind::event, [](packer& pk) { pk.pack_map(0); });
  CHECK_THAT(failure(decode<event_record>(version_zero), errc::corrupt_record),
             Catch::Contains("version 0"));
  auto three = packed([](packer& pk) {
    pk.pack_array(3);
    pk.pack(std::string{"ever"});
    pk.pack(1);
    pk.pack(kind::event);
  });
  CHECK_THAT(failure(decode<event_record>(three), errc::corrupt_record),
             Catch::Contains("3 elements"));
  auto payload_not_map = envelope("ever", 1, kind::event, [](packer& pk) { pk.pack_array(0); });
  CHECK(failure(decode<event_record>(payload_not_map), errc::corrupt_record)
        == "event_record: payload has wrong type (want map, got array)");
}

TEST_CASE("out-of-range enums are corrupt") {
  auto status = worker_with("status", [](packer& pk) { pk.pack(7); });
  CHECK(failure(decode<worker_record>(status), errc::corrupt_record)
        == "worker_record: field 'status' has out-of-range value 7");
  auto bad_detail = worker_with("detail", [](packer& pk) { pk.pack(5); });
  failure(decode<worker_record>(bad_detail), errc::corrupt_record);
  auto negative = worker_with("status", [](packer& pk) { pk.pack(-1); });
  failure(decode<worker_record>(negative), errc::corrupt_record);

  auto bad_app_status = envelope("ever", 1, kind::app, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"status"});
    pk.pack(3);
  });
  failure(decode<app_record>(bad_app_status), errc::corrupt_record);
  auto bad_event_type = envelope("ever", 1, kind::event, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"type"});
    pk.pack(2);
  });
  failure(decode<event_record>(bad_event_type), errc::corrupt_record);
  auto reason = envelope("ever", 1, kind::queue_entry, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"reason"});
    pk.pack(3);
  });
  failure(decode<queue_entry_record>(reason), errc::corrupt_record);

  // Deep inside the spec the message gives the whole path.
  auto nested = envelope("ever", 1, kind::app, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"spec"});
    pk.pack_map(1);
    pk.pack(std::string{"env"});
    pk.pack_array(1);
    pk.pack_map(1);
    pk.pack(std::string{"value"});
    pk.pack_map(1);
    pk.pack(std::string{"ref"});
    pk.pack_map(1);
    pk.pack(std::string{"kind"});
    pk.pack(9);
  });
  CHECK(failure(decode<app_record>(nested), errc::corrupt_record)
        == "app_record: field 'spec.env[0].value.ref.kind' has out-of-range value 9");
  auto scaler_kind = envelope("ever", 1, kind::app, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"spec"});
    pk.pack_map(1);
    pk.pack(std::string{"autoscaler"});
    pk.pack_map(1);
    pk.pack(std::string{"kind"});
    pk.pack(3);
  });
  failure(decode<app_record>(scaler_kind), errc::corrupt_record);
}

TEST_CASE("wrong field types are corrupt and named") {
  auto pid = worker_with("pid", [](packer& pk) { pk.pack(std::string{"abc"}); });
  CHECK(failure(decode<worker_record>(pid), errc::corrupt_record)
        == "worker_record: field 'pid' has wrong type (want int, got str)");
  auto port = worker_with("port", [](packer& pk) { pk.pack(70000); });
  CHECK(failure(decode<worker_record>(port), errc::corrupt_record)
        == "worker_record: field 'port' has out-of-range value 70000");
  auto count = worker_with("success_count", [](packer& pk) { pk.pack(-3); });
  CHECK_THAT(failure(decode<worker_record>(count), errc::corrupt_record),
             Catch::Contains("'success_count' has out-of-range value -3"));
  auto id = worker_with("id", [](packer& pk) { pk.pack_nil(); });
  CHECK_THAT(failure(decode<worker_record>(id), errc::corrupt_record),
             Catch::Contains("'id' has wrong type (want str, got nil)"));
  auto labels = envelope("ever", 1, kind::app, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"spec"});
    pk.pack_map(1);
    pk.pack(std::string{"labels"});
    pk.pack_map(1);
    pk.pack(std::string{"tier"});
    pk.pack(3);
  });
  CHECK_THAT(failure(decode<app_record>(labels), errc::corrupt_record),
             Catch::Contains("'spec.labels[tier]' has wrong type"));
  auto int_key = envelope("ever", 1, kind::worker, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(1);
    pk.pack(1);
  });
  CHECK_THAT(failure(decode<worker_record>(int_key), errc::corrupt_record),
             Catch::Contains("map key of type uint"));
  auto item = envelope("ever", 1, kind::app, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"spec"});
    pk.pack_map(1);
    pk.pack(std::string{"volumes"});
    pk.pack_array(1);
    pk.pack_map(1);
    pk.pack(std::string{"items"});
    pk.pack_array(1);
    pk.pack_array(3); // want [key, path]
    pk.pack(std::string{"a"});
    pk.pack(std::string{"b"});
    pk.pack(std::string{"c"});
  });
  CHECK_THAT(failure(decode<app_record>(item), errc::corrupt_record),
             Catch::Contains("'spec.volumes[0].items[0]' is not a [key, path] pair"));
}

TEST_CASE("unknown fields are ignored and missing fields keep their defaults") {
  auto bytes = envelope("ever", 1, kind::worker, [](packer& pk) {
    pk.pack_map(3);
    pk.pack(std::string{"id"});
    pk.pack(std::string{"w-1"});
    pk.pack(std::string{"added_in_v1_1"});
    pk.pack_array(2);
    pk.pack_map(1);
    pk.pack(std::string{"x"});
    pk.pack(1.5);
    pk.pack_nil();
    pk.pack(std::string{"pid"});
    pk.pack(42);
  });
  auto r = decode<worker_record>(bytes);
  REQUIRE(r);
  CHECK(r->id == "w-1");
  CHECK(r->pid == 42);
  CHECK(r->ns == "default");
  CHECK(r->node == "local");
  CHECK(r->detail == worker_detail::in_flight);

  auto empty_spec = envelope("ever", 1, kind::app, [](packer& pk) { pk.pack_map(0); });
  auto app = decode<app_record>(empty_spec);
  REQUIRE(app);
  CHECK(app->spec.autoscaler.name == "simple");
  CHECK(app->spec.queue.max_length == 1000);
  CHECK(app->revision == 1);
}

TEST_CASE("nesting beyond the depth limit is corrupt") {
  std::string deep(200, '\x91'); // 200 arrays of one element each
  deep.push_back('\xc0');
  check_rejected_by_all(deep);
  CHECK_THAT(failure(decode<app_record>(deep), errc::corrupt_record), Catch::Contains("deeper"));

  // The same inside a valid envelope, under a field we do not even know.
  auto inside = envelope("ever", 1, kind::worker, [](packer& pk) {
    pk.pack_map(1);
    pk.pack(std::string{"unknown"});
    for (int i = 0; i < 100; ++i)
      pk.pack_array(1);
    pk.pack_nil();
  });
  CHECK_THAT(failure(decode<worker_record>(inside), errc::corrupt_record),
             Catch::Contains("deeper"));
}

TEST_CASE("oversized declarations and unused msgpack types are corrupt") {
  // An array32 header claiming 4 billion elements in 5 bytes: refused before any allocation.
  auto huge_array = std::string{"\xdd\xff\xff\xff\xff", 5};
  CHECK_THAT(failure(decode<worker_record>(huge_array), errc::corrupt_record),
             Catch::Contains("array"));
  auto huge_map = std::string{"\xdf\x00\x10\x00\x00", 5};
  CHECK_THAT(failure(decode<worker_record>(huge_map), errc::corrupt_record),
             Catch::Contains("map"));
  auto huge_str = std::string{"\xdb\x7f\xff\xff\xff", 5};
  failure(decode<worker_record>(huge_str), errc::corrupt_record);
  auto ext = worker_with("id", [](packer& pk) {
    pk.pack_ext(1, 5);
    pk.pack_ext_body("x", 1);
  });
  CHECK_THAT(failure(decode<worker_record>(ext), errc::corrupt_record), Catch::Contains("ext"));
  auto invalid_byte = std::string{"\xc1", 1}; // never used by msgpack
  CHECK_THAT(failure(decode<worker_record>(invalid_byte), errc::corrupt_record),
             Catch::Contains("malformed"));
}
