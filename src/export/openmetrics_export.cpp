// OpenMetrics export: one pass per series so families and series are never interleaved.
#include "export/openmetrics_export.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace netvigil {

namespace {

// States first in this order; others found in the data follow in order of appearance.
const std::vector<std::string> kKnownStates{"warming_up", "normal", "degraded", "intl_blackout",
                                            "full_blackout", "local_outage"};

bool valid_label_name(const std::string& n) {
  if (n.empty() || n.rfind("__", 0) == 0) return false;
  if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

struct Family {
  const char* name;
  const char* help;
  const char* unit;  // "" for none
};

void family_header(std::ostream& os, const Family& f) {
  os << "# TYPE " << f.name << " gauge\n# HELP " << f.name << ' ' << f.help << '\n';
  if (*f.unit) os << "# UNIT " << f.name << ' ' << f.unit << '\n';
}

}  // namespace

std::string openmetrics_escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void write_openmetrics(const ExportMeta& meta, const SourceFactory<TimelineRow>& rows,
                       std::ostream& os, Progress* progress) {
  std::string extra;
  for (const auto& [k, v] : meta.extra_labels) {
    if (!valid_label_name(k) || k == "group" || k == "service" || k == "state")
      throw std::invalid_argument("invalid or reserved label name: " + k);
    extra += "," + k + "=\"" + openmetrics_escape(v) + "\"";
  }

  std::vector<std::string> states = kKnownStates;
  {
    auto next = rows();
    TimelineRow row;
    while (next(row))
      if (!row.state.empty() && std::find(states.begin(), states.end(), row.state) == states.end())
        states.push_back(row.state);
  }

  // One series = a label pair and a way to read its value from a row (NaN: no sample).
  auto series = [&](const char* name, const std::string& label, const std::string& value,
                    const std::function<double(const TimelineRow&)>& read) {
    std::string prefix = std::string(name) + "{" + label + "=\"" + openmetrics_escape(value) +
                         "\"" + extra + "} ";
    auto next = rows();
    TimelineRow row;
    while (next(row)) {
      double v = read(row);
      if (std::isnan(v)) continue;
      os << prefix << number(v) << ' ' << row.step_start << '\n';
      if (progress) progress->tick();
    }
  };

  const auto groups = meta.effective_groups();
  family_header(os, {"netvigil_connectivity_index_percent",
                     "Connectivity index per group, percent of ordinary levels (100 x ratio / baseline, capped at 100).",
                     "percent"});
  for (const auto& g : groups)
    series("netvigil_connectivity_index_percent", "group", g, [&g](const TimelineRow& r) {
      const GroupPoint* p = r.group(g);
      return p ? p->index : kNoData;
    });
  family_header(os, {"netvigil_group_success_ratio",
                     "Share of measurements of the group that completed, per step.", "ratio"});
  for (const auto& g : groups)
    series("netvigil_group_success_ratio", "group", g, [&g](const TimelineRow& r) {
      const GroupPoint* p = r.group(g);
      return p ? p->ratio : kNoData;
    });
  if (!meta.services.empty()) {
    family_header(os, {"netvigil_service_success_ratio",
                       "Share of service verdicts that found the service reachable, per step.", "ratio"});
    for (const auto& s : meta.services)
      series("netvigil_service_success_ratio", "service", s, [&s](const TimelineRow& r) {
        const ServicePoint* p = r.service(s);
        return p ? p->ratio : kNoData;
      });
  }
  family_header(os, {"netvigil_state", "Detector state per step, one-hot.", ""});
  for (const auto& st : states)
    series("netvigil_state", "state", st, [&st](const TimelineRow& r) {
      if (r.state.empty()) return kNoData;
      return r.state == st ? 1.0 : 0.0;
    });
  os << "# EOF\n";
  if (progress) progress->finish();
}

}  // namespace netvigil
