// One probe run's result: what every probe kind produces and the Recorder stores.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/failure.hpp"
#include "core/vocabulary.hpp"

namespace netvigil {

/// Phase durations in microseconds; -1 when the phase did not happen.
struct PhaseTimes {
  std::int32_t resolve_us = -1;
  std::int32_t connect_us = -1;
  std::int32_t tls_us = -1;
  std::int32_t first_byte_us = -1;
  std::int32_t total_us = -1;
};

/// A probe's result. A failed measurement is data: `failure` says why and where.
/// Never holds the vantage's own address (evidence keeps target addresses only).
struct Measurement {
  std::string probe_id;           ///< catalog slug, e.g. "telegram-dc1-443"
  ProbeKind kind = ProbeKind::tcp;
  Group group = Group::international;
  std::string service;            ///< "" when the probe belongs to no service
  std::int64_t started_unix_ms = 0;  ///< wall clock at start (UTC)
  bool ok = false;                ///< a complete transaction (no poisoned answer, block page, reset)
  FailureInfo failure;            ///< code none when ok
  Method method = Method::none;   ///< interference method this failure points to
  PhaseTimes phases;
  std::int32_t http_status = 0;
  std::int64_t bytes = 0;         ///< body bytes received (http, throughput)
  nlohmann::json evidence;        ///< kind-specific detail: answers, certificate, title, matches
};

}  // namespace netvigil
