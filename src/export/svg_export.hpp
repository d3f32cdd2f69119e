// SVG rendering of the connectivity chart.
#pragma once

#include <ostream>

#include "export/chart_model.hpp"

namespace netvigil {

/// Write `chart` as a standalone SVG 1.1 document (UTF-8, DejaVu Sans first in the font list).
/// With `standalone` false the XML declaration and xmlns are omitted (for inlining in HTML5).
void write_svg(const ChartModel& chart, std::ostream& os, bool standalone = true);

}  // namespace netvigil
