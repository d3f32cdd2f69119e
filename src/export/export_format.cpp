// Dispatch from a format name to its writer.
#include "export/export_format.hpp"

#include <stdexcept>

#include "export/chart_layout.hpp"
#include "export/csv_export.hpp"
#include "export/html_export.hpp"
#include "export/json_export.hpp"
#include "export/ooni_export.hpp"
#include "export/openmetrics_export.hpp"
#include "export/png_export.hpp"
#include "export/svg_export.hpp"

namespace netvigil {

namespace {
constexpr std::pair<ExportFormat, std::string_view> kNames[] = {
    {ExportFormat::csv, "csv"},         {ExportFormat::events_csv, "events-csv"},
    {ExportFormat::json, "json"},       {ExportFormat::ooni_jsonl, "ooni-jsonl"},
    {ExportFormat::openmetrics, "openmetrics"}, {ExportFormat::svg, "svg"},
    {ExportFormat::png, "png"},         {ExportFormat::html, "html"}};

template <class Row>
Source<Row> open(const SourceFactory<Row>& f) {
  if (!f) return [](Row&) { return false; };  // a format given no source sees no rows
  return f();
}
}  // namespace

std::optional<ExportFormat> export_format_from(std::string_view name) noexcept {
  for (const auto& [f, n] : kNames)
    if (n == name) return f;
  return std::nullopt;
}

std::string_view to_string(ExportFormat f) noexcept {
  for (const auto& [g, n] : kNames)
    if (g == f) return n;
  return "";
}

std::string write_export(ExportFormat format, const ExportMeta& meta, const ExportSources& s,
                         std::ostream& os, Progress* progress, const std::string& file_name) {
  try {
    switch (format) {
      case ExportFormat::csv: write_timeline_csv(meta, open(s.timeline), os, progress); break;
      case ExportFormat::events_csv: write_events_csv(open(s.events), os); break;
      case ExportFormat::json: write_json(meta, open(s.timeline), open(s.events), os, progress); break;
      case ExportFormat::ooni_jsonl: write_ooni_jsonl(meta, open(s.raw), os, progress); break;
      case ExportFormat::openmetrics:
        if (!s.timeline) return "openmetrics export needs a timeline source";
        write_openmetrics(meta, s.timeline, os, progress);
        break;
      case ExportFormat::svg:
        write_svg(layout_chart(meta, open(s.timeline), open(s.events), open(s.clock), progress), os);
        break;
      case ExportFormat::png:
        return write_png(layout_chart(meta, open(s.timeline), open(s.events), open(s.clock), progress), os);
      case ExportFormat::html:
        write_html(meta, open(s.timeline), open(s.events), open(s.clock), os, file_name, progress);
        break;
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  os.flush();
  return os ? std::string() : std::string("write failed");
}

}  // namespace netvigil
