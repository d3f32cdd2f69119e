// Time sources: the monotonic clock schedules, the wall clock stamps. Tests fake both.
#pragma once

#include <chrono>
#include <cstdint>

namespace netvigil {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

/// Source of time. The real one reads the kernel; FakeClock lets tests move time by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime steady_now() const = 0;
  /// Wall clock, milliseconds since the Unix epoch (UTC).
  virtual std::int64_t unix_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t unix_ms() const override {
    return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_ms = 1'750'000'000'000) : wall_ms_(unix_ms) {}
  SteadyTime steady_now() const override { return SteadyTime{} + steady_; }
  std::int64_t unix_ms() const override { return wall_ms_; }
  /// Move both clocks forward.
  void advance(Millis d) { steady_ += d; wall_ms_ += d.count(); }
  /// Step only the wall clock (as an NTP step or a bad RTC would).
  void step_wall(Millis d) { wall_ms_ += d.count(); }

 private:
  std::chrono::steady_clock::duration steady_{std::chrono::hours(1)};
  std::int64_t wall_ms_;
};

}  // namespace netvigil
