// Exact median over a sliding window of time steps, O(log n) per step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <utility>

namespace netvigil {

/// Values tagged with their step index, kept in push order; the median of those present.
/// Two balanced halves (lower / upper), each a value → count map, give an exact median in
/// O(log distinct values): success ratios take few distinct values (k / attempts), so a 7-day
/// window at one-minute steps (10,080 values) costs well under a microsecond per step.
class SlidingMedian {
 public:
  /// Adds `value` for step `step`. Steps must be pushed in non-decreasing order.
  void push(std::int64_t step, double value);
  /// Drops every value whose step is < `first_kept_step`.
  void evict_before(std::int64_t first_kept_step);
  /// Median of the values present (mean of the two middle ones for an even count); 0 if empty.
  double median() const noexcept;
  std::size_t size() const noexcept { return order_.size(); }
  bool empty() const noexcept { return order_.empty(); }
  void clear() noexcept;

 private:
  using Half = std::map<double, std::uint32_t>;  // value -> how many times it is present
  static void add(Half& half, double value) { ++half[value]; }
  static void remove(Half& half, Half::iterator it);
  void erase_value(double value);
  void rebalance();

  std::deque<std::pair<std::int64_t, double>> order_;
  Half lo_;  // lower half; lo_n_ == hi_n_ or one more
  Half hi_;  // upper half; every value >= max(lo_)
  std::size_t lo_n_ = 0;
  std::size_t hi_n_ = 0;
};

}  // namespace netvigil
