// Per-step aggregates of measurements: what detection, timelines and exports work from.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/vocabulary.hpp"

namespace netvigil {

/// One detector step (default a minute) of one scope. Scopes:
///   "local", "isp", "domestic", "international"  — probes with no service, by group
///   "service:<id>"                                — service verdicts
///   "throughput:<group>"                          — throughput downloads of that group
struct Rollup {
  std::int64_t step_start = 0;  ///< unix seconds (UTC) at the start of the step
  std::string scope;
  std::uint32_t attempts = 0;
  std::uint32_t successes = 0;
  std::array<std::uint32_t, kMethodCount> failures_by_method{};  ///< index = Method
  std::int64_t throughput_bps = -1;  ///< mean bits/s of successful downloads; -1 none
  std::int32_t rtt_us = -1;          ///< median connect time of successful runs; -1 none

  double ratio() const noexcept {
    return attempts == 0 ? 0.0 : static_cast<double>(successes) / attempts;
  }
};

}  // namespace netvigil
