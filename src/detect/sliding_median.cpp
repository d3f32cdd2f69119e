// Exact sliding-window median with two balanced multisets.
#include "detect/sliding_median.hpp"

#include <iterator>

namespace netvigil {

void SlidingMedian::push(std::int64_t step, double value) {
  order_.emplace_back(step, value);
  if (lo_.empty() || value <= *lo_.rbegin()) {
    lo_.insert(value);
  } else {
    hi_.insert(value);
  }
  rebalance();
}

void SlidingMedian::evict_before(std::int64_t first_kept_step) {
  while (!order_.empty() && order_.front().first < first_kept_step) {
    erase_value(order_.front().second);
    order_.pop_front();
  }
}

double SlidingMedian::median() const noexcept {
  if (lo_.empty()) return 0.0;
  if (lo_.size() > hi_.size()) return *lo_.rbegin();
  return (*lo_.rbegin() + *hi_.begin()) / 2.0;
}

void SlidingMedian::clear() noexcept {
  order_.clear();
  lo_.clear();
  hi_.clear();
}

void SlidingMedian::erase_value(double value) {
  // A value <= max(lo_) is in lo_: every element of hi_ is >= max(lo_), and an equal copy
  // in lo_ is as good as one in hi_.
  if (!lo_.empty() && value <= *lo_.rbegin()) {
    lo_.erase(lo_.find(value));
  } else {
    hi_.erase(hi_.find(value));
  }
  rebalance();
}

void SlidingMedian::rebalance() {
  while (lo_.size() > hi_.size() + 1) {
    auto it = std::prev(lo_.end());
    hi_.insert(*it);
    lo_.erase(it);
  }
  while (hi_.size() > lo_.size()) {
    auto it = hi_.begin();
    lo_.insert(*it);
    hi_.erase(it);
  }
}

}  // namespace netvigil
