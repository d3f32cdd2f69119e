// "Ordinary level" of one scope: rolling median with IODA-style inpainting and a new-normal rule.
#pragma once

#include <cstdint>
#include <optional>

#include "detect/sliding_median.hpp"

namespace netvigil {

/// Tuning of one Baseline. All windows are in detector steps.
struct BaselineParams {
  std::int64_t window_steps = 7 * 24 * 60;  ///< the rolling window (default 7 days of minutes)
  std::int64_t warmup_steps = 60;           ///< values needed in the window before it is trusted
  double band_low = 0.8;   ///< a value below band_low × baseline is inpainted (IODA)
  double band_high = 2.0;  ///< a value above band_high × baseline is inpainted (IODA)
  /// Absolute floor: a value below it never enters the warm-up history, and a new level below
  /// it is never accepted as normal (a long cut stays a cut).
  double floor_abs = 0.0;
  /// Relative floor: a new level below floor_rel × the current baseline is never accepted.
  double floor_rel = 0.0;
};

/// Rolling median of one scope's per-step values.
///
/// * Warm-up: until the window holds `warmup_steps` values, `established()` is false and values
///   at or above `floor_abs` enter the history as they are.
/// * Inpainting (IODA): once established, a value outside [band_low, band_high] × baseline
///   enters the history as the baseline itself, so an outage cannot drag the baseline down.
/// * New normal: the raw (un-inpainted) values are kept in a second window. When the raw
///   median has stayed outside the band for half a window (it leaves the band only once more
///   than half the window is at the new level, so the new level has then held for about a
///   whole window) and it is >= floor_abs and >= floor_rel × baseline, the history is replaced
///   by the raw window: the level is the new normal. A level below either floor never is.
class Baseline {
 public:
  explicit Baseline(BaselineParams params) : params_(params) {}

  /// Moves the window so that it ends at step `step` (drops values older than the window).
  void advance_to(std::int64_t step);
  /// Feeds the value observed at `step` (call advance_to(step) first). Compare the value with
  /// value() BEFORE calling add: the baseline predicts, then learns.
  void add(std::int64_t step, double value);
  /// True once the window holds at least warmup_steps values.
  bool established() const noexcept;
  /// The baseline (median of the history); 0 if the history is empty.
  double value() const noexcept { return history_.median(); }
  /// How many times a new level was accepted (for tests and the README's example).
  int new_normals() const noexcept { return new_normals_; }

 private:
  bool in_band(double v, double base) const noexcept;

  BaselineParams params_;
  SlidingMedian history_;  // inpainted values: what the baseline is computed from
  SlidingMedian raw_;      // values as observed: what a new normal is judged from
  std::optional<std::int64_t> raw_out_since_;
  int new_normals_ = 0;
};

}  // namespace netvigil
