// Exact sliding-window median with two balanced, counted halves.
#include "detect/sliding_median.hpp"

#include <iterator>

namespace netvigil {

void SlidingMedian::remove(Half& half, Half::iterator it) {
  if (--it->second == 0) half.erase(it);
}

void SlidingMedian::push(std::int64_t step, double value) {
  order_.emplace_back(step, value);
  if (lo_.empty() || value <= lo_.rbegin()->first) {
    add(lo_, value);
    ++lo_n_;
  } else {
    add(hi_, value);
    ++hi_n_;
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
  if (lo_n_ > hi_n_) return lo_.rbegin()->first;
  return (lo_.rbegin()->first + hi_.begin()->first) / 2.0;
}

void SlidingMedian::clear() noexcept {
  order_.clear();
  lo_.clear();
  hi_.clear();
  lo_n_ = hi_n_ = 0;
}

void SlidingMedian::erase_value(double value) {
  // A value <= max(lo_) is in lo_: every value of hi_ is >= max(lo_), and a copy in lo_ is
  // as good as one in hi_.
  if (!lo_.empty() && value <= lo_.rbegin()->first) {
    remove(lo_, lo_.find(value));
    --lo_n_;
  } else {
    remove(hi_, hi_.find(value));
    --hi_n_;
  }
  rebalance();
}

void SlidingMedian::rebalance() {
  while (lo_n_ > hi_n_ + 1) {
    auto it = std::prev(lo_.end());
    add(hi_, it->first);
    remove(lo_, it);
    --lo_n_;
    ++hi_n_;
  }
  while (hi_n_ > lo_n_) {
    auto it = hi_.begin();
    add(lo_, it->first);
    remove(hi_, it);
    --hi_n_;
    ++lo_n_;
  }
}

}  // namespace netvigil
