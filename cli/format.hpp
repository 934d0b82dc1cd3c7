#pragma once
// `-o json` / `-o yaml` renderings of API answers.

#include <string>
#include <string_view>

namespace ever::cli {

/// Pretty-prints JSON text (2-space indent, keys in the order received) with a final newline.
/// Text that is not JSON is returned unchanged.
std::string pretty_json(std::string_view json_text);

/// Converts JSON text to block-style YAML with a final newline. Strings that YAML would read back
/// as another type ("1", "true", "null", "") are quoted; multi-line strings use literal blocks.
/// Text that is not JSON is returned unchanged.
std::string json_to_yaml(std::string_view json_text);

} // namespace ever::cli
