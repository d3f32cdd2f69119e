// Fixed-rate slots with jitter; late slots are skipped and counted.
#include "schedule/schedule_table.hpp"

#include <algorithm>

namespace netvigil {

ScheduleTable::ScheduleTable(std::chrono::milliseconds jitter, std::uint64_t seed)
    : jitter_(jitter), rng_(seed) {}

std::chrono::milliseconds ScheduleTable::first_offset(std::size_t index,
                                                    std::chrono::milliseconds interval) {
  // Spread over the whole interval so N jobs ask for N / interval runs per second: a
  // narrower window makes them queue for in-flight slots (counted as scheduler lag).
  // frac(index × golden ratio) is a Weyl sequence: any first N jobs cover the interval
  // almost evenly, and a job's offset depends on its index only.
  if (interval.count() <= 1) return std::chrono::milliseconds{0};
  const std::uint64_t phase = static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ULL;
  const double fraction = static_cast<double>(phase >> 11) * 0x1p-53;  // [0, 1)
  const auto ms = static_cast<std::int64_t>(fraction * static_cast<double>(interval.count()));
  return std::chrono::milliseconds(std::min<std::int64_t>(ms, interval.count() - 1));
}

SteadyTime ScheduleTable::slot_time(const Job& j, SteadyTime origin) {
  std::chrono::milliseconds extra{0};
  if (jitter_.count() > 0) {
    std::uniform_int_distribution<std::int64_t> d(0, jitter_.count() - 1);
    extra = std::chrono::milliseconds(d(rng_));
  }
  return origin + j.offset + j.slot * j.interval + extra;
}

std::size_t ScheduleTable::add(std::chrono::milliseconds interval, SteadyTime origin) {
  Job j;
  j.interval = interval;
  j.offset = first_offset(jobs_.size(), interval);
  j.next_due = slot_time(j, origin);
  jobs_.push_back(j);
  origins_.push_back(origin);
  return jobs_.size() - 1;
}

std::vector<std::size_t> ScheduleTable::take_due(SteadyTime now, std::uint64_t& skipped) {
  std::vector<std::size_t> due;
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    Job& j = jobs_[i];
    if (j.next_due > now) continue;
    due.push_back(i);
    // Advance to the first slot after now; every slot jumped over is a skipped run.
    ++j.slot;
    const auto behind = (now - (origins_[i] + j.offset)) / j.interval;  // whole slots elapsed
    if (behind >= j.slot) {
      skipped += static_cast<std::uint64_t>(behind - j.slot + 1);
      j.slot = behind + 1;
    }
    j.next_due = slot_time(j, origins_[i]);
  }
  return due;
}

SteadyTime ScheduleTable::next_wakeup() const {
  SteadyTime t = SteadyTime::max();
  for (const auto& j : jobs_) t = std::min(t, j.next_due);
  return t;
}

}  // namespace netvigil
