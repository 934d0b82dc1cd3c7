// `ever policy simulate` and `ever app decisions --replay`: the policy pipeline run offline, over
// a load trace (actors/sim) or over the decisions an app recorded.

#include "cli/internal.hpp"
#include "cli/table.hpp"

#include "actors/manifest/manifest.hpp"
#include "actors/policy/factors_json.hpp"
#include "actors/policy/pipeline.hpp"
#include "actors/scaler/scaler_logic.hpp"
#include "actors/sim/simulator.hpp"

#include <cstdio>
#include <limits>

namespace ever::cli {

namespace {

std::string seconds_cell(time_ms ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::optional<time_ms> duration_flag(context& c, const char* name, time_ms fallback,
                                     int& code) {
  auto v = c.args.last(name);
  if (!v)
    return fallback;
  auto d = sim::parse_duration(std::string("--") + name, *v);
  if (!d) {
    code = usage_error(c, message_of(d.error()));
    return std::nullopt;
  }
  return *d;
}

// Every registered policy with its parameter names, so a manifest is checked like everd does.
manifest::policy_catalog registry_catalog() {
  manifest::policy_catalog cat;
  for (const auto& name : policy::policy_names())
    if (auto params = policy::policy_parameters(name))
      for (const auto& [p, _] : *params)
        cat.policies[name].insert(p);
  for (const auto& n : policy::factor_decorator_names())
    cat.factor_decorators.insert(n);
  for (const auto& n : policy::argument_decorator_names())
    cat.argument_decorators.insert(n);
  return cat;
}

json summary_json(const sim::sim_summary& s) {
  return {{"requests", s.requests},         {"served", s.served},
          {"rejected", s.rejected},         {"timed_out", s.timed_out},
          {"wait_p50_ms", s.wait_p50_ms},   {"wait_p99_ms", s.wait_p99_ms},
          {"wait_max_ms", s.wait_max_ms},   {"worker_seconds", s.worker_seconds},
          {"decisions", s.decisions},       {"scale_ups", s.scale_ups},
          {"scale_downs", s.scale_downs},   {"max_workers", s.max_workers},
          {"duration_ms", s.duration_ms}};
}

// "ScaleUp +2", "ScaleDown w1, w2", "-", with max_workers: what a decision did, for a table cell.
std::string result_cell(const policy::decide_result& r) {
  std::string up, down;
  for (const auto& a : r.actions) {
    if (a.kind == policy::action::kind_t::scale_up)
      up += (up.empty() ? "ScaleUp +" : ", +") + std::to_string(a.count);
    else
      down += (down.empty() ? "ScaleDown " : ", ") + a.worker_id;
  }
  std::string what = up.empty() && down.empty() ? "-" : up + (up.empty() || down.empty() ? "" : " ")
                                                          + down;
  return what + " (max " + std::to_string(r.max_workers) + ")";
}

} // namespace

int run_policy_simulate(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json"}, code);
  if (!format)
    return code;

  sim::sim_config cfg;
  if (auto file = c.args.last("file")) {
    auto text = read_input(c, *file);
    if (!text)
      return fail(c, message_of(text.error()));
    auto spec = manifest::parse_manifest(*text, registry_catalog());
    if (!spec)
      return fail(c, message_of(spec.error()));
    cfg.autoscaler = spec->autoscaler;
    cfg.concurrency = spec->concurrency;
    cfg.queue_max_length = spec->queue.max_length;
    cfg.queue_wait_timeout_ms = spec->queue.wait_timeout_ms;
  } else {
    auto name = c.args.last("policy");
    if (!name)
      return usage_error(c, "--policy NAME or -f app.yaml is required");
    cfg.autoscaler.name = *name;
  }
  if (auto name = c.args.last("policy")) {
    cfg.autoscaler.kind = autoscaler_spec::kind_t::builtin;
    cfg.autoscaler.name = *name;
  }
  if (cfg.autoscaler.kind == autoscaler_spec::kind_t::builtin)
    if (auto known = policy::policy_parameters(cfg.autoscaler.name); !known)
      return usage_error(c, message_of(known.error()));
  for (const auto& kv : c.args.all("arg")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage_error(c, "--arg wants KEY=VALUE, got \"" + kv + "\"");
    value_source v;
    v.value = kv.substr(eq + 1);
    cfg.autoscaler.arguments[kv.substr(0, eq)] = v;
  }
  for (const auto& [name, v] : cfg.autoscaler.arguments)
    if (v.ref)
      return usage_error(c, "argument " + name + " refers to a ConfigMap/Secret, which simulate "
                            "does not read: give it with --arg " + name + "=VALUE");

  auto spec = c.args.last("trace");
  if (!spec)
    return usage_error(c, "--trace is required (e.g. --trace step:4@30s)");
  expected<sim::trace> tr = sim::trace{};
  if (spec->rfind("file:", 0) == 0) {
    auto text = read_input(c, spec->substr(5));
    if (!text)
      return fail(c, message_of(text.error()));
    tr = sim::parse_request_log(*text);
  } else {
    tr = sim::parse_load_shape(*spec);
  }
  if (!tr)
    return usage_error(c, message_of(tr.error()));
  cfg.load = std::move(*tr);

  auto duration = duration_flag(c, "duration", 0, code);
  auto service = duration_flag(c, "service", cfg.service_ms, code);
  auto delay = duration_flag(c, "start-delay", cfg.start_delay_ms, code);
  auto tick = duration_flag(c, "tick", cfg.tick_ms, code);
  if (!duration || !service || !delay || !tick)
    return code;
  cfg.duration_ms = *duration;
  cfg.service_ms = *service;
  cfg.start_delay_ms = *delay;
  cfg.tick_ms = *tick;
  if (cfg.tick_ms < 1)
    return usage_error(c, "--tick must be at least 1ms");
  if (c.args.has("concurrency")) {
    auto n = count_flag(c, "concurrency", code);
    if (!n)
      return code;
    if (*n < 1)
      return usage_error(c, "--concurrency must be at least 1");
    cfg.concurrency = *n;
  }
  if (c.args.has("jitter")) {
    auto n = count_flag(c, "jitter", code);
    if (!n)
      return code;
    if (*n > 100)
      return usage_error(c, "--jitter is a percentage, 0 to 100");
    cfg.jitter_pct = *n;
  }
  if (c.args.has("seed")) {
    auto n = count_flag(c, "seed", code);
    if (!n)
      return code;
    cfg.seed = static_cast<uint64_t>(*n);
  }

  auto result = sim::simulate(cfg);
  if (!result)
    return fail(c, message_of(result.error()));
  const auto& s = result->summary;
  if (*format == "json") {
    json rows = json::array();
    for (const auto& r : result->timeline)
      rows.push_back({{"t_ms", r.t},
                      {"workers", r.workers},
                      {"starting", r.starting},
                      {"busy", r.busy},
                      {"queue", r.queue},
                      {"actions", r.actions},
                      {"reason", r.reason}});
    c.out << json{{"policy", cfg.autoscaler.kind == autoscaler_spec::kind_t::manual
                                 ? "manual" : cfg.autoscaler.name},
                  {"timeline", rows},
                  {"summary", summary_json(s)}}
               .dump(2)
          << "\n";
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : result->timeline) {
    std::string actions;
    for (const auto& a : r.actions)
      actions += (actions.empty() ? "" : ", ") + a;
    rows.push_back({seconds_cell(r.t), std::to_string(r.workers), std::to_string(r.starting),
                    std::to_string(r.busy), std::to_string(r.queue),
                    actions.empty() ? "" : actions});
  }
  c.out << render_table({"TIME", "WORKERS", "STARTING", "BUSY", "QUEUE", "ACTIONS"}, rows)
        << "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", s.worker_seconds);
  std::vector<std::vector<std::string>> summary = {
    {"duration", seconds_cell(s.duration_ms) + " s"},
    {"requests", std::to_string(s.requests) + " sent, " + std::to_string(s.served) + " served, " +
                   std::to_string(s.rejected) + " rejected (429), " +
                   std::to_string(s.timed_out) + " timed out (504)"},
    {"queue wait", "p50 " + seconds_cell(s.wait_p50_ms) + " s, p99 " +
                     seconds_cell(s.wait_p99_ms) + " s, max " + seconds_cell(s.wait_max_ms) +
                     " s"},
    {"worker-seconds", buf},
    {"scale actions", std::to_string(s.scale_ups) + " up, " + std::to_string(s.scale_downs) +
                        " down (" + std::to_string(s.decisions) + " decisions)"},
    {"max workers", std::to_string(s.max_workers)},
  };
  c.out << render_table({"SUMMARY", "VALUE"}, summary);
  return exit_ok;
}

int run_decisions_replay(context& c) {
  int code = exit_ok;
  auto format = output_format(c, {"table", "json"}, code);
  if (!format)
    return code;
  auto last = count_flag(c, "last", code);
  if (code != exit_ok)
    return code;
  auto name = resolve_app(c, code);
  if (!name)
    return code;
  auto n = last ? *last : 1000;
  auto answer = call_api(c, "GET",
                         ns_path(c.ns) + "/apps/" + encode(*name) + "/decisions" +
                           query({{"last", std::to_string(n)}}),
                         "", code);
  if (!answer)
    return code;

  std::vector<std::vector<std::string>> rows;
  json differences = json::array();
  long long replayed = 0;
  for (const auto& d : items_of(answer->doc)) {
    decision_record r;
    r.seq = static_cast<uint64_t>(int_field(d, "seq"));
    r.at = int_field(d, "at");
    r.policy = field(d, "policy");
    if (d.contains("arguments") && d["arguments"].is_object())
      for (const auto& [k, v] : d["arguments"].items())
        if (v.is_number_integer())
          r.arguments[k] = v.get<int64_t>();
    r.factors_json = d.contains("factors") ? d["factors"].dump() : "null";
    std::string recorded_text = d.contains("result") ? d["result"].dump() : "null";
    auto recorded = policy::decide_result_from_json(recorded_text);
    auto again = scaler::replay(r);
    ++replayed;
    std::string recorded_cell = recorded ? result_cell(*recorded) : "unreadable: " + recorded_text;
    std::string replayed_cell = again ? result_cell(again->result)
                                      : "error: " + message_of(again.error());
    bool same = recorded && again &&
                policy::to_json(*recorded) == policy::to_json(again->result);
    if (same)
      continue;
    rows.push_back({std::to_string(r.seq), r.policy, recorded_cell, replayed_cell});
    differences.push_back({{"seq", r.seq},
                           {"policy", r.policy},
                           {"recorded", recorded_cell},
                           {"replayed", replayed_cell}});
  }
  auto differ = static_cast<long long>(rows.size());
  if (*format == "json") {
    c.out << json{{"replayed", replayed}, {"differ", differ}, {"differences", differences}}.dump(2)
          << "\n";
  } else {
    if (!rows.empty())
      c.out << render_table({"SEQ", "POLICY", "RECORDED", "REPLAYED"}, rows) << "\n";
    c.out << replayed << " decision" << (replayed == 1 ? "" : "s") << " replayed, " << differ
          << " differ\n";
  }
  return differ == 0 ? exit_ok : exit_failed;
}

} // namespace ever::cli
