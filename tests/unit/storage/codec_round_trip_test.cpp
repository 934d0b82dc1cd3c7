// Every record type survives encode/decode with a distinct non-default value in every field.

#include "storage/codec.hpp"
#include "unit/storage/record_samples.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace ever;
using namespace ever::test;

namespace {

/// Every compared leaf of `sample` differs from the default, so a dropped field cannot hide.
template <class T>
void check_all_fields_set(const T& sample) {
  auto d = diff(sample, T{});
  INFO("fields still at their default: " << (d.compared.size() - d.differing.size()));
  for (const auto& f : d.compared) {
    INFO("field " << f);
    CHECK(std::find(d.differing.begin(), d.differing.end(), f) != d.differing.end());
  }
}

template <class T>
void check_round_trip(const T& sample) {
  auto bytes = storage::encode(sample);
  auto back = storage::decode<T>(bytes);
  REQUIRE(back);
  auto d = diff(sample, *back);
  CHECK(d.compared.size() > 0);
  for (const auto& f : d.differing)
    FAIL_CHECK("field differs after round trip: " << f);
  CHECK(storage::encode(*back) == bytes); // deterministic: std::map keeps key order
}

} // namespace

TEST_CASE("samples set every field, nested structs included") {
  check_all_fields_set(sample_key_ref());
  check_all_fields_set(sample_value_source());
  check_all_fields_set(sample_env_var());
  check_all_fields_set(sample_volume_spec());
  check_all_fields_set(sample_resource_spec());
  check_all_fields_set(sample_decorator_spec());
  check_all_fields_set(sample_autoscaler_spec());
  check_all_fields_set(sample_queue_spec());
  check_all_fields_set(sample_app_spec());
  check_all_fields_set(sample_app_record());
  check_all_fields_set(sample_config_record());
  check_all_fields_set(sample_worker_record());
  check_all_fields_set(sample_queue_entry_record());
  check_all_fields_set(sample_decision_record());
  check_all_fields_set(sample_event_record());
}

TEST_CASE("every record type round-trips field by field") {
  SECTION("app_record") { check_round_trip(sample_app_record()); }
  SECTION("config_record") { check_round_trip(sample_config_record()); }
  SECTION("worker_record") { check_round_trip(sample_worker_record()); }
  SECTION("queue_entry_record") { check_round_trip(sample_queue_entry_record()); }
  SECTION("decision_record") { check_round_trip(sample_decision_record()); }
  SECTION("event_record") { check_round_trip(sample_event_record()); }
}

TEST_CASE("default records round-trip") {
  check_round_trip(app_record{});
  check_round_trip(config_record{});
  check_round_trip(worker_record{});
  check_round_trip(queue_entry_record{});
  check_round_trip(decision_record{});
  check_round_trip(event_record{});
}

TEST_CASE("the comparison notices a changed nested field") {
  // Guards the test helper itself: a difference deep inside the spec must be reported by path.
  auto a = sample_app_record();
  auto b = a;
  b.spec.autoscaler.factor_decorators[0].arguments["start"].ref->key = "other";
  auto d = diff(a, b);
  REQUIRE(d.differing.size() == 1);
  CHECK(d.differing[0] == "spec.autoscaler.factor_decorators[0].arguments[start].ref.key");
}
