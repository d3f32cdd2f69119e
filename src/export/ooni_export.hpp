// OONI export: one df-000 base-format measurement (data_format_version 0.2.0) per line.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "export/export_data.hpp"

namespace netvigil {

/// Write one OONI measurement per line (JSON Lines) for every raw row pulled.
///
/// Mapping (documented in the README's export section):
///  * test_name is "urlgetter" for every kind: OONI's urlgetter is the one test whose
///    test_keys are exactly the flat union of df-002 `queries`, df-005 `tcp_connect`,
///    df-006 `tls_handshakes` and df-001 `requests` plus `failure` / `failed_operation`,
///    which is what each netvigil probe produces. The netvigil kind, probe slug, group and
///    service are in `annotations` (netvigil_kind, netvigil_probe, …) and test_keys.x_netvigil.
///  * id: a UUID4-shaped value derived deterministically from SHA-256(vantage id, probe, t_ms,
///    kind), so exporting the same measurement twice gives the same id.
///  * report_id: OONI's shape "<YYYYMMDDThhmmssZ>_urlgetter_<cc>_<asn number>_n1_<16 hex>"
///    with the export's start time and a hash of the vantage and range.
///  * probe_ip "127.0.0.1"; resolver_ip "127.0.0.2" and resolver_asn "AS0" (OONI's values for
///    "not looked up": netvigil makes no geolocation lookups).
///  * Free text (failure strings, header values, titles) has every IP address that is not a
///    target address of the same measurement replaced with "[scrubbed]"; meta.own_addresses
///    are replaced in every string, structured fields included.
void write_ooni_jsonl(const ExportMeta& meta, const Source<RawMeasurementRow>& next,
                      std::ostream& os, Progress* progress = nullptr);

/// One row as an OONI df-000 measurement (the object written on each line).
nlohmann::json ooni_measurement(const ExportMeta& meta, const RawMeasurementRow& row,
                                const std::string& report_id);

/// The report_id used for every line of an export over `meta`.
std::string ooni_report_id(const ExportMeta& meta);

}  // namespace netvigil
