// JSON export: vantage, method, baseline, the timeline and events, written incrementally.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "core/event.hpp"
#include "export/export_data.hpp"

namespace netvigil {

/// Write {"format","vantage","method_version","software_version","baseline":{definition,
/// parameters},"from","to","step_s","groups","services","timeline":[…],"events":[…],
/// "chain":{"head"}}. Timeline rows are written as they are pulled (one row in memory);
/// no-data figures are null. Times are UTC ISO 8601 strings; rows also carry unix seconds.
void write_json(const ExportMeta& meta, const Source<TimelineRow>& timeline,
                const Source<Event>& events, std::ostream& os, Progress* progress = nullptr);

/// One timeline row as JSON ({"t","t_unix","groups":{g:{ratio,index}},"services":{s:{ratio}},
/// "state","events"}).
nlohmann::json timeline_row_json(const TimelineRow& row);

/// One event as JSON (every Event field; "end" null while ongoing).
nlohmann::json event_json(const Event& e);

/// The vantage labels as JSON (never an address).
nlohmann::json vantage_json(const ExportMeta& meta);

}  // namespace netvigil
