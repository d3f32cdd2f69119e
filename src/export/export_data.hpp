// The plain input rows every export writer reads, and the pull-style sources that supply them.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/event.hpp"
#include "core/measurement.hpp"

namespace netvigil {

/// A pull source: fills `row` and returns true, or returns false when there are no more rows.
/// Writers call it until it returns false and never hold more than one row, so an export's
/// memory does not grow with the time range (the lead streams these from SQLite).
template <class Row>
using Source = std::function<bool(Row&)>;

/// A factory that returns a FRESH source over the same rows on every call. Needed by writers
/// that make several passes (OpenMetrics: one pass per series, because families and series
/// must not be interleaved while memory stays flat).
template <class Row>
using SourceFactory = std::function<Source<Row>()>;

/// A source over an in-memory vector (tests, small exports, the events list).
template <class Row>
Source<Row> source_of(const std::vector<Row>& rows) {
  return [&rows, i = std::size_t{0}](Row& out) mutable {
    if (i >= rows.size()) return false;
    out = rows[i++];
    return true;
  };
}

/// Progress of a long export (the CLI shows it on a TTY). `report(done, total)` is called every
/// `every` rows and once at the end; total is 0 when unknown.
struct Progress {
  std::function<void(std::uint64_t done, std::uint64_t total)> report;
  std::uint64_t total = 0;
  std::uint64_t every = 10'000;
  std::uint64_t done = 0;

  void tick() {
    ++done;
    if (report && every != 0 && done % every == 0) report(done, total);
  }
  void finish() const {
    if (report) report(done, total);
  }
};

/// What the export is about: labels, range, method and baseline. Never an address.
struct ExportMeta {
  Vantage vantage;                   ///< id, country, asn, network_type, timezone
  std::string network_name;          ///< probe_network_name for OONI (AS name); may be empty
  std::int64_t from = 0;             ///< unix s, inclusive
  std::int64_t to = 0;               ///< unix s, exclusive
  std::int64_t step_s = 60;          ///< timeline step
  std::string method_version;        ///< detector method version, e.g. "nv-detect-1"
  std::string baseline_definition;   ///< the baseline and index formula in words
  nlohmann::json baseline_parameters = nlohmann::json::object();  ///< e.g. window_s, warmup_s
  std::string software_version = NETVIGIL_VERSION;
  /// Groups written as timeline columns / series, in this order. Empty: the four groups
  /// international, domestic, isp, local.
  std::vector<std::string> groups;
  /// Services written as timeline columns / series (the --service filter or every service of
  /// the catalogs). Empty: no per-service columns.
  std::vector<std::string> services;
  std::string chain_head;            ///< hex hash of the rollup chain head; empty if none
  std::vector<std::pair<std::string, std::string>> extra_labels;  ///< OpenMetrics --label k=v
  /// The vantage's own addresses if known (e.g. from the interfaces): the OONI export replaces
  /// them everywhere, even in structured fields, as a last line of defence. Never written.
  std::vector<std::string> own_addresses;

  /// The groups to write (the default four when `groups` is empty).
  std::vector<std::string> effective_groups() const {
    if (!groups.empty()) return groups;
    return {"international", "domestic", "isp", "local"};
  }
};

inline constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();

/// One group's figures in one step. NaN = no data (no attempts, or baseline not ready).
struct GroupPoint {
  std::string group;
  double ratio = kNoData;  ///< successes / attempts, 0..1
  double index = kNoData;  ///< connectivity index, % of ordinary levels, 0..100
};

/// One service's success ratio in one step (NaN = no verdict in this step).
struct ServicePoint {
  std::string service;
  double ratio = kNoData;
};

/// One timeline step (one per `step_s`, in increasing time).
struct TimelineRow {
  std::int64_t step_start = 0;  ///< unix s
  std::vector<GroupPoint> groups;
  std::vector<ServicePoint> services;
  std::string state;            ///< "normal", "degraded", "intl_blackout", ...
  std::vector<std::int64_t> active_events;  ///< ids of events active in this step

  /// The point of `group`, or nullptr.
  const GroupPoint* group(std::string_view name) const {
    for (const auto& g : groups)
      if (g.group == name) return &g;
    return nullptr;
  }
  const ServicePoint* service(std::string_view name) const {
    for (const auto& s : services)
      if (s.service == name) return &s;
    return nullptr;
  }
};

/// One raw measurement for the OONI export (as the probes produced it; evidence is tolerant:
/// any key may be missing).
struct RawMeasurementRow {
  std::string probe;            ///< probe slug
  std::string kind;             ///< dns | tcp | tls | http | service | throughput
  std::string group;
  std::string service;
  std::int64_t t_ms = 0;        ///< unix ms at start
  bool ok = false;
  std::string failure;          ///< OONI failure string ("" when ok); IPs may still need scrubbing
  std::string failed_operation; ///< resolve | connect | tls_handshake | http_round_trip | read
  PhaseTimes phases;
  std::int32_t status = 0;      ///< HTTP status
  nlohmann::json evidence;      ///< as produced by the probe kind
};

/// The clock's trust at one sweep (sync state and maximum error).
struct ClockTrustRow {
  std::int64_t t = 0;           ///< unix s
  bool synced = true;
  std::int64_t max_error_us = 0;
};

}  // namespace netvigil
