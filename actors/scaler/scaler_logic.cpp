#include "actors/scaler/scaler_logic.hpp"

#include "actors/policy/factors_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace ever::scaler {

namespace {

policy::queue_counts to_policy(const queue::queue_counts& c) {
  policy::queue_counts out;
  out[policy::queue_cause::queue_due_busy] = c.worker_busy;
  out[policy::queue_cause::queue_due_session] = c.session;
  out[policy::queue_cause::not_dispatch] = c.not_dispatch;
  return out;
}

expected<policy::raw_arguments> resolve_map(const std::map<std::string, value_source>& args,
                                            const std::string& ns, const config_snapshot& configs,
                                            const std::string& where) {
  policy::raw_arguments out;
  for (const auto& [name, value] : args) {
    auto v = resolve_value(value, ns, configs);
    if (!v)
      return make_error(code_of(v.error()), where + " argument " + name + ": "
                                              + message_of(v.error()));
    out[name] = std::move(*v);
  }
  return out;
}

expected<std::vector<policy::decorator_call>>
resolve_decorators(const std::vector<decorator_spec>& specs, const std::string& ns,
                   const config_snapshot& configs) {
  std::vector<policy::decorator_call> out;
  for (const auto& d : specs) {
    auto args = resolve_map(d.arguments, ns, configs, "decorator " + d.name);
    if (!args)
      return args.error();
    out.push_back({d.name, std::move(*args)});
  }
  return out;
}

/// The manual autoscaler keeps exactly default_worker_num workers; it removes idle Free workers
/// newest first and never a busy one.
policy::decision_output decide_manual(int64_t desired, const policy::factors& f) {
  policy::decision_output out;
  out.result.max_workers = desired;
  out.arguments["default_worker_num"] = desired;
  auto n = static_cast<int64_t>(f.workers.size());
  if (n < desired) {
    out.result.actions.push_back({policy::action::kind_t::scale_up, desired - n, {}});
    out.reason = "manual: " + std::to_string(n) + " workers < " + std::to_string(desired)
                 + ", scale up " + std::to_string(desired - n);
    return out;
  }
  auto workers = f.workers;
  std::stable_sort(workers.begin(), workers.end(),
                   [](const auto& a, const auto& b) { return a.started_at > b.started_at; });
  int64_t excess = n - desired;
  for (const auto& w : workers) {
    if (excess == 0)
      break;
    if (w.status == policy::worker_state::free && w.number_of_sessions == 0) {
      out.result.actions.push_back({policy::action::kind_t::scale_down, 0, w.worker_id});
      --excess;
    }
  }
  out.reason = out.result.actions.empty()
                 ? "manual: " + std::to_string(n) + " workers, want " + std::to_string(desired)
                 : "manual: " + std::to_string(n) + " workers > " + std::to_string(desired)
                     + ", scale down " + std::to_string(out.result.actions.size());
  return out;
}

} // namespace

void history_ring::push(time_ms at, const policy::queue_counts& q,
                        const policy::worker_counts& w) {
  samples_.push_back({at, q, w});
  while (samples_.size() > capacity_)
    samples_.pop_front();
}

void history_ring::fill(policy::factors& f, time_ms now) const {
  for (const auto& s : samples_) {
    int64_t ago = std::max<int64_t>(0, (now - s.at + 500) / 1000);
    f.queue_histories[ago] = s.q;
    f.worker_histories[ago] = s.w;
  }
}

std::string history_key(const std::string& ns, const std::string& app) {
  return "history/" + ns + "/" + app;
}

namespace {
template <class Enum>
nlohmann::json counts_json(const std::map<Enum, int64_t>& m) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : m)
    out[policy::to_string(k)] = v;
  return out;
}

template <class Enum>
bool counts_from(const nlohmann::json& j, std::initializer_list<Enum> keys, std::map<Enum, int64_t>& out) {
  if (!j.is_object())
    return false;
  for (auto k : keys) {
    auto it = j.find(policy::to_string(k));
    if (it == j.end())
      continue;
    if (!it->is_number_integer())
      return false;
    out[k] = it->template get<int64_t>();
  }
  return true;
}
} // namespace

std::string history_ring::to_json() const {
  auto arr = nlohmann::json::array();
  for (const auto& s : samples_)
    arr.push_back({{"at", s.at}, {"queue", counts_json(s.q)}, {"worker", counts_json(s.w)}});
  return arr.dump();
}

expected<history_ring> history_ring::from_json(std::string_view text, size_t capacity) {
  auto bad = [] { return make_error(errc::corrupt_record, "scaler history: not a list of samples"); };
  if (text.size() > 64 * 1024)
    return bad(); // a handful of samples is a few hundred bytes
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return bad();
  history_ring ring{capacity};
  for (const auto& s : j) {
    sample smp{};
    if (!s.is_object() || !s.contains("at") || !s["at"].is_number_integer())
      return bad();
    smp.at = s["at"].get<time_ms>();
    using qc = policy::queue_cause;
    using ws = policy::worker_state;
    if (!counts_from(s.value("queue", nlohmann::json::object()),
                     {qc::not_dispatch, qc::queue_due_busy, qc::queue_due_session}, smp.q)
        || !counts_from(s.value("worker", nlohmann::json::object()),
                        {ws::inflight, ws::free, ws::busy}, smp.w))
      return bad();
    ring.push(smp.at, smp.q, smp.w);
  }
  return ring;
}

policy::factors build_factors(const app_snapshot& snap, const history_ring& histories,
                              time_ms now) {
  policy::factors f;
  f.queue = to_policy(snap.queue);
  policy::worker_counts summary{{policy::worker_state::inflight, 0},
                                {policy::worker_state::free, 0},
                                {policy::worker_state::busy, 0}};
  // Newest first, to the millisecond: the policy sorts by started_at in whole seconds (stable),
  // so within one second this order decides which worker counts as the newest.
  std::vector<const queue::slot*> order;
  for (const auto& s : snap.workers)
    order.push_back(&s);
  auto started = [](const queue::slot* s) {
    return s->phase == queue::slot_phase::starting ? s->created_at : s->started_at;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto* a, const auto* b) { return started(a) > started(b); });
  for (const auto* sp : order) {
    const auto& s = *sp;
    if (s.phase == queue::slot_phase::draining)
      continue;
    policy::worker_factor w;
    w.worker_id = s.worker_id;
    w.region = "local";
    if (s.phase == queue::slot_phase::starting) {
      w.status = policy::worker_state::inflight;
      w.started_at = s.created_at / 1000;
      w.last_service_time = s.created_at / 1000;
    } else {
      w.status = s.in_flight > 0 ? policy::worker_state::busy : policy::worker_state::free;
      w.started_at = s.started_at / 1000;
      w.last_service_time = s.last_service_at / 1000;
    }
    w.number_of_successes = static_cast<int64_t>(s.success_count);
    w.number_of_failures = static_cast<int64_t>(s.failure_count);
    w.number_of_sessions = s.sessions;
    ++summary[w.status];
    f.workers.push_back(std::move(w));
  }
  f.worker = summary;
  // Requests being served (Ever's `in_flight` factor), over the listed workers only: a draining
  // worker is left out of `workers`, so its last requests are not demand either.
  int64_t in_flight = 0;
  for (const auto& s : snap.workers)
    if (s.phase != queue::slot_phase::draining)
      in_flight += s.in_flight;
  f.in_flight = in_flight;
  histories.fill(f, now);
  return f;
}

expected<policy::decision_input> resolve_input(const autoscaler_spec& spec, const std::string& ns,
                                               const config_snapshot& configs) {
  policy::decision_input in;
  in.policy = spec.name;
  auto args = resolve_map(spec.arguments, ns, configs, "autoscaler");
  if (!args)
    return args.error();
  in.arguments = std::move(*args);
  auto fd = resolve_decorators(spec.factor_decorators, ns, configs);
  if (!fd)
    return fd.error();
  in.factor_decorators = std::move(*fd);
  auto ad = resolve_decorators(spec.argument_decorators, ns, configs);
  if (!ad)
    return ad.error();
  in.argument_decorators = std::move(*ad);
  return in;
}

expected<scaler_decision> decide(const autoscaler_spec& spec, const std::string& ns,
                                 const config_snapshot& configs, const app_snapshot& snap,
                                 const history_ring& histories, time_ms now) {
  scaler_decision d;
  d.factors = build_factors(snap, histories, now);
  if (spec.kind == autoscaler_spec::kind_t::manual) {
    d.policy = "manual";
    d.output = decide_manual(spec.default_worker_num, d.factors);
    return d;
  }
  auto in = resolve_input(spec, ns, configs);
  if (!in)
    return in.error();
  in->input = std::move(d.factors); // lent to the policy, not copied (decided on every change)
  in->now = now;
  d.policy = in->policy;
  auto out = policy::decide(*in);
  d.factors = std::move(*in->input);
  if (!out)
    return out.error();
  d.output = std::move(*out);
  scale_from_zero(d.output, d.factors, snap.paused);
  return d;
}

void scale_from_zero(policy::decision_output& out, const policy::factors& f, bool paused) {
  // Nobody to serve a waiting request and no worker starting (§16.6).
  int64_t waiting = 0;
  if (f.queue)
    for (const auto& [cause, n] : *f.queue)
      waiting += n;
  if (out.result.actions.empty() && f.workers.empty() && !paused
      && out.result.max_workers >= 1 && waiting > 0) {
    out.result.actions.push_back({policy::action::kind_t::scale_up, 1, {}});
    out.reason = "scale from zero: " + std::to_string(waiting)
                 + " request(s) waiting and no worker: scale up 1";
  }
}

expected<policy::decision_output> replay(const decision_record& r) {
  auto f = policy::factors_from_json(r.factors_json);
  if (!f)
    return f.error();
  policy::decision_output out;
  if (r.policy == "manual") {
    auto it = r.arguments.find("default_worker_num");
    out = decide_manual(it == r.arguments.end() ? 1 : it->second, *f);
  } else {
    policy::decision_input in;
    in.policy = r.policy;
    for (const auto& [name, value] : r.arguments)
      in.arguments[name] = std::to_string(value);
    in.input = *f;
    in.now = r.at;
    auto d = policy::decide(in);
    if (!d)
      return d.error();
    out = std::move(*d);
  }
  scale_from_zero(out, *f, false); // a paused app records no decisions
  return out;
}

decision_record to_record(const scaler_decision& d, time_ms now) {
  decision_record r;
  r.at = now;
  r.policy = d.policy;
  r.arguments = d.output.arguments;
  r.factors_json = policy::to_json(d.factors);
  r.result_json = policy::to_json(d.output.result);
  r.reason = d.output.reason;
  return r;
}

} // namespace ever::scaler
