// When each job is due: fixed-rate slots on the monotonic clock, with per-job jitter.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "core/clock.hpp"

namespace netvigil {

/// Pure timing of periodic jobs; no I/O, so tests drive it with a FakeClock.
/// Slot k of a job is due at origin + offset + k × interval (+ a fresh jitter in [0, jitter)),
/// so runs never drift, and a job that falls behind skips slots instead of bursting.
class ScheduleTable {
 public:
  struct Job {
    std::chrono::milliseconds interval{60'000};
    SteadyTime next_due{};
    std::int64_t slot = 0;
    std::chrono::milliseconds offset{0};
  };

  ScheduleTable(std::chrono::milliseconds jitter, std::uint64_t seed = 1);

  /// Add a job starting at `origin`; its first run is due at origin + first_offset(index,
  /// interval) (+ jitter), so jobs with the same interval do not all fire at once. Returns
  /// its index.
  std::size_t add(std::chrono::milliseconds interval, SteadyTime origin);

  /// Offset of job `index`'s slots within its interval, in [0, interval): deterministic per
  /// index, and the offsets of any first N jobs spread about evenly over the whole interval.
  static std::chrono::milliseconds first_offset(std::size_t index, std::chrono::milliseconds interval);

  /// Jobs due at `now`, each advanced to its next slot. `skipped` counts slots that were
  /// already over (the loop was late by more than an interval): they are dropped, not run.
  std::vector<std::size_t> take_due(SteadyTime now, std::uint64_t& skipped);

  /// The earliest next_due over all jobs (time_point::max() when empty).
  SteadyTime next_wakeup() const;

  const Job& job(std::size_t i) const { return jobs_[i]; }
  std::size_t size() const noexcept { return jobs_.size(); }

 private:
  SteadyTime slot_time(const Job& j, SteadyTime origin) ;

  std::chrono::milliseconds jitter_;
  std::mt19937_64 rng_;
  std::vector<Job> jobs_;
  std::vector<SteadyTime> origins_;
};

}  // namespace netvigil
