// PNG rendering of the connectivity chart with cairo.
#pragma once

#include <ostream>
#include <string>

#include "export/chart_model.hpp"

namespace netvigil {

/// Render `chart` with cairo (ARGB32 image surface of chart.width × chart.height, toy text API
/// with the "DejaVu Sans" face — Debian package fonts-dejavu-core) and write it as PNG.
/// Returns "" on success or the cairo error text.
std::string write_png(const ChartModel& chart, std::ostream& os);

}  // namespace netvigil
