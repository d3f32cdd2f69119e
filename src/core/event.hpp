// A detected window: a blackout, an international cut, service interference, throttling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/vocabulary.hpp"

namespace netvigil {

/// Event types (stored as text; also the metric label `type`).
///   "full_blackout", "intl_blackout", "degraded", "local_outage", "service_interference",
///   "throttling"
struct Event {
  std::int64_t id = 0;               ///< store id; 0 before stored
  std::string type;
  std::string scope;                 ///< group or "service:<id>" or "throughput:<group>"
  std::string service;               ///< service id for service_interference
  Method method = Method::none;      ///< for service_interference
  std::int64_t start = 0;            ///< unix s: first failing step, not detection time
  std::optional<std::int64_t> end;   ///< unix s: first recovered step; none while ongoing
  std::int64_t detected_at = 0;      ///< unix s
  std::int64_t start_uncertainty_s = 0;
  double min_index = 100;            ///< minimum connectivity index during the window
  double mean_index = 100;
  double intl_index = 100;           ///< international index at detection
  double domestic_index = 100;       ///< domestic index at detection
  std::vector<std::int64_t> evidence;  ///< measurement ids
  std::string method_version;        ///< detector method version, e.g. "nv-detect-1"
  // Access Now STOP / Cloudflare Radar mapping.
  std::string shutdown_type;         ///< "Shutdown" | "Throttle" | "" (none for local_outage)
  std::string extent;                ///< "Full network" | "Service-based"
  std::string network_type;          ///< from the vantage labels
  std::vector<std::string> services_affected;
};

}  // namespace netvigil
