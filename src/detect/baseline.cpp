// Rolling-median baseline with inpainting, warm-up and a floored new-normal rule.
#include "detect/baseline.hpp"

#include <algorithm>

namespace netvigil {

void Baseline::advance_to(std::int64_t step) {
  const std::int64_t first_kept = step - params_.window_steps + 1;
  history_.evict_before(first_kept);
  raw_.evict_before(first_kept);
}

bool Baseline::established() const noexcept {
  const auto need = std::max<std::int64_t>(1, std::min(params_.warmup_steps, params_.window_steps));
  return static_cast<std::int64_t>(history_.size()) >= need;
}

bool Baseline::in_band(double v, double base) const noexcept {
  if (base <= 0.0) return v <= 0.0;
  return v >= params_.band_low * base && v <= params_.band_high * base;
}

void Baseline::add(std::int64_t step, double value) {
  raw_.push(step, value);
  if (!established()) {
    if (value >= params_.floor_abs) history_.push(step, value);
    raw_out_since_.reset();
    return;
  }
  const double base = history_.median();
  history_.push(step, in_band(value, base) ? value : base);

  const double raw_median = raw_.median();
  if (in_band(raw_median, base)) {
    raw_out_since_.reset();
    return;
  }
  if (!raw_out_since_) {
    raw_out_since_ = step;
    return;
  }
  const bool held = step - *raw_out_since_ >= params_.window_steps / 2;
  const bool above_floors =
      raw_median >= params_.floor_abs && raw_median >= params_.floor_rel * base;
  if (held && above_floors) {
    history_ = raw_;
    raw_out_since_.reset();
    ++new_normals_;
  }
}

}  // namespace netvigil
