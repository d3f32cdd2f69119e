// JSON lines and table rows for measurements.
#include "cli/measurement_output.hpp"

#include <cstdio>
#include <ctime>

namespace netvigil {

std::string iso8601_ms(std::int64_t unix_ms) {
  const std::int64_t s = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  const std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms - s * 1000));
  return buf;
}

nlohmann::json measurement_json(const Measurement& m) {
  nlohmann::json j;
  j["t"] = iso8601_ms(m.started_unix_ms);
  j["probe"] = m.probe_id;
  j["kind"] = std::string(to_string(m.kind));
  j["group"] = std::string(to_string(m.group));
  j["service"] = m.service;
  j["ok"] = m.ok;
  j["failure"] = m.ok ? std::string() : m.failure.ooni_string();
  j["operation"] = m.ok ? std::string() : std::string(to_string(m.failure.op));
  j["method"] = m.ok ? std::string() : std::string(m.method == Method::none ? "" : to_string(m.method));
  j["status"] = m.http_status;
  j["total_ms"] = m.phases.total_us < 0 ? -1.0 : m.phases.total_us / 1000.0;
  j["evidence"] = m.evidence.is_null() ? nlohmann::json::object() : m.evidence;
  return j;
}

TerminalTable measurement_table() {
  return TerminalTable({"probe", "kind", "group", "service", "verdict", "failure", "operation", "time"});
}

void add_measurement_row(TerminalTable& table, const Measurement& m) {
  char ms[32];
  if (m.phases.total_us >= 0) std::snprintf(ms, sizeof ms, "%.1f ms", m.phases.total_us / 1000.0);
  else std::snprintf(ms, sizeof ms, "-");
  std::string verdict = m.ok ? "✓ ok" : "✗ failed";
  if (!m.ok && m.method != Method::none) verdict += " (" + std::string(to_string(m.method)) + ")";
  table.add_row({{m.probe_id, m.kind == ProbeKind::service ? Colour::bold : Colour::none},
                 {std::string(to_string(m.kind)), Colour::dim},
                 {std::string(to_string(m.group))},
                 {m.service.empty() ? "-" : m.service, Colour::dim},
                 {verdict, m.ok ? Colour::green : Colour::red},
                 {m.ok ? "" : m.failure.ooni_string(), Colour::red},
                 {m.ok ? "" : std::string(to_string(m.failure.op))},
                 {ms, Colour::dim}});
}

}  // namespace netvigil
