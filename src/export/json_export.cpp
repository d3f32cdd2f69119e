// JSON export written incrementally: the arrays are streamed row by row.
#include "export/json_export.hpp"

#include <cmath>

#include "export/text_format.hpp"

namespace netvigil {

namespace {

nlohmann::json number_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

}  // namespace

nlohmann::json vantage_json(const ExportMeta& meta) {
  return {{"id", meta.vantage.id},
          {"country", meta.vantage.country},
          {"asn", meta.vantage.asn},
          {"network_type", meta.vantage.network_type},
          {"timezone", meta.vantage.timezone}};
}

nlohmann::json timeline_row_json(const TimelineRow& row) {
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& g : row.groups)
    groups[g.group] = {{"ratio", number_or_null(g.ratio)}, {"index", number_or_null(g.index)}};
  nlohmann::json services = nlohmann::json::object();
  for (const auto& s : row.services) services[s.service] = {{"ratio", number_or_null(s.ratio)}};
  return {{"t", iso_utc(row.step_start)},
          {"t_unix", row.step_start},
          {"groups", std::move(groups)},
          {"services", std::move(services)},
          {"state", row.state},
          {"events", row.active_events}};
}

nlohmann::json event_json(const Event& e) {
  nlohmann::json j = {
      {"id", e.id},
      {"type", e.type},
      {"scope", e.scope},
      {"service", e.service},
      {"method", e.method == Method::none ? std::string() : std::string(to_string(e.method))},
      {"start", iso_utc(e.start)},
      {"start_unix", e.start},
      {"end", e.end ? nlohmann::json(iso_utc(*e.end)) : nlohmann::json(nullptr)},
      {"end_unix", e.end ? nlohmann::json(*e.end) : nlohmann::json(nullptr)},
      {"duration_s", e.end ? nlohmann::json(*e.end - e.start) : nlohmann::json(nullptr)},
      {"detected_at", iso_utc(e.detected_at)},
      {"start_uncertainty_s", e.start_uncertainty_s},
      {"min_index", number_or_null(e.min_index)},
      {"mean_index", number_or_null(e.mean_index)},
      {"intl_index", number_or_null(e.intl_index)},
      {"domestic_index", number_or_null(e.domestic_index)},
      {"evidence", e.evidence},
      {"method_version", e.method_version},
      {"shutdown_type", e.shutdown_type},
      {"extent", e.extent},
      {"network_type", e.network_type},
      {"services_affected", e.services_affected}};
  return j;
}

void write_json(const ExportMeta& meta, const Source<TimelineRow>& timeline,
                const Source<Event>& events, std::ostream& os, Progress* progress) {
  nlohmann::json head = {
      {"format", "netvigil-timeline-1"},
      {"vantage", vantage_json(meta)},
      {"method_version", meta.method_version},
      {"software_version", meta.software_version},
      {"baseline", {{"definition", meta.baseline_definition}, {"parameters", meta.baseline_parameters}}},
      {"from", iso_utc(meta.from)},
      {"to", iso_utc(meta.to)},
      {"step_s", meta.step_s},
      {"groups", meta.effective_groups()},
      {"services", meta.services}};
  // Write the header object without its closing brace, then append the streamed arrays.
  std::string h = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  h.pop_back();
  os << h << ",\"timeline\":[";
  TimelineRow row;
  bool first = true;
  while (timeline(row)) {
    if (!first) os << ",\n";
    first = false;
    os << timeline_row_json(row).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (progress) progress->tick();
  }
  os << "],\"events\":[";
  Event e;
  first = true;
  while (events(e)) {
    if (!first) os << ",\n";
    first = false;
    os << event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  nlohmann::json chain = {{"head", meta.chain_head.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(meta.chain_head)}};
  os << "],\"chain\":" << chain.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "}\n";
  if (progress) progress->finish();
}

}  // namespace netvigil
