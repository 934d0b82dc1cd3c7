#pragma once
// Test helpers: records with a distinct non-default value in every field, and a field-by-field
// comparison written independently of the codec's own field list (so a field the codec forgets
// shows up as a difference).

#include "core/model.hpp"

#include <string>
#include <vector>

namespace ever::test {

/// Leaf fields visited by a comparison, and those that differed.
struct field_diff {
  std::vector<std::string> compared;
  std::vector<std::string> differing;

  /// Records one leaf.
  void leaf(const std::string& path, bool equal) {
    compared.push_back(path);
    if (!equal)
      differing.push_back(path);
  }
};

void compare(field_diff& d, const std::string& path, const key_ref& a, const key_ref& b);
void compare(field_diff& d, const std::string& path, const value_source& a, const value_source& b);
void compare(field_diff& d, const std::string& path, const env_var& a, const env_var& b);
void compare(field_diff& d, const std::string& path, const volume_spec& a, const volume_spec& b);
void compare(field_diff& d, const std::string& path, const resource_spec& a,
             const resource_spec& b);
void compare(field_diff& d, const std::string& path, const decorator_spec& a,
             const decorator_spec& b);
void compare(field_diff& d, const std::string& path, const autoscaler_spec& a,
             const autoscaler_spec& b);
void compare(field_diff& d, const std::string& path, const queue_spec& a, const queue_spec& b);
void compare(field_diff& d, const std::string& path, const app_spec& a, const app_spec& b);
void compare(field_diff& d, const std::string& path, const app_record& a, const app_record& b);
void compare(field_diff& d, const std::string& path, const config_record& a,
             const config_record& b);
void compare(field_diff& d, const std::string& path, const worker_record& a,
             const worker_record& b);
void compare(field_diff& d, const std::string& path, const queue_entry_record& a,
             const queue_entry_record& b);
void compare(field_diff& d, const std::string& path, const decision_record& a,
             const decision_record& b);
void compare(field_diff& d, const std::string& path, const event_record& a,
             const event_record& b);

/// Compares two values of any compared type; returns the visited and differing leaves.
template <class T>
field_diff diff(const T& a, const T& b) {
  field_diff d;
  compare(d, "", a, b);
  return d;
}

key_ref sample_key_ref();
value_source sample_value_source();
env_var sample_env_var();
volume_spec sample_volume_spec();
resource_spec sample_resource_spec();
decorator_spec sample_decorator_spec();
autoscaler_spec sample_autoscaler_spec();
queue_spec sample_queue_spec();
app_spec sample_app_spec();
app_record sample_app_record();
config_record sample_config_record();
worker_record sample_worker_record();
queue_entry_record sample_queue_entry_record();
decision_record sample_decision_record();
event_record sample_event_record();

} // namespace ever::test
