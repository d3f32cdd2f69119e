// CSV exports: the per-step timeline and one row per event window (RFC 4180).
#pragma once

#include <ostream>

#include "core/event.hpp"
#include "export/export_data.hpp"

namespace netvigil {

/// Write the timeline CSV: header `time,<g>_index,<g>_ratio,…,service_<s>_ratio,…,state,
/// active_events` (groups = meta.effective_groups(), services = meta.services), then one row
/// per step with the time in UTC ISO 8601, the index (2 decimals) and ratio (4 decimals),
/// an empty cell for no data, and active event ids separated by ';'. CRLF line ends (RFC 4180).
void write_timeline_csv(const ExportMeta& meta, const Source<TimelineRow>& next, std::ostream& os,
                        Progress* progress = nullptr);

/// Write the events CSV: one row per window with the STOP / Cloudflare fields
/// id,type,scope,service,method,start,end,duration_s,min_index,mean_index,intl_index,
/// domestic_index,shutdown_type,extent,network_type,services_affected,start_uncertainty_s,
/// method_version. `end` and `duration_s` are empty while the event is ongoing;
/// services_affected is ';'-separated.
void write_events_csv(const Source<Event>& next, std::ostream& os);

}  // namespace netvigil
