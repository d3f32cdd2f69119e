// HTML export: a self-contained report (inline SVG chart and CSS, no external requests).
#pragma once

#include <ostream>
#include <string>

#include "core/event.hpp"
#include "export/chart_model.hpp"
#include "export/export_data.hpp"

namespace netvigil {

/// Write the report: title, the chart (inline SVG), a plain-language summary per event
/// ("International connectivity fell to 3 % of ordinary levels at 14:32 UTC on 13 June 2026 and
/// recovered at …; services affected: …; method: DNS poisoning"), the events table, the method
/// and baseline definition, the clock's trust during each window (unsynchronised flagged), and
/// how to verify the file with `netvigil verify`. `file_name` is the name the report will have
/// (used in the verify instructions; may be empty). Sources are read once (streaming).
void write_html(const ExportMeta& meta, const Source<TimelineRow>& timeline,
                const Source<Event>& events, const Source<ClockTrustRow>& clock, std::ostream& os,
                const std::string& file_name = "", Progress* progress = nullptr);

/// The plain-language sentence for one event (used by the report; exposed for tests).
std::string event_summary(const Event& e, const EventClockTrust& clock);

}  // namespace netvigil
