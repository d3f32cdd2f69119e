// Synthetic export input shared by the export tests: a day with an international cut.
#pragma once

#include <cstdint>
#include <vector>

#include "export/export_data.hpp"

namespace netvigil::test {

inline ExportMeta fixture_meta(std::int64_t from, std::int64_t to) {
  ExportMeta m;
  m.vantage.id = "tehran-home-1";
  m.vantage.country = "IR";
  m.vantage.asn = "AS58224";
  m.vantage.network_type = "broadband";
  m.vantage.timezone = "Asia/Tehran";
  m.from = from;
  m.to = to;
  m.step_s = 60;
  m.method_version = "nv-detect-1";
  m.baseline_definition =
      "index = 100 × success ratio ÷ baseline, capped at 100; baseline = median of the "
      "per-minute success ratio over the previous 7 days";
  m.baseline_parameters = {{"window_s", 604800}, {"warmup_s", 3600}};
  m.groups = {"international", "domestic"};
  m.services = {"telegram", "whatsapp"};
  m.chain_head = "9f2c1e";
  return m;
}

/// Deterministic figures: international index 3 % inside [cut_from, cut_to), else 95–100 %.
inline TimelineRow fixture_row(std::int64_t t, std::int64_t cut_from, std::int64_t cut_to) {
  TimelineRow r;
  r.step_start = t;
  bool cut = t >= cut_from && t < cut_to;
  double wiggle = static_cast<double>((t / 60) % 5);
  double intl = cut ? 3.0 : 100.0 - wiggle;
  double dom = 100.0 - wiggle / 2;
  r.groups = {{"international", intl / 100.0 * 0.98, intl}, {"domestic", dom / 100.0, dom}};
  if ((t / 60) % 97 == 13) r.groups[1].index = kNoData;  // some steps without data
  r.services = {{"telegram", cut ? 0.0 : 1.0}, {"whatsapp", cut ? 0.0 : 0.75}};
  r.state = cut ? "intl_blackout" : "normal";
  if (cut) r.active_events = {7, 8};
  return r;
}

inline std::vector<TimelineRow> fixture_rows(std::int64_t from, std::int64_t to,
                                             std::int64_t cut_from, std::int64_t cut_to) {
  std::vector<TimelineRow> rows;
  for (std::int64_t t = from; t < to; t += 60) rows.push_back(fixture_row(t, cut_from, cut_to));
  return rows;
}

inline std::vector<Event> fixture_events(std::int64_t cut_from, std::int64_t cut_to) {
  Event e;
  e.id = 7;
  e.type = "intl_blackout";
  e.scope = "international";
  e.start = cut_from;
  e.end = cut_to;
  e.detected_at = cut_from + 120;
  e.start_uncertainty_s = 60;
  e.min_index = 3;
  e.mean_index = 3.5;
  e.intl_index = 3;
  e.domestic_index = 98.5;
  e.method_version = "nv-detect-1";
  e.shutdown_type = "Shutdown";
  e.extent = "Full network";
  e.network_type = "broadband";
  e.services_affected = {"telegram", "whatsapp"};
  Event s;
  s.id = 8;
  s.type = "service_interference";
  s.scope = "service:telegram";
  s.service = "telegram";
  s.method = Method::dns;
  s.start = cut_from + 300;
  s.detected_at = cut_from + 420;
  s.min_index = 0;
  s.mean_index = 0;
  s.intl_index = 3;
  s.domestic_index = 99;
  s.method_version = "nv-detect-1";
  s.shutdown_type = "Shutdown";
  s.extent = "Service-based";
  s.network_type = "broadband, \"home\"";  // exercises CSV quoting
  s.services_affected = {"telegram"};
  return {e, s};
}

}  // namespace netvigil::test
