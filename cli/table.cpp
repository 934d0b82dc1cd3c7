#include "cli/table.hpp"

#include <algorithm>

namespace ever::cli {

namespace {

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) // count lead bytes only
      ++n;
  return n;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  return s;
}

} // namespace

std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows) {
  const size_t cols = headers.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<std::string> line(cols);
    for (size_t i = 0; i < cols && i < row.size(); ++i)
      line[i] = one_line(row[i]);
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(cols);
  for (size_t i = 0; i < cols; ++i) {
    width[i] = display_width(headers[i]);
    for (const auto& line : cells)
      width[i] = std::max(width[i], display_width(line[i]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t i = 0; i < cols; ++i) {
      text += line[i];
      if (i + 1 < cols)
        text.append(width[i] - display_width(line[i]) + 2, ' ');
    }
    // An empty last cell would otherwise leave the padding of the previous columns behind.
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out += text;
    out += '\n';
  };
  emit(headers);
  std::vector<std::string> dashes(cols);
  for (size_t i = 0; i < cols; ++i)
    dashes[i] = std::string(width[i], '-');
  emit(dashes);
  for (const auto& line : cells)
    emit(line);
  return out;
}

} // namespace ever::cli
