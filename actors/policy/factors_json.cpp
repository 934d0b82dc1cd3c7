#include "actors/policy/factors_json.hpp"

#include "actors/policy/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace ever::policy {

namespace {

using json = nlohmann::json;
// Output keeps the field order of the wire format (§1.2, §1.3) for readable logs.
using ordered = nlohmann::ordered_json;

caf::error field_error(const std::string& path, const std::string& what) {
  return make_error(errc::invalid_argument, path + ": " + what);
}

caf::error type_error(const std::string& path, const char* expected_type, const json& v) {
  return field_error(path, std::string("expected ") + expected_type + ", got " + v.type_name());
}

expected<int64_t> get_int(const json& v, const std::string& path) {
  if (!v.is_number_integer())
    return type_error(path, "an integer", v);
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return field_error(path, "integer out of range");
  return v.get<int64_t>();
}

expected<std::string> get_string(const json& v, const std::string& path) {
  if (!v.is_string())
    return type_error(path, "a string", v);
  return v.get<std::string>();
}

std::optional<queue_cause> queue_cause_from(const std::string& s) {
  for (auto c : {queue_cause::not_dispatch, queue_cause::queue_due_busy,
                 queue_cause::queue_due_session})
    if (s == to_string(c))
      return c;
  return std::nullopt;
}

std::optional<worker_state> worker_state_from(const std::string& s) {
  for (auto w : {worker_state::inflight, worker_state::free, worker_state::busy})
    if (s == to_string(w))
      return w;
  return std::nullopt;
}

template <class Key>
using key_parser = std::optional<Key> (*)(const std::string&);

// {"QueueDueBusy": 3, ...} or {"Free": 1, ...}; `what` names the enum in errors.
template <class Key>
expected<std::map<Key, int64_t>> get_counts(const json& v, const std::string& path,
                                            key_parser<Key> parse_key, const char* what) {
  if (!v.is_object())
    return type_error(path, "an object", v);
  std::map<Key, int64_t> out;
  for (const auto& [name, count] : v.items()) {
    auto key = parse_key(name);
    if (!key)
      return field_error(path, std::string("unknown ") + what + " '" + name + "'");
    auto n = get_int(count, path + "." + name);
    if (!n)
      return n.error();
    out[*key] = *n;
  }
  return out;
}

// {"10": {...}, "30": {...}}: keys are seconds ago as decimal strings.
template <class Key>
expected<std::map<int64_t, std::map<Key, int64_t>>>
get_histories(const json& v, const std::string& path, key_parser<Key> parse_key,
              const char* what) {
  if (!v.is_object())
    return type_error(path, "an object", v);
  std::map<int64_t, std::map<Key, int64_t>> out;
  for (const auto& [name, counts] : v.items()) {
    auto seconds = parse_int_argument(path + " key", name);
    if (!seconds)
      return seconds.error();
    auto c = get_counts(counts, path + "." + name, parse_key, what);
    if (!c)
      return c.error();
    out[*seconds] = std::move(*c);
  }
  return out;
}

// Fields that decide a scale-down are required; the rest default like an idle new worker.
expected<worker_factor> get_worker(const json& v, const std::string& path) {
  if (!v.is_object())
    return type_error(path, "an object", v);
  worker_factor w;
  auto require = [&](const char* name) -> const json* {
    auto it = v.find(name);
    return it == v.end() || it->is_null() ? nullptr : &*it;
  };
  const json* f = nullptr;
  if (!(f = require("worker_id")))
    return field_error(path + ".worker_id", "missing");
  if (auto s = get_string(*f, path + ".worker_id"))
    w.worker_id = *s;
  else
    return s.error();
  if ((f = require("gpu_type"))) {
    auto s = get_string(*f, path + ".gpu_type");
    if (!s)
      return s.error();
    w.gpu_type = *s;
  }
  if ((f = require("region"))) {
    auto s = get_string(*f, path + ".region");
    if (!s)
      return s.error();
    w.region = *s;
  }
  struct int_field {
    const char* name;
    int64_t* target;
    bool required;
  };
  for (const auto& field : {int_field{"started_at", &w.started_at, true},
                            int_field{"last_service_time", &w.last_service_time, true},
                            int_field{"number_of_successes", &w.number_of_successes, false},
                            int_field{"number_of_failures", &w.number_of_failures, false},
                            int_field{"number_of_sessions", &w.number_of_sessions, false}}) {
    std::string field_path = path + "." + field.name;
    if (!(f = require(field.name))) {
      if (field.required)
        return field_error(field_path, "missing");
      continue;
    }
    auto n = get_int(*f, field_path);
    if (!n)
      return n.error();
    *field.target = *n;
  }
  if ((f = require("average_response_time"))) {
    if (!f->is_number())
      return type_error(path + ".average_response_time", "a number", *f);
    w.average_response_time = f->get<double>();
  }
  if (!(f = require("status")))
    return field_error(path + ".status", "missing");
  auto status = get_string(*f, path + ".status");
  if (!status)
    return status.error();
  auto state = worker_state_from(*status);
  if (!state)
    return field_error(path + ".status", "unknown worker status '" + *status + "'");
  w.status = *state;
  return w;
}

expected<json> parse_object(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return make_error(errc::invalid_argument, std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object())
    return make_error(errc::invalid_argument,
                      std::string("expected a JSON object, got ") + doc.type_name());
  return doc;
}

// A field that is absent or null.
const json* present(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it == doc.end() || it->is_null() ? nullptr : &*it;
}

expected<factors> parse_factors(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc)
    return doc.error();
  factors f;
  if (const json* v = present(*doc, "queue")) {
    auto q = get_counts<queue_cause>(*v, "queue", &queue_cause_from, "queue reason");
    if (!q)
      return q.error();
    f.queue = std::move(*q);
  }
  if (const json* v = present(*doc, "queue_histories")) {
    auto h = get_histories<queue_cause>(*v, "queue_histories", &queue_cause_from,
                                        "queue reason");
    if (!h)
      return h.error();
    f.queue_histories = std::move(*h);
  }
  if (const json* v = present(*doc, "workers")) {
    if (!v->is_array())
      return type_error("workers", "an array", *v);
    for (size_t i = 0; i < v->size(); ++i) {
      auto w = get_worker((*v)[i], "workers[" + std::to_string(i) + "]");
      if (!w)
        return w.error();
      f.workers.push_back(std::move(*w));
    }
  }
  if (const json* v = present(*doc, "worker")) {
    auto w = get_counts<worker_state>(*v, "worker", &worker_state_from, "worker status");
    if (!w)
      return w.error();
    f.worker = std::move(*w);
  }
  if (const json* v = present(*doc, "worker_histories")) {
    auto h = get_histories<worker_state>(*v, "worker_histories", &worker_state_from,
                                         "worker status");
    if (!h)
      return h.error();
    f.worker_histories = std::move(*h);
  }
  if (const json* v = present(*doc, "utilization")) {
    auto u = get_int(*v, "utilization");
    if (!u)
      return u.error();
    f.utilization = *u;
  }
  if (const json* v = present(*doc, "in_flight")) {
    auto n = get_int(*v, "in_flight");
    if (!n)
      return n.error();
    f.in_flight = *n;
  }
  return f;
}

expected<decide_result> parse_decide_result(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc)
    return doc.error();
  decide_result r;
  const json* max = present(*doc, "max_workers");
  if (!max)
    return field_error("max_workers", "missing");
  auto m = get_int(*max, "max_workers");
  if (!m)
    return m.error();
  r.max_workers = *m;
  const json* actions = present(*doc, "actions");
  if (!actions)
    return r;
  if (!actions->is_array())
    return type_error("actions", "an array", *actions);
  for (size_t i = 0; i < actions->size(); ++i) {
    std::string path = "actions[" + std::to_string(i) + "]";
    const json& a = (*actions)[i];
    if (!a.is_object())
      return type_error(path, "an object", a);
    const json* kind = present(a, "action");
    if (!kind)
      return field_error(path + ".action", "missing");
    auto name = get_string(*kind, path + ".action");
    if (!name)
      return name.error();
    action out;
    if (*name == "ScaleUp") {
      const json* count = present(a, "count");
      if (!count)
        return field_error(path + ".count", "missing");
      auto n = get_int(*count, path + ".count");
      if (!n)
        return n.error();
      out.kind = action::kind_t::scale_up;
      out.count = *n;
    } else if (*name == "ScaleDown") {
      const json* id = present(a, "worker_id");
      if (!id)
        return field_error(path + ".worker_id", "missing");
      auto s = get_string(*id, path + ".worker_id");
      if (!s)
        return s.error();
      out.kind = action::kind_t::scale_down;
      out.worker_id = *s;
    } else {
      return field_error(path + ".action", "unknown action '" + *name + "'");
    }
    r.actions.push_back(std::move(out));
  }
  return r;
}

template <class Key>
ordered counts_json(const std::map<Key, int64_t>& counts) {
  ordered out = ordered::object();
  for (const auto& [k, n] : counts)
    out[to_string(k)] = n;
  return out;
}

template <class Key>
ordered histories_json(const std::map<int64_t, std::map<Key, int64_t>>& histories) {
  ordered out = ordered::object();
  for (const auto& [seconds, counts] : histories)
    out[std::to_string(seconds)] = counts_json(counts);
  return out;
}

ordered result_json(const decide_result& r) {
  ordered actions = ordered::array();
  for (const auto& a : r.actions) {
    if (a.kind == action::kind_t::scale_up)
      actions.push_back(ordered{{"action", "ScaleUp"}, {"count", a.count}});
    else
      actions.push_back(ordered{{"action", "ScaleDown"}, {"worker_id", a.worker_id}});
  }
  return ordered{{"max_workers", r.max_workers}, {"actions", std::move(actions)}};
}

// Never throws: invalid UTF-8 in a string is replaced rather than raising type_error 316.
std::string dump(const ordered& j, int indent = -1) {
  return j.dump(indent, ' ', false, ordered::error_handler_t::replace);
}

} // namespace

expected<factors> factors_from_json(std::string_view text) {
  try {
    return parse_factors(text);
  } catch (const std::exception& e) { // e.g. bad_alloc; the parsers above do not throw otherwise
    return make_error(errc::invalid_argument, std::string("factors: ") + e.what());
  }
}

std::string to_json(const factors& f) {
  ordered out = ordered::object();
  out["queue"] = f.queue ? counts_json(*f.queue) : ordered(nullptr);
  out["queue_histories"] = histories_json(f.queue_histories);
  ordered workers = ordered::array();
  for (const auto& w : f.workers) {
    workers.push_back(ordered{
      {"worker_id", w.worker_id},
      {"gpu_type", w.gpu_type ? ordered(*w.gpu_type) : ordered(nullptr)},
      {"region", w.region},
      {"started_at", w.started_at},
      {"last_service_time", w.last_service_time},
      {"number_of_successes", w.number_of_successes},
      {"number_of_failures", w.number_of_failures},
      {"number_of_sessions", w.number_of_sessions},
      {"average_response_time", w.average_response_time},
      {"status", to_string(w.status)},
    });
  }
  out["workers"] = std::move(workers);
  out["worker"] = f.worker ? counts_json(*f.worker) : ordered(nullptr);
  out["worker_histories"] = histories_json(f.worker_histories);
  out["utilization"] = f.utilization ? ordered(*f.utilization) : ordered(nullptr);
  if (f.in_flight) // an Ever extension: absent rather than null, so old readers see §1.2 only
    out["in_flight"] = *f.in_flight;
  return dump(out);
}

expected<decide_result> decide_result_from_json(std::string_view text) {
  try {
    return parse_decide_result(text);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument, std::string("decide result: ") + e.what());
  }
}

std::string to_json(const decide_result& r) {
  return dump(result_json(r));
}

std::string to_pretty_json(const decide_result& r) {
  return dump(result_json(r), 2);
}

} // namespace ever::policy
