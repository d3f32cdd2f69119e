// The connectivity chart's geometry, ticks and labels, computed once from streamed rows.
#pragma once

#include "core/event.hpp"
#include "export/chart_model.hpp"
#include "export/export_data.hpp"

namespace netvigil {

/// Lay out the netvigil connectivity chart (NetBlocks-like form, netvigil branding):
/// title "netvigil · network connectivity – <vantage>, <country>: <start> to <end> UTC",
/// international and domestic index (0–100 % of ordinary levels) on a UTC axis with the
/// vantage's local time as a second axis, shaded and labelled event windows, unsynchronised
/// clock marked under the axis, legend, and a footer with the baseline formula, vantage,
/// method version and clock trust.
/// Memory is bounded: timeline rows are folded into one bin per horizontal pixel (mean line,
/// min–max band when several rows share a pixel); clock rows likewise. Events are kept (they
/// are few). Each source is read once, in the order events, clock, timeline.
ChartModel layout_chart(const ExportMeta& meta, const Source<TimelineRow>& timeline,
                        const Source<Event>& events, const Source<ClockTrustRow>& clock,
                        Progress* progress = nullptr, int width = 1200, int height = 675);

/// Estimated width in px of `text` at `size` px in DejaVu Sans (layout decisions only).
double text_width_estimate(const std::string& text, double size);

}  // namespace netvigil
