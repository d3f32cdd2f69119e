// How measurements are shown: one JSON object per line, or a table row.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/terminal_table.hpp"
#include "core/measurement.hpp"

namespace netvigil {

/// UTC ISO 8601 with milliseconds: "2026-11-26T14:00:00.123Z".
std::string iso8601_ms(std::int64_t unix_ms);

/// The `run --once --json` line: t, probe, kind, group, service, ok, failure, operation,
/// method, status, total_ms, evidence. failure/operation/method are "" when ok.
nlohmann::json measurement_json(const Measurement& m);

/// Columns: probe, kind, group, service, verdict, failure, operation, time.
TerminalTable measurement_table();
void add_measurement_row(TerminalTable& table, const Measurement& m);

}  // namespace netvigil
