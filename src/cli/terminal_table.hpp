// Plain tables for the terminal: aligned columns, optional ANSI colour per cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace netvigil {

/// Colours a cell may ask for; ignored when colour is off (not a TTY, NO_COLOR set).
enum class Colour { none, green, red, yellow, dim, bold };

struct Cell {
  std::string text;
  Colour colour = Colour::none;
};

class TerminalTable {
 public:
  explicit TerminalTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  /// Write with columns padded to their widest cell (UTF-8 aware for width).
  void print(std::ostream& out, bool colour) const;
  std::size_t rows() const noexcept { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

/// True when `fd` is a terminal and NO_COLOR is not set.
bool use_colour(int fd);
/// The ANSI escape for `c`, or "" for none.
const char* ansi(Colour c);

}  // namespace netvigil
