#include "actors/policy_container/container_logic.hpp"

#include "actors/policy/factors_json.hpp"

#include <algorithm>
#include <set>

namespace ever::policy_container {

namespace {

/// A body excerpt fit for an event line: one line, at most 120 characters.
std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= 120) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : (static_cast<unsigned char>(c) < 32 ? '?' : c);
  }
  return out.empty() ? "empty" : "'" + out + "'";
}

} // namespace

expected<policy::decide_result> check_reply(const runtime::http_reply& reply) {
  if (reply.status < 200 || reply.status > 299)
    return make_error(errc::invalid_argument, "HTTP " + std::to_string(reply.status)
                                                + " (body: " + excerpt(reply.body) + ")");
  auto r = policy::decide_result_from_json(reply.body);
  if (!r)
    return make_error(errc::invalid_argument, "reply is not a DecideResult: "
                                                + message_of(r.error()) + " (body: "
                                                + excerpt(reply.body) + ")");
  return r;
}

expected<policy::decision_output> to_decision(const policy::factors& f,
                                              const policy::decide_result& r) {
  auto invalid = [](const std::string& why) {
    return make_error(errc::invalid_argument, "invalid DecideResult: " + why);
  };
  if (r.max_workers < 0)
    return invalid("max_workers " + std::to_string(r.max_workers) + " is negative");
  std::set<std::string> known;
  for (const auto& w : f.workers)
    known.insert(w.worker_id);
  int64_t up = 0;
  std::vector<std::string> down;
  for (const auto& a : r.actions) {
    if (a.kind == policy::action::kind_t::scale_up) {
      if (a.count < 1)
        return invalid("ScaleUp count " + std::to_string(a.count) + " (must be at least 1)");
      up += std::min<int64_t>(a.count, 1'000'000); // no overflow from a silly count
    } else {
      if (!known.count(a.worker_id))
        return invalid("ScaleDown of worker '" + a.worker_id + "', which is not in the factors");
      if (std::find(down.begin(), down.end(), a.worker_id) == down.end())
        down.push_back(a.worker_id);
    }
  }
  if (up > 0 && !down.empty())
    return invalid("both ScaleUp and ScaleDown in one result");

  policy::decision_output out;
  out.result.max_workers = r.max_workers;
  out.arguments["max_workers"] = r.max_workers;
  auto n = static_cast<int64_t>(f.workers.size());
  auto max_text = " (max_workers " + std::to_string(r.max_workers) + ", "
                  + std::to_string(n) + " workers)";
  if (up > 0) {
    auto room = std::max<int64_t>(0, r.max_workers - n);
    auto granted = std::min(up, room);
    if (granted > 0)
      out.result.actions.push_back({policy::action::kind_t::scale_up, granted, {}});
    out.reason = "container: ScaleUp " + std::to_string(up) + max_text;
    if (granted < up)
      out.reason += granted > 0 ? ", capped to " + std::to_string(granted)
                                : ", already at max_workers: no action";
    return out;
  }
  if (!down.empty()) {
    out.reason = "container: ScaleDown";
    for (const auto& id : down) {
      out.result.actions.push_back({policy::action::kind_t::scale_down, 0, id});
      out.reason += " " + id;
    }
    out.reason += max_text;
    return out;
  }
  out.reason = "container: no action" + max_text;
  return out;
}

int64_t restart_backoff::next(int64_t ran_ms) {
  if (ran_ms >= stable_)
    failures_ = 0;
  int64_t delay = first_;
  for (int64_t i = 0; i < failures_ && delay < max_; ++i)
    delay *= 2;
  ++failures_;
  return std::min(delay, max_);
}

std::optional<std::string> failure_events::failed(const std::string& what, time_ms now) {
  if (what != last_) {
    last_ = what;
    last_at_ = now;
    left_out_ = 0;
    return what;
  }
  if (now - last_at_ < interval_) {
    ++left_out_;
    return std::nullopt;
  }
  auto text = what;
  if (left_out_ > 0)
    text += " (again; " + std::to_string(left_out_) + " more time(s) in the last "
            + std::to_string((now - last_at_) / 1000) + " s)";
  last_at_ = now;
  left_out_ = 0;
  return text;
}

void failure_events::succeeded() {
  last_.clear();
  last_at_ = 0;
  left_out_ = 0;
}

runtime::process_spec policy_process(const autoscaler_spec& spec, const std::string& ns,
                                     const std::string& app, const std::string& data_dir,
                                     uint16_t port,
                                     const std::map<std::string, std::string>& parent_env,
                                     const std::string& base_path) {
  // Same list as workers get (launch_plan.hpp's inherited_env_names), kept here so this pure
  // part does not depend on the worker folder.
  static const char* const inherited[] = {"HOME", "LANG", "LC_ALL", "TZ", "USER", "TMPDIR"};
  runtime::process_spec p;
  p.argv = spec.container_command;
  p.work_dir = data_dir + "/policies/" + ns + "/" + app;
  p.log_path = p.work_dir + "/policy.log";
  for (const char* name : inherited)
    if (auto it = parent_env.find(name); it != parent_env.end())
      p.env[name] = it->second;
  p.env["PATH"] = base_path;
  p.env["PORT"] = std::to_string(port);
  p.env["EVER_APP"] = app;
  p.env["EVER_NAMESPACE"] = ns;
  p.env["EVER_AUTOSCALER_PATH"] = spec.container_entry_path;
  p.env["EVER_VOLUMES_DIR"] = p.work_dir + "/volumes";
  p.env[runtime::owner_env] = data_dir;
  return p;
}

} // namespace ever::policy_container
