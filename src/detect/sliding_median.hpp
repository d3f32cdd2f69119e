// Exact median over a sliding window of time steps, O(log n) per step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>

namespace netvigil {

/// Values tagged with their step index, kept in push order; the median of those present.
/// Two balanced multisets (lower half / upper half) give an exact median in O(log n), so a
/// 7-day window at one-minute steps (10,080 values) costs microseconds per step.
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
  void erase_value(double value);
  void rebalance();

  std::deque<std::pair<std::int64_t, double>> order_;
  std::multiset<double> lo_;  // lower half; lo_.size() == hi_.size() or one more
  std::multiset<double> hi_;  // upper half; every element >= max(lo_)
};

}  // namespace netvigil
