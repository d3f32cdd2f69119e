// Column widths count UTF-8 code points, so glyphs such as "✓" align.
#include "cli/terminal_table.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace netvigil {
namespace {

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

const char* ansi(Colour c) {
  switch (c) {
    case Colour::green: return "\033[32m";
    case Colour::red: return "\033[31m";
    case Colour::yellow: return "\033[33m";
    case Colour::dim: return "\033[2m";
    case Colour::bold: return "\033[1m";
    case Colour::none: break;
  }
  return "";
}

bool use_colour(int fd) { return isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr; }

void TerminalTable::print(std::ostream& out, bool colour) const {
  std::vector<std::size_t> width(headers_.size(), 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) width[i] = display_width(headers_[i]);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], display_width(row[i].text));
  auto emit = [&](const std::string& text, Colour c, std::size_t i, bool last) {
    if (colour && c != Colour::none) out << ansi(c) << text << "\033[0m";
    else out << text;
    if (!last) out << std::string(width[i] - display_width(text) + 2, ' ');
  };
  for (std::size_t i = 0; i < headers_.size(); ++i)
    emit(headers_[i], Colour::bold, i, i + 1 == headers_.size());
  out << '\n';
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      emit(row[i].text, row[i].colour, i, i + 1 == row.size());
    out << '\n';
  }
}

}  // namespace netvigil
