// Aggregates measurements into per-step, per-scope rollups (what detection and timelines use).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/rollup.hpp"
#include "store/rollup_chain.hpp"

namespace netvigil {

/// The scope a measurement counts in, or "" when it counts in none:
///   kind service           → "service:<service>" (the verdict)
///   kind throughput        → "throughput:<group>"
///   any other, no service  → the group name ("local", "isp", "domestic", "international")
///   any other, a service   → "" (a service's endpoint: its verdict counts instead)
std::string rollup_scope(const Measurement& m);

/// Bins measurements by the step their start falls in. Single-threaded (the loop's).
class RollupBuilder {
 public:
  /// `step` must be a positive whole number of seconds; a step closes once the wall clock
  /// passes its end plus `grace` (the probe timeout: everything started in it has finished).
  RollupBuilder(std::chrono::milliseconds step, std::chrono::milliseconds grace);

  /// Counts one measurement. One that arrives for a step closed moments ago is counted in
  /// late() and otherwise ignored (its raw row is still stored). One far older than the
  /// closed steps means the wall clock was stepped back: its step is opened again.
  void add(const Measurement& m);

  /// Closes and returns every step with end + grace <= now, oldest first. Steps in which no
  /// scope had an attempt produce nothing (a gap).
  std::vector<RollupStep> close_due(std::int64_t now_unix_ms);
  /// Closes everything still open (at shutdown).
  std::vector<RollupStep> close_all();

  std::int64_t step_ms() const noexcept { return step_ms_; }
  std::uint64_t late() const noexcept { return late_; }

 private:
  struct Acc {
    Rollup r;
    std::vector<std::int32_t> connect_us;  // successful runs, for the median
    std::int64_t bps_sum = 0;
    std::uint32_t bps_n = 0;
  };
  RollupStep finish(std::int64_t start_ms, std::map<std::string, Acc>& scopes) const;

  std::int64_t step_ms_;
  std::int64_t grace_ms_;
  std::map<std::int64_t, std::map<std::string, Acc>> open_;  // step start (ms) → scope → acc
  std::int64_t closed_before_ms_ = INT64_MIN;                // steps starting before are closed
  std::uint64_t late_ = 0;
};

}  // namespace netvigil
