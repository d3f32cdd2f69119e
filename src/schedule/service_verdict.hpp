// A service's verdict from its endpoints' measurements, by the rules its catalog names.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "core/measurement.hpp"

namespace netvigil {

/// One endpoint's result with the spec it ran.
struct EndpointResult {
  const ProbeSpec* spec;
  const Measurement* m;
};

/// Rules, per check:
///   any_success         ok when any endpoint of the check succeeded;
///   all_success         ok when every endpoint succeeded;
///   each_host_any_port  endpoints grouped by host; a host is blocked only when all of its
///                       ports failed; ok when at least one host is reachable. Blocked hosts
///                       are listed in the evidence.
/// The service is ok when every check is ok. On failure, `method` is the most frequent
/// method among the failed endpoints of failed checks (ties: dns, tls, tcp_ip,
/// http_blockpage, http_failure — the earlier in the path wins), and `failure` is the first
/// such endpoint's failure. Evidence: per check {name, rule, ok, failed:[endpoint ids],
/// blocked_hosts}.
Measurement evaluate_service(const ServiceSpec& service, const std::vector<EndpointResult>& results,
                             std::int64_t started_unix_ms);

}  // namespace netvigil
