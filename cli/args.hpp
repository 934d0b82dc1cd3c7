#pragma once
// Command-line parsing shared by every command. Flags may appear anywhere (before or after the
// command words, kubectl style), so one table says which flags take a value; each command then
// checks that the flags it got are its own.

#include "core/errc.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ever::cli {

/// One flag. The same long name means the same thing, and takes a value or not, everywhere.
struct flag_spec {
  const char* name;       ///< long name without "--", e.g. "output"
  char short_name;        ///< e.g. 'o'; 0 for none
  bool takes_value;       ///< "--output json" vs "--all"
  const char* value_name; ///< shown in help, e.g. "FORMAT"; nullptr for boolean flags
};

/// Every flag any command knows.
const std::vector<flag_spec>& all_flags();

/// The spec of a flag by long name; nullptr if unknown.
const flag_spec* find_flag(const std::string& name);

/// Parsed command line.
struct parsed_args {
  std::vector<std::string> positionals;                  ///< words that are not flags
  std::map<std::string, std::vector<std::string>> flags; ///< long name -> values ("" if boolean)
  std::vector<std::string> unknown;                      ///< unknown flags as typed
  std::vector<std::string> rest; ///< tokens after the stop point, untouched (see parse_args)

  /// True if flag `name` was given.
  bool has(const std::string& name) const { return flags.count(name) != 0; }
  /// The last value of flag `name` (later flags win), nullopt if absent.
  std::optional<std::string> last(const std::string& name) const;
  /// Every value of flag `name`, in order.
  std::vector<std::string> all(const std::string& name) const;
};

/// Called with the positionals seen so far; returning true stops parsing, and every later token
/// goes untouched into parsed_args::rest (`ever policy decide ...` hands its own flags on).
using stop_fn = std::function<bool(const std::vector<std::string>&)>;

/// Parses `--name value`, `--name=value`, `-x value`, `-xvalue`, boolean `--name`/`-x`, and `--`
/// (everything after it is positional). A lone "-" is positional (stdin).
/// errc::invalid_argument for a value flag without a value or a boolean flag given a value.
expected<parsed_args> parse_args(const std::vector<std::string>& args, const stop_fn& stop = {});

} // namespace ever::cli
