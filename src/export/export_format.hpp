// One entry point over every export format, for the CLI (`netvigil export --format F`).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "export/export_data.hpp"

namespace netvigil {

/// The export formats. `csv` is the timeline; its events table is `events-csv` (the CLI writes
/// both: FILE and FILE's stem + ".events.csv").
enum class ExportFormat { csv, events_csv, json, ooni_jsonl, openmetrics, svg, png, html };

/// "csv", "events-csv", "json", "ooni-jsonl", "openmetrics", "svg", "png", "html".
std::optional<ExportFormat> export_format_from(std::string_view name) noexcept;
std::string_view to_string(ExportFormat f) noexcept;

/// The row sources of one export. Each factory returns a FRESH source over the same rows in
/// increasing time (OpenMetrics reads the timeline once per series; others read each once).
/// A format only calls the factories it needs (ooni-jsonl: raw; csv: timeline; …).
struct ExportSources {
  SourceFactory<TimelineRow> timeline;
  SourceFactory<Event> events;
  SourceFactory<RawMeasurementRow> raw;
  SourceFactory<ClockTrustRow> clock;
};

/// Write `format` to `os`. Returns "" on success or an error message (a bad extra label, a
/// cairo failure, a missing source). `file_name` is used in the HTML verify instructions.
std::string write_export(ExportFormat format, const ExportMeta& meta, const ExportSources& sources,
                         std::ostream& os, Progress* progress = nullptr,
                         const std::string& file_name = "");

}  // namespace netvigil
