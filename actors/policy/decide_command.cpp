#include "actors/policy/decide_command.hpp"

#include "actors/policy/factors_json.hpp"
#include "actors/policy/pipeline.hpp"

#include <fstream>
#include <istream>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>

namespace ever::policy {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string usage() {
  std::ostringstream u;
  u << "usage: ever policy decide --policy NAME [--arg K=V]... [--factor-decorator SPEC]...\n"
       "                          [--argument-decorator SPEC]... [--now EPOCH_S] [--explain]\n"
       "                          --factors FILE|-\n"
       "\n"
       "Runs one autoscaler decision, the same pipeline the scaler runs, and prints the\n"
       "DecideResult JSON.\n"
       "\n"
       "  --policy NAME              builtin policy: "
    << join(policy_names())
    << "\n"
       "  --arg K=V                  policy argument (repeatable); missing ones take defaults\n"
       "  --factor-decorator SPEC    factors decorator NAME[:K=V,...] ("
    << join(factor_decorator_names())
    << "),\n"
       "                             e.g. average:used_histories=3\n"
       "  --argument-decorator SPEC  arguments decorator NAME[:K=V,...] ("
    << join(argument_decorator_names())
    << "),\n"
       "                             e.g. 'time-match:timezone=Asia/Shanghai,\n"
       "                             match(* 9-18 * * 1-5)=day_,day_max_workers=5'\n"
       "  --now EPOCH_S              decision time in epoch seconds (default: now)\n"
       "  --factors FILE|-           Factors JSON file, or - for standard input\n"
       "  --explain                  also print the rule that fired to standard error\n"
       "  --help                     print this help\n";
  return u.str();
}

// Splits "k=v,k2=v2" at commas outside parentheses, so cron lists such as
// "match(* 11-23 * * 0,6)=weekend_" stay whole.
std::optional<raw_arguments> parse_settings(const std::string& text, std::string& why) {
  raw_arguments out;
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(')
      ++depth;
    else if (c == ')' && depth > 0)
      --depth;
    if (c == ',' && depth == 0) {
      items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  items.push_back(current);
  for (const auto& item : items) {
    if (item.empty())
      continue;
    // The key ends at the first '=' outside parentheses: "match(...)=prefix".
    size_t eq = std::string::npos;
    int level = 0;
    for (size_t k = 0; k < item.size() && eq == std::string::npos; ++k) {
      if (item[k] == '(')
        ++level;
      else if (item[k] == ')' && level > 0)
        --level;
      else if (item[k] == '=' && level == 0)
        eq = k;
    }
    if (eq == std::string::npos || eq == 0) {
      why = "expected K=V, got '" + item + "'";
      return std::nullopt;
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::optional<decorator_call> parse_decorator(const std::string& spec, std::string& why) {
  decorator_call call;
  size_t colon = spec.find(':');
  call.name = spec.substr(0, colon);
  if (call.name.empty()) {
    why = "missing decorator name in '" + spec + "'";
    return std::nullopt;
  }
  if (colon != std::string::npos) {
    auto settings = parse_settings(spec.substr(colon + 1), why);
    if (!settings)
      return std::nullopt;
    call.arguments = std::move(*settings);
  }
  return call;
}

} // namespace

int run_decide_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  auto usage_error = [&](const std::string& message) {
    err << "ever policy decide: " << message << "\n"
        << "run 'ever policy decide --help' for usage\n";
    return 2;
  };

  decision_input input;
  input.policy.clear();
  std::optional<std::string> factors_path;
  std::optional<time_ms> now;
  bool explain = false;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.rfind("--", 0) == 0)
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
      }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value)
        return inline_value;
      if (i + 1 < args.size())
        return args[++i];
      return std::nullopt;
    };

    if (flag == "--help" || flag == "-h") {
      out << usage();
      return 0;
    }
    if (flag == "--explain") {
      explain = true;
      continue;
    }
    if (flag != "--policy" && flag != "--arg" && flag != "--factor-decorator" &&
        flag != "--argument-decorator" && flag != "--now" && flag != "--factors")
      return usage_error("unknown option '" + args[i] + "'");
    auto v = value();
    if (!v)
      return usage_error(flag + " needs a value");

    std::string why;
    if (flag == "--policy") {
      input.policy = *v;
    } else if (flag == "--arg") {
      size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return usage_error("--arg expects K=V, got '" + *v + "'");
      input.arguments[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (flag == "--factor-decorator") {
      auto call = parse_decorator(*v, why);
      if (!call)
        return usage_error("--factor-decorator: " + why);
      input.factor_decorators.push_back(std::move(*call));
    } else if (flag == "--argument-decorator") {
      auto call = parse_decorator(*v, why);
      if (!call)
        return usage_error("--argument-decorator: " + why);
      input.argument_decorators.push_back(std::move(*call));
    } else if (flag == "--now") {
      auto s = parse_int_argument("--now", *v);
      constexpr int64_t max_seconds = std::numeric_limits<int64_t>::max() / 1000;
      if (!s)
        return usage_error(message_of(s.error()));
      if (*s < 0 || *s > max_seconds)
        return usage_error("--now must be epoch seconds >= 0, got " + *v);
      now = *s * 1000;
    } else { // --factors
      factors_path = *v;
    }
  }
  if (input.policy.empty())
    return usage_error("--policy is required");
  if (!factors_path)
    return usage_error("--factors is required (a file, or - for standard input)");

  std::string text;
  try {
    if (*factors_path == "-") {
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
      std::ifstream file(*factors_path, std::ios::binary);
      if (!file)
        return usage_error("cannot read factors file '" + *factors_path + "'");
      text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
  } catch (const std::exception&) { // e.g. a directory: it opens, then throws on read
    return usage_error("cannot read factors file '" + *factors_path + "'");
  }
  auto f = factors_from_json(text);
  if (!f) {
    err << "ever policy decide: factors: " << message_of(f.error()) << "\n";
    return 1;
  }
  input.input = std::move(*f);
  input.now = now ? *now : system_clock().now();

  auto decision = decide(input);
  if (!decision) {
    err << "ever policy decide: " << message_of(decision.error()) << "\n";
    return 1;
  }
  out << to_pretty_json(decision->result) << "\n";
  if (explain)
    err << decision->reason << "\n";
  return 0;
}

} // namespace ever::policy
