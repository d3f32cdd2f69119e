// Draws a Timeline in the terminal: rows of glyphs across time, a UTC axis and a legend.
#pragma once

#include <string>
#include <string_view>

#include "detect/timeline_builder.hpp"

namespace netvigil {

/// How to draw.
struct TimelineStyle {
  int width = 80;      ///< terminal columns for the whole line (label + cells)
  bool color = false;  ///< ANSI colours (the CLI decides: a TTY and no NO_COLOR)
};

/// Glyph of a cell (UTF-8, one terminal column):
///   ' ' gap, '█' normal, '·' warming up, '░' local outage (own link down), '▒' degraded,
///   '▁' throttled, 'D' 'T' 'S' 'B' 'H' service blocked by dns / tcp_ip / tls (SNI) /
///   http_blockpage / http_failure, '✕' group down or international blackout, '✖' full blackout.
std::string_view timeline_glyph(TimelineCell c) noexcept;
std::string_view timeline_name(TimelineCell c) noexcept;

/// The timeline as text: a title line with the UTC range and the time per column, one line per
/// row (label, then cells bucketed to fit `width`; a column shows the worst cell of its steps),
/// a UTC axis with tick labels (HH:MM, MM-DD at midnight or for day-sized ticks) and a legend
/// of the glyphs used. Ends with a newline. Pure: no terminal queries.
std::string render_timeline(const Timeline& timeline, const TimelineStyle& style);

}  // namespace netvigil
