// Event <-> events row.
#include "store/event_rows.hpp"

#include <nlohmann/json.hpp>

namespace netvigil {

void bind_event(sql::Stmt& st, int i, const Event& e) {
  st.bind(i, e.type).bind(i + 1, e.scope).bind(i + 2, e.service);
  st.bind(i + 3, to_string(e.method));
  st.bind(i + 4, e.start).bind_opt(i + 5, e.end).bind(i + 6, e.detected_at);
  st.bind(i + 7, e.start_uncertainty_s);
  st.bind(i + 8, e.min_index).bind(i + 9, e.mean_index).bind(i + 10, e.intl_index);
  st.bind(i + 11, e.domestic_index);
  st.bind(i + 12, nlohmann::json(e.evidence).dump());
  st.bind(i + 13, e.method_version).bind(i + 14, e.shutdown_type).bind(i + 15, e.extent);
  st.bind(i + 16, e.network_type);
  st.bind(i + 17, nlohmann::json(e.services_affected).dump());
}

Event read_event(const sql::Stmt& st, int i) {
  Event e;
  e.id = st.i64(i);
  e.type = st.text(i + 1);
  e.scope = st.text(i + 2);
  e.service = st.text(i + 3);
  e.method = method_from(st.text(i + 4)).value_or(Method::none);
  e.start = st.i64(i + 5);
  e.end = st.opt_i64(i + 6);
  e.detected_at = st.i64(i + 7);
  e.start_uncertainty_s = st.i64(i + 8);
  e.min_index = st.f64(i + 9);
  e.mean_index = st.f64(i + 10);
  e.intl_index = st.f64(i + 11);
  e.domestic_index = st.f64(i + 12);
  auto ev = nlohmann::json::parse(st.text(i + 13), nullptr, false);
  if (ev.is_array())
    for (const auto& v : ev)
      if (v.is_number_integer()) e.evidence.push_back(v.get<std::int64_t>());
  e.method_version = st.text(i + 14);
  e.shutdown_type = st.text(i + 15);
  e.extent = st.text(i + 16);
  e.network_type = st.text(i + 17);
  auto sa = nlohmann::json::parse(st.text(i + 18), nullptr, false);
  if (sa.is_array())
    for (const auto& v : sa)
      if (v.is_string()) e.services_affected.push_back(v.get<std::string>());
  return e;
}

}  // namespace netvigil
