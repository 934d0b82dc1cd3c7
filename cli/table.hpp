#pragma once
// Plain-text tables in the seed's style:
//
//   NAME       ITEMS
//   ---------  -----
//   get-start  5
//
// Upper-case headers with a dashed underline as wide as the column, cells left-aligned and padded
// to the widest cell, two spaces between columns, no trailing blanks.

#include <string>
#include <vector>

namespace ever::cli {

/// Renders `rows` under `headers`; every line ends with '\n'. Rows shorter than the header are
/// padded with empty cells. Newlines inside cells become spaces so a row stays one line. Widths
/// count UTF-8 code points, not bytes.
std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows);

} // namespace ever::cli
