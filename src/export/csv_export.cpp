// CSV exports: the per-step timeline and one row per event window.
#include "export/csv_export.hpp"

#include "export/text_format.hpp"

namespace netvigil {

namespace {

constexpr const char* kEol = "\r\n";

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ';';
    s += std::to_string(ids[i]);
  }
  return s;
}

}  // namespace

void write_timeline_csv(const ExportMeta& meta, const Source<TimelineRow>& next, std::ostream& os,
                        Progress* progress) {
  const auto groups = meta.effective_groups();
  os << "time";
  for (const auto& g : groups) os << ',' << csv_field(g + "_index") << ',' << csv_field(g + "_ratio");
  for (const auto& s : meta.services) os << ',' << csv_field("service_" + s + "_ratio");
  os << ",state,active_events" << kEol;

  TimelineRow row;
  while (next(row)) {
    os << iso_utc(row.step_start);
    for (const auto& g : groups) {
      const GroupPoint* p = row.group(g);
      os << ',' << (p ? fixed_number(p->index, 2) : "") << ',' << (p ? fixed_number(p->ratio, 4) : "");
    }
    for (const auto& s : meta.services) {
      const ServicePoint* p = row.service(s);
      os << ',' << (p ? fixed_number(p->ratio, 4) : "");
    }
    os << ',' << csv_field(row.state) << ',' << csv_field(join_ids(row.active_events)) << kEol;
    if (progress) progress->tick();
  }
  if (progress) progress->finish();
}

void write_events_csv(const Source<Event>& next, std::ostream& os) {
  os << "id,type,scope,service,method,start,end,duration_s,min_index,mean_index,intl_index,"
        "domestic_index,shutdown_type,extent,network_type,services_affected,start_uncertainty_s,"
        "method_version"
     << kEol;
  Event e;
  while (next(e)) {
    std::string services;
    for (std::size_t i = 0; i < e.services_affected.size(); ++i) {
      if (i) services += ';';
      services += e.services_affected[i];
    }
    os << e.id << ',' << csv_field(e.type) << ',' << csv_field(e.scope) << ','
       << csv_field(e.service) << ',' << (e.method == Method::none ? std::string() : std::string(to_string(e.method)))
       << ',' << iso_utc(e.start) << ',' << (e.end ? iso_utc(*e.end) : "") << ','
       << (e.end ? std::to_string(*e.end - e.start) : "") << ',' << fixed_number(e.min_index, 2)
       << ',' << fixed_number(e.mean_index, 2) << ',' << fixed_number(e.intl_index, 2) << ','
       << fixed_number(e.domestic_index, 2) << ',' << csv_field(e.shutdown_type) << ','
       << csv_field(e.extent) << ',' << csv_field(e.network_type) << ',' << csv_field(services)
       << ',' << e.start_uncertainty_s << ',' << csv_field(e.method_version) << kEol;
  }
}

}  // namespace netvigil
