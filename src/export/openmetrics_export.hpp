// OpenMetrics export of the timeline for backfill (promtool tsdb create-blocks-from openmetrics).
#pragma once

#include <ostream>
#include <string>

#include "export/export_data.hpp"

namespace netvigil {

/// Write timestamped samples (seconds) of the main series, then `# EOF`:
///   netvigil_connectivity_index_percent{group}  gauge, unit percent (no sample when no data)
///   netvigil_group_success_ratio{group}         gauge, unit ratio
///   netvigil_service_success_ratio{service}     gauge, unit ratio (services = meta.services)
///   netvigil_state{state}                       gauge, one-hot per step
/// plus meta.extra_labels (the CLI's --label k=v, e.g. vantage=…) on every sample.
/// OpenMetrics forbids interleaving families and the samples of one series, so the writer
/// makes one pass over the timeline per series (plus one pass to learn which states occur):
/// `rows` must return a FRESH source over the same rows, in increasing time, on every call.
/// Memory stays flat whatever the range. Throws std::invalid_argument on a bad extra label name.
void write_openmetrics(const ExportMeta& meta, const SourceFactory<TimelineRow>& rows,
                       std::ostream& os, Progress* progress = nullptr);

/// A label value escaped for the text format (\\, \", \n).
std::string openmetrics_escape(std::string_view value);

}  // namespace netvigil
