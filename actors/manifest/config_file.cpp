// ConfigMap/Secret files (`name: n`, `data: {k: v}`) and `--from-literal k=v` arguments.
//
// Error messages name keys, never values: a value may be a secret.

#include "actors/manifest/detail.hpp"
#include "actors/manifest/manifest.hpp"

namespace ever::manifest {

bool is_config_key(std::string_view key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..")
    return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_' || c == '.';
    if (!ok)
      return false;
  }
  return true;
}

expected<config_record> parse_config_file(std::string_view yaml, bool is_secret) {
  using namespace detail;
  try {
    auto doc = load_document(yaml);
    if (doc.IsNull())
      return make_error(errc::invalid_argument, "the file is empty");
    config_record out;
    fields top(doc, {}, {"name", "data"});
    // The name may come from the command line instead; the caller decides when it is missing.
    if (auto name = top.get("name"))
      out.name = dns_label_value(*name, top.path("name"));
    if (auto data = top.get("data")) {
      for_each_entry(*data, top.path("data"),
                     [&](const std::string& key, const YAML::Node& value, const std::string& path) {
                       if (!is_config_key(key))
                         fail(path, "keys must be 1-253 characters of a-z, A-Z, 0-9, '-', '_' "
                                    "and '.'");
                       if (!value.IsScalar())
                         fail(path, "must be a string, got "
                                      + std::string{value.IsNull() ? "null"
                                                    : value.IsMap() ? "a mapping"
                                                                    : "a list"});
                       if (!is_secret) {
                         out.data[key] = value.Scalar();
                         return;
                       }
                       std::string decoded;
                       if (!base64_decode(value.Scalar(), decoded))
                         fail(path, "not valid base64 (secret file values are base64-encoded)");
                       out.data[key] = std::move(decoded);
                     });
    }
    return out;
  } catch (const field_error& e) {
    return make_error(errc::invalid_argument, e.message());
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument, std::string{"malformed YAML: "} + e.what());
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string{"reading the file: "} + e.what());
  }
}

expected<std::pair<std::string, std::string>> parse_literal(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    return make_error(errc::invalid_argument, "literal must look like key=value (no '=' found)");
  auto key = text.substr(0, eq);
  if (key.empty())
    return make_error(errc::invalid_argument, "literal must look like key=value (empty key)");
  if (!is_config_key(key))
    return make_error(errc::invalid_argument,
                      "literal key " + detail::quote(key)
                        + ": must be 1-253 characters of a-z, A-Z, 0-9, '-', '_' and '.'");
  return std::make_pair(std::move(key), text.substr(eq + 1));
}

} // namespace ever::manifest
